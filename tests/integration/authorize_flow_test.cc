// The browser flow over real HTTP: authorize, login, consent, and what each refuses.
#include <gtest/gtest.h>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
constexpr char kHttpsRedirect[] = "https://app.example/cb";

class AuthorizeFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_id_ = flow_.RegisterPublicClient({kRedirect, kHttpsRedirect});
  }
  TestServer server_{[](server::RawConfig& raw) { raw.issuer = "http://127.0.0.1:9"; }};
  FlowDriver flow_{server_};
  std::string client_id_;
  Pkce pkce_ = Pkce::Make();
};

TEST_F(AuthorizeFlow, LoginConsentAndCodeWithStateAndIss) {
  HttpResult start = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
  ASSERT_EQ(start.status, 303);
  EXPECT_EQ(start.Header("location").rfind("/oauth/login?txn=", 0), 0u);

  // The transaction cookie binds the flow to this browser.
  ASSERT_EQ(start.set_cookies.size(), 1u);
  EXPECT_EQ(start.set_cookies[0].rfind("authgent_txn=", 0), 0u);
  EXPECT_NE(start.set_cookies[0].find("; Max-Age=600; HttpOnly; SameSite=Lax"), std::string::npos);
  HttpResult login_page = flow_.Visit(start.Header("location"));
  EXPECT_EQ(login_page.status, 200);
  EXPECT_EQ(login_page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(login_page.body.find("Test MCP Client"), std::string::npos);

  HttpResult login = flow_.Login(start.Header("location"), "alice", "correct horse battery");
  ASSERT_EQ(login.status, 303) << login.body;
  std::string cookie = login.Header("set-cookie");
  EXPECT_EQ(cookie.rfind("authgent_session=", 0), 0u);  // http issuer: no __Host- prefix
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);

  HttpResult consent = flow_.ConsentPage(login.Header("location"));
  ASSERT_EQ(consent.status, 200);
  // The name comes with the session's read (Store::GetSession), not a read of the user.
  EXPECT_NE(consent.body.find("Signed in as alice"), std::string::npos) << consent.body;
  EXPECT_EQ(consent.Header("x-frame-options"), "DENY");
  EXPECT_NE(consent.Header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(consent.Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(consent.Header("cache-control"), "no-store");
  EXPECT_NE(consent.body.find("127.0.0.1:3000"), std::string::npos);  // the redirect host
  EXPECT_NE(consent.body.find("Read data through the MCP server"), std::string::npos);
  EXPECT_NE(consent.body.find("(name supplied by the application)"), std::string::npos);

  HttpResult done = flow_.Decide(consent, "approve");
  ASSERT_EQ(done.status, 302);
  std::string location = done.Header("location");
  EXPECT_EQ(location.rfind(std::string(kRedirect) + "?code=", 0), 0u) << location;
  auto q = QueryOf(location);
  EXPECT_EQ(q["state"], "st-" + client_id_.substr(0, 6));
  EXPECT_EQ(q["iss"], "http://127.0.0.1:9");
  EXPECT_EQ(q["code"].size(), 51u);  // core/sortable_token
}

// Remembered for an https redirect URI only (for loopback ones: attack_consent_test.cc).
TEST_F(AuthorizeFlow, ConsentIsRememberedUntilMoreScopesOrPromptConsent) {
  flow_.AuthorizeAndApprove(flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce_), "alice",
                            "correct horse battery");
  // Same scopes again: straight back with a code.
  HttpResult again = flow_.Authorize(flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce_));
  ASSERT_EQ(again.status, 302);
  EXPECT_TRUE(QueryOf(again.Header("location")).count("code"));
  // More scopes: the consent page again.
  HttpResult more = flow_.Authorize(
      flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce_, "mcp:read mcp:write"));
  EXPECT_EQ(more.status, 200);
  EXPECT_NE(more.body.find("mcp:write"), std::string::npos);
  // prompt=consent forces it even for what was granted.
  Form forced = flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce_);
  forced.emplace_back("prompt", "consent");
  EXPECT_EQ(flow_.Authorize(forced).status, 200);
}

