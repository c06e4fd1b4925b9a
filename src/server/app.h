// server/app: the object graph of one running authgent instance: configuration, store, key ring,
// router and HTTP server, wired once. main() builds one from the command line; integration tests
// build one in-process with a FakeClock and drive it over real HTTP.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <variant>

#include "core/clock.h"
#include "core/concurrency_gate.h"
#include "core/random.h"
#include "crypto/key_ring.h"
#include "federation/upstream.h"
#include "http/router.h"
#include "http/server.h"
#include "oauth/registration.h"
#include "oauth/resource.h"
#include "oauth/token_service.h"
#include "server/browser.h"
#include "server/client_authentication.h"
#include "server/client_cache.h"
#include "server/config.h"
#include "server/rate_limiter.h"
#include "server/readiness.h"
#include "server/registration_endpoint.h"
#include "server/revocation_endpoint.h"
#include "server/session_endpoint.h"
#include "server/token_endpoint.h"
#include "server/userinfo_endpoint.h"
#include "storage/store.h"

namespace authgent::server {

// The storage options that follow from the configuration (pool size, timeouts).
storage::OpenOptions StoreOptions(const Config& config);
// Opens the configured store and applies pending migrations.
// With `open_all_connections` (the server), a PostgreSQL pool opens all its connections now.
StatusOr<std::unique_ptr<storage::Store>> OpenMigratedStore(const Config& config,
                                                            bool open_all_connections = false);
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
  void Shutdown() { server_->Shutdown(); }

  const Config& config() const { return config_; }
  const std::string& issuer() const { return config_.issuer; }
  storage::Store& store() { return *store_; }
  // Tells `observer` of every step of every request (http::Router::SetStepObserver), for the
  // test that checks where each route runs. Call it before Run().
  void ObserveSteps(http::StepObserver observer) { router_.SetStepObserver(std::move(observer)); }
  federation::UpstreamProvider* upstream() { return upstream_.get(); }
  crypto::KeyRing& keys() { return *keys_; }

 private:
  App(Config config, const Clock& clock, Random& random) : config_(std::move(config)), clock_(clock), random_(random) {}
  void BuildDocuments();
  void AddRoutes();
  void AddDiscoveryRoutes();
  void AddHealthRoutes();
  // /readyz's checks (routes_discovery.cc), run by readiness_ within kReadinessTimeout.
  Readiness CheckReadiness();
  static constexpr std::chrono::milliseconds kReadinessTimeout{2000};
  // GET and POST /oauth/authorize (routes_authorize.cc): validates the request and ends it
  // silently under a standing consent, or starts its transaction toward login and consent.
  void AddAuthorizeRoutes();
  http::Response Authorize(const http::Request& request);
  http::Response StartTransaction(const http::Request& request, const oauth::AuthorizeRequest& req,
                                  const storage::Client& client,
                                  const std::optional<storage::LoginSession>& session);
  // GET and POST /oauth/login (routes_login.cc).
  void AddLoginRoutes();
  http::Response LoginPage(const http::Request& request);
  http::Response LoginSubmit(const http::Request& request);
  // The login form again, with this status and error message.
  using LoginForm = std::function<http::Response(int status, const std::string& error)>;
  // The password check of a login, within the per-account and per-address failure limits and
  // the password-hashing gate.
  http::Response CheckLogin(const http::Request& request, const std::string& username,
                            const std::string& password, const std::string& transaction,
                            const storage::AuthorizationTransaction& txn, const LoginForm& again);
  void AddUpstreamRoutes();
  // With an upstream IdP (routes_upstream.cc): the login step sends the browser there (GET
  // /oauth/login), and GET /oauth/upstream/callback brings it back.
  http::Response StartUpstreamLogin(storage::AuthorizationTransaction txn);
  http::Response UpstreamCallback(const http::Request& request);
  http::Response UpstreamLoginExpired();
  http::Response FinishUpstreamLogin(const http::Request& request, const std::string& code,
                                     const storage::AuthorizationTransaction& txn);
  // After a login: session cookie, transaction bound to it, on to consent.
  http::Response LoggedIn(const std::string& user_id, const std::string& transaction,
                          storage::AuthorizationTransaction txn);
  // Creates `admin` with a random password when there is no user at all (printed once).
  void CreateFirstAdmin();



