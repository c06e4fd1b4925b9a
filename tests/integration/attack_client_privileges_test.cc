// Attacks by a stranger who registers a client (docs/security.md, "Client privileges"): tokens
// without a user, tokens for any audience, reading other clients' tokens by introspection.
#include <gtest/gtest.h>

#include "core/random.h"
#include "flow_helpers.h"
#include "oauth/registration.h"

namespace authgent::testing {
namespace {

constexpr char kMcp[] = "https://mcp.example.com/mcp";

HttpResult ClientCredentials(TestServer& server, const std::pair<std::string, std::string>& client,
                             const Form& extra = {}) {
  Form form = {{"grant_type", "client_credentials"}};
  form.insert(form.end(), extra.begin(), extra.end());
  return PostForm(server.port(), "/oauth/token", form,
                  {{"Authorization", Basic(client.first, client.second)}});
}

TEST(AttackClientPrivileges, SelfRegisteredMachineClientIsRefusedInEveryDcrMode) {
  for (const char* mode : {"open", "constrained"}) {
    TestServer server([mode](server::RawConfig& raw) { raw.dcr_mode = mode; });
    for (const nlohmann::json& grants :
         {nlohmann::json::array({"client_credentials"}),
          nlohmann::json::array({"authorization_code", "client_credentials"})}) {
      HttpResult r = PostJson(server.port(), "/oauth/register",
                              {{"grant_types", grants},
                               {"redirect_uris", {"https://claude.ai/api/mcp/auth_callback"}},
                               {"token_endpoint_auth_method", "client_secret_post"}});
      EXPECT_EQ(r.status, 400) << mode << " " << r.body;
      EXPECT_EQ(r.Json()["error"], "invalid_client_metadata");
      EXPECT_EQ(r.Json()["error_description"],
                "the client_credentials grant is only for clients the operator creates; "
                "supported: authorization_code, refresh_token");
    }
    // Nor any other grant that needs no user.
    HttpResult password = PostJson(server.port(), "/oauth/register",
                                   {{"grant_types", {"password"}},
                                    {"redirect_uris", {"https://claude.ai/api/mcp/auth_callback"}}});
    EXPECT_EQ(password.status, 400);
    EXPECT_EQ(password.Json()["error"], "invalid_client_metadata");
  }
}

// A client that registered itself with client_credentials before registration refused it (or
// was written by anything but the operator's CLI) still gets no token.
TEST(AttackClientPrivileges, SelfRegisteredMachineClientGetsNoTokenAtTheTokenEndpoint) {
  TestServer server;
  oauth::RegistrationPolicy legacy;
  legacy.by_operator = true;  // what registration used to allow anyone
  auto result = oauth::RegisterClient(
      R"({"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic"})",
      legacy, server.clock(), SecureRandom::Instance(), "dcr");
  auto& reg = std::get<oauth::Registration>(result);
  reg.client.resources = {kMcp};  // even with resources written behind the server's back
  ASSERT_TRUE(storage::CreateClientAndWait(server.app().store(), reg.client).ok());
  HttpResult r = ClientCredentials(server, {reg.client.client_id, reg.client_secret},
                                   {{"resource", kMcp}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["error"], "unauthorized_client");
  EXPECT_EQ(r.Json()["error_description"], "this client may not use the client_credentials grant");
}

TEST(AttackClientPrivileges, OperatorMachineClientGetsOnlyItsResourcesAndScopes) {
  TestServer server;
  auto machine = AddOperatorClient(server, {.resources = {kMcp}, .scope = "mcp:read"});
  HttpResult ok = ClientCredentials(server, machine);
  ASSERT_EQ(ok.status, 200) << ok.body;
  nlohmann::json claims = JwtPart(ok.Json()["access_token"], 1);
  EXPECT_EQ(claims["aud"], kMcp);  // its one resource, without asking
  EXPECT_EQ(claims["scope"], "mcp:read");
  EXPECT_EQ(claims["sub"], machine.first);

  HttpResult other = ClientCredentials(server, machine, {{"resource", "https://bank.example/mcp"}});
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.Json()["error"], "invalid_target");
  EXPECT_EQ(other.Json()["error_description"],
            "this client may not get tokens for the requested resource");
  HttpResult wider = ClientCredentials(server, machine, {{"scope", "mcp:read mcp:write"}});
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.Json()["error"], "invalid_scope");
  EXPECT_EQ(wider.Json()["error_description"], "a requested scope is not allowed for this client");
  // A trailing slash or a differently cased host is the same resource.
  EXPECT_EQ(ClientCredentials(server, machine, {{"resource", "https://MCP.example.com/mcp/"}}).status,
            200);

