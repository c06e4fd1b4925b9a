#include "server/config_rules.h"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "core/ascii.h"
#include "core/log.h"
#include "core/usable_cores.h"
#include "oauth/issuer.h"
#include "oauth/scope.h"
#include "server/web.h"

namespace authgent::server {

Status Bad(const char* name, const std::string& what) {
  return InvalidArgumentError(std::string(name) + " " + what);
}

StatusOr<int64_t> ParseInt(const char* name, const std::string& text, int64_t lo, int64_t hi) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < lo ||
      value > hi) {
    return Bad(name, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                         " (got '" + text + "')");
  }
  return value;
}

StatusOr<bool> ParseBool(const char* name, const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return Bad(name, "must be true or false (got '" + text + "')");
}

std::vector<std::string> SplitSpaces(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find_first_of(" \t,", i);
    if (j == std::string::npos) j = text.size();
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    std::string item = text.substr(i, j - i);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    i = j + 1;
  }
  return out;
}

Status ValidateUpstream(const RawConfig& raw, Config& c) {
  bool any = !raw.upstream_issuer.empty() || !raw.upstream_client_id.empty() ||
             !raw.upstream_client_secret.empty();
  if (!any) return Status::Ok();
  if (raw.upstream_issuer.empty()) return Bad("UPSTREAM_ISSUER", "is required with UPSTREAM_CLIENT_ID");
  if (raw.upstream_client_id.empty()) return Bad("UPSTREAM_CLIENT_ID", "is required with UPSTREAM_ISSUER");
  if (raw.upstream_client_secret.empty()) {
    return Bad("UPSTREAM_CLIENT_SECRET", "is required with UPSTREAM_ISSUER");
  }
  // Upstream issuers may have a path (Okta custom servers, Entra tenants) and even a trailing '/'
  // (Auth0), never a query; http only on loopback (a test IdP) unless ALLOW_INSECURE_ISSUER.
  auto url = boost::urls::parse_absolute_uri(raw.upstream_issuer);
  std::string scheme = url ? std::string(url->scheme()) : "";
  if (!url || (scheme != "https" && scheme != "http") || url->host().empty() || url->has_query()) {
    return Bad("UPSTREAM_ISSUER", "must be an http(s) URL without a query (got '" +
                                      raw.upstream_issuer + "')");
  }
  if (scheme == "http" && !c.allow_insecure_issuer && !oauth::IsLoopbackHost(url->host())) {
    return Bad("UPSTREAM_ISSUER", "uses http with a non-loopback host (got '" + raw.upstream_issuer + "')");
  }
  c.upstream_issuer = raw.upstream_issuer;
  c.upstream_client_id = raw.upstream_client_id;
  c.upstream_client_secret = raw.upstream_client_secret;
  c.upstream_scopes = raw.upstream_scopes;
  if (oauth::SplitScope(c.upstream_scopes).empty() ||
      c.upstream_scopes.find("openid") == std::string::npos) {
    return Bad("UPSTREAM_SCOPES", "must include openid (got '" + raw.upstream_scopes + "')");
  }
  c.upstream_allowed_domains = SplitCommas(raw.upstream_allowed_domains);
  c.upstream_allowed_groups = SplitCommas(raw.upstream_allowed_groups);
  c.upstream_groups_claim = raw.upstream_groups_claim.empty() ? "groups" : raw.upstream_groups_claim;
  return Status::Ok();
}

