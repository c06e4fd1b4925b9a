// The user's connected-apps page (/account) over real HTTP: the sign-in that ends there, the
// list of clients holding access, revoking one or all (refresh tokens refused and access tokens
// inactive afterwards, the audit trail naming each), and the attacks on its forms: another site,
// another session's token, the sign-out token, another user's grant, a sign-in carried into
// another browser.
#include <gtest/gtest.h>

#include <fstream>

#include "flow_helpers.h"
#include "process.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
constexpr char kOtherRedirect[] = "http://127.0.0.1:4000/cb";
constexpr char kPassword[] = "correct horse battery";
constexpr char kResource[] = "https://mcp.example.com/mcp";

class Account : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", kPassword);
    AddUser(server_, "bob", kPassword);
  }

  // A client registered, approved by `user` in `browser` and its code exchanged: the tokens.
  nlohmann::json Connect(FlowDriver& browser, const std::string& client_id,
                         const std::string& redirect, const std::string& user) {
    Pkce pkce = Pkce::Make();
    std::string back = browser.AuthorizeAndApprove(
        browser.AuthorizeParams(client_id, redirect, pkce), user, kPassword);
    HttpResult exchanged =
        browser.ExchangeCode(client_id, QueryOf(back)["code"], pkce.verifier, redirect);
    EXPECT_EQ(exchanged.status, 200) << exchanged.body;
    return exchanged.Json();
  }

  bool Active(const std::string& access_token) {
    HttpResult r = PostForm(server_.port(), "/oauth/introspect", {{"token", access_token}},
                            {{"Authorization", Basic(rs_.first, rs_.second)}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json()["active"] == true;
  }

  // The account page's revoke form for the app whose client_id input is `client_id`.
  Form RevokeForm(const std::string& html, const std::string& client_id) {
    size_t at = html.find("name=\"client_id\" value=\"" + client_id + "\"");
    EXPECT_NE(at, std::string::npos) << html;
    std::string form = html.substr(html.rfind("<form", at));
    return {{"csrf_token", InputValue(form, "csrf_token")},
            {"client_id", client_id},
            {"resource", InputValue(form, "resource")}};
  }

  std::string audit_path_ = MakeTempDir("authgent-account") + "/audit.log";
  TestServer server_{[this](server::RawConfig& raw) {
    raw.resources = kResource;
    raw.audit_log = audit_path_;
  }};
  std::pair<std::string, std::string> rs_ =
      AddOperatorClient(server_, {.resources = {kResource}, .introspect = true});
  FlowDriver alice_{server_};
};

TEST_F(Account, ABrowserWithoutASessionSignsInAndLandsOnTheEmptyPage) {
  HttpResult first = alice_.Visit("/account");
  ASSERT_EQ(first.status, 303);
  std::string login = first.Header("location");
  ASSERT_EQ(login.rfind("/oauth/login?txn=", 0), 0u) << login;
  HttpResult page = alice_.Visit(login);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("to see and manage the applications connected to your account"),
            std::string::npos);
  HttpResult signed_in = alice_.Login(login, "alice", kPassword);
  ASSERT_EQ(signed_in.status, 303) << signed_in.body;
  EXPECT_EQ(signed_in.Header("location"), "/account");
  HttpResult account = alice_.Visit("/account");
  ASSERT_EQ(account.status, 200);
  EXPECT_EQ(account.Header("cache-control"), "no-store");
  EXPECT_NE(account.body.find("Signed in as alice"), std::string::npos);
  EXPECT_NE(account.body.find("No application has access to your account."), std::string::npos);
  // The sign-in's transaction is spent: its login link does nothing more.
  EXPECT_EQ(alice_.Visit(login).status, 400);
}

TEST_F(Account, ListsTheConnectedAppsAndRevokesOneThenAll) {
  std::string first = alice_.RegisterPublicClient({kRedirect});
  std::string second = alice_.RegisterPublicClient({kOtherRedirect});
  nlohmann::json t1 = Connect(alice_, first, kRedirect, "alice");
  nlohmann::json t2 = Connect(alice_, second, kOtherRedirect, "alice");
  HttpResult page = alice_.Visit("/account");
  ASSERT_EQ(page.status, 200);
  for (const std::string& needle :
       {first, second, std::string("127.0.0.1:3000"), std::string("127.0.0.1:4000"),
        std::string(kResource), std::string("mcp:read"),
        std::string("Yes: keeps access while you are away")}) {
    EXPECT_NE(page.body.find(needle), std::string::npos) << needle;
  }

  HttpResult revoked = alice_.Submit("/account/revoke", RevokeForm(page.body, first));
  ASSERT_EQ(revoked.status, 303) << revoked.body;
  EXPECT_EQ(revoked.Header("location"), "/account?revoked=one");
  page = alice_.Visit(revoked.Header("location"));
  EXPECT_NE(page.body.find("Access revoked. That application must ask you again"),
            std::string::npos);
  EXPECT_EQ(page.body.find(first), std::string::npos);
  EXPECT_NE(page.body.find(second), std::string::npos);
  EXPECT_EQ(alice_.Refresh(first, t1["refresh_token"]).status, 400);
  EXPECT_FALSE(Active(t1["access_token"]));
  EXPECT_TRUE(Active(t2["access_token"]));

  HttpResult all =
      alice_.Submit("/account/revoke-all", {{"csrf_token", InputValue(page.body, "csrf_token")}});
  ASSERT_EQ(all.status, 303) << all.body;
  EXPECT_EQ(all.Header("location"), "/account?revoked=all");
  page = alice_.Visit("/account?revoked=all");
  EXPECT_NE(page.body.find("No application has access to your account."), std::string::npos);
  EXPECT_NE(page.body.find("Access revoked for every application."), std::string::npos);
  HttpResult refused = alice_.Refresh(second, t2["refresh_token"]);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.Json()["error"], "invalid_grant");
  EXPECT_FALSE(Active(t2["access_token"]));

  // The next authorization asks for consent again.
  Pkce pkce = Pkce::Make();
  HttpResult again = alice_.Authorize(alice_.AuthorizeParams(first, kRedirect, pkce));
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("name=\"decision\" value=\"approve\""), std::string::npos);

  // One audit line per revoked grant, naming the user and the client, the user as the actor.
  server_.app().audit().Flush();
  std::ifstream in(audit_path_);
  std::vector<nlohmann::json> revocations;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json e = nlohmann::json::parse(line);
    if (e["event"] == "grant.revoked") revocations.push_back(e);
  }
  ASSERT_EQ(revocations.size(), 2u);
  EXPECT_EQ(revocations[0]["client_id"], first);
  EXPECT_EQ(revocations[1]["client_id"], second);
  for (const nlohmann::json& e : revocations) {
    EXPECT_EQ(e["actor"], "user");
    EXPECT_EQ(e["client_kind"], "dcr");
    EXPECT_TRUE(e["user_id"].is_string() && !e["user_id"].get<std::string>().empty()) << e;
    EXPECT_TRUE(e.contains("resource") && e.contains("request_id") && e.contains("ip")) << e;
  }
}

