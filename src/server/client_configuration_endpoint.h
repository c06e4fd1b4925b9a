// server/client_configuration_endpoint: RFC 7592, GET, PUT and DELETE on
// /oauth/register/client?client_id=ID, each with the registration access token a dynamically
// registered client got with its registration (RegistrationEndpoint). GET reads the
// registration, PUT replaces its metadata (oauth::UpdateRegistration: the rules of registration,
// the same DCR_MODE allow-list), DELETE removes the client and everything it holds. A wrong or
// missing token, or a client that is not there, is 401 invalid_token (RFC 6750), whatever the
// reason, so the endpoint says nothing about which clients exist. The client secret is never
// shown again (only its hash is kept). Each client may change its registration (PUT, DELETE)
// `changes_per_hour` times an hour (REGISTRATION_RATE_LIMIT): each change is a store write.
#pragma once

#include <string>
#include <variant>

#include "core/clock.h"
#include "http/router.h"
#include "oauth/registration.h"
#include "server/client_cache.h"
#include "server/events.h"
#include "server/rate_limiter.h"
#include "storage/client_store.h"

namespace authgent::server {

// The registration_client_uri of a client.
std::string ClientConfigurationUri(const std::string& issuer, const std::string& client_id);

class ClientConfigurationEndpoint {
 public:
  ClientConfigurationEndpoint(std::string issuer, oauth::RegistrationPolicy policy,
                              int64_t changes_per_hour, storage::ClientStore& clients,
                              SharedRateLimiter& limiter, ClientCache& cache, Events& events,
                              const Clock& clock)
      : issuer_(std::move(issuer)),
        policy_(std::move(policy)),
        changes_per_hour_(changes_per_hour),
        clients_(clients),
        limiter_(limiter),
        cache_(cache),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  http::Response Handle(const http::Request& request);

 private:
  // The client the request's token manages, or the 401 to answer; `token` gets the token.
  std::variant<storage::Client, http::Response> Authorized(const http::Request& request,
                                                           std::string* token);
  // RFC 7592 §3: the registration, its configuration URI and the token in use.
  http::Response Information(const storage::Client& client, const std::string& token);

  const std::string issuer_;
  const oauth::RegistrationPolicy policy_;
  const int64_t changes_per_hour_;  // 0: unlimited
  storage::ClientStore& clients_;
  SharedRateLimiter& limiter_;
  ClientCache& cache_;
  Events& events_;
  const Clock& clock_;
};

}  // namespace authgent::server
