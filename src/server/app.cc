#include "server/app.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/log.h"
#include "crypto/key_encryption_key.h"
#include "crypto/password.h"
#include "oauth/cimd.h"
#include "oauth/metadata.h"

#include <iostream>

namespace authgent::server {

storage::OpenOptions StoreOptions(const Config& config) {
  storage::OpenOptions options;
  options.pool_size = config.db_pool_size;
  options.writers = config.db_writers;
  options.sqlite_synchronous = config.sqlite_synchronous;
  options.postgres_connect_timeout_seconds = config.database_connect_timeout;
  options.postgres_statement_timeout_ms = config.database_statement_timeout * 1000;
  options.postgres_password = config.database_password;
  return options;
}

StatusOr<std::unique_ptr<storage::Store>> OpenMigratedStore(const Config& config) {
  storage::OpenOptions options = StoreOptions(config);
  AUTHGENT_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                            storage::OpenStore(config.database, options));
  AUTHGENT_ASSIGN_OR_RETURN(int applied, store->Migrate());
  if (applied > 0) {
    log::Info("applied database migrations",
              {{"count", applied}, {"schema_version", store->LatestSchemaVersion()}});
  }
  return store;
}

StatusOr<std::unique_ptr<crypto::KeyRing>> OpenKeyRing(const Config& config, storage::Store& store,
                                                       const Clock& clock, Random& random) {
  bool sqlite = config.database.kind == storage::DatabaseUrl::Kind::kSqlite;
  AUTHGENT_ASSIGN_OR_RETURN(
      std::string kek, crypto::LoadKeyEncryptionKey(config.key_encryption_key,
                                                    config.key_encryption_key_file, sqlite, random));
  crypto::KeyRingOptions options;
  options.publish_delay = config.key_publish_delay;
  options.reload_interval = config.key_reload_interval;
  options.token_lifetime = config.access_token_ttl;
  return std::make_unique<crypto::KeyRing>(store, clock, random, std::move(kek), options);
}

namespace {
StatusOr<std::optional<crypto::EcKey>> ReadOperatorKey(const std::string& path) {
  if (path.empty()) return std::optional<crypto::EcKey>();
  std::ifstream in(path);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in) return InvalidArgumentError("SIGNING_KEY_FILE cannot be read: " + path);
  StatusOr<crypto::EcKey> key = crypto::EcKey::FromPrivatePem(pem.str());
  if (!key.ok()) {
    return InvalidArgumentError("SIGNING_KEY_FILE " + path + ": " + key.status().message() +
                                " (an EC P-256 private key in PEM is required)");
  }
  return std::optional<crypto::EcKey>(std::move(key).value());
}
}  // namespace

StatusOr<std::unique_ptr<App>> App::Create(Config config, const Clock& clock, Random& random) {
  std::unique_ptr<App> app(new App(std::move(config), clock, random));
  app->telemetry_ = std::make_unique<Telemetry>();
  AUTHGENT_ASSIGN_OR_RETURN(app->audit_, AuditLog::Open(app->config_.audit_log, false));
  App* self = app.get();
  app->events_ =
      std::make_unique<Events>(*app->audit_, app->telemetry_.get(), app->config_.trusted_proxies,
                               [self](const std::string& client_id) {
                                 return self->client_cache_.Peek(client_id, self->clock_.Now());
                               });
  AUTHGENT_ASSIGN_OR_RETURN(app->store_, OpenMigratedStore(app->config_));
  app->store_->SetMetrics(app->telemetry_->StorageHistograms());
  AUTHGENT_ASSIGN_OR_RETURN(app->keys_, OpenKeyRing(app->config_, *app->store_, clock, random));
  AUTHGENT_ASSIGN_OR_RETURN(std::optional<crypto::EcKey> operator_key,
                            ReadOperatorKey(app->config_.signing_key_file));
  AUTHGENT_RETURN_IF_ERROR(app->keys_->Bootstrap(operator_key));
  app->telemetry_->WatchKeys(*app->keys_, clock);

  app->local_limits_ = std::make_unique<LocalRateLimiter>(clock);
  app->shared_limits_ = std::make_unique<SharedRateLimiter>(*app->store_, clock);
  // Logins, hashing or waiting to, hold at most half the workers; the rest serve everything else.
  int half = std::max(1, app->config_.worker_threads / 2);
  int hashing = std::min(app->config_.password_hash_concurrency, half);
  app->password_gate_ = std::make_unique<ConcurrencyGate>(hashing, half - hashing);
  http::ServerOptions options;
  options.bind_address = app->config_.bind_address;
  options.port = app->config_.port;
  options.io_threads = app->config_.io_threads;
  options.worker_threads = app->config_.worker_threads;
  options.max_body_bytes = app->config_.max_body_bytes;
  options.read_timeout = std::chrono::seconds(app->config_.read_timeout);
  options.idle_timeout = std::chrono::seconds(app->config_.idle_timeout);
  options.shutdown_timeout = std::chrono::seconds(app->config_.shutdown_timeout);
  options.access_log = app->config_.access_log;
  options.max_connections = app->config_.max_connections;
  options.on_answered = [telemetry = app->telemetry_.get()](const http::Request& r, int status,
                                                            int64_t micros) {
    telemetry->CountRequest(r.path, status, micros);
  };
  app->server_ = std::make_unique<http::Server>(options, app->router_);
  if (!app->config_.metrics_bind_address.empty()) {
    http::ServerOptions metrics;
    metrics.bind_address = app->config_.metrics_bind_address;
    metrics.port = app->config_.metrics_port;
    metrics.io_threads = 1;
    metrics.worker_threads = 1;
    metrics.access_log = false;
    metrics.max_connections = 64;
    app->metrics_server_ = std::make_unique<http::Server>(metrics, app->metrics_router_);
  }
  return app;
}

