#include "server/telemetry.h"

#include "server/version.h"

namespace authgent::server {
namespace {

constexpr char kRequests[] = "authgent_http_requests_total";
constexpr char kRequestsHelp[] = "HTTP requests answered, by route and status class.";
constexpr char kLatency[] = "authgent_http_request_duration_seconds";
constexpr char kLatencyHelp[] =
    "Time from a request's first byte read to its answer written, by route.";

// An HttpFetcher that times each call and counts its failures (transport errors and HTTP
// statuses of 400 and above).
class MeasuredFetcher final : public federation::HttpFetcher {
 public:
  MeasuredFetcher(federation::HttpFetcher& inner, Histogram& latency, Counter& errors)
      : inner_(inner), latency_(latency), errors_(errors) {}
  StatusOr<federation::FetchResponse> Get(const std::string& url) override {
    return Count([&] { return inner_.Get(url); });
  }
  StatusOr<federation::FetchResponse> PostForm(
      const std::string& url, const std::string& body,
      const std::map<std::string, std::string>& headers) override {
    return Count([&] { return inner_.PostForm(url, body, headers); });
  }

 private:
  template <typename Call>
  StatusOr<federation::FetchResponse> Count(Call call) {
    StatusOr<federation::FetchResponse> r = [&] {
      ScopedTimer timed(&latency_);
      return call();
    }();
    if (!r.ok() || r->status >= 400) errors_.Add();
    return r;
  }
  federation::HttpFetcher& inner_;
  Histogram& latency_;
  Counter& errors_;
};

}  // namespace

Telemetry::Telemetry() {
  registry_.AddGauge("authgent_build_info", "The running build; the value is always 1.", [] {
    return std::vector<GaugeSample>{{{{"version", kVersion}}, 1}};
  });
  auto tokens = [&](const char* grant) {
    return &registry_.AddCounter("authgent_tokens_issued_total",
                                 "Token responses that issued an access token, by grant type.",
                                 {{"grant_type", grant}});
  };
  tokens_code_ = tokens("authorization_code");
  tokens_refresh_ = tokens("refresh_token");
  tokens_client_credentials_ = tokens("client_credentials");
  refresh_reuse_ = &registry_.AddCounter(
      "authgent_refresh_reuse_detected_total",
      "Rotated refresh tokens presented again after the grace window (likely theft); each "
      "revoked its family.");
  code_replays_ = &registry_.AddCounter(
      "authgent_code_replays_total",
      "Authorization codes presented again (likely theft); each revoked the code's tokens.");
  auto logins = [&](const char* method) {
    return &registry_.AddCounter("authgent_logins_total", "Successful sign-ins, by method.",
                                 {{"method", method}});
  };
  logins_password_ = logins("password");
  logins_upstream_ = logins("upstream");
  login_failures_ = &registry_.AddCounter("authgent_login_failures_total",
                                          "Sign-ins refused for a wrong username or password.");
  login_lockouts_ = &registry_.AddCounter(
      "authgent_login_lockouts_total",
      "Sign-ins refused because a user or an address had too many recent failures.");
  auto registrations = [&](const char* name, const char* help, const char* kind) {
    return &registry_.AddCounter(name, help, {{"kind", kind}});
  };
  const char* registered = "authgent_registrations_total";
  const char* registered_help =
      "Clients registered: dynamic registrations (dcr) and metadata documents fetched (cimd).";
  const char* refused = "authgent_registration_refusals_total";
  const char* refused_help = "Registrations and metadata documents refused, by kind.";
  registrations_dcr_ = registrations(registered, registered_help, "dcr");
  registrations_cimd_ = registrations(registered, registered_help, "cimd");
  refusals_dcr_ = registrations(refused, refused_help, "dcr");
  refusals_cimd_ = registrations(refused, refused_help, "cimd");
  auto consents = [&](const char* decision) {
    return &registry_.AddCounter("authgent_consents_total", "Consent pages answered, by decision.",
                                 {{"decision", decision}});
  };
  consents_given_ = consents("given");
  consents_denied_ = consents("denied");
  const char* limits[] = {"token",     "registration", "registration_changes",
                          "authorize", "cimd",         "login"};
  for (size_t i = 0; i < rate_limited_.size(); ++i) {
    rate_limited_[i] = &registry_.AddCounter("authgent_rate_limited_total",
                                             "Requests refused by a rate limit, by limit.",
                                             {{"limit", limits[i]}});
  }
}

Telemetry::Route& Telemetry::AddRoute(const std::string& label) {
  Route route;
  static const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (size_t i = 0; i < route.by_class.size(); ++i) {
    route.by_class[i] =
        &registry_.AddCounter(kRequests, kRequestsHelp, {{"route", label}, {"code", kClasses[i]}});
  }
  route.latency =
      &registry_.AddHistogram(kLatency, kLatencyHelp, LatencyBounds(), 1e-6, {{"route", label}});
  return routes_.emplace(label, route).first->second;
}

void Telemetry::AddRoutes(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) AddRoute(path);
  other_route_ = &AddRoute("other");
}