Status ValidateFlowSettings(const RawConfig& raw, Config& c) {
  c.service_name = raw.service_name.empty() ? "authgent" : raw.service_name;
  if (!oauth::ParseDcrMode(raw.dcr_mode, &c.dcr_mode)) {
    return Bad("DCR_MODE", "must be open, constrained or disabled (got '" + raw.dcr_mode + "')");
  }
  c.redirect_uri_allowlist = SplitCommas(raw.redirect_uri_allowlist);
  if (c.redirect_uri_allowlist.empty()) c.redirect_uri_allowlist = oauth::RedirectAllowlist::DefaultRules();
  if (raw.cimd != "enabled" && raw.cimd != "disabled") {
    return Bad("CIMD", "must be enabled or disabled (got '" + raw.cimd + "')");
  }
  c.cimd_enabled = raw.cimd == "enabled";
  for (const std::string& host : SplitCommas(raw.cimd_allowed_hosts)) {
    c.cimd_allowed_hosts.push_back(AsciiLower(host));
  }
  c.cimd_ca_file = raw.cimd_ca_file;
  AUTHGENT_ASSIGN_OR_RETURN(c.cimd_allow_loopback,
                            ParseBool("CIMD_ALLOW_LOOPBACK", raw.cimd_allow_loopback));
  for (const std::string& uri : SplitCommas(raw.resources)) {
    if (!oauth::NormalizeResource(uri)) {
      return Bad("RESOURCES", "has an entry that is not an absolute URI without fragment (got '" + uri + "')");
    }
    c.resources.push_back({uri, {}, {}, {}, {}});
  }
  if (!raw.config_file.empty()) AUTHGENT_RETURN_IF_ERROR(LoadConfigFile(raw.config_file, c));
  struct Limit { const char* name; const std::string& text; int64_t lo, hi; int64_t* out; };
  for (const Limit& l : {
           Limit{"REFRESH_TOKEN_TTL", raw.refresh_token_ttl, 60, 365 * 86400, &c.refresh_token_ttl},
           Limit{"REFRESH_IDLE_TTL", raw.refresh_idle_ttl, 60, 365 * 86400, &c.refresh_idle_ttl},
           Limit{"REFRESH_REUSE_GRACE", raw.refresh_reuse_grace, 0, 3600, &c.refresh_reuse_grace},
           Limit{"CODE_TTL", raw.code_ttl, 10, 600, &c.code_ttl},
           Limit{"LOGIN_SESSION_TTL", raw.login_session_ttl, 60, 90 * 86400, &c.login_session_ttl},
           Limit{"REGISTRATION_RATE_LIMIT", raw.registration_rate_limit, 0, 1000000,
                 &c.registration_rate_limit},
           Limit{"REGISTRATION_GLOBAL_RATE_LIMIT", raw.registration_global_rate_limit, 0, 100000000,
                 &c.registration_global_rate_limit},
           Limit{"REGISTRATION_NETWORK_RATE_LIMIT", raw.registration_network_rate_limit, 0,
                 100000000, &c.registration_network_rate_limit},
           Limit{"AUTHORIZE_RATE_LIMIT", raw.authorize_rate_limit, 0, 100000000,
                 &c.authorize_rate_limit},
           Limit{"TOKEN_RATE_LIMIT", raw.token_rate_limit, 0, 100000000, &c.token_rate_limit},
           Limit{"LOGIN_FAILURE_LIMIT", raw.login_failure_limit, 1, 100000, &c.login_failure_limit},
           Limit{"PURGE_INTERVAL", raw.purge_interval, 1, 86400, &c.purge_interval},
           Limit{"CLIENT_UNUSED_TTL", raw.client_unused_ttl, 60, 3650 * 86400, &c.client_unused_ttl},
           Limit{"CLIENT_IDLE_TTL", raw.client_idle_ttl, 60, 3650 * 86400, &c.client_idle_ttl},
           Limit{"UPSTREAM_TIMEOUT", raw.upstream_timeout, 1, 120, &c.upstream_timeout},
           Limit{"UPSTREAM_RETRY_MAX", raw.upstream_retry_max, 1, 3600, &c.upstream_retry_max},
       }) {
    AUTHGENT_ASSIGN_OR_RETURN(*l.out, ParseInt(l.name, l.text, l.lo, l.hi));
  }
  AUTHGENT_RETURN_IF_ERROR(ValidateUpstream(raw, c));
  c.trusted_proxies = SplitCommas(raw.trusted_proxies);
  for (const std::string& ip : c.trusted_proxies) {
    if (!ParseIpRange(ip)) {
      return Bad("TRUSTED_PROXIES", "must list IP addresses or networks (got '" + ip + "')");
    }
  }
  return Status::Ok();
}
// ISSUER, PORT and BIND_ADDRESS.
Status ValidateListener(const RawConfig& raw, Config& c) {
  AUTHGENT_ASSIGN_OR_RETURN(c.allow_insecure_issuer,
                            ParseBool("ALLOW_INSECURE_ISSUER", raw.allow_insecure_issuer));
  if (!raw.issuer.empty()) {
    Status issuer = oauth::ValidateIssuer(raw.issuer, c.allow_insecure_issuer);
    if (!issuer.ok()) return Bad("ISSUER", issuer.message());
    c.issuer = raw.issuer;
  }
  AUTHGENT_ASSIGN_OR_RETURN(int64_t port, ParseInt("PORT", raw.port, 0, 65535));
  c.port = static_cast<int>(port);
  c.bind_address = raw.bind_address;
  unsigned char addr[sizeof(in6_addr)];
  if (inet_pton(AF_INET, c.bind_address.c_str(), addr) != 1 &&
      inet_pton(AF_INET6, c.bind_address.c_str(), addr) != 1) {
    return Bad("BIND_ADDRESS", "must be an IPv4 or IPv6 address (got '" + c.bind_address + "')");
  }
  return Status::Ok();
}

