#include "server/discovery_endpoint.h"

#include "core/log.h"
#include "oauth/metadata.h"

namespace authgent::server {

void DiscoveryEndpoint::Register(http::Router& router) {
  auto metadata = [this](const http::Request&) { return Metadata(); };
  router.Add("GET", oauth::kMetadataPath, metadata, {.cors = true});
  router.Add("GET", oauth::kOpenIdConfigurationPath, metadata, {.cors = true});
  router.Add("GET", oauth::kJwksPath, [this](const http::Request& r) { return Jwks(r); },
             {.cors = true});
}

http::Response DiscoveryEndpoint::Metadata() const {
  http::Response r = http::Response::JsonText(200, metadata_json_);
  r.Set("Cache-Control", "public, max-age=300");
  return r;
}

http::AsyncStep DiscoveryEndpoint::Jwks(const http::Request& request) {
  // Almost always a pointer read; a reload reads the store.
  if (keys_.NeedsReload()) return http::OnWorker{[this, &request] { return CurrentJwks(request); }};
  return CurrentJwks(request);
}

http::Response DiscoveryEndpoint::CurrentJwks(const http::Request& request) {
  auto snapshot = keys_.Current();
  if (!snapshot.ok()) {
    log::Error("jwks unavailable",
               {{"request_id", request.request_id}, {"error", snapshot.status().ToString()}});
    return http::Response::Error(503, "temporarily_unavailable", "signing keys unavailable");
  }
  http::Response r = http::Response::JsonText(200, (*snapshot)->jwks_json);
  r.Set("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace authgent::server
