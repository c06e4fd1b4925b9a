#include "server/config.h"

#include <arpa/inet.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/url/parse.hpp>

#include "oauth/issuer.h"
#include "oauth/scope.h"
#include "server/web.h"

namespace authgent::server {
namespace {

struct Setting {
  const char* name;
  std::string RawConfig::*field;
  const char* help;
};

// One table: the flag (--issuer), the variable (ISSUER) and the help text come from here.
const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"ISSUER", &RawConfig::issuer,
       "Public origin of this server, e.g. https://auth.example.com (default http://localhost:PORT)"},
      {"PORT", &RawConfig::port, "TCP port to listen on (0: any free port)"},
      {"BIND_ADDRESS", &RawConfig::bind_address, "Address to listen on"},
      {"DATABASE_URL", &RawConfig::database_url, "sqlite://PATH or postgres://user:pass@host:5432/db"},
      {"DATABASE_URL_FILE", &RawConfig::database_url_file, "A file holding DATABASE_URL"},
      {"DATABASE_PASSWORD", &RawConfig::database_password,
       "PostgreSQL password, when DATABASE_URL has none"},
      {"DATABASE_PASSWORD_FILE", &RawConfig::database_password_file,
       "A file holding DATABASE_PASSWORD"},
      {"DB_POOL_SIZE", &RawConfig::db_pool_size, "Database connections per instance"},
      {"DATABASE_CONNECT_TIMEOUT", &RawConfig::database_connect_timeout,
       "Seconds to open a PostgreSQL connection"},
      {"DATABASE_STATEMENT_TIMEOUT", &RawConfig::database_statement_timeout,
       "Seconds one PostgreSQL statement may take"},
      {"SQLITE_SYNCHRONOUS", &RawConfig::sqlite_synchronous, "SQLite durability: normal or full"},
      {"KEY_ENCRYPTION_KEY", &RawConfig::key_encryption_key,
       "Base64 of 32 bytes sealing the private signing keys (required with PostgreSQL)"},
      {"KEY_ENCRYPTION_KEY_FILE", &RawConfig::key_encryption_key_file,
       "A file holding KEY_ENCRYPTION_KEY"},
      {"SIGNING_KEY_FILE", &RawConfig::signing_key_file, "PEM file of a P-256 key to sign with"},
      {"KEY_PUBLISH_DELAY", &RawConfig::key_publish_delay,
       "Seconds a rotated key is published before it signs"},
      {"KEY_RELOAD_INTERVAL", &RawConfig::key_reload_interval,
       "Seconds between reloads of the key ring (other instances' rotations)"},
      {"ACCESS_TOKEN_TTL", &RawConfig::access_token_ttl, "Access-token lifetime in seconds"},
      {"ALLOW_INSECURE_ISSUER", &RawConfig::allow_insecure_issuer,
       "Allow an http ISSUER on a non-loopback host (true/false)"},
      {"SCOPES", &RawConfig::scopes, "Space-separated scopes this server issues"},
      {"IO_THREADS", &RawConfig::io_threads, "Network threads (default: one per core)"},
      {"WORKER_THREADS", &RawConfig::worker_threads,
       "Threads for storage and signing work (default: 8 per core, at least 16)"},
      {"MAX_BODY_BYTES", &RawConfig::max_body_bytes, "Largest accepted request body"},
      {"READ_TIMEOUT", &RawConfig::read_timeout, "Seconds to receive one whole request"},
      {"MAX_CONNECTIONS", &RawConfig::max_connections,
       "Client connections open at once; more are answered 503"},
      {"IDLE_TIMEOUT", &RawConfig::idle_timeout, "Seconds a keep-alive connection may idle"},
      {"SHUTDOWN_TIMEOUT", &RawConfig::shutdown_timeout,
       "Seconds in-flight requests get to finish on SIGTERM"},
      {"LOG_LEVEL", &RawConfig::log_level, "debug, info, warn or error"},
      {"ACCESS_LOG", &RawConfig::access_log, "One JSON line per request (true/false)"},
      {"SERVICE_NAME", &RawConfig::service_name, "Name shown on the login and consent pages"},
      {"DCR_MODE", &RawConfig::dcr_mode, "Dynamic client registration: open, constrained or disabled"},
      {"REDIRECT_URI_ALLOWLIST", &RawConfig::redirect_uri_allowlist,
       "DCR_MODE=constrained: comma-separated exact URIs, prefix* rules and 'loopback'"},
      {"RESOURCES", &RawConfig::resources,
       "Comma-separated canonical URIs of the MCP servers tokens may be issued for"},
      {"CONFIG_FILE", &RawConfig::config_file,
       "JSON file with scope descriptions and per-resource scopes (docs/configuration.md)"},
      {"REFRESH_TOKEN_TTL", &RawConfig::refresh_token_ttl,
       "Absolute lifetime of a refresh-token family in seconds"},
      {"REFRESH_IDLE_TTL", &RawConfig::refresh_idle_ttl, "A refresh token unused this long expires"},
      {"REFRESH_REUSE_GRACE", &RawConfig::refresh_reuse_grace,
       "Seconds in which reusing a refresh token still returns a valid pair"},
      {"CODE_TTL", &RawConfig::code_ttl, "Authorization-code lifetime in seconds (at most 600)"},
      {"LOGIN_SESSION_TTL", &RawConfig::login_session_ttl, "Seconds a browser login lasts"},
      {"REGISTRATION_RATE_LIMIT", &RawConfig::registration_rate_limit,
       "Registrations per client IP per hour (0: unlimited)"},
      {"REGISTRATION_GLOBAL_RATE_LIMIT", &RawConfig::registration_global_rate_limit,
       "Registrations per hour from all IPs together (0: unlimited)"},
      {"REGISTRATION_NETWORK_RATE_LIMIT", &RawConfig::registration_network_rate_limit,
       "Registrations per hour per IPv4 /24 or IPv6 /64 network (0: unlimited)"},
      {"AUTHORIZE_RATE_LIMIT", &RawConfig::authorize_rate_limit,
       "Authorization requests that start a sign-in, per client address per minute (0: unlimited)"},
      {"PASSWORD_HASH_CONCURRENCY", &RawConfig::password_hash_concurrency,
       "Password checks computed at once (default: half the cores, at least 1)"},
      {"TOKEN_RATE_LIMIT", &RawConfig::token_rate_limit,
       "Token requests per client and grant type per minute (0: unlimited)"},
      {"LOGIN_FAILURE_LIMIT", &RawConfig::login_failure_limit,
       "Failed logins per account per 15 minutes (five times this per IP)"},
      {"TRUSTED_PROXIES", &RawConfig::trusted_proxies,
       "Comma-separated proxy IPs whose X-Forwarded-For is believed"},
      {"PURGE_INTERVAL", &RawConfig::purge_interval,
       "Seconds between deletions of expired codes, sessions and tokens"},
      {"CLIENT_UNUSED_TTL", &RawConfig::client_unused_ttl,
       "Seconds after which a dynamically registered client never used is deleted"},
      {"CLIENT_IDLE_TTL", &RawConfig::client_idle_ttl,
       "Seconds after which an unused dynamically registered client without live grants is deleted"},
      {"UPSTREAM_ISSUER", &RawConfig::upstream_issuer,
       "OpenID Connect issuer to log users in with (Okta, Entra ID, Google, ...)"},
      {"UPSTREAM_CLIENT_ID", &RawConfig::upstream_client_id, "authgent's client id at the upstream"},
      {"UPSTREAM_CLIENT_SECRET", &RawConfig::upstream_client_secret,
       "authgent's client secret at the upstream"},
      {"UPSTREAM_CLIENT_SECRET_FILE", &RawConfig::upstream_client_secret_file,
       "A file holding UPSTREAM_CLIENT_SECRET"},
      {"UPSTREAM_SCOPES", &RawConfig::upstream_scopes, "Scopes asked of the upstream"},
      {"UPSTREAM_ALLOWED_DOMAINS", &RawConfig::upstream_allowed_domains,
       "Comma-separated email domains allowed to log in (Google: also the hd claim)"},
      {"UPSTREAM_ALLOWED_GROUPS", &RawConfig::upstream_allowed_groups,
       "Comma-separated groups (UPSTREAM_GROUPS_CLAIM) allowed to log in"},
      {"UPSTREAM_GROUPS_CLAIM", &RawConfig::upstream_groups_claim, "The id_token claim listing groups"},
      {"UPSTREAM_TIMEOUT", &RawConfig::upstream_timeout, "Seconds for each call to the upstream"},
      {"UPSTREAM_RETRY_MAX", &RawConfig::upstream_retry_max,
       "Longest wait in seconds between upstream discovery retries"},
  };
  return settings;
}

