// Attacks on consent (docs/security.md, "Consent"): a local program reusing a native client's
// identity (RFC 8252 §8.6), and a client dressed up as another on the consent page.
#include <gtest/gtest.h>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kLoopback[] = "http://127.0.0.1:3000/callback";

TEST(AttackConsent, LocalProgramReusingALoopbackClientIdIsAlwaysShownTheConsentPage) {
  TestServer server;
  AddUser(server, "alice", "correct horse battery");
  FlowDriver flow(server);
  for (const char* redirect : {kLoopback, "cursor://anysphere.cursor-mcp/oauth/callback"}) {
    std::string client = flow.RegisterPublicClient({redirect});
    Pkce pkce = Pkce::Make();
    std::string approved = flow.AuthorizeAndApprove(flow.AuthorizeParams(client, redirect, pkce),
                                                    "alice", "correct horse battery");
    ASSERT_TRUE(QueryOf(approved).count("code")) << approved;
    // Any program on the machine can present this client_id with a loopback (or the app's)
    // redirect URI: the user is asked again, every time.
    HttpResult again = flow.Authorize(flow.AuthorizeParams(client, redirect, pkce));
    EXPECT_EQ(again.status, 200) << redirect;
    EXPECT_NE(again.body.find("name=\"decision\" value=\"approve\""), std::string::npos);
    // ... and prompt=none cannot skip it.
    Form silent = flow.AuthorizeParams(client, redirect, pkce);
    silent.emplace_back("prompt", "none");
    HttpResult none = flow.Authorize(silent);
    ASSERT_EQ(none.status, 302) << redirect;  // approved before: the error goes back
    EXPECT_EQ(QueryOf(none.Header("location"))["error"], "consent_required");
  }
}

TEST(AttackConsent, ClientNameThatHidesCharactersIsRefused) {
  TestServer server;
  // "Claude" then a right-to-left override, zero-width spaces, a control character.
  for (const char* name : {"Claude\u202E\u2066lanigiro", "Cl\u200Baude", "Claude\u0007",
                           "\uFEFFClaude", "Claude\u2028(official)"}) {
    HttpResult r = PostJson(server.port(), "/oauth/register",
                            {{"redirect_uris", {kLoopback}}, {"client_name", name}});
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_EQ(r.Json()["error"], "invalid_client_metadata");
    EXPECT_EQ(r.Json()["error_description"].get<std::string>().rfind(
                  "client_name must be plain text: the text contains an invisible or control "
                  "character (U+",
                  0),
              0u);
  }
  EXPECT_EQ(PostJson(server.port(), "/oauth/register",
                     {{"redirect_uris", {kLoopback}}, {"client_name", "Claude (claude.ai) — ünï"}})
                .status,
            201);
}

}  // namespace
}  // namespace authgent::testing
