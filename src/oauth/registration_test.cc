#include "oauth/registration.h"

#include <gtest/gtest.h>

#include "core/bytes.h"
#include "core/sortable_token.h"

namespace authgent::oauth {
namespace {

// A clock 123 ms into a second: the client_id must carry the milliseconds, not the second
// (ids of one second issued in random order would land all over the client indexes).
class MillisClock final : public Clock {
 public:
  int64_t Now() const override { return 1'800'000'000; }
  int64_t NowMillis() const override { return 1'800'000'000'123; }
};

std::variant<Registration, OAuthError> Register(const std::string& body,
                                                RegistrationPolicy policy = {}) {
  SeededRandom random(1);
  return RegisterClient(body, policy, MillisClock(), random);
}

std::string ErrorOf(const std::variant<Registration, OAuthError>& r) {
  if (auto* e = std::get_if<OAuthError>(&r)) return e->code + ": " + e->description;
  return "";
}

TEST(Registration, PublicClientAsTheTypeScriptSdkSendsIt) {
  auto r = Register(R"j({"redirect_uris":["http://localhost:3000/callback"],
    "token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],
    "response_types":["code"],"client_name":"My MCP Client (dev)","unknown_field":{"x":1}})j");
  ASSERT_EQ(ErrorOf(r), "");
  const Registration& reg = std::get<Registration>(r);
  EXPECT_EQ(reg.client_secret, "");
  EXPECT_EQ(reg.client.secret_hash, "");
  EXPECT_EQ(reg.client.client_id.size(), 32u);
  // Time-ordered (core/sortable_token): the first 12 hex digits are the registration's time, ms.
  int64_t issued_ms = std::stoll(reg.client.client_id.substr(0, 12), nullptr, 16);
  EXPECT_EQ(issued_ms, 1'800'000'000'123);
  const nlohmann::json& j = reg.response;
  EXPECT_EQ(j["client_id"], reg.client.client_id);
  EXPECT_EQ(j["client_id_issued_at"], 1'800'000'000);
  EXPECT_EQ(j["token_endpoint_auth_method"], "none");
  EXPECT_EQ(j["client_name"], "My MCP Client (dev)");
  EXPECT_EQ(j["redirect_uris"], nlohmann::json::array({"http://localhost:3000/callback"}));
  EXPECT_FALSE(j.contains("client_secret"));
  EXPECT_FALSE(j.contains("unknown_field"));
  EXPECT_EQ(j.dump().find("null"), std::string::npos);
}

TEST(Registration, DefaultsAreConfidentialCodeClients) {
  auto r = Register(R"({"redirect_uris":["https://app.example/cb"]})");
  ASSERT_EQ(ErrorOf(r), "");
  const Registration& reg = std::get<Registration>(r);
  EXPECT_EQ(reg.client.token_endpoint_auth_method, "client_secret_basic");
  // Refresh tokens are issued to every code client, so the registration says so.
  EXPECT_EQ(reg.client.grant_types,
            (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(reg.response["grant_types"],
            nlohmann::json::array({"authorization_code", "refresh_token"}));
  EXPECT_EQ(reg.client.response_types, std::vector<std::string>{"code"});
  EXPECT_EQ(reg.client_secret.size(), 43u);
  EXPECT_EQ(reg.client.secret_hash, TokenHash(reg.client_secret));
  EXPECT_EQ(reg.response["client_secret"], reg.client_secret);
  EXPECT_EQ(reg.response["client_secret_expires_at"], 0);
  EXPECT_FALSE(reg.response.contains("client_name"));
}

TEST(Registration, PrivateKeyJwtClientsRegisterKeysAndGetNoSecret) {
  auto r = Register(R"({"redirect_uris":["https://app.example/cb"],
    "token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://app.example/jwks.json"})");
  ASSERT_EQ(ErrorOf(r), "");
  const Registration& reg = std::get<Registration>(r);
  EXPECT_EQ(reg.client_secret, "");
  EXPECT_EQ(reg.client.secret_hash, "");
  EXPECT_FALSE(reg.response.contains("client_secret"));
  EXPECT_EQ(reg.response["token_endpoint_auth_method"], "private_key_jwt");
  EXPECT_EQ(reg.response["jwks_uri"], "https://app.example/jwks.json");
  // An inline set must hold a usable key: an EC P-256 public key here.
  const char* ec_key = R"({"kty":"EC","crv":"P-256","kid":"k1",
    "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
  auto inline_set = Register(std::string(R"({"redirect_uris":["https://app.example/cb"],
    "token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[)") +
                             ec_key + "]}}");
  ASSERT_EQ(ErrorOf(inline_set), "");
  EXPECT_EQ(std::get<Registration>(inline_set).response["jwks"]["keys"][0]["kid"], "k1");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://app.example/cb"],
    "token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}})")),
            "invalid_client_metadata: jwks must be a JSON Web Key Set with at least one EC P-256 "
            "or RSA (2048 bits or more) signature key, at most 8 KiB");
  // Usable keys, but more than 8 KiB of them: refused before any is imported.
  std::string many = R"({"redirect_uris":["https://app.example/cb"],
    "token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[)";
  for (int i = 0; i < 60; ++i) many += std::string(i ? "," : "") + ec_key;
  EXPECT_EQ(ErrorOf(Register(many + "]}}")),
            "invalid_client_metadata: jwks must be a JSON Web Key Set with at least one EC P-256 "
            "or RSA (2048 bits or more) signature key, at most 8 KiB");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://app.example/cb"],
    "token_endpoint_auth_method":"private_key_jwt","jwks_uri":"http://app.example/jwks.json"})")),
            "invalid_client_metadata: jwks_uri must be an https URL");
}