std::string FlagName(const char* name) {
  std::string flag = "--";
  for (const char* p = name; *p; ++p) flag += (*p == '_') ? '-' : static_cast<char>(std::tolower(*p));
  return flag;
}

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

}  // namespace

void AddConfigFlags(CLI::App& app, RawConfig& raw) {
  for (const Setting& s : Settings()) {
    std::string help = std::string(s.help) + " [env " + s.name + "]";
    app.add_option(FlagName(s.name), raw.*(s.field), help)->envname(s.name)->capture_default_str();
  }
}

namespace {
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
  for (const std::string& uri : SplitCommas(raw.resources)) {
    if (!oauth::NormalizeResource(uri)) {
      return Bad("RESOURCES", "has an entry that is not an absolute URI without fragment (got '" + uri + "')");
    }
    c.resources.push_back({uri, {}, {}});
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
}  // namespace

namespace {
// NAME_FILE: the setting's value is the file's content, less trailing line breaks (container
// secrets are mounted as files). Setting both is an error: one of them would be ignored.
Status ReadSecretFile(const char* name, const std::string& path, std::string& value,
                      const std::string& default_value = "") {
  if (path.empty()) return Status::Ok();
  std::string file_name = std::string(name) + "_FILE";
  if (!value.empty() && value != default_value) return Bad(file_name.c_str(), std::string("and ") + name + " are both set");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Bad(file_name.c_str(), "is not a readable file (got '" + path + "')");
  value.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) return Bad(file_name.c_str(), "names an empty file (got '" + path + "')");
  return Status::Ok();
}
}  // namespace

