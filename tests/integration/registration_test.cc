// /oauth/register over real HTTP: the DCR modes, rate limits, and metadata that follows them.
#include <gtest/gtest.h>

#include <thread>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

TEST(Registration, OpenModeRegistersPublicAndConfidentialClients) {
  TestServer server;
  HttpResult r = PostJson(server.port(), "/oauth/register",
                          {{"redirect_uris", {"http://127.0.0.1:3000/callback"}},
                           {"token_endpoint_auth_method", "none"},
                           {"client_name", "Inspector (local)"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
  EXPECT_EQ(r.body.find("null"), std::string::npos);
  nlohmann::json j = r.Json();
  EXPECT_EQ(j["token_endpoint_auth_method"], "none");
  EXPECT_EQ(j["grant_types"], nlohmann::json::array({"authorization_code", "refresh_token"}));
  EXPECT_FALSE(j.contains("client_secret"));
  EXPECT_TRUE(server.app().store().GetClient(j["client_id"]).ok());

  HttpResult conf = PostJson(server.port(), "/oauth/register",
                             {{"redirect_uris", {"https://app.example/cb"}}});
  ASSERT_EQ(conf.status, 201);
  EXPECT_EQ(conf.Json()["token_endpoint_auth_method"], "client_secret_basic");
  EXPECT_EQ(conf.Json()["client_secret"].get<std::string>().size(), 43u);
  EXPECT_EQ(conf.Json()["client_secret_expires_at"], 0);
  // Two identical registrations are two clients (never deduplicated).
  HttpResult again = PostJson(server.port(), "/oauth/register", {{"redirect_uris", {"https://app.example/cb"}}});
  EXPECT_NE(again.Json()["client_id"], conf.Json()["client_id"]);
}

TEST(Registration, BadMetadataIsA400WithThePreciseError) {
  TestServer server;
  HttpResult r = PostJson(server.port(), "/oauth/register", {{"redirect_uris", {"http://evil.example/cb"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_redirect_uri");
  HttpResult bad = Request(server.port(), "POST", "/oauth/register", "not json",
                           {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["error"], "invalid_client_metadata");
}

TEST(Registration, ConstrainedModeUsesTheAllowlist) {
  TestServer server([](server::RawConfig& raw) {
    raw.dcr_mode = "constrained";
    raw.redirect_uri_allowlist = "https://app.example/cb, https://tenant.example/*";
  });
  EXPECT_EQ(PostJson(server.port(), "/oauth/register",
                     {{"redirect_uris", {"https://tenant.example/x"}}}).status, 201);
  HttpResult r = PostJson(server.port(), "/oauth/register",
                          {{"redirect_uris", {"http://127.0.0.1:1/cb"}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_redirect_uri");
}

TEST(Registration, ConstrainedModeDefaultsToKnownClientsAndLoopback) {
  TestServer server([](server::RawConfig& raw) { raw.dcr_mode = "constrained"; });
  EXPECT_EQ(PostJson(server.port(), "/oauth/register",
                     {{"redirect_uris", {"https://claude.ai/api/mcp/auth_callback",
                                         "http://127.0.0.1:41000/callback"}}}).status, 201);
  EXPECT_EQ(PostJson(server.port(), "/oauth/register",
                     {{"redirect_uris", {"https://evil.example/cb"}}}).status, 400);
}

TEST(Registration, DisabledModeIs403AndLeavesMetadata) {
  TestServer server([](server::RawConfig& raw) { raw.dcr_mode = "disabled"; });
  HttpResult r = PostJson(server.port(), "/oauth/register", {{"redirect_uris", {"https://app.example/cb"}}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.Json()["error"], "access_denied");
  nlohmann::json m = Get(server.port(), "/.well-known/oauth-authorization-server").Json();
  EXPECT_FALSE(m.contains("registration_endpoint"));
  EXPECT_TRUE(m.contains("token_endpoint"));
}

TEST(Registration, RateLimitedPerIpWith429AndRetryAfter) {
  TestServer server([](server::RawConfig& raw) { raw.registration_rate_limit = "2"; });
  nlohmann::json body = {{"redirect_uris", {"https://app.example/cb"}}};
  EXPECT_EQ(PostJson(server.port(), "/oauth/register", body).status, 201);
  EXPECT_EQ(PostJson(server.port(), "/oauth/register", body).status, 201);
  HttpResult r = PostJson(server.port(), "/oauth/register", body);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Json()["error"], "temporarily_unavailable");
  int retry = std::stoi(r.Header("retry-after"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 3600);
  server.clock().Advance(retry);
  EXPECT_EQ(PostJson(server.port(), "/oauth/register", body).status, 201);
}

TEST(Registration, GlobalLimitAcrossIps) {
  TestServer server([](server::RawConfig& raw) {
    raw.registration_global_rate_limit = "1";
    raw.trusted_proxies = "127.0.0.1";
  });
  nlohmann::json body = {{"redirect_uris", {"https://app.example/cb"}}};
  EXPECT_EQ(PostJson(server.port(), "/oauth/register", body, {{"X-Forwarded-For", "203.0.113.1"}}).status, 201);
  EXPECT_EQ(PostJson(server.port(), "/oauth/register", body, {{"X-Forwarded-For", "203.0.113.2"}}).status, 429);
}

TEST(Registration, AbandonedRegistrationsAreReapedInTheBackground) {
  TestServer server([](server::RawConfig& raw) {
    raw.purge_interval = "1";
    raw.client_unused_ttl = "60";
  });
  nlohmann::json body = {{"redirect_uris", {"https://app.example/cb"}}};
  std::string id = PostJson(server.port(), "/oauth/register", body).Json()["client_id"];
  server.clock().Advance(61);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = server.app().store().GetClient(id).status().code() == StatusCode::kNotFound;
  }
  EXPECT_TRUE(gone);
}

TEST(Metadata, ListsEveryEndpointAndCapability) {
  TestServer server([](server::RawConfig& raw) { raw.issuer = "http://127.0.0.1:9"; });
  nlohmann::json m = Get(server.port(), "/.well-known/openid-configuration").Json();
  EXPECT_EQ(m["authorization_endpoint"], "http://127.0.0.1:9/oauth/authorize");
  EXPECT_EQ(m["token_endpoint"], "http://127.0.0.1:9/oauth/token");
  EXPECT_EQ(m["registration_endpoint"], "http://127.0.0.1:9/oauth/register");
  EXPECT_EQ(m["revocation_endpoint"], "http://127.0.0.1:9/oauth/revoke");
  EXPECT_EQ(m["introspection_endpoint"], "http://127.0.0.1:9/oauth/introspect");
  EXPECT_EQ(m["grant_types_supported"],
            nlohmann::json::array({"authorization_code", "refresh_token", "client_credentials"}));
  EXPECT_EQ(m["authorization_response_iss_parameter_supported"], true);
}

}  // namespace
}  // namespace authgent::testing
