// server/metrics_endpoint: GET /metrics, the Prometheus text exposition of server/telemetry.
//
// On the main port by default, where anyone who reaches authgent can read it: the figures name
// no user, client or token, but they do show traffic and failure rates. METRICS_ADDRESS moves it
// to a listener of its own (e.g. 127.0.0.1:9090 or a cluster-internal address), and then the
// main port answers /metrics with 404.
#pragma once

#include "http/router.h"
#include "server/telemetry.h"

namespace authgent::server {

class MetricsEndpoint {
 public:
  explicit MetricsEndpoint(Telemetry& telemetry) : telemetry_(telemetry) {}
  void Register(http::Router& router);

 private:
  Telemetry& telemetry_;
};

}  // namespace authgent::server
