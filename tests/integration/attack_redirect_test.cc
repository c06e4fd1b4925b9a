// Attacks that use authgent's trusted origin to send a browser somewhere (docs/security.md,
// "Redirects"): an open redirector through a self-registered client (RFC 9700 §4.11.2), and
// redirect URIs whose scheme the browser or the operating system executes.
#include <gtest/gtest.h>

#include "core/random.h"
#include "flow_helpers.h"
#include "oauth/registration.h"

namespace authgent::testing {
namespace {

constexpr char kEvil[] = "https://evil.example/landing";

class AttackRedirect : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    HttpResult r = PostJson(server_.port(), "/oauth/register",
                            {{"redirect_uris", {kEvil}},
                             {"token_endpoint_auth_method", "none"},
                             {"client_name", "Totally Legit Tool"}});
    ASSERT_EQ(r.status, 201);
    attacker_client_ = r.Json()["client_id"];
  }
  // A request the attacker makes invalid on purpose: no PKCE.
  Form Broken(const std::string& client_id, const std::string& redirect) {
    return {{"response_type", "code"}, {"client_id", client_id}, {"redirect_uri", redirect},
            {"state", "s1"}};
  }
  void ExpectErrorPageNotRedirect(const HttpResult& r, const std::string& error) {
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Header("location"), "");
    EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("Totally Legit Tool"), std::string::npos);
    EXPECT_NE(r.body.find("evil.example"), std::string::npos);  // the redirect host
    std::string link = ReturnLink(r.body);
    EXPECT_EQ(link.rfind(std::string(kEvil) + "?error=" + error, 0), 0u) << link;
    EXPECT_EQ(QueryOf(link)["state"], "s1");
    EXPECT_EQ(QueryOf(link)["iss"], server_.issuer());
  }
  TestServer server_;
  FlowDriver flow_{server_};
  std::string attacker_client_;
};

TEST_F(AttackRedirect, OpenRedirectThroughASelfRegisteredClientShowsAPageNotARedirect) {
  // A stranger's browser, signed out.
  ExpectErrorPageNotRedirect(flow_.Authorize(Broken(attacker_client_, kEvil)), "invalid_request");
  // prompt=none answers without any page otherwise: still no redirect to an unknown client.
  Pkce pkce = Pkce::Make();
  Form silent = flow_.AuthorizeParams(attacker_client_, kEvil, pkce);
  for (auto& [k, v] : silent) if (k == "state") v = "s1";
  silent.emplace_back("prompt", "none");
  ExpectErrorPageNotRedirect(flow_.Authorize(silent), "login_required");

  // A signed-in user who never approved this client.
  std::string own = flow_.RegisterPublicClient({"https://app.example/cb"});
  flow_.AuthorizeAndApprove(flow_.AuthorizeParams(own, "https://app.example/cb", pkce), "alice",
                            "correct horse battery");
  ASSERT_FALSE(flow_.cookie().empty());
  ExpectErrorPageNotRedirect(flow_.Authorize(Broken(attacker_client_, kEvil)), "invalid_request");
  ExpectErrorPageNotRedirect(flow_.Authorize(silent), "consent_required");
}

TEST_F(AttackRedirect, ErrorsRedirectOnceTheUserApprovedTheClientAndForOperatorClients) {
  Pkce pkce = Pkce::Make();
  flow_.AuthorizeAndApprove(flow_.AuthorizeParams(attacker_client_, kEvil, pkce), "alice",
                            "correct horse battery");
  HttpResult after = flow_.Authorize(Broken(attacker_client_, kEvil));
  ASSERT_EQ(after.status, 302) << after.body;
  auto q = QueryOf(after.Header("location"));
  EXPECT_EQ(q["error"], "invalid_request");
  EXPECT_EQ(q["state"], "s1");
  EXPECT_EQ(q["iss"], server_.issuer());

  auto operator_client = AddOperatorClient(
      server_, {.grants = {"authorization_code"}, .redirect_uris = {"https://tool.example/cb"}});
  FlowDriver stranger(server_);
  HttpResult r = stranger.Authorize(Broken(operator_client.first, "https://tool.example/cb"));
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("location").rfind("https://tool.example/cb?error=invalid_request", 0), 0u);
}

TEST_F(AttackRedirect, RedirectUrisThatExecuteAreRefusedAtRegistration) {
  for (const char* uri : {"javascript:alert(document.domain)", "data:text/html,<script>x</script>",
                          "vbscript:msgbox", "file:///etc/passwd", "blob:https://a.example/x",
                          "about:blank", "ms-msdt:/id PCWDiagnostic", "search-ms:query=x",
                          "ms-settings:privacy", "ms-officecmd:{}"}) {
    HttpResult r = PostJson(server_.port(), "/oauth/register",
                            {{"redirect_uris", {uri}}, {"token_endpoint_auth_method", "none"}});
    EXPECT_EQ(r.status, 400) << uri;
    EXPECT_EQ(r.Json()["error"], "invalid_redirect_uri") << uri;
  }
  for (const char* uri : {"cursor://anysphere.cursor-mcp/oauth/callback",
                          "vscode://vscode.github-authentication/did-authenticate",
                          "http://127.0.0.1:33418/callback", "https://claude.ai/api/mcp/auth_callback"}) {
    EXPECT_EQ(PostJson(server_.port(), "/oauth/register",
                       {{"redirect_uris", {uri}}, {"token_endpoint_auth_method", "none"}})
                  .status,
              201)
        << uri;
  }
}

// A client stored with such a URI (registered by an older version) is never redirected to it.
TEST_F(AttackRedirect, RedirectUrisThatExecuteAreRefusedAtAuthorize) {
  oauth::RegistrationPolicy policy;
  auto result = oauth::RegisterClient(
      R"({"redirect_uris":["https://ok.example/cb"],"token_endpoint_auth_method":"none"})", policy,
      server_.clock(), SecureRandom::Instance());
  storage::Client legacy = std::get<oauth::Registration>(result).client;
  legacy.redirect_uris = {"javascript:alert(1)//"};
  ASSERT_TRUE(storage::CreateClientAndWait(server_.app().store(), legacy).ok());
  Pkce pkce = Pkce::Make();
  HttpResult r = flow_.Authorize(flow_.AuthorizeParams(legacy.client_id, "javascript:alert(1)//", pkce));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("location"), "");
  EXPECT_NE(r.body.find("The redirect URI of this application is not allowed."), std::string::npos);
  EXPECT_EQ(r.body.find("javascript:"), std::string::npos);
}

}  // namespace
}  // namespace authgent::testing
