// server/config: every setting, from flags or the environment variable of the same name
// (flags win). Each is documented in README.md's configuration table.
//
// RawConfig holds the text as given; ValidateConfig() turns it into a Config or a one-line
// error that names the variable ("PORT must be ..."), which main() prints before exiting 2.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "oauth/registration.h"
#include "oauth/resource.h"
#include "storage/open_store.h"

namespace authgent::server {

struct RawConfig {
  std::string issuer;
  std::string port = "8080";
  std::string bind_address = "0.0.0.0";
  std::string database_url = "sqlite://./data/authgent.db";
  std::string database_url_file;  // NAME_FILE: the value is read from that file
  std::string database_password;
  std::string database_password_file;
  // The reads' pool; the writes have a connection of their own (storage/sql/write_batcher).
  std::string db_pool_size = "16";
  // Empty: 2 on PostgreSQL, 1 on SQLite (which has one write lock).
  std::string db_writers;
  std::string database_connect_timeout = "5";
  std::string database_statement_timeout = "5";
  std::string sqlite_synchronous = "normal";
  std::string key_encryption_key;
  std::string key_encryption_key_file;
  std::string signing_key_file;
  std::string key_publish_delay = "600";
  std::string key_reload_interval = "30";
  std::string access_token_ttl = "3600";
  std::string allow_insecure_issuer = "false";
  std::string scopes = "mcp:read mcp:write";
  std::string io_threads;
  std::string worker_threads;
  std::string max_body_bytes = "65536";
  std::string read_timeout = "10";
  std::string max_connections = "10000";
  std::string idle_timeout = "60";
  std::string shutdown_timeout = "10";
  std::string log_level = "info";
  std::string access_log = "true";
  std::string audit_log = "stdout";
  std::string metrics_address;
  std::string service_name = "authgent";
  std::string dcr_mode = "open";
  std::string redirect_uri_allowlist;
  std::string cimd = "enabled";
  std::string cimd_allowed_hosts;
  std::string cimd_ca_file;
  std::string cimd_allow_loopback = "false";
  std::string resources;
  std::string config_file;
  std::string refresh_token_ttl = "2592000";
  std::string refresh_idle_ttl = "604800";
  std::string refresh_reuse_grace = "60";
  std::string code_ttl = "600";
  std::string login_session_ttl = "43200";
  std::string registration_rate_limit = "20";
  std::string registration_global_rate_limit = "1000";
  std::string registration_network_rate_limit = "60";
  std::string authorize_rate_limit = "60";
  std::string password_hash_concurrency;
  std::string token_rate_limit = "300";
  std::string login_failure_limit = "10";
  std::string trusted_proxies;
  std::string purge_interval = "600";
  std::string client_unused_ttl = "86400";
  std::string client_idle_ttl = "7776000";
  std::string upstream_issuer;
  std::string upstream_client_id;
  std::string upstream_client_secret;
  std::string upstream_client_secret_file;
  std::string upstream_scopes = "openid email profile";
  std::string upstream_allowed_domains;
  std::string upstream_allowed_groups;
  std::string upstream_groups_claim = "groups";
  std::string upstream_timeout = "10";
  std::string upstream_retry_max = "60";
};

struct Config {
  std::string issuer;  // empty: derived from the bound port (http://localhost:PORT)
  int port = 8080;
  std::string bind_address;
  std::string database_url;
  storage::DatabaseUrl database;
  std::string database_password;  // PostgreSQL, when the URL carries none
  int db_pool_size = 16;
  int db_writers = 1;                  // batch writers (storage/sql/sql_store.h)
  int database_connect_timeout = 5;    // seconds (PostgreSQL)
  int database_statement_timeout = 5;  // seconds (PostgreSQL)
  std::string sqlite_synchronous;
  std::string key_encryption_key;
  std::string key_encryption_key_file;  // SQLite only: beside the database
  std::string signing_key_file;
  int64_t key_publish_delay = 600;
  int64_t key_reload_interval = 30;  // seconds between reloads of the shared key ring
  int64_t access_token_ttl = 3600;
  bool allow_insecure_issuer = false;
  std::vector<std::string> scopes;
  int io_threads = 1;
  int worker_threads = 4;
  size_t max_body_bytes = 65536;
  int read_timeout = 10;
  int max_connections = 10000;  // lowered at start to fit the open-file limit
  int idle_timeout = 60;
  int shutdown_timeout = 10;
  log::Level log_level = log::Level::kInfo;
  bool access_log = true;
  std::string audit_log = "stdout";  // stdout | off | a file path (server/audit_log.h)
  // Where /metrics is served: empty, on the main port; else "HOST:PORT" of a listener of its own.
  std::string metrics_bind_address;
  int metrics_port = 0;
  std::string service_name = "authgent";
  oauth::DcrMode dcr_mode = oauth::DcrMode::kOpen;
  std::vector<std::string> redirect_uri_allowlist;  // the default rules when not set
  // Client ID metadata documents (oauth/cimd): whether a URL client_id is resolved (and
  // advertised), the hosts allowed to vouch for clients (empty: any), the CAs trusted for the
  // fetch instead of the system's (empty: the system's), and loopback admitted (tests only).
  bool cimd_enabled = true;
  std::vector<std::string> cimd_allowed_hosts;
  std::string cimd_ca_file;
  bool cimd_allow_loopback = false;
  std::vector<oauth::ResourceServer> resources;
  std::map<std::string, std::string> scope_descriptions;
  int64_t refresh_token_ttl = 2592000;
  int64_t refresh_idle_ttl = 604800;
  int64_t refresh_reuse_grace = 60;
  int64_t code_ttl = 600;
  int64_t login_session_ttl = 43200;
  int64_t registration_rate_limit = 20;          // per client IP per hour
  int64_t registration_global_rate_limit = 1000;  // all IPs together, per hour
  int64_t registration_network_rate_limit = 60;   // per IPv4 /24 or IPv6 /64 per hour
  int64_t authorize_rate_limit = 60;  // new authorization transactions per client address per minute
  int password_hash_concurrency = 1;  // password hashes computed at once (login)
  int64_t token_rate_limit = 300;                 // per client and grant type per minute
  int64_t login_failure_limit = 10;               // per account per 15 minutes (x5 per IP)
  std::vector<std::string> trusted_proxies;
  int64_t purge_interval = 600;
  int64_t client_unused_ttl = 86400;   // a registration never used is deleted after this
  int64_t client_idle_ttl = 7776000;   // one unused this long, with no live grant, too
  // Upstream OpenID Connect login (all three set) instead of local accounts.
  std::string upstream_issuer;
  std::string upstream_client_id;
  std::string upstream_client_secret;
  std::string upstream_scopes = "openid email profile";
  std::vector<std::string> upstream_allowed_domains;
  std::vector<std::string> upstream_allowed_groups;
  std::string upstream_groups_claim = "groups";
  int64_t upstream_timeout = 10;
  int64_t upstream_retry_max = 60;
  bool upstream() const { return !upstream_issuer.empty(); }
};

// Declares every setting as a flag of `app`, each also read from its environment variable.
void AddConfigFlags(CLI::App& app, RawConfig& raw);

// Validates and converts. The error message starts with the variable's name.
StatusOr<Config> ValidateConfig(const RawConfig& raw);
// Reads CONFIG_FILE into `config` (scope descriptions, per-resource scopes).
Status LoadConfigFile(const std::string& path, Config& config);

}  // namespace authgent::server