// DATABASE_URL and the settings of its pool and its databases.
Status ValidateStorage(const RawConfig& raw, Config& c) {
  c.database_url = raw.database_url;
  StatusOr<storage::DatabaseUrl> db = storage::ParseDatabaseUrl(raw.database_url);
  if (!db.ok()) return Bad("DATABASE_URL", "is invalid: " + db.status().message());
  c.database = *db;
  AUTHGENT_ASSIGN_OR_RETURN(int64_t pool, ParseInt("DB_POOL_SIZE", raw.db_pool_size, 1, 256));
  c.db_pool_size = static_cast<int>(pool);
  const bool postgres = db->kind == storage::DatabaseUrl::Kind::kPostgres;
  if (raw.db_writers.empty()) {
    c.db_writers = postgres ? 2 : 1;
  } else {
    AUTHGENT_ASSIGN_OR_RETURN(int64_t writers, ParseInt("DB_WRITERS", raw.db_writers, 1, 16));
    if (!postgres && writers != 1) {
      return Bad("DB_WRITERS", "applies to PostgreSQL only: SQLite has one writer");
    }
    c.db_writers = static_cast<int>(writers);
  }
  AUTHGENT_ASSIGN_OR_RETURN(int64_t connect_timeout,
                            ParseInt("DATABASE_CONNECT_TIMEOUT", raw.database_connect_timeout, 1, 300));
  c.database_connect_timeout = static_cast<int>(connect_timeout);
  AUTHGENT_ASSIGN_OR_RETURN(
      int64_t statement_timeout,
      ParseInt("DATABASE_STATEMENT_TIMEOUT", raw.database_statement_timeout, 1, 3600));
  c.database_statement_timeout = static_cast<int>(statement_timeout);
  if (raw.sqlite_synchronous != "normal" && raw.sqlite_synchronous != "full") {
    return Bad("SQLITE_SYNCHRONOUS", "must be normal or full (got '" + raw.sqlite_synchronous + "')");
  }
  c.sqlite_synchronous = raw.sqlite_synchronous;
  return Status::Ok();
}

// The key-encryption key, an imported signing key and the key and token lifetimes.
Status ValidateKeys(const RawConfig& raw, Config& c) {
  c.key_encryption_key = raw.key_encryption_key;
  if (c.database.kind == storage::DatabaseUrl::Kind::kPostgres && c.key_encryption_key.empty()) {
    return Bad("KEY_ENCRYPTION_KEY",
               "is required with PostgreSQL: every instance must share it (base64 of 32 bytes)");
  }
  if (c.database.kind == storage::DatabaseUrl::Kind::kSqlite) {
    c.key_encryption_key_file =
        std::filesystem::path(c.database.sqlite_path).replace_extension(".kek").string();
  }
  c.signing_key_file = raw.signing_key_file;
  if (!c.signing_key_file.empty() && !std::filesystem::is_regular_file(c.signing_key_file)) {
    return Bad("SIGNING_KEY_FILE", "is not a readable file (got '" + c.signing_key_file + "')");
  }
  AUTHGENT_ASSIGN_OR_RETURN(c.key_publish_delay,
                            ParseInt("KEY_PUBLISH_DELAY", raw.key_publish_delay, 0, 30 * 86400));
  AUTHGENT_ASSIGN_OR_RETURN(c.key_reload_interval,
                            ParseInt("KEY_RELOAD_INTERVAL", raw.key_reload_interval, 1, 3600));
  AUTHGENT_ASSIGN_OR_RETURN(c.access_token_ttl,
                            ParseInt("ACCESS_TOKEN_TTL", raw.access_token_ttl, 60, 86400));
  return Status::Ok();
}

