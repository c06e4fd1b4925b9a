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
  EXPECT_EQ(m["scopes_supported"], nlohmann::json::array({"mcp:read", "mcp:write"}));
  EXPECT_EQ(m.dump().find("null"), std::string::npos);
  EXPECT_EQ(m.dump().find("plain"), std::string::npos);
}

}  // namespace
}  // namespace authgent::oauth
