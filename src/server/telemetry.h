// server/telemetry: authgent's metrics (the README's "Metrics" section lists each), served in
// Prometheus' text format by server/metrics_endpoint. Every update is a relaxed atomic add on a
// metric created at start-up (core/metrics.h): nothing on the request path locks or allocates.
// Label values are fixed sets (routes registered, grant types, limits), never request text.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "crypto/key_ring.h"
#include "federation/http_fetcher.h"
#include "storage/storage_metrics.h"

namespace authgent::server {

// The rate limits a refusal is counted under.
enum class Limit { kToken, kRegistration, kRegistrationChanges, kAuthorize, kCimd, kLogin };

class Telemetry {
 public:
  Telemetry();

  MetricsRegistry& registry() { return registry_; }
  std::string Render() const { return registry_.Render(); }

  // Requests by route and status class, and their latency. `paths` are the router's paths;
  // any other path counts as route "other". Call once, before serving.
  void AddRoutes(const std::vector<std::string>& paths);
  void CountRequest(std::string_view path, int status, int64_t micros);

  // Grants that issued tokens ("authorization_code", "refresh_token", "client_credentials").
  void TokensIssued(std::string_view grant_type);
  void RefreshReuse() { refresh_reuse_->Add(); }
  void CodeReplay() { code_replays_->Add(); }
  void Login(bool upstream) { (upstream ? logins_upstream_ : logins_password_)->Add(); }
  void LoginFailure() { login_failures_->Add(); }
  void LoginLockout() { login_lockouts_->Add(); }
  // `kind`: "dcr" or "cimd".
  void Registration(std::string_view kind, bool refused);
  void Consent(bool given) { (given ? consents_given_ : consents_denied_)->Add(); }
  void RateLimited(Limit limit) { rate_limited_[static_cast<size_t>(limit)]->Add(); }

  // The store's transaction, pool-wait and batch-size histograms (storage/storage_metrics.h).
  storage::StorageMetrics StorageHistograms();
  // Signing keys by state and age, read from the ring at each scrape.
  void WatchKeys(crypto::KeyRing& keys, const Clock& clock);
  // `fetcher` with each call's latency and failures counted under `target` ("upstream", "cimd",
  // "client_keys"); the wrapper lives as long as this Telemetry.
  federation::HttpFetcher& Measured(federation::HttpFetcher& fetcher, const std::string& target);

 private:
  struct Route {
    std::array<Counter*, 5> by_class{};  // 1xx .. 5xx
    Histogram* latency = nullptr;
  };
  Route& AddRoute(const std::string& label);

  MetricsRegistry registry_;
  // Looked up by string_view, so counting a request builds no string.
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
  };
  std::unordered_map<std::string, Route, PathHash, std::equal_to<>> routes_;  // by path; fixed
                                                                              // after AddRoutes
  Route* other_route_ = nullptr;
  Counter* tokens_code_ = nullptr;
  Counter* tokens_refresh_ = nullptr;
  Counter* tokens_client_credentials_ = nullptr;
  Counter* refresh_reuse_ = nullptr;
  Counter* code_replays_ = nullptr;
  Counter* logins_password_ = nullptr;
  Counter* logins_upstream_ = nullptr;
  Counter* login_failures_ = nullptr;
  Counter* login_lockouts_ = nullptr;
  Counter* registrations_dcr_ = nullptr;
  Counter* registrations_cimd_ = nullptr;
  Counter* refusals_dcr_ = nullptr;
  Counter* refusals_cimd_ = nullptr;
  Counter* consents_given_ = nullptr;
  Counter* consents_denied_ = nullptr;
  std::array<Counter*, 6> rate_limited_{};
  std::vector<std::unique_ptr<federation::HttpFetcher>> measured_fetchers_;
};

}  // namespace authgent::server
