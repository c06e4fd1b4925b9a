#include "server/health_endpoint.h"

namespace authgent::server {

HealthEndpoint::HealthEndpoint(storage::Store& store, crypto::KeyRing& keys,
                               federation::UpstreamProvider* upstream)
    : store_(store), keys_(keys), upstream_(upstream),
      probe_(std::make_unique<ReadinessProbe>([this] { return Check(); }, kTimeout)) {}

void HealthEndpoint::Register(http::Router& router) {
  router.Add("GET", "/healthz", [](const http::Request&) {
    return http::Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/readyz", http::OnWorkers([this](const http::Request&) { return Ready(); }));
}

http::Response HealthEndpoint::Ready() {
  Readiness verdict = probe_->Probe();
  if (verdict.ready) return http::Response::Json(200, {{"status", "ready"}});
  return http::Response::Json(503, {{"status", "unavailable"}, {"reason", verdict.reason}});
}

Readiness HealthEndpoint::Check() {
  auto not_ready = [](const char* reason, std::string detail) {
    return Readiness{false, reason, std::move(detail)};
  };
  Status ping = store_.Ping();
  if (!ping.ok()) return not_ready("storage", "unreachable: " + ping.message());
  StatusOr<int> version = store_.SchemaVersion();
  if (!version.ok()) return not_ready("storage", "schema unreadable: " + version.status().message());
  if (*version != store_.LatestSchemaVersion()) {
    return not_ready("storage", "schema is at version " + std::to_string(*version) +
                                    ", this build needs " +
                                    std::to_string(store_.LatestSchemaVersion()));
  }
  auto keys = keys_.Current();
  if (!keys.ok()) return not_ready("signing_key", keys.status().message());
  if (upstream_ && !upstream_->ready()) return not_ready("upstream", upstream_->last_error());
  return Readiness{};
}

}  // namespace authgent::server