  auto two = AddOperatorClient(server, {.resources = {kMcp, "https://other.example.com/mcp"}});
  HttpResult unnamed = ClientCredentials(server, two);
  EXPECT_EQ(unnamed.status, 400);
  EXPECT_EQ(unnamed.Json()["error"], "invalid_target");
  EXPECT_EQ(unnamed.Json()["error_description"],
            "resource is required: this client may get tokens for several");
}

class AttackIntrospection : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_id_ = flow_.RegisterPublicClient({"http://127.0.0.1:3000/callback"});
  }
  // Tokens for alice through `client_id_`, for `resource`.
  nlohmann::json TokensFor(const std::string& resource) {
    Pkce pkce = Pkce::Make();
    Form params = flow_.AuthorizeParams(client_id_, "http://127.0.0.1:3000/callback", pkce);
    params.emplace_back("resource", resource);
    std::string code =
        QueryOf(flow_.AuthorizeAndApprove(params, "alice", "correct horse battery"))["code"];
    return flow_.ExchangeCode(client_id_, code, pkce.verifier, "http://127.0.0.1:3000/callback")
        .Json();
  }
  HttpResult Introspect(const std::pair<std::string, std::string>& caller, const std::string& token) {
    return PostForm(server_.port(), "/oauth/introspect", {{"token", token}},
                    {{"Authorization", Basic(caller.first, caller.second)}});
  }
  TestServer server_;
  FlowDriver flow_{server_};
  std::string client_id_;
};

TEST_F(AttackIntrospection, SelfRegisteredConfidentialClientCannotIntrospect) {
  nlohmann::json tokens = TokensFor(kMcp);
  auto stranger = flow_.RegisterConfidentialClient({"https://evil.example/cb"},
                                                   {"authorization_code"});
  HttpResult r = Introspect(stranger, tokens["access_token"]);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Json()["error"], "unauthorized_client");
  EXPECT_EQ(r.Json()["error_description"], "this client may not introspect tokens");
  EXPECT_EQ(r.body.find("alice"), std::string::npos);
  // An operator client without --introspect is refused the same way.
  auto machine = AddOperatorClient(server_, {.resources = {kMcp}});
  EXPECT_EQ(Introspect(machine, tokens["access_token"]).status, 403);
}

TEST_F(AttackIntrospection, ResourceServerLearnsNothingAboutOtherAudiencesTokens) {
  auto bank = AddOperatorClient(
      server_, {.grants = {"authorization_code"}, .resources = {"https://bank.example.com/mcp"},
                .introspect = true, .redirect_uris = {"https://bank.example.com/cb"}});
  auto mcp = AddOperatorClient(server_, {.grants = {"authorization_code"}, .resources = {kMcp},
                                         .introspect = true,
                                         .redirect_uris = {"https://mcp.example.com/cb"}});
  nlohmann::json tokens = TokensFor(kMcp);
  for (const char* kind : {"access_token", "refresh_token"}) {
    EXPECT_EQ(Introspect(bank, tokens[kind]).body, R"({"active":false})") << kind;
    nlohmann::json own = Introspect(mcp, tokens[kind]).Json();
    EXPECT_EQ(own["active"], true) << kind;
    EXPECT_EQ(own["aud"], kMcp) << kind;
    EXPECT_EQ(own["sub"], "user-alice") << kind;
  }
}

}  // namespace
}  // namespace authgent::testing