// The services the endpoints share, once the issuer is known.
void App::BuildServices() {
  catalog_ = oauth::ResourceCatalog(config_.issuer, config_.resources, config_.scopes,
                                    config_.scope_descriptions);
  token_settings_.issuer = config_.issuer;
  token_settings_.access_token_ttl = config_.access_token_ttl;
  token_settings_.refresh_token_ttl = config_.refresh_token_ttl;
  token_settings_.refresh_idle_ttl = config_.refresh_idle_ttl;
  token_settings_.refresh_reuse_grace = config_.refresh_reuse_grace;
  token_settings_.code_ttl = config_.code_ttl;
  token_settings_.refresh_successor_key = keys_->DeriveSecret("authgent refresh-token successor v1");
  tokens_ = std::make_unique<oauth::TokenService>(*store_, *keys_, clock_, random_,
                                                  token_settings_, catalog_);
  browser_ = std::make_unique<Browser>(
      BrowserSettings{config_.issuer, config_.service_name, config_.login_session_ttl,
                      keys_->DeriveSecret("authgent sign-out v1")},
      *store_, clock_, random_);
  // private_key_jwt clients' keys: a jwks_uri is a stranger's URL (DCR, metadata documents), so
  // it is fetched with the same guard, CA file and loopback setting as metadata documents.
  federation::FetchLimits key_limits;
  key_limits.timeout_ms = 3000;
  key_limits.max_body_bytes = 64 * 1024;
  key_limits.addresses = federation::AddressPolicy{.allow_loopback = config_.cimd_allow_loopback};
  key_limits.ca_file = config_.cimd_ca_file;
  key_fetcher_ = std::make_unique<federation::CurlFetcher>(key_limits);
  client_keys_ = std::make_unique<federation::ClientKeys>(
      telemetry_->Measured(*key_fetcher_, "client_keys"), clock_);
  client_assertions_ = std::make_unique<ClientAssertions>(
      oauth::AssertionAudience{config_.issuer, config_.issuer + oauth::kTokenPath}, *client_keys_,
      *store_, clock_);
  client_authentication_ = std::make_unique<ClientAuthentication>(
      config_.issuer, *store_, client_cache_, clock_,
      [this](const storage::Client& client, const std::string& assertion) {
        return client_assertions_->Check(client, assertion);
      });
  front_channel_ = std::make_unique<FrontChannel>(
      FrontChannelSettings{config_.issuer, config_.service_name, config_.login_session_ttl},
      *store_, *tokens_, *browser_, catalog_, *events_, clock_, random_);
}

