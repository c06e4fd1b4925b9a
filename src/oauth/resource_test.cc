#include "oauth/resource.h"

#include <gtest/gtest.h>

#include "oauth/scope.h"

namespace authgent::oauth {
namespace {

const std::vector<std::string> kScopes = {"mcp:read", "mcp:write"};

std::string AudienceOf(const ResourceCatalog& c, const std::string& requested) {
  auto r = c.ResolveAudience(requested);
  if (auto* e = std::get_if<OAuthError>(&r)) return "error:" + e->code;
  return std::get<std::string>(r);
}

TEST(Resource, Normalization) {
  EXPECT_EQ(NormalizeResource("HTTPS://MCP.Example.com/mcp/"), "https://mcp.example.com/mcp");
  EXPECT_EQ(NormalizeResource("https://mcp.example.com"), "https://mcp.example.com");
  EXPECT_EQ(NormalizeResource("https://mcp.example.com/"), "https://mcp.example.com");
  EXPECT_EQ(NormalizeResource("https://mcp.example.com/mcp#x"), std::nullopt);
  EXPECT_EQ(NormalizeResource("mcp.example.com"), std::nullopt);
  EXPECT_EQ(NormalizeResource("https://user@mcp.example.com/mcp"), std::nullopt);
  EXPECT_EQ(NormalizeResource("http://LuCr@uCr@?r@"), std::nullopt);  // fuzz/redirect_uri_fuzzer
}

TEST(Resource, OpenCatalogAcceptsHttpsAndLoopback) {
  ResourceCatalog c("https://auth.example", {}, kScopes, {});
  EXPECT_EQ(AudienceOf(c, ""), "https://auth.example");
  EXPECT_EQ(AudienceOf(c, "https://mcp.example.com/mcp"), "https://mcp.example.com/mcp");
  EXPECT_EQ(AudienceOf(c, "http://127.0.0.1:3001/mcp"), "http://127.0.0.1:3001/mcp");
  EXPECT_EQ(AudienceOf(c, "http://mcp.example.com/mcp"), "error:invalid_target");
  EXPECT_EQ(AudienceOf(c, "https://mcp.example.com/mcp#f"), "error:invalid_target");
  EXPECT_EQ(AudienceOf(c, "https://user@mcp.example.com/mcp"), "error:invalid_target");
}

TEST(Resource, ConfiguredCatalogMatchesAfterNormalisation) {
  ResourceCatalog one("https://auth.example", {{"https://mcp.example.com/mcp", {}, {}, {}, {}}},
                      kScopes, {});
  EXPECT_EQ(AudienceOf(one, ""), "https://mcp.example.com/mcp");
  EXPECT_EQ(AudienceOf(one, "https://MCP.example.com/mcp/"), "https://mcp.example.com/mcp");
  EXPECT_EQ(AudienceOf(one, "https://mcp.example.com/other"), "error:invalid_target");
  ResourceCatalog two(
      "https://auth.example",
      {{"https://a.example/mcp", {}, {}, {}, {}}, {"https://b.example/mcp", {}, {}, {}, {}}},
      kScopes, {});
  EXPECT_EQ(AudienceOf(two, ""), "https://auth.example");
  EXPECT_EQ(AudienceOf(two, "https://b.example/mcp"), "https://b.example/mcp");
}

TEST(Resource, RefreshTokensNeedOfflineAccessOnlyWhenItIsOneOfTheScopes) {
  ResourceCatalog plain("https://auth.example", {}, kScopes, {});
  EXPECT_TRUE(plain.GrantRefreshes("mcp:read"));
  ResourceCatalog offline("https://auth.example", {}, {"mcp:read", "offline_access"}, {});
  EXPECT_FALSE(offline.GrantRefreshes("mcp:read"));
  EXPECT_FALSE(offline.GrantRefreshes("mcp:read offline_accessx"));
  EXPECT_TRUE(offline.GrantRefreshes("mcp:read offline_access"));
  EXPECT_TRUE(offline.GrantRefreshes("offline_access mcp:read"));
}

TEST(Scope, UnknownScopesAreDroppedAndEmptyMeansDefaults) {
  ResourceCatalog c("https://auth.example",
                    {{"https://a.example/mcp",
                      {"files:read", "files:write"},
                      {"files:read"},
                      {"files:read"},
                      {{"files:write", {"upload_file", "delete_file"}}}}},
                    kScopes, {{"files:read", "Read your files"}});
  // The operator's required scopes and tools, per resource.
  EXPECT_TRUE(c.IsRequired("https://a.example/mcp", "files:read"));
  EXPECT_FALSE(c.IsRequired("https://a.example/mcp", "files:write"));
  EXPECT_FALSE(c.IsRequired("https://auth.example", "files:read"));
  EXPECT_EQ(c.ToolsOf("https://a.example/mcp", "files:write"),
            (std::vector<std::string>{"upload_file", "delete_file"}));
  EXPECT_TRUE(c.ToolsOf("https://a.example/mcp", "files:read").empty());
  EXPECT_TRUE(c.ToolsOf("https://b.example/mcp", "files:write").empty());
  EXPECT_EQ(c.GrantableScopes("https://auth.example", "mcp:write offline_access mcp:read"),
            (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_EQ(c.GrantableScopes("https://auth.example", "offline_access"), kScopes);
  // The OpenID Connect scopes are granted besides the resource's (its defaults when none).
  EXPECT_EQ(c.GrantableScopes("https://auth.example", "mcp:write openid mcp:read"),
            (std::vector<std::string>{"mcp:read", "mcp:write", "openid"}));
  EXPECT_EQ(c.GrantableScopes("https://a.example/mcp", "email openid profile openid"),
            (std::vector<std::string>{"email", "files:read", "openid", "profile"}));
  EXPECT_EQ(c.GrantableScopes("https://a.example/mcp", ""), std::vector<std::string>{"files:read"});
  EXPECT_EQ(c.GrantableScopes("https://a.example/mcp", "files:write mcp:read"),
            std::vector<std::string>{"files:write"});
  EXPECT_EQ(c.Describe("files:read"), "Read your files");
  EXPECT_EQ(c.Describe("mcp:read"), "Read data through the MCP server");
}

TEST(Scope, SplitJoinSubset) {
  EXPECT_EQ(SplitScope(" b  a b "), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(JoinScope({"b", "a", "b"}), "a b");
  EXPECT_TRUE(ScopeSubset({"a"}, {"a", "b"}));
  EXPECT_FALSE(ScopeSubset({"a", "c"}, {"a", "b"}));
  EXPECT_TRUE(IsScopeToken("mcp:read"));
  EXPECT_FALSE(IsScopeToken("a\"b"));
}

}  // namespace
}  // namespace authgent::oauth
