// server/config: the settings table (flags, variables, help) and ValidateConfig, which reads the
// NAME_FILE secrets and applies server/config_rules section by section.
#include "server/config.h"

#include <fstream>
#include <iterator>

#include "core/ascii.h"
#include "server/config_rules.h"

namespace authgent::server {
namespace {

struct Setting {
  const char* name;
  std::string RawConfig::*field;
  const char* help;
};

// One table: the flag (--issuer), the variable (ISSUER) and the help text come from here.
// constexpr, so it is built at compile time and no static initialisation order applies.
constexpr Setting kSettings[] = {
    {"ISSUER", &RawConfig::issuer,
     "Public origin of this server, e.g. https://auth.example.com (default http://localhost:PORT)"},
    {"PORT", &RawConfig::port, "TCP port to listen on (0: any free port)"},
    {"BIND_ADDRESS", &RawConfig::bind_address, "Address to listen on"},
    {"DATABASE_URL", &RawConfig::database_url,
     "sqlite://PATH or postgres://user:pass@host:5432/db"},
    {"DATABASE_URL_FILE", &RawConfig::database_url_file, "A file holding DATABASE_URL"},
    {"DATABASE_PASSWORD", &RawConfig::database_password,
     "PostgreSQL password, when DATABASE_URL has none"},
    {"DATABASE_PASSWORD_FILE", &RawConfig::database_password_file,
     "A file holding DATABASE_PASSWORD"},
    {"DB_POOL_SIZE", &RawConfig::db_pool_size,
     "SQLite: read connections per instance (not used with PostgreSQL)"},
    {"DB_WRITERS", &RawConfig::db_writers,
     "PostgreSQL batch writers per instance, each with its own connection"},
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
    {"AUDIT_LOG", &RawConfig::audit_log,
     "The audit trail: stdout, off, or a file (appended to, reopened on SIGHUP)"},
    {"METRICS_ADDRESS", &RawConfig::metrics_address,
     "HOST:PORT to serve /metrics on instead of the main port (e.g. 127.0.0.1:9090)"},
    {"SERVICE_NAME", &RawConfig::service_name, "Name shown on the login and consent pages"},
    {"DCR_MODE", &RawConfig::dcr_mode,
     "Dynamic client registration: open, constrained or disabled"},
    {"REDIRECT_URI_ALLOWLIST", &RawConfig::redirect_uri_allowlist,
     "DCR_MODE=constrained: comma-separated exact URIs, prefix* rules and 'loopback'"},
    {"CIMD", &RawConfig::cimd,
     "Client ID metadata documents (an https URL as client_id): enabled or disabled"},
    {"CIMD_ALLOWED_HOSTS", &RawConfig::cimd_allowed_hosts,
     "Comma-separated hosts whose metadata documents are accepted (default: any)"},
    {"CIMD_CA_FILE", &RawConfig::cimd_ca_file,
     "PEM file of CAs trusted for metadata documents instead of the system's"},
    {"CIMD_ALLOW_LOOPBACK", &RawConfig::cimd_allow_loopback,
     "Tests only: fetch metadata documents from loopback addresses (true/false)"},
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
    {"UPSTREAM_GROUPS_CLAIM", &RawConfig::upstream_groups_claim,
     "The id_token claim listing groups"},
    {"UPSTREAM_TIMEOUT", &RawConfig::upstream_timeout, "Seconds for each call to the upstream"},
    {"UPSTREAM_RETRY_MAX", &RawConfig::upstream_retry_max,
     "Longest wait in seconds between upstream discovery retries"},
};

std::string FlagName(const char* name) {
  std::string flag = "--";
  for (const char* p = name; *p; ++p) flag += (*p == '_') ? '-' : AsciiLower(*p);
  return flag;
}

}  // namespace

void AddConfigFlags(CLI::App& app, RawConfig& raw) {
  for (const Setting& s : kSettings) {
    std::string help = std::string(s.help) + " [env " + s.name + "]";
    app.add_option(FlagName(s.name), raw.*(s.field), help)->envname(s.name)->capture_default_str();
  }
}

namespace {
// NAME_FILE: the setting's value is the file's content, less trailing line breaks (container
// secrets are mounted as files). Setting both is an error: one of them would be ignored.
Status ReadSecretFile(const char* name, const std::string& path, std::string& value,
                      const std::string& default_value = "") {
  if (path.empty()) return Status::Ok();
  std::string file_name = std::string(name) + "_FILE";
  if (!value.empty() && value != default_value)
    return Bad(file_name.c_str(), std::string("and ") + name + " are both set");
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
  AUTHGENT_RETURN_IF_ERROR(
      ReadSecretFile("KEY_ENCRYPTION_KEY", raw.key_encryption_key_file, raw.key_encryption_key));
  AUTHGENT_RETURN_IF_ERROR(ReadSecretFile("UPSTREAM_CLIENT_SECRET", raw.upstream_client_secret_file,
                                          raw.upstream_client_secret));
  Config c;
  c.database_password = raw.database_password;
  for (auto* section : {&ValidateListener, &ValidateStorage, &ValidateKeys, &ValidateScopes,
                        &ValidateRuntime, &ValidateFlowSettings}) {
    AUTHGENT_RETURN_IF_ERROR(section(raw, c));
  }
  return c;
}

}  // namespace authgent::server