void Telemetry::CountRequest(std::string_view path, int status, int64_t micros) {
  if (!other_route_) return;
  auto it = routes_.find(path);
  Route& route = it == routes_.end() ? *other_route_ : it->second;
  int cls = status / 100;
  if (cls >= 1 && cls <= 5) route.by_class[cls - 1]->Add();
  route.latency->Observe(micros);
}

void Telemetry::TokensIssued(std::string_view grant_type) {
  if (grant_type == "authorization_code")
    tokens_code_->Add();
  else if (grant_type == "refresh_token")
    tokens_refresh_->Add();
  else if (grant_type == "client_credentials")
    tokens_client_credentials_->Add();
}

void Telemetry::Registration(std::string_view kind, bool refused) {
  bool cimd = kind == "cimd";
  (refused ? (cimd ? refusals_cimd_ : refusals_dcr_)
           : (cimd ? registrations_cimd_ : registrations_dcr_))
      ->Add();
}

storage::StorageMetrics Telemetry::StorageHistograms() {
  storage::StorageMetrics m;
  const char* tx = "authgent_storage_transaction_duration_seconds";
  const char* tx_help =
      "Store calls, from asking for a connection to the commit, by kind (a shared "
      "commit counts once).";
  m.read_transaction =
      &registry_.AddHistogram(tx, tx_help, LatencyBounds(), 1e-6, {{"kind", "read"}});
  m.write_transaction =
      &registry_.AddHistogram(tx, tx_help, LatencyBounds(), 1e-6, {{"kind", "write"}});
  m.pool_wait = &registry_.AddHistogram("authgent_storage_pool_wait_seconds",
                                        "Time spent waiting for a pooled database connection.",
                                        LatencyBounds(), 1e-6);
  m.batch_size = &registry_.AddHistogram("authgent_storage_write_batch_size",
                                         "Writes sharing one commit (the batch writer).",
                                         {1, 2, 4, 8, 16, 32, 64, 128}, 1);
  return m;
}

void Telemetry::WatchKeys(crypto::KeyRing& keys, const Clock& clock) {
  registry_.AddGauge(
      "authgent_signing_key_age_seconds",
      "Seconds since each signing key was created, by kid and state (next, active, retiring); "
      "retired keys are left out.",
      [&keys, &clock] {
        std::vector<GaugeSample> out;
        StatusOr<std::shared_ptr<const crypto::KeySnapshot>> snapshot = keys.Current();
        if (!snapshot.ok()) return out;
        int64_t now = clock.Now();
        for (const crypto::KeyStatus& k : (*snapshot)->keys) {
          if (k.state == crypto::KeyState::kRetired) continue;
          out.push_back({{{"kid", k.kid}, {"state", std::string(crypto::KeyStateName(k.state))}},
                         static_cast<double>(now - k.created_at)});
        }
        return out;
      });
}

federation::HttpFetcher& Telemetry::Measured(federation::HttpFetcher& fetcher,
                                             const std::string& target) {
  Histogram& latency = registry_.AddHistogram(
      "authgent_outbound_request_duration_seconds",
      "Calls authgent makes: upstream (the OpenID provider), cimd (client metadata documents), "
      "client_keys (clients' jwks_uri).",
      LatencyBounds(), 1e-6, {{"target", target}});
  Counter& errors = registry_.AddCounter(
      "authgent_outbound_errors_total",
      "Outbound calls that failed (no answer, or an HTTP status of 400 or more), by target.",
      {{"target", target}});
  measured_fetchers_.push_back(std::make_unique<MeasuredFetcher>(fetcher, latency, errors));
  return *measured_fetchers_.back();
}

}  // namespace authgent::server