TEST_F(AuthorizeFlow, SignedInUserGetsTheConsentPageAtOnceAndOneApprovalAddsTheScopes) {
  flow_.AuthorizeAndApprove(flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce_), "alice",
                            "correct horse battery");
  // Signed in, asking for more: the consent page is the authorize answer itself.
  Pkce pkce = Pkce::Make();
  HttpResult page =
      flow_.Authorize(flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce, "mcp:read mcp:write"));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(InputValue(page.body, "txn").size(), 51u);  // core/sortable_token
  EXPECT_EQ(InputValue(page.body, "csrf_token").size(), 43u);
  HttpResult done = flow_.Decide(page, "approve");
  ASSERT_EQ(done.status, 302);
  auto q = QueryOf(done.Header("location"));
  EXPECT_EQ(q["state"], "st-" + client_id_.substr(0, 6));
  HttpResult token = flow_.ExchangeCode(client_id_, q["code"], pkce.verifier, kHttpsRedirect);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(nlohmann::json::parse(token.body)["scope"], "mcp:read mcp:write");
  // The page's form was single use; the approval was remembered with both scopes.
  EXPECT_EQ(flow_.Decide(page, "approve").status, 403);
  HttpResult again =
      flow_.Authorize(flow_.AuthorizeParams(client_id_, kHttpsRedirect, pkce, "mcp:write mcp:read"));
  ASSERT_EQ(again.status, 302);
  EXPECT_TRUE(QueryOf(again.Header("location")).count("code"));
}

TEST_F(AuthorizeFlow, DenyRedirectsAccessDeniedWithStateAndIss) {
  HttpResult start = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
  HttpResult login = flow_.Login(start.Header("location"), "alice", "correct horse battery");
  HttpResult page = flow_.ConsentPage(login.Header("location"));
  HttpResult denied = flow_.Decide(page, "deny");
  ASSERT_EQ(denied.status, 302);
  auto q = QueryOf(denied.Header("location"));
  EXPECT_EQ(q["error"], "access_denied");
  EXPECT_EQ(q["state"], "st-" + client_id_.substr(0, 6));
  EXPECT_EQ(q["iss"], "http://127.0.0.1:9");
  EXPECT_FALSE(q.count("code"));
}

TEST_F(AuthorizeFlow, CsrfFailureOnConsentIs403) {
  HttpResult start = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
  HttpResult login = flow_.Login(start.Header("location"), "alice", "correct horse battery");
  HttpResult page = flow_.ConsentPage(login.Header("location"));
  std::string txn = InputValue(page.body, "txn");
  // Wrong token, missing token, no session cookie: all refused with the same page.
  for (const auto& [csrf, cookie] : std::vector<std::pair<std::string, std::string>>{
           {"forged-token-forged-token-forged-token-abc", flow_.cookie()},
           {"", flow_.cookie()},
           {InputValue(page.body, "csrf_token"), ""}}) {
    std::map<std::string, std::string> headers;
    if (!cookie.empty()) headers["Cookie"] = cookie;
    HttpResult r = PostForm(server_.port(), "/oauth/consent",
                            {{"txn", txn}, {"csrf_token", csrf}, {"decision", "approve"}}, headers);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.Header("location"), "");
    EXPECT_NE(r.body.find("This form has expired"), std::string::npos);
  }
  // Another sign-in (bob's session) posting alice's page, with the page's own token.
  AddUser(server_, "bob", "another horse battery");
  FlowDriver bob{server_};
  HttpResult bob_start = bob.Authorize(bob.AuthorizeParams(client_id_, kRedirect, pkce_));
  bob.Login(bob_start.Header("location"), "bob", "another horse battery");
  ASSERT_FALSE(bob.cookie().empty());
  ASSERT_NE(bob.cookie(), flow_.cookie());
  HttpResult stolen = PostForm(server_.port(), "/oauth/consent",
                               {{"txn", txn},
                                {"csrf_token", InputValue(page.body, "csrf_token")},
                                {"decision", "approve"}},
                               {{"Cookie", bob.cookie()}});
  EXPECT_EQ(stolen.status, 403);
  EXPECT_NE(stolen.body.find("This form has expired"), std::string::npos);
  // The genuine form still works afterwards, exactly once.
  EXPECT_EQ(flow_.Decide(page, "approve").status, 302);
  EXPECT_EQ(flow_.Decide(page, "approve").status, 403);
}

TEST_F(AuthorizeFlow, RedirectMismatchShowsAnErrorPageAndNeverRedirects) {
  HttpResult r = flow_.Authorize(flow_.AuthorizeParams(client_id_, "https://evil.example/cb", pkce_));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("location"), "");
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("The redirect URI is not registered for this application."), std::string::npos);
  HttpResult unknown = flow_.Authorize(flow_.AuthorizeParams("no-such-client", kRedirect, pkce_));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.Header("location"), "");
}

TEST_F(AuthorizeFlow, LoopbackPortChangeIsAccepted) {
  std::string other_port = "http://127.0.0.1:51789/callback";
  std::string location = flow_.AuthorizeAndApprove(flow_.AuthorizeParams(client_id_, other_port, pkce_),
                                                   "alice", "correct horse battery");
  EXPECT_EQ(location.rfind(other_port + "?code=", 0), 0u) << location;
}

