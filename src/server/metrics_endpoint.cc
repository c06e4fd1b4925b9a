#include "server/metrics_endpoint.h"

namespace authgent::server {

void MetricsEndpoint::Register(http::Router& router) {
  // On a worker: the key gauges read the key ring, which may reload from the store.
  router.Add("GET", "/metrics", http::OnWorkers([this](const http::Request&) {
               http::Response r;
               r.status = 200;
               r.body = telemetry_.Render();
               r.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
               r.Set("Cache-Control", "no-store");
               return r;
             }));
}

}  // namespace authgent::server