// SCOPES: RFC 6749 scope tokens.
Status ValidateScopes(const RawConfig& raw, Config& c) {
  c.scopes = SplitSpaces(raw.scopes);
  if (c.scopes.empty()) return Bad("SCOPES", "must list at least one scope");
  for (const std::string& scope : c.scopes) {
    // RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
    for (char ch : scope) {
      if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\') {
        return Bad("SCOPES", "has an invalid scope '" + scope + "'");
      }
    }
  }
  return Status::Ok();
}

// Threads, request limits, timeouts and logging.
Status ValidateRuntime(const RawConfig& raw, Config& c) {
  int cores = UsableCores();  // the container's share, not the whole node's
  AUTHGENT_ASSIGN_OR_RETURN(
      int64_t io, raw.io_threads.empty() ? StatusOr<int64_t>(cores)
                                         : ParseInt("IO_THREADS", raw.io_threads, 1, 256));
  c.io_threads = static_cast<int>(io);
  AUTHGENT_ASSIGN_OR_RETURN(
      int64_t workers, raw.worker_threads.empty()
                           ? StatusOr<int64_t>(std::max(16, 8 * cores))
                           : ParseInt("WORKER_THREADS", raw.worker_threads, 1, 1024));
  c.worker_threads = static_cast<int>(workers);
  AUTHGENT_ASSIGN_OR_RETURN(
      int64_t hashes, raw.password_hash_concurrency.empty()
                          ? StatusOr<int64_t>(std::max(1, cores / 2))
                          : ParseInt("PASSWORD_HASH_CONCURRENCY", raw.password_hash_concurrency, 1, 256));
  c.password_hash_concurrency = static_cast<int>(hashes);
  AUTHGENT_ASSIGN_OR_RETURN(int64_t body,
                            ParseInt("MAX_BODY_BYTES", raw.max_body_bytes, 1024, 16 << 20));
  c.max_body_bytes = static_cast<size_t>(body);
  AUTHGENT_ASSIGN_OR_RETURN(int64_t read, ParseInt("READ_TIMEOUT", raw.read_timeout, 1, 3600));
  AUTHGENT_ASSIGN_OR_RETURN(int64_t idle, ParseInt("IDLE_TIMEOUT", raw.idle_timeout, 1, 3600));
  AUTHGENT_ASSIGN_OR_RETURN(int64_t shutdown,
                            ParseInt("SHUTDOWN_TIMEOUT", raw.shutdown_timeout, 0, 3600));
  c.read_timeout = static_cast<int>(read);
  AUTHGENT_ASSIGN_OR_RETURN(int64_t max_connections,
                            ParseInt("MAX_CONNECTIONS", raw.max_connections, 1, 1000000));
  c.max_connections = static_cast<int>(max_connections);
  c.idle_timeout = static_cast<int>(idle);
  c.shutdown_timeout = static_cast<int>(shutdown);
  if (!log::ParseLevel(raw.log_level, &c.log_level)) {
    return Bad("LOG_LEVEL", "must be debug, info, warn or error (got '" + raw.log_level + "')");
  }
  AUTHGENT_ASSIGN_OR_RETURN(c.access_log, ParseBool("ACCESS_LOG", raw.access_log));
  if (raw.audit_log.empty()) return Bad("AUDIT_LOG", "must be stdout, off or a file path");
  c.audit_log = raw.audit_log;
  if (!raw.metrics_address.empty()) {
    // HOST:PORT, the host an IPv4 or IPv6 address ([::1]:9090) or a name.
    size_t colon = raw.metrics_address.rfind(':');
    std::string host = colon == std::string::npos ? "" : raw.metrics_address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) {
      return Bad("METRICS_ADDRESS",
                 "must be HOST:PORT, e.g. 127.0.0.1:9090 (got '" + raw.metrics_address + "')");
    }
    AUTHGENT_ASSIGN_OR_RETURN(
        int64_t port,
        ParseInt("METRICS_ADDRESS port", raw.metrics_address.substr(colon + 1), 0, 65535));
    c.metrics_bind_address = host;
    c.metrics_port = static_cast<int>(port);
  }
  return Status::Ok();
}

}  // namespace authgent::server