// Every route, once the issuer is known and every service the handlers use exists (the server
// does not serve before Run()). Each endpoint is an object with its dependencies passed in.
void App::AddRoutes() {
  if (config_.cimd_enabled) {
    federation::FetchLimits limits;
    limits.timeout_ms = 3000;
    limits.max_body_bytes = oauth::kMaxClientIdDocumentBytes;
    limits.addresses = federation::AddressPolicy{.allow_loopback = config_.cimd_allow_loopback};
    limits.ca_file = config_.cimd_ca_file;
    document_fetcher_ = std::make_unique<federation::CurlFetcher>(limits);
    client_documents_ = std::make_unique<federation::ClientIdDocuments>(
        telemetry_->Measured(*document_fetcher_, "cimd"), *store_, clock_,
        config_.cimd_allowed_hosts);
  }
  oauth::MetadataSettings metadata;
  metadata.issuer = config_.issuer;
  metadata.scopes = config_.scopes;
  metadata.registration_enabled = config_.dcr_mode != oauth::DcrMode::kDisabled;
  metadata.client_id_documents = config_.cimd_enabled;
  discovery_ = std::make_unique<DiscoveryEndpoint>(oauth::BuildMetadata(metadata).dump(), *keys_);
  health_ = std::make_unique<HealthEndpoint>(*store_, *keys_, upstream_.get());
  oauth::RegistrationPolicy registration;
  registration.mode = config_.dcr_mode;
  registration.allowlist = oauth::RedirectAllowlist(config_.redirect_uri_allowlist);
  client_configuration_ = std::make_unique<ClientConfigurationEndpoint>(
      config_.issuer, registration, config_.registration_rate_limit, *store_, *shared_limits_,
      client_cache_, *events_, clock_);
  registration_ = std::make_unique<RegistrationEndpoint>(
      config_.issuer, std::move(registration),
      RegistrationLimits{config_.registration_rate_limit, config_.registration_network_rate_limit,
                         config_.registration_global_rate_limit},
      config_.trusted_proxies, *store_, *shared_limits_, client_cache_, *events_, clock_, random_);
  authorize_ = std::make_unique<AuthorizeEndpoint>(
      *front_channel_, *browser_, *store_, client_cache_, catalog_, *shared_limits_,
      AuthorizeLimits{config_.trusted_proxies, config_.authorize_rate_limit},
      client_documents_.get(), *events_, clock_, random_);
  upstream_login_ = std::make_unique<UpstreamEndpoint>(upstream_.get(), *front_channel_, *browser_,
                                                       *store_, *events_, clock_, random_);
  login_ = std::make_unique<LoginEndpoint>(
      LoginSettings{config_.issuer, config_.service_name, config_.trusted_proxies,
                    config_.login_failure_limit},
      *front_channel_, *upstream_login_, *browser_, *store_, *shared_limits_, *password_gate_,
      *events_, clock_);
  consent_ = std::make_unique<ConsentEndpoint>(config_.issuer, *front_channel_, *browser_, *store_,
                                               *tokens_, catalog_, *events_, clock_);
  token_ =
      std::make_unique<TokenEndpoint>(*client_authentication_, *tokens_, *keys_, *local_limits_,
                                      config_.token_rate_limit, client_cache_, *events_, clock_);
  revocation_ = std::make_unique<RevocationEndpoint>(*client_authentication_, *store_, *keys_,
                                                     config_.issuer, *events_, clock_);
  userinfo_ = std::make_unique<UserinfoEndpoint>(*store_, *keys_, config_.issuer, clock_);
  session_ = std::make_unique<SessionEndpoint>(*browser_, *store_, *store_, config_.issuer,
                                               config_.service_name, *events_, clock_);
  account_ = std::make_unique<AccountEndpoint>(config_.issuer, config_.service_name, *authorize_,
                                               *browser_, *store_, catalog_, *events_, clock_);
  metrics_ = std::make_unique<MetricsEndpoint>(*telemetry_);
  discovery_->Register(router_);
  health_->Register(router_);
  registration_->Register(router_);
  client_configuration_->Register(router_);
  authorize_->Register(router_);
  login_->Register(router_);
  upstream_login_->Register(router_);
  consent_->Register(router_);
  token_->Register(router_);
  revocation_->Register(router_);
  userinfo_->Register(router_);
  session_->Register(router_);
  account_->Register(router_);
  metrics_->Register(metrics_server_ ? metrics_router_ : router_);
  telemetry_->AddRoutes(router_.Paths());
}

