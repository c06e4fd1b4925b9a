// server/health_endpoint: GET /healthz (the process answers: from memory, on the network thread)
// and GET /readyz (it can serve: the store answers at the schema this build needs, a signing key
// is loaded, and the upstream IdP's discovery succeeded when one is configured). /readyz runs its
// checks on a worker through server/readiness, which bounds them by kTimeout and logs each change
// once. Strangers learn which part is not ready (a reason code), never why.
#pragma once

#include <chrono>
#include <memory>

#include "crypto/key_ring.h"
#include "federation/upstream.h"
#include "http/router.h"
#include "server/readiness.h"
#include "storage/store.h"

namespace authgent::server {

class HealthEndpoint {
 public:
  static constexpr std::chrono::milliseconds kTimeout{2000};
  // `upstream` is null without an upstream IdP.
  HealthEndpoint(storage::Store& store, crypto::KeyRing& keys,
                 federation::UpstreamProvider* upstream);

  void Register(http::Router& router);
  http::Response Ready();

 private:
  Readiness Check();

  storage::Store& store_;
  crypto::KeyRing& keys_;
  federation::UpstreamProvider* const upstream_;
  // Last: destroyed first, waiting for a check still running over the members above.
  std::unique_ptr<ReadinessProbe> probe_;
};

}  // namespace authgent::server