StatusOr<Config> ValidateConfig(const RawConfig& given) {
  RawConfig raw = given;
  AUTHGENT_RETURN_IF_ERROR(ReadSecretFile("DATABASE_URL", raw.database_url_file, raw.database_url,
                                          RawConfig{}.database_url));
  AUTHGENT_RETURN_IF_ERROR(
      ReadSecretFile("DATABASE_PASSWORD", raw.database_password_file, raw.database_password));
  AUTHGENT_RETURN_IF_ERROR(ReadSecretFile("KEY_ENCRYPTION_KEY", raw.key_encryption_key_file,
                                          raw.key_encryption_key));
  AUTHGENT_RETURN_IF_ERROR(ReadSecretFile("UPSTREAM_CLIENT_SECRET", raw.upstream_client_secret_file,
                                          raw.upstream_client_secret));
  Config c;
  c.database_password = raw.database_password;
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

  c.database_url = raw.database_url;
  StatusOr<storage::DatabaseUrl> db = storage::ParseDatabaseUrl(raw.database_url);
  if (!db.ok()) return Bad("DATABASE_URL", "is invalid: " + db.status().message());
  c.database = *db;
  AUTHGENT_ASSIGN_OR_RETURN(int64_t pool, ParseInt("DB_POOL_SIZE", raw.db_pool_size, 1, 256));
  c.db_pool_size = static_cast<int>(pool);
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

  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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
  AUTHGENT_RETURN_IF_ERROR(ValidateFlowSettings(raw, c));
  return c;
}

}  // namespace authgent::server
