// server/revocation_endpoint: POST /oauth/revoke (RFC 7009) and POST /oauth/introspect
// (RFC 7662), the back-channel endpoints beside the token endpoint. Both authenticate their
// caller (server/client_authentication) and read the store, so both run on a worker. The rules
// of what a token is and who may learn about it are oauth/revocation's and oauth/client_policy's.
#pragma once

#include <string>

#include "core/clock.h"
#include "crypto/key_ring.h"
#include "http/router.h"
#include "oauth/access_token_cache.h"
#include "server/client_authentication.h"
#include "server/events.h"
#include "storage/store.h"

namespace authgent::server {

class RevocationEndpoint {
 public:
  RevocationEndpoint(ClientAuthentication& authentication, storage::Store& store,
                     crypto::KeyRing& keys, std::string issuer, Events& events, const Clock& clock)
      : authentication_(authentication),
        store_(store),
        keys_(keys),
        issuer_(std::move(issuer)),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  // 200 whether or not the token existed (RFC 7009 §2.2).
  http::Response Revoke(const http::Request& request);
  // Only for confidential clients the operator marked (oauth/client_policy: MayIntrospect).
  http::Response Introspect(const http::Request& request);

 private:
  ClientAuthentication& authentication_;
  storage::Store& store_;
  crypto::KeyRing& keys_;
  const std::string issuer_;
  Events& events_;
  const Clock& clock_;
  oauth::AccessTokenCache introspected_;  // access tokens introspection has verified
};

}  // namespace authgent::server
