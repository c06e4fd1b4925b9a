// server/app: the object graph of one running authgent instance: configuration, store, key ring,
// router and HTTP server, wired once. main() builds one from the command line; integration tests
// build one in-process with a FakeClock and drive it over real HTTP.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "core/clock.h"
#include "core/concurrency_gate.h"
#include "core/random.h"
#include "crypto/key_ring.h"
#include "federation/upstream.h"
#include "http/router.h"
#include "http/server.h"
#include "oauth/resource.h"
#include "oauth/token_service.h"
#include "server/account_endpoint.h"
#include "server/audit_log.h"
#include "server/authorize_endpoint.h"
#include "server/browser.h"
#include "server/client_assertions.h"
#include "server/client_authentication.h"
#include "server/client_cache.h"
#include "server/client_configuration_endpoint.h"
#include "server/config.h"
#include "server/consent_endpoint.h"
#include "server/discovery_endpoint.h"
#include "server/events.h"
#include "server/front_channel.h"
#include "server/health_endpoint.h"
#include "server/login_endpoint.h"
#include "server/metrics_endpoint.h"
#include "server/rate_limiter.h"
#include "server/registration_endpoint.h"
#include "server/revocation_endpoint.h"
#include "server/session_endpoint.h"
#include "server/telemetry.h"
#include "server/token_endpoint.h"
#include "server/upstream_endpoint.h"
#include "server/userinfo_endpoint.h"
#include "storage/store.h"

namespace authgent::server {

// The storage options that follow from the configuration (pool size, timeouts).
storage::OpenOptions StoreOptions(const Config& config);
// Opens the configured store and applies pending migrations.
StatusOr<std::unique_ptr<storage::Store>> OpenMigratedStore(const Config& config);
// Loads the key-encryption key and returns a key ring over `store` (not yet bootstrapped).
StatusOr<std::unique_ptr<crypto::KeyRing>> OpenKeyRing(const Config& config, storage::Store& store,
                                                       const Clock& clock, Random& random);

class App {
 public:
  // Opens and migrates storage, ensures a signing key. Does not listen yet.
  static StatusOr<std::unique_ptr<App>> Create(Config config, const Clock& clock, Random& random);

  // Binds the port (when ISSUER was not set, the issuer becomes http://localhost:PORT), builds
  // what depends on the issuer, and adds the routes.
  StatusOr<int> Listen();
  // Serves until shut down; meanwhile purges expired rows every PURGE_INTERVAL seconds.
  void Run(bool handle_signals);
  void Shutdown() {
    server_->Shutdown();
    if (metrics_server_) metrics_server_->Shutdown();
  }

  const Config& config() const { return config_; }
  const std::string& issuer() const { return config_.issuer; }
  storage::Store& store() { return *store_; }
  // Tells `observer` of every step of every request (http::Router::SetStepObserver), for the
  // test that checks where each route runs. Call it before Run().
  void ObserveSteps(http::StepObserver observer) { router_.SetStepObserver(std::move(observer)); }
  federation::UpstreamProvider* upstream() { return upstream_.get(); }
  crypto::KeyRing& keys() { return *keys_; }
  Telemetry& telemetry() { return *telemetry_; }
  AuditLog& audit() { return *audit_; }
  // The port /metrics is served on when METRICS_ADDRESS is set (after Listen()), else 0.
  int metrics_port() const { return metrics_port_; }

 private:
  App(Config config, const Clock& clock, Random& random) : config_(std::move(config)), clock_(clock), random_(random) {}
  void BuildServices();
  void AddRoutes();
  // Creates `admin` with a random password when there is no user at all (printed once).
  void CreateFirstAdmin();

  Config config_;
  const Clock& clock_;
  Random& random_;
  // Before everything that reports to them, so they are destroyed last.
  std::unique_ptr<Telemetry> telemetry_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<crypto::KeyRing> keys_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  // METRICS_ADDRESS: /metrics on a listener of its own.
  http::Router metrics_router_;
  std::unique_ptr<http::Server> metrics_server_;
  int metrics_port_ = 0;
  std::unique_ptr<MetricsEndpoint> metrics_;
  oauth::ResourceCatalog catalog_;
  oauth::TokenSettings token_settings_;
  std::unique_ptr<oauth::TokenService> tokens_;
  // Clients token and authorize read in the last 5 s; during a storage outage, in the last 5 min.
  ClientCache client_cache_{5, 10000, 300};
  std::unique_ptr<LocalRateLimiter> local_limits_;
  std::unique_ptr<SharedRateLimiter> shared_limits_;
  std::unique_ptr<ConcurrencyGate> password_gate_;  // password checks at login
  std::unique_ptr<federation::HttpFetcher> fetcher_;
  std::unique_ptr<federation::UpstreamProvider> upstream_;  // set when UPSTREAM_ISSUER is
  // Client ID metadata documents: the guarded fetcher and the resolver; null with CIMD=disabled.
  std::unique_ptr<federation::HttpFetcher> document_fetcher_;
  std::unique_ptr<federation::ClientIdDocuments> client_documents_;
  // What the endpoints share, and the endpoints (server/*_endpoint.h), built once the issuer is
  // known; after everything they use, so they are destroyed first.
  std::unique_ptr<Browser> browser_;
  std::unique_ptr<federation::HttpFetcher> key_fetcher_;  // clients' jwks_uri (guarded)
  std::unique_ptr<federation::ClientKeys> client_keys_;
  std::unique_ptr<ClientAssertions> client_assertions_;
  std::unique_ptr<ClientAuthentication> client_authentication_;
  std::unique_ptr<FrontChannel> front_channel_;
  std::unique_ptr<DiscoveryEndpoint> discovery_;
  std::unique_ptr<RegistrationEndpoint> registration_;
  std::unique_ptr<ClientConfigurationEndpoint> client_configuration_;
  std::unique_ptr<AuthorizeEndpoint> authorize_;
  std::unique_ptr<UpstreamEndpoint> upstream_login_;
  std::unique_ptr<LoginEndpoint> login_;
  std::unique_ptr<ConsentEndpoint> consent_;
  std::unique_ptr<TokenEndpoint> token_;
  std::unique_ptr<RevocationEndpoint> revocation_;
  std::unique_ptr<UserinfoEndpoint> userinfo_;
  std::unique_ptr<SessionEndpoint> session_;
  std::unique_ptr<AccountEndpoint> account_;
  std::mutex housekeeping_mu_;
  std::condition_variable housekeeping_cv_;
  bool stopping_ = false;  // guarded by housekeeping_mu_
  // Last: destroyed first, waiting for a check still running over store_, keys_ and upstream_.
  std::unique_ptr<HealthEndpoint> health_;
};

}  // namespace authgent::server
