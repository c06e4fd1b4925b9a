#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/temp_dir.h"

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
  EXPECT_EQ(config->db_pool_size, 16);
  EXPECT_TRUE(config->cimd_enabled);
  EXPECT_TRUE(config->cimd_allowed_hosts.empty());
  EXPECT_FALSE(config->cimd_allow_loopback);
  EXPECT_GE(config->io_threads, 1);
}

TEST(Config, EachInvalidValueNamesItsVariable) {
  RawConfig r;
  r.port = "70000";
  EXPECT_EQ(ErrorOf(r), "PORT must be an integer from 0 to 65535 (got '70000')");
  r = {};
  r.cimd = "on";
  EXPECT_EQ(ErrorOf(r), "CIMD must be enabled or disabled (got 'on')");
  r = {};
  r.cimd_allow_loopback = "yes please";
  EXPECT_EQ(ErrorOf(r).rfind("CIMD_ALLOW_LOOPBACK ", 0), 0u) << ErrorOf(r);
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
  r = {};
  r.key_reload_interval = "0";
  EXPECT_EQ(ErrorOf(r), "KEY_RELOAD_INTERVAL must be an integer from 1 to 3600 (got '0')");
}

// PostgreSQL takes two batch writers unless told otherwise; SQLite has one write lock, so one.
TEST(Config, BatchWritersDependOnTheDatabase) {
  auto sqlite = ValidateConfig(RawConfig{});
  ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
  EXPECT_EQ(sqlite->db_writers, 1);
  RawConfig r;
  r.database_url = "postgres://u:p@db:5432/authgent";
  r.key_encryption_key = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
  auto postgres = ValidateConfig(r);
  ASSERT_TRUE(postgres.ok()) << postgres.status().ToString();
  EXPECT_EQ(postgres->db_writers, 2);
  r.db_writers = "3";
  auto three = ValidateConfig(r);
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(three->db_writers, 3);
  r.db_writers = "0";
  EXPECT_EQ(ErrorOf(r), "DB_WRITERS must be an integer from 1 to 16 (got '0')");
  RawConfig lite;
  lite.db_writers = "2";
  EXPECT_EQ(ErrorOf(lite), "DB_WRITERS applies to PostgreSQL only: SQLite has one writer");
  lite.db_writers = "1";
  EXPECT_EQ(ErrorOf(lite), "");
}

// Container secrets arrive as files: NAME_FILE reads the value (less its line break).
TEST(Config, SecretsComeFromFiles) {
  const std::string dir = MakeTempDir("authgent-secrets");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  std::string kek = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
  RawConfig r;
  r.database_url_file = write("url", "postgres://authgent@db:5432/authgent\n");
  r.database_password_file = write("password", "s3cret\r\n");
  r.key_encryption_key_file = write("kek", kek + "\n");
  auto config = ValidateConfig(r);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database_url, "postgres://authgent@db:5432/authgent");
  EXPECT_EQ(config->database_password, "s3cret");
  EXPECT_EQ(config->key_encryption_key, kek);

  r.key_encryption_key = kek;
  EXPECT_EQ(ErrorOf(r), "KEY_ENCRYPTION_KEY_FILE and KEY_ENCRYPTION_KEY are both set");
  r = {};
  r.database_password_file = dir + "/missing";
  EXPECT_EQ(ErrorOf(r), "DATABASE_PASSWORD_FILE is not a readable file (got '" + dir + "/missing')");
  r = {};
  r.upstream_client_secret_file = write("empty", "\n");
  EXPECT_EQ(ErrorOf(r), "UPSTREAM_CLIENT_SECRET_FILE names an empty file (got '" + dir + "/empty')");
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

