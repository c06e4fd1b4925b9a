#include "oauth/client_policy.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

storage::Client Machine() {
  storage::Client c;
  c.client_id = "m";
  c.source = "cli";
  c.grant_types = {"client_credentials"};
  c.token_endpoint_auth_method = "client_secret_basic";
  c.secret_hash = "h";
  c.resources = {"https://mcp.example.com/mcp"};
  return c;
}

std::string Outcome(const std::variant<MachineGrant, OAuthError>& r) {
  if (auto* e = std::get_if<OAuthError>(&r)) return e->code + ": " + e->description;
  const MachineGrant& g = std::get<MachineGrant>(r);
  std::string out = g.audience;
  for (const std::string& s : g.scopes) out += " " + s;
  return out;
}

const ResourceCatalog kCatalog("https://as.example", {}, {"mcp:read", "mcp:write"}, {});

TEST(ClientPolicy, MachineGrantsOnlyForOperatorClientsWithResources) {
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(Machine(), "", "", kCatalog)),
            "https://mcp.example.com/mcp mcp:read mcp:write");
  for (auto change : std::vector<void (*)(storage::Client&)>{
           [](storage::Client& c) { c.source = "dcr"; },
           [](storage::Client& c) { c.grant_types = {"authorization_code"}; },
           [](storage::Client& c) { c.token_endpoint_auth_method = "none"; },
           [](storage::Client& c) { c.resources.clear(); }}) {
    storage::Client c = Machine();
    change(c);
    EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "", "", kCatalog)),
              "unauthorized_client: this client may not use the client_credentials grant");
  }
}

TEST(ClientPolicy, MachineGrantResourceAndScopeRules) {
  storage::Client c = Machine();
  c.scope = "mcp:read";
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "https://MCP.example.com/mcp/", "", kCatalog)),
            "https://MCP.example.com/mcp/ mcp:read");
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "https://other.example/mcp", "", kCatalog)),
            "invalid_target: this client may not get tokens for the requested resource");
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "", "mcp:write", kCatalog)),
            "invalid_scope: a requested scope is not allowed for this client");
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "", "openid", kCatalog)),
            "invalid_scope: a requested scope is not allowed for this client");
  c.resources.push_back("https://other.example/mcp");
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "", "", kCatalog)),
            "invalid_target: resource is required: this client may get tokens for several");
}

TEST(ClientPolicy, IntrospectionOnlyForMarkedOperatorClientsAndTheirAudiences) {
  storage::Client rs = Machine();
  EXPECT_FALSE(MayIntrospect(rs));
  rs.may_introspect = true;
  EXPECT_TRUE(MayIntrospect(rs));
  EXPECT_TRUE(MayIntrospectAudience(rs, "https://mcp.example.com/mcp/"));
  EXPECT_FALSE(MayIntrospectAudience(rs, "https://mcp.example.com/other"));
  rs.source = "dcr";
  EXPECT_FALSE(MayIntrospect(rs));
}

TEST(ClientPolicy, AutomaticErrorRedirectsOnlyForOperatorOrApprovedClients) {
  storage::Client c = Machine();
  EXPECT_TRUE(RedirectsErrorsAutomatically(c, false));
  c.source = "dcr";
  EXPECT_FALSE(RedirectsErrorsAutomatically(c, false));
  EXPECT_TRUE(RedirectsErrorsAutomatically(c, true));
}

TEST(ClientPolicy, ConsentIsRememberedOnlyForHttpsRedirects) {
  EXPECT_TRUE(ConsentMayBeRemembered("https://claude.ai/api/mcp/auth_callback"));
  EXPECT_TRUE(ConsentMayBeRemembered("HTTPS://claude.ai/cb"));
  EXPECT_FALSE(ConsentMayBeRemembered("http://127.0.0.1:3000/callback"));
  EXPECT_FALSE(ConsentMayBeRemembered("cursor://anysphere.cursor-mcp/oauth/callback"));
  EXPECT_FALSE(ConsentMayBeRemembered("https:/x"));
}

TEST(ClientPolicy, TheOperatorsPolicyLimitsResourcesAndScopes) {
  storage::Client c = Machine();
  EXPECT_EQ(PolicyRefusal(c, "https://anything.example/mcp", {"any"}), std::nullopt);
  c.policy.resources = {"https://mcp.example.com/mcp"};
  c.policy.scope = "mcp:read";
  EXPECT_EQ(PolicyRefusal(c, "https://MCP.example.com/mcp/", {"mcp:read"}), std::nullopt);
  auto other = PolicyRefusal(c, "https://other.example/mcp", {"mcp:read"});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->code + ": " + other->description,
            "invalid_target: this server's operator does not allow this client that resource");
  auto wider = PolicyRefusal(c, "https://mcp.example.com/mcp", {"mcp:read", "mcp:write"});
  ASSERT_TRUE(wider);
  EXPECT_EQ(wider->code + ": " + wider->description,
            "invalid_scope: this server's operator does not allow this client those scopes");
  // The same limits bind client_credentials: all of the resource's scopes is more than allowed.
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "", "", kCatalog)),
            "invalid_scope: this server's operator does not allow this client those scopes");
  EXPECT_EQ(Outcome(AuthorizeMachineGrant(c, "", "mcp:read", kCatalog)),
            "https://mcp.example.com/mcp mcp:read");
}

TEST(ClientPolicy, TrustSkipsConsentOnlyForHttpsRedirects) {
  storage::Client c = Machine();
  EXPECT_FALSE(TrustedSkipsConsent(c, "https://app.example/cb"));
  c.policy.trusted = true;
  EXPECT_TRUE(TrustedSkipsConsent(c, "https://app.example/cb"));
  EXPECT_FALSE(TrustedSkipsConsent(c, "http://127.0.0.1:3000/cb"));
  EXPECT_EQ(AccessTokenTtl(c, 3600), 3600);
  c.policy.access_token_ttl = 300;
  EXPECT_EQ(AccessTokenTtl(c, 3600), 300);
}

}  // namespace
}  // namespace authgent::oauth