  // GET and POST /oauth/consent (routes_consent.cc): an approval is decided inside its commit
  // (ConsentApproval, Decide) and waits for it without a thread.
  struct ConsentApproval;
  void AddConsentRoutes();
  http::AsyncStep ConsentDecision(const http::Request& request);
  // The approval's inputs from the form and the cookie, or the 403 when they cannot be right.
  std::variant<std::shared_ptr<ConsentApproval>, http::Response> PrepareApproval(
      const http::Request& request, const oauth::Params& params);
  storage::DecideApproval Decide(std::shared_ptr<ConsentApproval> approval);
  http::Response ApprovalAnswer(const http::Request& request, const ConsentApproval& approval);
  http::Response ConsentDenied(const http::Request& request, const oauth::Params& params);
  http::Response ConsentFormExpired(const http::Request& request);
  http::Response ConsentAlreadyUsed();
  // Ends an approved authorization: stores the code, redirects to the client.
  http::Response FinishAuthorization(const oauth::AuthorizeRequest& request,
                                     const storage::LoginSession& session,
                                     const http::Request& http_request);
  // The redirect carrying a stored code back to the client.
  http::Response CodeRedirect(const oauth::AuthorizeRequest& request, const std::string& code);
  // The client's server_error redirect when its code could not be stored (logged).
  http::Response CodeNotStored(const oauth::AuthorizeRequest& request, const Status& status,
                               const http::Request& http_request);
  // An authorization error for the client's redirect URI: sent there at once when the client may
  // be trusted with it (oauth::RedirectsErrorsAutomatically), else a page with a link.
  http::Response AuthorizeError(const oauth::AuthorizeErrorRedirect& error,
                                const storage::Client& client,
                                const std::optional<storage::LoginSession>& session);
  // True when the user has a standing consent for the client (was shown its consent page).
  bool ApprovedBefore(const std::string& user_id, const std::string& client_id);
  // True when the user's stored consent already covers the request (and it does not insist
  // on asking again): the flow then ends without a consent page.
  bool StandingConsentCovers(const oauth::AuthorizeRequest& request,
                             const storage::LoginSession& session);
  // The consent step of a stored transaction (GET /oauth/consent, after login): ends the flow
  // under a standing consent, else gives the transaction a CSRF token and shows the page.
  http::Response ConsentStep(const std::string& transaction, const storage::LoginSession& session,
                             const http::Request& request);
  // The consent page itself; the transaction already holds the hash of `csrf`.
  http::Response ConsentPage(const std::string& transaction, const std::string& csrf,
                             const oauth::AuthorizeRequest& request, const storage::Client& client,
                             const storage::LoginSession& session);

  Config config_;
  const Clock& clock_;
  Random& random_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<crypto::KeyRing> keys_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::string metadata_json_;  // built once the issuer is known
  oauth::ResourceCatalog catalog_;
  oauth::TokenSettings token_settings_;
  oauth::RegistrationPolicy registration_policy_;
  std::unique_ptr<oauth::TokenService> tokens_;
  // Clients token and authorize read in the last 5 s; during a storage outage, in the last 5 min.
  ClientCache client_cache_{5, 10000, 300};
  std::unique_ptr<LocalRateLimiter> local_limits_;
  std::unique_ptr<SharedRateLimiter> shared_limits_;
  std::unique_ptr<ConcurrencyGate> password_gate_;  // password checks at login
  std::unique_ptr<Browser> browser_;  // built once the issuer is known
  // The endpoints that are objects of their own (the others are App's Add*Routes).
  std::unique_ptr<ClientAuthentication> client_authentication_;
  std::unique_ptr<TokenEndpoint> token_;
  std::unique_ptr<RevocationEndpoint> revocation_;
  std::unique_ptr<RegistrationEndpoint> registration_;
  std::unique_ptr<UserinfoEndpoint> userinfo_;
  std::unique_ptr<SessionEndpoint> session_;
  std::unique_ptr<federation::HttpFetcher> fetcher_;
  std::unique_ptr<federation::UpstreamProvider> upstream_;  // set when UPSTREAM_ISSUER is
  std::mutex housekeeping_mu_;
  std::condition_variable housekeeping_cv_;
  bool stopping_ = false;  // guarded by housekeeping_mu_
  // Last: destroyed first, waiting for a check still running over store_, keys_ and upstream_.
  std::unique_ptr<ReadinessProbe> readiness_;
};

}  // namespace authgent::server