TEST(Config, ResourcesAndConfigFile) {
  std::string path = MakeTempDir("authgent-config") + "/config.json";
  std::ofstream(path) << R"({
    // comments are allowed
    "scopes": {"files:read": "Read your files"},
    "resources": [{"uri": "https://files.example/mcp", "scopes": ["files:read", "files:write"],
                   "default_scopes": ["files:read"], "required_scopes": ["files:read"],
                   "tools": {"files:read": ["list_files", "read_file"]}}]
  })";
  RawConfig r;
  r.resources = "https://a.example/mcp, https://FILES.example/mcp, https://b.example/mcp";
  r.config_file = path;
  auto c = ValidateConfig(r);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // The file's entry replaces RESOURCES' entry for the same server, in its place.
  ASSERT_EQ(c->resources.size(), 3u);
  EXPECT_EQ(c->resources[1].uri, "https://files.example/mcp");
  EXPECT_EQ(c->resources[2].uri, "https://b.example/mcp");
  EXPECT_EQ(c->scope_descriptions["files:read"], "Read your files");
  EXPECT_EQ(c->scopes,
            (std::vector<std::string>{"mcp:read", "mcp:write", "files:read", "files:write"}));
  EXPECT_EQ(c->resources[1].required_scopes, (std::vector<std::string>{"files:read"}));
  EXPECT_EQ(c->resources[1].tools.at("files:read"),
            (std::vector<std::string>{"list_files", "read_file"}));
  EXPECT_EQ(c->resources[1].tools.count("files:write"), 0u);

  std::ofstream(path) << R"({"resources": [{"uri": "https://x.example/mcp", "scopes": ["a"], "default_scopes": ["b"]}]})";
  EXPECT_EQ(ErrorOf(r), "CONFIG_FILE resource https://x.example/mcp has a default scope it does not offer: b");
  std::ofstream(path)
      << R"({"resources": [{"uri": "https://x.example/mcp", "scopes": ["a"], "required_scopes": ["b"]}]})";
  EXPECT_EQ(ErrorOf(r),
            "CONFIG_FILE resource https://x.example/mcp has a required scope it does not offer: b");
  std::ofstream(path)
      << R"({"resources": [{"uri": "https://x.example/mcp", "scopes": ["a"], "tools": {"b": ["t"]}}]})";
  EXPECT_EQ(ErrorOf(r),
            "CONFIG_FILE resource https://x.example/mcp has invalid \"tools\": it names a scope "
            "the resource does not offer: b");
  std::ofstream(path)
      << R"({"resources": [{"uri": "https://x.example/mcp", "scopes": ["a"], "tools": {"a": [""]}}]})";
  EXPECT_EQ(ErrorOf(r),
            "CONFIG_FILE resource https://x.example/mcp has invalid \"tools\": a must list strings "
            "of 1 to 200 characters");
  std::ofstream(path) << R"({"resources": [{"uri": "https://x.example/mcp", "tools": ["a"]}]})";
  EXPECT_EQ(ErrorOf(r),
            "CONFIG_FILE resource https://x.example/mcp has invalid \"tools\": it must map scopes "
            "to lists of tools");
  std::ofstream(path) << "[";
  EXPECT_EQ(ErrorOf(r), "CONFIG_FILE is not a JSON object (" + path + ")");
  r.config_file = "/nonexistent/authgent.json";
  EXPECT_EQ(ErrorOf(r), "CONFIG_FILE cannot be read (got '/nonexistent/authgent.json')");
  r = {};
  r.resources = "https://a.example/mcp#frag";
  EXPECT_EQ(ErrorOf(r), "RESOURCES has an entry that is not an absolute URI without fragment "
                        "(got 'https://a.example/mcp#frag')");
  r = {};
  r.dcr_mode = "closed";
  EXPECT_EQ(ErrorOf(r), "DCR_MODE must be open, constrained or disabled (got 'closed')");
  r = {};
  r.code_ttl = "601";
  EXPECT_EQ(ErrorOf(r), "CODE_TTL must be an integer from 10 to 600 (got '601')");
  r = {};
  r.trusted_proxies = "proxy.internal";
  EXPECT_EQ(ErrorOf(r), "TRUSTED_PROXIES must list IP addresses or networks (got 'proxy.internal')");
}

TEST(Config, UpstreamSettingsComeAsATrio) {
  RawConfig r;
  r.upstream_issuer = "https://login.example.com";
  EXPECT_EQ(ErrorOf(r), "UPSTREAM_CLIENT_ID is required with UPSTREAM_ISSUER");
  r.upstream_client_id = "id";
  EXPECT_EQ(ErrorOf(r), "UPSTREAM_CLIENT_SECRET is required with UPSTREAM_ISSUER");
  r.upstream_client_secret = "secret";
  EXPECT_EQ(ErrorOf(r), "");
  r.upstream_issuer = "http://login.example.com";
  EXPECT_EQ(ErrorOf(r), "UPSTREAM_ISSUER uses http with a non-loopback host (got 'http://login.example.com')");
  r.upstream_issuer = "https://login.example.com?tenant=1";
  EXPECT_EQ(ErrorOf(r), "UPSTREAM_ISSUER must be an http(s) URL without a query (got 'https://login.example.com?tenant=1')");
  r.upstream_issuer = "https://tenant.auth0.com/";
  r.upstream_scopes = "email profile";
  EXPECT_EQ(ErrorOf(r), "UPSTREAM_SCOPES must include openid (got 'email profile')");
  RawConfig only_secret;
  only_secret.upstream_client_secret = "s";
  EXPECT_EQ(ErrorOf(only_secret), "UPSTREAM_ISSUER is required with UPSTREAM_CLIENT_ID");
}

}  // namespace
}  // namespace authgent::server
