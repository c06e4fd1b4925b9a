// server/userinfo_endpoint: GET and POST /oauth/userinfo, the OpenID Connect UserInfo endpoint.
// The bearer token's checks and the claims are oauth/userinfo's; this object turns its answer
// into HTTP (a challenge with WWW-Authenticate, 503 in a storage outage) and runs on a worker.
#pragma once

#include <string>

#include "core/clock.h"
#include "crypto/key_ring.h"
#include "http/router.h"
#include "storage/store.h"

namespace authgent::server {

class UserinfoEndpoint {
 public:
  UserinfoEndpoint(storage::Store& store, crypto::KeyRing& keys, std::string issuer,
                   const Clock& clock)
      : store_(store), keys_(keys), issuer_(std::move(issuer)), clock_(clock) {}

  void Register(http::Router& router);
  http::Response Handle(const http::Request& request);

 private:
  storage::Store& store_;
  crypto::KeyRing& keys_;
  const std::string issuer_;
  const Clock& clock_;
};

}  // namespace authgent::server
