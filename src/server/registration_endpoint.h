// server/registration_endpoint: POST /oauth/register, dynamic client registration (RFC 7591).
// The metadata rules are oauth/registration's; this object adds what HTTP brings: DCR_MODE off
// answers 403, only application/json is accepted (a cross-site page cannot send it without a
// CORS preflight), and every attempt, valid or not, counts against three hourly limits shared by
// all instances: per client address, per network (IPv4 /24, IPv6 /64) and overall. A registered
// client goes into the client cache at once, since its /oauth/authorize follows. The response
// carries the client's RFC 7592 registration_client_uri and registration_access_token
// (server/client_configuration_endpoint).
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "http/router.h"
#include "oauth/registration.h"
#include "server/client_cache.h"
#include "server/events.h"
#include "server/rate_limiter.h"
#include "storage/client_store.h"

namespace authgent::server {

struct RegistrationLimits {
  int64_t per_address = 0;  // REGISTRATION_RATE_LIMIT; 0 turns a limit off
  int64_t per_network = 0;  // REGISTRATION_NETWORK_RATE_LIMIT
  int64_t overall = 0;      // REGISTRATION_GLOBAL_RATE_LIMIT
};

class RegistrationEndpoint {
 public:
  RegistrationEndpoint(std::string issuer, oauth::RegistrationPolicy policy,
                       RegistrationLimits limits, std::vector<std::string> trusted_proxies,
                       storage::ClientStore& clients, SharedRateLimiter& limiter,
                       ClientCache& cache, Events& events, const Clock& clock, Random& random)
      : issuer_(std::move(issuer)),
        policy_(std::move(policy)),
        limits_(limits),
        trusted_proxies_(std::move(trusted_proxies)),
        clients_(clients),
        limiter_(limiter),
        cache_(cache),
        events_(events),
        clock_(clock),
        random_(random) {}

  void Register(http::Router& router);
  // On the network thread, with no worker: the counts and the client's write each complete on
  // the store's thread (server/web.h After), and nothing in between blocks.
  http::AsyncStep Handle(const http::Request& request);

 private:
  // The limits this attempt counts against (those off left out).
  std::vector<SharedLimit> LimitsOf(const http::Request& request) const;
  // The answer when this attempt is over a limit (429) or could not be counted (503), else
  // nothing.
  std::optional<http::Response> Refusal(const http::Request& request,
                                        const StatusOr<RateDecision>& decision);
  // Checks the metadata and stores the client.
  http::AsyncStep Store(const http::Request& request);

  const std::string issuer_;
  const oauth::RegistrationPolicy policy_;
  const RegistrationLimits limits_;
  const std::vector<std::string> trusted_proxies_;
  storage::ClientStore& clients_;
  SharedRateLimiter& limiter_;
  ClientCache& cache_;
  Events& events_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace authgent::server
