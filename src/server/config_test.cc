#include "server/config.h"

#include <gtest/gtest.h>

namespace authgent::server {
namespace {

std::string ErrorOf(RawConfig raw) {
  auto config = ValidateConfig(raw);
  return config.ok() ? "" : config.status().message();
}

TEST(Config, DefaultsAreValid) {
  auto config = ValidateConfig(RawConfig{});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->issuer, "");
  EXPECT_EQ(config->database.kind, storage::DatabaseUrl::Kind::kSqlite);
  EXPECT_EQ(config->database.sqlite_path, "./data/authgent.db");
  EXPECT_EQ(config->key_encryption_key_file, "./data/authgent.kek");
  EXPECT_EQ(config->scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_EQ(config->max_body_bytes, 65536u);
  EXPECT_GE(config->io_threads, 1);
}

TEST(Config, EachInvalidValueNamesItsVariable) {
  RawConfig r;
  r.port = "70000";
  EXPECT_EQ(ErrorOf(r), "PORT must be an integer from 0 to 65535 (got '70000')");
  r = {};
  r.port = "80x";
  EXPECT_EQ(ErrorOf(r), "PORT must be an integer from 0 to 65535 (got '80x')");
  r = {};
  r.issuer = "https://auth.example.com/";
  EXPECT_EQ(ErrorOf(r), "ISSUER must not end with '/' (got 'https://auth.example.com/')");
  r = {};
  r.database_url = "mysql://x/y";
  EXPECT_EQ(ErrorOf(r),
            "DATABASE_URL is invalid: unsupported scheme 'mysql' (expected sqlite://PATH or "
            "postgres://...)");
  r = {};
  r.database_url = "postgres://u:p@db:5432/authgent";
  EXPECT_EQ(ErrorOf(r),
            "KEY_ENCRYPTION_KEY is required with PostgreSQL: every instance must share it "
            "(base64 of 32 bytes)");
  r = {};
  r.allow_insecure_issuer = "maybe";
  EXPECT_EQ(ErrorOf(r), "ALLOW_INSECURE_ISSUER must be true or false (got 'maybe')");
  r = {};
  r.bind_address = "somewhere";
  EXPECT_EQ(ErrorOf(r), "BIND_ADDRESS must be an IPv4 or IPv6 address (got 'somewhere')");
  r = {};
  r.scopes = "  ";
  EXPECT_EQ(ErrorOf(r), "SCOPES must list at least one scope");
  r = {};
  r.log_level = "loud";
  EXPECT_EQ(ErrorOf(r), "LOG_LEVEL must be debug, info, warn or error (got 'loud')");
  r = {};
  r.signing_key_file = "/nonexistent.pem";
  EXPECT_EQ(ErrorOf(r), "SIGNING_KEY_FILE is not a readable file (got '/nonexistent.pem')");
}

TEST(Config, InsecureIssuerNeedsExplicitPermission) {
  RawConfig r;
  r.issuer = "http://auth.internal:8080";
  EXPECT_EQ(ErrorOf(r),
            "ISSUER uses http with a non-loopback host; use https or set "
            "ALLOW_INSECURE_ISSUER=true (got 'http://auth.internal:8080')");
  r.allow_insecure_issuer = "true";
  EXPECT_EQ(ErrorOf(r), "");
}

}  // namespace
}  // namespace authgent::server
