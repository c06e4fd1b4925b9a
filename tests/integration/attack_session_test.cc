// Attacks on the browser's sign-in (docs/security.md, "Sessions"): login CSRF and session
// swapping with a transaction carried into another browser, cross-site form posts, and a
// session that must be replaced when asked.
#include <gtest/gtest.h>

#include "flow_helpers.h"

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

}  // namespace
}  // namespace authgent::testing
