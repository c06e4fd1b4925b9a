// Attacks on the browser's sign-in (docs/security.md, "Sessions"): login CSRF and session
// swapping with a transaction carried into another browser, cross-site form posts, and a
// session that must be replaced when asked.
#include <gtest/gtest.h>

#include "flow_helpers.h"
#include "process.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

class AttackSession : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "mallory", "mallory's password");
    AddUser(server_, "alice", "correct horse battery");
    client_ = attacker_.RegisterPublicClient({kRedirect});
  }
  void ExpectOtherBrowser(const HttpResult& r) {
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find("This sign-in was started in another browser"), std::string::npos);
    EXPECT_TRUE(r.set_cookies.empty());  // no session is set
  }
  TestServer server_;
  FlowDriver attacker_{server_};
  FlowDriver victim_{server_};
  std::string client_;
  Pkce pkce_ = Pkce::Make();
};

TEST_F(AttackSession, LoginCsrfWithATransactionCarriedIntoAnotherBrowserIsRefused) {
  // The attacker starts a flow and sends the victim the login link (or posts the login form,
  // with the attacker's own credentials, from the victim's browser).
  HttpResult start = attacker_.Authorize(attacker_.AuthorizeParams(client_, kRedirect, pkce_));
  ASSERT_EQ(start.status, 303);
  std::string login_link = start.Header("location");
  std::string txn = QueryOf(login_link)["txn"];
  ExpectOtherBrowser(victim_.Visit(login_link));
  ExpectOtherBrowser(victim_.Submit("/oauth/login", {{"txn", txn},
                                                     {"username", "mallory"},
                                                     {"password", "mallory's password"}}));
  EXPECT_EQ(victim_.cookie(), "");
  // The attacker's own browser still can.
  EXPECT_EQ(attacker_.Login(login_link, "mallory", "mallory's password").status, 303);
}

TEST_F(AttackSession, ConsentStepCarriedIntoAnotherBrowserIsRefused) {
  // The attacker signs in and hands over the consent link; the victim is signed in too.
  HttpResult start = attacker_.Authorize(attacker_.AuthorizeParams(client_, kRedirect, pkce_));
  HttpResult login = attacker_.Login(start.Header("location"), "mallory", "mallory's password");
  ASSERT_EQ(login.status, 303);
  HttpResult own = victim_.Authorize(victim_.AuthorizeParams(client_, kRedirect, pkce_));
  ASSERT_EQ(victim_.Login(own.Header("location"), "alice", "correct horse battery").status, 303);
  ExpectOtherBrowser(victim_.Visit(login.Header("location")));
  // Nor can a consent form be approved with another browser's transaction cookie.
  HttpResult page = attacker_.ConsentPage(login.Header("location"));
  ASSERT_EQ(page.status, 200);
  HttpResult forged = PostForm(server_.port(), "/oauth/consent",
                               {{"txn", InputValue(page.body, "txn")},
                                {"csrf_token", InputValue(page.body, "csrf_token")},
                                {"decision", "approve"}},
                               {{"Cookie", attacker_.cookie()}});  // the session, not the binding
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.Header("location"), "");
  EXPECT_EQ(attacker_.Decide(page, "approve").status, 302);
}