TEST_F(Account, FormsFromAnotherSiteOrWithoutThisSessionsTokenRevokeNothing) {
  std::string client = alice_.RegisterPublicClient({kRedirect});
  nlohmann::json tokens = Connect(alice_, client, kRedirect, "alice");
  HttpResult page = alice_.Visit("/account");
  Form form = RevokeForm(page.body, client);

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}) {
    HttpResult r = alice_.Submit("/account/revoke-all", {form[0]}, {{name, value}});
    EXPECT_EQ(r.status, 403) << name;
    EXPECT_NE(r.body.find("This form was sent from another site"), std::string::npos);
  }
  Form wrong = form;
  wrong[0].second = InputValue(page.body.substr(page.body.find("/oauth/logout")), "csrf_token");
  ASSERT_FALSE(wrong[0].second.empty());
  ASSERT_NE(wrong[0].second, form[0].second);  // the sign-out token is not the account token
  for (const Form& f : {wrong, Form{form[1], form[2]}}) {
    HttpResult r = alice_.Submit("/account/revoke", f);
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("This form has expired"), std::string::npos);
  }
  // Bob's own session and token, naming Alice's client and resource, revoke only Bob's grants.
  FlowDriver bob{server_};
  std::string bobs_client = bob.RegisterPublicClient({kOtherRedirect});
  nlohmann::json bobs_tokens = Connect(bob, bobs_client, kOtherRedirect, "bob");
  HttpResult bob_page = bob.Visit("/account");
  HttpResult r =
      bob.Submit("/account/revoke",
                 {{"csrf_token", InputValue(bob_page.body, "csrf_token")}, form[1], form[2]});
  EXPECT_EQ(r.status, 303);
  // And Alice's token in Bob's form is refused: it belongs to another session.
  EXPECT_EQ(bob.Submit("/account/revoke", form).status, 403);
  HttpResult still = alice_.Refresh(client, tokens["refresh_token"]);
  EXPECT_EQ(still.status, 200) << still.body;
  EXPECT_TRUE(Active(tokens["access_token"]));
  EXPECT_TRUE(Active(bobs_tokens["access_token"]));
  // Without a session a form leads back to the sign-in, revoking nothing.
  HttpResult anonymous = PostForm(server_.port(), "/account/revoke-all", {form[0]});
  EXPECT_EQ(anonymous.status, 303);
  EXPECT_EQ(anonymous.Header("location"), "/account");
}

TEST_F(Account, TheSignInLinkCarriedIntoAnotherBrowserIsRefused) {
  FlowDriver attacker{server_};
  std::string login = attacker.Visit("/account").Header("location");
  HttpResult r = alice_.Visit(login);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("This sign-in was started in another browser"), std::string::npos);
  EXPECT_EQ(
      alice_
          .Submit("/oauth/login",
                  {{"txn", QueryOf(login)["txn"]}, {"username", "alice"}, {"password", kPassword}})
          .status,
      403);
  EXPECT_EQ(alice_.cookie(), "");
}

TEST_F(Account, SignOutEndsTheSessionAndTheNextVisitAsksToSignIn) {
  ASSERT_EQ(alice_.Login(alice_.Visit("/account").Header("location"), "alice", kPassword).status,
            303);
  HttpResult page = alice_.Visit("/account");
  std::string token = InputValue(page.body.substr(page.body.find("/oauth/logout")), "csrf_token");
  HttpResult out = alice_.Submit("/oauth/logout", {{"csrf_token", token}});
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.body.find("You are signed out"), std::string::npos);
  HttpResult again = alice_.Visit("/account");
  EXPECT_EQ(again.status, 303);
  EXPECT_EQ(again.Header("location").rfind("/oauth/login?txn=", 0), 0u);
}

}  // namespace
}  // namespace authgent::testing