TEST_F(AuthorizeFlow, PkcePlainAndMissingChallengeAreRejectedAtTheRedirect) {
  Form plain = flow_.AuthorizeParams(client_id_, kRedirect, pkce_);
  for (auto& [k, v] : plain) if (k == "code_challenge_method") v = "plain";
  // A client the user never approved: a page with a link (attack_redirect_test.cc), whose URL
  // carries the error as a redirect would.
  HttpResult r = flow_.Authorize(plain);
  ASSERT_EQ(r.status, 400);
  auto q = QueryOf(ReturnLink(r.body));
  EXPECT_EQ(ReturnLink(r.body).rfind(std::string(kRedirect) + "?error=", 0), 0u);
  EXPECT_EQ(q["error"], "invalid_request");
  EXPECT_EQ(q["error_description"], "code_challenge_method must be S256");
  EXPECT_EQ(q["state"], "st-" + client_id_.substr(0, 6));
  EXPECT_EQ(q["iss"], "http://127.0.0.1:9");

  Form missing;
  for (const auto& kv : flow_.AuthorizeParams(client_id_, kRedirect, pkce_)) {
    if (kv.first != "code_challenge" && kv.first != "code_challenge_method") missing.push_back(kv);
  }
  auto m = QueryOf(ReturnLink(flow_.Authorize(missing).body));
  EXPECT_EQ(m["error"], "invalid_request");
  EXPECT_EQ(m["error_description"], "code_challenge is required (PKCE)");
}

// Found by fuzz/authorize_fuzzer: such a state made storing the transaction throw (a 500).
TEST_F(AuthorizeFlow, StateThatIsNotUtf8IsRefusedAtTheRedirectWithoutEcho) {
  Form form = flow_.AuthorizeParams(client_id_, kRedirect, pkce_);
  for (auto& [k, v] : form) if (k == "state") v = "\xFF\xFEx";
  HttpResult r = flow_.Authorize(form);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ReturnLink(r.body),
            std::string(kRedirect) + "?error=invalid_request&error_description=state%20must%20be%20"
            "text%20%28UTF-8%29&iss=http%3A%2F%2F127.0.0.1%3A9");
}

TEST_F(AuthorizeFlow, FailedLoginIsGenericThenThrottled) {
  TestServer strict([](server::RawConfig& raw) { raw.login_failure_limit = "3"; });
  AddUser(strict, "bob", "right password!");
  FlowDriver flow(strict);
  std::string client = flow.RegisterPublicClient({kRedirect});
  HttpResult start = flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce_));
  for (int i = 0; i < 3; ++i) {
    HttpResult bad = flow.Login(start.Header("location"), i == 0 ? "nobody" : "bob", "wrong");
    EXPECT_EQ(bad.status, 401);
    EXPECT_NE(bad.body.find("Incorrect username or password."), std::string::npos);
  }
  // bob has 2 failures, nobody 1: the per-account limit (3) is not reached yet for bob...
  EXPECT_EQ(flow.Login(start.Header("location"), "bob", "wrong").status, 401);
  // ...now it is, and even the right password waits.
  HttpResult throttled = flow.Login(start.Header("location"), "bob", "right password!");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_NE(throttled.body.find("Too many failed attempts"), std::string::npos);
  EXPECT_FALSE(throttled.Header("retry-after").empty());
  // The window passes (and with it the pending request): a fresh attempt succeeds.
  strict.clock().Advance(900);
  HttpResult restart = flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce_));
  EXPECT_EQ(flow.Login(restart.Header("location"), "bob", "right password!").status, 303);
}

TEST_F(AuthorizeFlow, HttpsIssuerUsesHostPrefixedSecureCookie) {
  TestServer https([](server::RawConfig& raw) { raw.issuer = "https://auth.example.com"; });
  AddUser(https, "carol", "pw pw pw pw");
  FlowDriver flow(https);
  std::string client = flow.RegisterPublicClient({kRedirect});
  HttpResult start = flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce_));
  std::string cookie = flow.Login(start.Header("location"), "carol", "pw pw pw pw").Header("set-cookie");
  EXPECT_EQ(cookie.rfind("__Host-authgent_session=", 0), 0u);
  EXPECT_NE(cookie.find("; Secure"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
}

TEST_F(AuthorizeFlow, ResourceOutsideTheConfiguredOnesIsInvalidTarget) {
  TestServer scoped([](server::RawConfig& raw) { raw.resources = "https://mcp.example.com/mcp"; });
  FlowDriver flow(scoped);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Form params = flow.AuthorizeParams(client, kRedirect, pkce_);
  params.emplace_back("resource", "https://other.example.com/mcp");
  auto q = QueryOf(ReturnLink(flow.Authorize(params).body));
  EXPECT_EQ(q["error"], "invalid_target");
  EXPECT_EQ(q["iss"], scoped.issuer());
}

TEST_F(AuthorizeFlow, LoginWithoutATransactionExplainsWhereToStart) {
  HttpResult r = Get(server_.port(), "/oauth/login");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Start from your application"), std::string::npos);
}

}  // namespace
}  // namespace authgent::testing