StatusOr<int> App::Listen() {
  AUTHGENT_ASSIGN_OR_RETURN(int port, server_->Listen());
  if (metrics_server_) {
    AUTHGENT_ASSIGN_OR_RETURN(metrics_port_, metrics_server_->Listen());
  }
  if (config_.issuer.empty()) config_.issuer = "http://localhost:" + std::to_string(port);
  BuildServices();
  if (config_.upstream()) {
    federation::UpstreamSettings u;
    u.issuer = config_.upstream_issuer;
    u.client_id = config_.upstream_client_id;
    u.client_secret = config_.upstream_client_secret;
    u.scopes = config_.upstream_scopes;
    u.redirect_uri = config_.issuer + "/oauth/upstream/callback";
    u.allowed_domains = config_.upstream_allowed_domains;
    u.allowed_groups = config_.upstream_allowed_groups;
    u.groups_claim = config_.upstream_groups_claim;
    u.max_retry_delay = config_.upstream_retry_max;
    federation::FetchLimits limits;
    limits.timeout_ms = config_.upstream_timeout * 1000L;
    fetcher_ = std::make_unique<federation::CurlFetcher>(limits);
    upstream_ = std::make_unique<federation::UpstreamProvider>(
        u, telemetry_->Measured(*fetcher_, "upstream"), clock_);
  } else {
    CreateFirstAdmin();
  }
  AddRoutes();
  return port;
}

void App::Run(bool handle_signals) {
  // Expired codes, sessions, transactions, counters and dead refresh families are deleted in the
  // background so the tables stay the size of what is live. Every instance does it; deleting an
  // already deleted row costs nothing.
  std::thread housekeeping([this] {
    std::unique_lock lock(housekeeping_mu_);
    while (!housekeeping_cv_.wait_for(lock, std::chrono::seconds(config_.purge_interval),
                                      [this] { return stopping_; })) {
      lock.unlock();
      int64_t now = clock_.Now();
      StatusOr<int64_t> purged = store_->PurgeExpired(now);
      if (!purged.ok()) log::Warn("purge failed", {{"error", purged.status().ToString()}});
      else if (*purged > 0) log::Info("purged expired rows", {{"rows", *purged}});
      StatusOr<int64_t> reaped = store_->ReapClients(now - config_.client_unused_ttl,
                                                     now - config_.client_idle_ttl, now);
      if (!reaped.ok()) log::Warn("client reaping failed", {{"error", reaped.status().ToString()}});
      else if (*reaped > 0) {
        client_cache_.Clear();
        log::Info("deleted abandoned client registrations", {{"clients", *reaped}});
      }
      lock.lock();
    }
  });
  if (upstream_) upstream_->Start();
  if (handle_signals) AuditLog::HandleSighup(audit_.get());  // log rotation
  std::thread metrics_thread;
  if (metrics_server_) metrics_thread = std::thread([this] { metrics_server_->Run(false); });
  server_->Run(handle_signals);
  if (metrics_server_) {
    metrics_server_->Shutdown();
    metrics_thread.join();
  }
  if (handle_signals) AuditLog::HandleSighup(nullptr);
  audit_->Flush();
  if (upstream_) upstream_->Stop();
  {
    std::lock_guard lock(housekeeping_mu_);
    stopping_ = true;
  }
  housekeeping_cv_.notify_all();
  housekeeping.join();
}

void App::CreateFirstAdmin() {
  StatusOr<int64_t> users = store_->CountUsers();
  if (!users.ok() || *users > 0) return;
  std::string password = crypto::GeneratePassword(20);
  StatusOr<std::string> hash = crypto::HashPassword(password);
  if (!hash.ok()) return;
  storage::User admin;
  admin.user_id = random_.Hex(16);
  admin.username = "admin";
  admin.password_hash = *hash;
  admin.name = "Administrator";
  admin.created_at = admin.updated_at = clock_.Now();
  // Another instance may win the race: then it printed the password, and this one prints none.
  if (!store_->CreateUser(admin).ok()) return;
  log::Info("created the first user", {{"username", "admin"}});
  std::cerr << "authgent: created user 'admin' with password " << password
            << "\n  (shown only this once; change it with `authgent users passwd admin`)"
            << "\n  sign in when an MCP client sends you to " << config_.issuer
            << "/oauth/authorize\n"
            << std::flush;
}

}  // namespace authgent::server
