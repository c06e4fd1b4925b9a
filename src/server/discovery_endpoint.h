// server/discovery_endpoint: what a client reads before anything else, all from memory on the
// network thread: the authorization server metadata (RFC 8414, also served as
// openid-configuration) and the JWKS the access tokens verify with. The JWKS is the key ring's
// current snapshot; only when a reload from the store is due does the request go to a worker.
#pragma once

#include <string>

#include "crypto/key_ring.h"
#include "http/router.h"

namespace authgent::server {

class DiscoveryEndpoint {
 public:
  // `metadata_json`: the metadata document, built once the issuer is known (oauth/metadata).
  DiscoveryEndpoint(std::string metadata_json, crypto::KeyRing& keys)
      : metadata_json_(std::move(metadata_json)), keys_(keys) {}

  void Register(http::Router& router);
  http::Response Metadata() const;
  http::AsyncStep Jwks(const http::Request& request);

 private:
  http::Response CurrentJwks(const http::Request& request);

  const std::string metadata_json_;
  crypto::KeyRing& keys_;
};

}  // namespace authgent::server
