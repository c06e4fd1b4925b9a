// Discovery, JWKS, health and key rotation, over real HTTP against an in-process server.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "http_client.h"
#include "test_server.h"

namespace authgent::testing {
namespace {

std::vector<std::string> Kids(const HttpResult& jwks) {
  std::vector<std::string> kids;
  nlohmann::json doc = jwks.Json();
  for (const auto& k : doc["keys"]) kids.push_back(k["kid"]);
  return kids;
}

TEST(Discovery, BothMetadataPathsServeTheSameDocument) {
  TestServer server([](server::RawConfig& raw) { raw.issuer = "http://127.0.0.1:9999"; });
  HttpResult oauth = Get(server.port(), "/.well-known/oauth-authorization-server");
  HttpResult oidc = Get(server.port(), "/.well-known/openid-configuration");
  ASSERT_EQ(oauth.status, 200);
  ASSERT_EQ(oidc.status, 200);
  EXPECT_EQ(oauth.body, oidc.body);
  EXPECT_EQ(oauth.Header("content-type"), "application/json");
  EXPECT_EQ(oauth.Header("access-control-allow-origin"), "*");
  nlohmann::json m = oauth.Json();
  // The issuer is the configured one byte for byte, not derived from the Host header.
  EXPECT_EQ(m["issuer"], "http://127.0.0.1:9999");
  EXPECT_EQ(m["jwks_uri"], "http://127.0.0.1:9999/.well-known/jwks.json");
  EXPECT_EQ(m["code_challenge_methods_supported"], nlohmann::json::array({"S256"}));
  EXPECT_EQ(oauth.body.find("null"), std::string::npos);
}

TEST(Discovery, IssuerDefaultsToLocalhostAndTheBoundPort) {
  TestServer server;
  nlohmann::json m = Get(server.port(), "/.well-known/oauth-authorization-server").Json();
  EXPECT_EQ(m["issuer"], "http://localhost:" + std::to_string(server.port()));
}

TEST(Discovery, UnknownWellKnownPathIs404NotAServerError) {
  TestServer server;
  HttpResult r = Get(server.port(), "/.well-known/oauth-protected-resource");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Json()["error"], "not_found");
}

TEST(Discovery, CorsPreflightOnMetadataAndJwks) {
  TestServer server;
  for (const char* path : {"/.well-known/oauth-authorization-server", "/.well-known/jwks.json"}) {
    HttpResult r = Request(server.port(), "OPTIONS", path, "",
                           {{"Origin", "http://localhost:6274"},
                            {"Access-Control-Request-Method", "GET"},
                            {"Access-Control-Request-Headers", "mcp-protocol-version"}});
    EXPECT_EQ(r.status, 204) << path;
    EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
    EXPECT_EQ(r.Header("access-control-allow-methods"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(r.Header("access-control-allow-headers"),
              "Authorization, Content-Type, MCP-Protocol-Version");
    EXPECT_EQ(r.Header("access-control-allow-credentials"), "");
  }
}

TEST(Jwks, PublishesOneP256KeyWithCacheControl) {
  TestServer server;
  HttpResult r = Get(server.port(), "/.well-known/jwks.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("cache-control"), "public, max-age=300");
  EXPECT_EQ(r.Header("content-type"), "application/json");
  nlohmann::json jwks = r.Json();
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const nlohmann::json& key = jwks["keys"][0];
  EXPECT_EQ(key["kty"], "EC");
  EXPECT_EQ(key["crv"], "P-256");
  EXPECT_EQ(key["use"], "sig");
  EXPECT_EQ(key["alg"], "ES256");
  EXPECT_EQ(key["x"].get<std::string>().size(), 43u);
  EXPECT_EQ(key["y"].get<std::string>().size(), 43u);
  EXPECT_EQ(key["kid"].get<std::string>().size(), 43u);  // RFC 7638 SHA-256 thumbprint
  EXPECT_FALSE(key.contains("d"));
}

TEST(Jwks, RotationPublishesActivatesAndRetiresOnTheClock) {
  TestServer server([](server::RawConfig& raw) {
    raw.key_publish_delay = "600";
    raw.access_token_ttl = "3600";
  });
  std::string first = Kids(Get(server.port(), "/.well-known/jwks.json")).at(0);
  auto rotated = server.app().keys().Rotate();
  ASSERT_TRUE(rotated.ok());
  // Published at once, next to the key that still signs.
  EXPECT_EQ(Kids(Get(server.port(), "/.well-known/jwks.json")),
            (std::vector<std::string>{first, rotated->kid}));
  EXPECT_EQ((*server.app().keys().Current())->active_kid, first);

  server.clock().Advance(600);
  EXPECT_EQ((*server.app().keys().Current())->active_kid, rotated->kid);
  EXPECT_EQ(Kids(Get(server.port(), "/.well-known/jwks.json")).size(), 2u);

  // The old key stays until every token it signed has expired (TTL + 300 s of margin).
  server.clock().Advance(3600 + 300 - 1);
  EXPECT_EQ(Kids(Get(server.port(), "/.well-known/jwks.json")).size(), 2u);
  server.clock().Advance(1);
  EXPECT_EQ(Kids(Get(server.port(), "/.well-known/jwks.json")),
            (std::vector<std::string>{rotated->kid}));
}

TEST(Health, HealthzAndReadyz) {
  TestServer server;
  HttpResult health = Get(server.port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "ok");
  HttpResult ready = Get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.Json()["status"], "ready");
}

// A stranger learns only which part is not ready; the detail (versions, errors) is logged.
TEST(Health, AttackReadyzTellsStrangersOnlyAReasonCode) {
  TestServer server;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((server.dir() + "/authgent.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM schema_migrations", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  HttpResult ready = Get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.Json()["status"], "unavailable");
  EXPECT_EQ(ready.body, R"({"reason":"storage","status":"unavailable"})");
}

}  // namespace
}  // namespace authgent::testing