TEST(Registration, CursorRegistersThreeKindsOfRedirectAtOnce) {
  auto r = Register(R"({"redirect_uris":["cursor://anysphere.cursor-mcp/oauth/callback",
    "https://www.cursor.com/agents/mcp/oauth/callback","http://127.0.0.1:54321/callback"],
    "token_endpoint_auth_method":"none"})");
  ASSERT_EQ(ErrorOf(r), "");
  EXPECT_EQ(std::get<Registration>(r).client.redirect_uris.size(), 3u);
}

TEST(Registration, RejectionsAreExact) {
  EXPECT_EQ(ErrorOf(Register("[1]")), "invalid_client_metadata: the registration must be a JSON object");
  EXPECT_EQ(ErrorOf(Register("{not json")), "invalid_client_metadata: the registration must be a JSON object");
  EXPECT_EQ(ErrorOf(Register(R"({"token_endpoint_auth_method":"none"})")),
            "invalid_redirect_uri: redirect_uris is required");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["http://evil.example/cb"]})")),
            "invalid_redirect_uri: http redirect URIs are allowed only for loopback hosts "
            "(127.0.0.1, [::1], localhost)");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://a.example/cb#x"]})")),
            "invalid_redirect_uri: redirect URI must not contain a fragment");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":"https://a.example/cb"})")),
            "invalid_redirect_uri: redirect_uris must be an array of strings");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]})")),
            "invalid_client_metadata: unsupported grant type; supported: authorization_code, "
            "refresh_token");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://a.example/cb"],"response_types":["token"]})")),
            "invalid_client_metadata: only the response type \"code\" is supported");
  EXPECT_EQ(
      ErrorOf(Register(
          R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"tls_client_auth"})")),
      "invalid_client_metadata: unsupported token_endpoint_auth_method; supported: none, "
      "client_secret_post, client_secret_basic, private_key_jwt");
  EXPECT_EQ(
      ErrorOf(Register(
          R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"})")),
      "invalid_client_metadata: private_key_jwt needs jwks_uri or jwks");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://a.example/cb"],"grant_types":["refresh_token"]})")),
            "invalid_client_metadata: grant_types must include authorization_code");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://a.example/cb"],"client_name":7})")),
            "invalid_client_metadata: client_name must be a string");
}

TEST(Registration, OnlyTheOperatorCreatesMachineClients) {
  const std::string machine =
      R"({"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"})";
  const std::string refused =
      "invalid_client_metadata: the client_credentials grant is only for clients the operator "
      "creates; supported: authorization_code, refresh_token";
  EXPECT_EQ(ErrorOf(Register(machine)), refused);
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://a.example/cb"],
      "grant_types":["authorization_code","client_credentials"]})")), refused);
  RegistrationPolicy constrained;
  constrained.mode = DcrMode::kConstrained;
  EXPECT_EQ(ErrorOf(Register(machine, constrained)), refused);

  RegistrationPolicy by_operator;
  by_operator.by_operator = true;
  auto r = Register(machine, by_operator);
  ASSERT_EQ(ErrorOf(r), "");
  EXPECT_TRUE(std::get<Registration>(r).client.response_types.empty());
  EXPECT_EQ(std::get<Registration>(r).client.grant_types,
            std::vector<std::string>{"client_credentials"});
}

TEST(Registration, ConstrainedModeEnforcesTheAllowlist) {
  RegistrationPolicy policy;
  policy.mode = DcrMode::kConstrained;
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://claude.ai/api/mcp/auth_callback"]})", policy)), "");
  EXPECT_EQ(ErrorOf(Register(R"({"redirect_uris":["https://evil.example/cb"]})", policy)),
            "invalid_redirect_uri: redirect URI not allowed by this server's registration policy");
}

TEST(Registration, ClientNamesAreKeptLenientlyButTrimmed) {
  auto r = Register(R"j({"redirect_uris":["https://a.example/cb"],"client_name":"  Claude (claude.ai) — ünïcode  "})j");
  EXPECT_EQ(std::get<Registration>(r).client.client_name, "Claude (claude.ai) — ünïcode");
}

TEST(Registration, ClientNamesThatHideCharactersAreRefused) {
  EXPECT_EQ(ErrorOf(Register(R"j({"redirect_uris":["https://a.example/cb"],"client_name":"Claude\u202e"})j")),
            "invalid_client_metadata: client_name must be plain text: the text contains an "
            "invisible or control character (U+202E)");
  EXPECT_EQ(ErrorOf(Register(R"j({"redirect_uris":["https://a.example/cb"],"client_name":"Cl\u200baude"})j")),
            "invalid_client_metadata: client_name must be plain text: the text contains an "
            "invisible or control character (U+200B)");
  EXPECT_EQ(ErrorOf(Register(R"j({"redirect_uris":["https://a.example/cb"],"client_name":"x\u0007"})j")),
            "invalid_client_metadata: client_name must be plain text: the text contains an "
            "invisible or control character (U+0007)");
}

}  // namespace
}  // namespace authgent::oauth
