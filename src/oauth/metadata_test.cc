#include "oauth/metadata.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

TEST(Metadata, BuiltFromTheIssuerWithoutNulls) {
  nlohmann::json m = BuildMetadata({"https://auth.example.com", {"mcp:read", "mcp:write"}});
  EXPECT_EQ(m["issuer"], "https://auth.example.com");
  EXPECT_EQ(m["jwks_uri"], "https://auth.example.com/.well-known/jwks.json");
  EXPECT_EQ(m["code_challenge_methods_supported"], nlohmann::json::array({"S256"}));
  EXPECT_EQ(m["response_types_supported"], nlohmann::json::array({"code"}));
  EXPECT_EQ(m["scopes_supported"],
            nlohmann::json::array({"mcp:read", "mcp:write", "openid", "profile", "email"}));
  EXPECT_EQ(m["userinfo_endpoint"], "https://auth.example.com/oauth/userinfo");
  EXPECT_EQ(m["id_token_signing_alg_values_supported"], nlohmann::json::array({"ES256"}));
  EXPECT_EQ(m["authorization_endpoint"], "https://auth.example.com/oauth/authorize");
  EXPECT_EQ(m["token_endpoint"], "https://auth.example.com/oauth/token");
  EXPECT_EQ(m["registration_endpoint"], "https://auth.example.com/oauth/register");
  EXPECT_EQ(m["revocation_endpoint"], "https://auth.example.com/oauth/revoke");
  EXPECT_EQ(m["introspection_endpoint"], "https://auth.example.com/oauth/introspect");
  EXPECT_EQ(m["token_endpoint_auth_methods_supported"],
            nlohmann::json::array(
                {"none", "client_secret_post", "client_secret_basic", "private_key_jwt"}));
  EXPECT_EQ(m["token_endpoint_auth_signing_alg_values_supported"],
            nlohmann::json::array({"ES256", "RS256"}));
  EXPECT_EQ(m["authorization_response_iss_parameter_supported"], true);
  EXPECT_EQ(m["client_id_metadata_document_supported"], true);
  EXPECT_EQ(m.dump().find("null"), std::string::npos);
  EXPECT_EQ(m.dump().find("plain"), std::string::npos);
  EXPECT_EQ(m.dump().find("\"token\""), std::string::npos);
}

TEST(Metadata, NoRegistrationEndpointWhenDcrIsDisabled) {
  nlohmann::json m = BuildMetadata({"https://auth.example.com", {"mcp:read"}, false, true});
  EXPECT_FALSE(m.contains("registration_endpoint"));
}

TEST(Metadata, NoClientIdDocumentsWhenCimdIsDisabled) {
  nlohmann::json m = BuildMetadata({"https://auth.example.com", {"mcp:read"}, true, false});
  EXPECT_FALSE(m.contains("client_id_metadata_document_supported"));
  EXPECT_TRUE(m.contains("registration_endpoint"));
}

}  // namespace
}  // namespace authgent::oauth