TEST_F(AttackSession, CrossSiteFormPostsToLoginAndConsentAre403) {
  HttpResult start = victim_.Authorize(victim_.AuthorizeParams(client_, kRedirect, pkce_));
  std::string txn = QueryOf(start.Header("location"))["txn"];
  Form credentials = {{"txn", txn}, {"username", "alice"}, {"password", "correct horse battery"}};
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Origin", "https://evil.example"}, {"Origin", "null"},
           {"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}}) {
    HttpResult r = victim_.Submit("/oauth/login", credentials, {{name, value}});
    EXPECT_EQ(r.status, 403) << name << ": " << value;
    EXPECT_NE(r.body.find("This form was sent from another site"), std::string::npos);
    EXPECT_EQ(victim_.cookie(), "");
  }
  HttpResult login = victim_.Submit("/oauth/login", credentials,
                                    {{"Origin", server_.issuer()}, {"Sec-Fetch-Site", "same-origin"}});
  ASSERT_EQ(login.status, 303);
  HttpResult page = victim_.ConsentPage(login.Header("location"));
  Form decision = {{"txn", InputValue(page.body, "txn")},
                   {"csrf_token", InputValue(page.body, "csrf_token")},
                   {"decision", "approve"}};
  HttpResult cross = victim_.Submit("/oauth/consent", decision, {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(cross.Header("location"), "");
  decision.back().second = "deny";
  EXPECT_EQ(victim_.Submit("/oauth/consent", decision, {{"Origin", "https://evil.example"}}).status,
            403);
  decision.back().second = "approve";
  EXPECT_EQ(victim_.Submit("/oauth/consent", decision, {{"Sec-Fetch-Site", "same-origin"}}).status,
            302);
}

TEST_F(AttackSession, PromptLoginForcesANewLoginThatReplacesTheSessionCookie) {
  victim_.AuthorizeAndApprove(victim_.AuthorizeParams(client_, kRedirect, pkce_), "alice",
                              "correct horse battery");
  std::string first = victim_.cookie();
  ASSERT_FALSE(first.empty());
  Form params = victim_.AuthorizeParams(client_, kRedirect, pkce_);
  params.emplace_back("prompt", "login");
  HttpResult r = victim_.Authorize(params);
  ASSERT_EQ(r.status, 303);  // to the login page, although signed in
  EXPECT_EQ(r.Header("location").rfind("/oauth/login?txn=", 0), 0u);
  HttpResult login = victim_.Login(r.Header("location"), "mallory", "mallory's password");
  ASSERT_EQ(login.status, 303);
  EXPECT_NE(victim_.cookie(), first);
  HttpResult page = victim_.ConsentPage(login.Header("location"));
  EXPECT_NE(page.body.find("Signed in as mallory"), std::string::npos);
}

TEST_F(AttackSession, SignOutEndsTheSessionAndCannotBeForgedFromAnotherSite) {
  HttpResult start = victim_.Authorize(victim_.AuthorizeParams(client_, kRedirect, pkce_));
  HttpResult login = victim_.Login(start.Header("location"), "alice", "correct horse battery");
  ASSERT_EQ(login.status, 303);
  HttpResult consent = victim_.ConsentPage(login.Header("location"));
  ASSERT_NE(consent.body.find("Not alice?"), std::string::npos);

  HttpResult page = victim_.Visit("/oauth/logout");
  ASSERT_EQ(page.status, 200);
  std::string token = InputValue(page.body, "csrf_token");
  ASSERT_EQ(token.size(), 43u);
  // Another site posting the form: refused by origin; without the page's token: refused.
  EXPECT_EQ(victim_.Submit("/oauth/logout", {{"csrf_token", token}},
                           {{"Origin", "https://evil.example"}}).status,
            403);
  HttpResult forged = victim_.Submit("/oauth/logout", {{"csrf_token", "forged"}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_FALSE(victim_.cookie().empty());

  // "Not you?" on the consent page: signed out, and on to the login of the same request.
  HttpResult out = victim_.Submit("/oauth/logout", {{"csrf_token", token},
                                                    {"txn", InputValue(consent.body, "txn")}});
  ASSERT_EQ(out.status, 303);
  EXPECT_EQ(out.Header("location"), "/oauth/login?txn=" + InputValue(consent.body, "txn"));
  ASSERT_EQ(out.set_cookies.size(), 1u);
  EXPECT_EQ(out.set_cookies[0].rfind("authgent_session=; Path=/; Max-Age=0", 0), 0u);
  EXPECT_EQ(victim_.cookie(), "");
  // The server forgot the session too: the old cookie no longer signs anyone in.
  HttpResult replayed = Get(server_.port(), "/oauth/logout", {{"Cookie", login.set_cookies.at(0).substr(0, login.set_cookies.at(0).find(';'))}});
  EXPECT_NE(replayed.body.find("You are not signed in"), std::string::npos);
  HttpResult again = victim_.Authorize(victim_.AuthorizeParams(client_, kRedirect, pkce_));
  EXPECT_EQ(again.status, 303);
  EXPECT_EQ(again.Header("location").rfind("/oauth/login?txn=", 0), 0u);
}

// The operator's answer to a leaked password or a departed user: `authgent users passwd` and
// `authgent users disable` end the sessions and the tokens at once, on a running server.
TEST_F(AttackSession, PasswordChangeAndDisableEndSessionsAndTokensAtOnce) {
  auto rs = AddOperatorClient(server_, {.resources = {server_.issuer()}, .introspect = true});
  auto signed_in_with_tokens = [&](FlowDriver& browser, const std::string& user,
                                   const std::string& password) {
    Pkce pkce = Pkce::Make();
    std::string code = QueryOf(browser.AuthorizeAndApprove(
        browser.AuthorizeParams(client_, kRedirect, pkce), user, password))["code"];
    return browser.ExchangeCode(client_, code, pkce.verifier, kRedirect).Json();
  };
  auto cli = [&](const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {AuthgentBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv, server_.StoreEnvironment(), server_.dir(), input);
    return p.Wait(30000);
  };
  auto active = [&](const std::string& token) {
    return PostForm(server_.port(), "/oauth/introspect", {{"token", token}},
                    {{"Authorization", Basic(rs.first, rs.second)}})
        .Json()["active"] == true;
  };
  for (const char* action : {"passwd", "disable"}) {
    FlowDriver browser(server_);
    nlohmann::json tokens = signed_in_with_tokens(browser, "alice", "correct horse battery");
    ASSERT_TRUE(active(tokens["access_token"])) << action;
    ASSERT_EQ(cli({"users", action, "alice"}, "correct horse battery\n"), 0) << action;
    HttpResult to_login = browser.Authorize(browser.AuthorizeParams(client_, kRedirect, pkce_));
    EXPECT_EQ(to_login.status, 303) << action;  // the session is gone
    HttpResult refresh = browser.Refresh(client_, tokens["refresh_token"]);
    EXPECT_EQ(refresh.status, 400);
    EXPECT_EQ(refresh.Json()["error_description"], "the refresh token has been revoked");
    EXPECT_FALSE(active(tokens["access_token"])) << action;
  }
  // Disabled: the right password no longer signs in.
  FlowDriver browser(server_);
  HttpResult start = browser.Authorize(browser.AuthorizeParams(client_, kRedirect, pkce_));
  EXPECT_EQ(browser.Login(start.Header("location"), "alice", "correct horse battery").status, 401);
  ASSERT_EQ(cli({"users", "enable", "alice"}), 0);
  EXPECT_EQ(browser.Login(start.Header("location"), "alice", "correct horse battery").status, 303);
}

}  // namespace
}  // namespace authgent::testing
