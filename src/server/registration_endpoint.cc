#include "server/registration_endpoint.h"

#include "core/bytes.h"
#include "core/log.h"
#include "oauth/metadata.h"
#include "server/client_configuration_endpoint.h"
#include "server/web.h"

namespace authgent::server {

void RegistrationEndpoint::Register(http::Router& router) {
  router.Add("POST", oauth::kRegisterPath, [this](const http::Request& r) { return Handle(r); },
             {.cors = true});
}

http::AsyncStep RegistrationEndpoint::Handle(const http::Request& request) {
  if (policy_.mode == oauth::DcrMode::kDisabled) {
    return OAuthErrorResponse(
        {"access_denied", "dynamic client registration is disabled", "", 403}, request);
  }
  // A cross-site page can POST text/plain without asking; application/json needs a CORS
  // preflight, which a browser sends only for the clients that talk to us on purpose.
  if (!IsJsonPost(request)) {
    return OAuthErrorResponse(
        {"invalid_client_metadata", "the registration must be sent as application/json",
         "content-type " + std::string(request.Header("content-type").value_or("-")), 400},
        request);
  }
  return CountThen(
      limiter_, LimitsOf(request), 3600,
      [this, &request](const StatusOr<RateDecision>& decision) {
        return Refusal(request, decision);
      },
      [this, &request] { return Store(request); });
}

http::AsyncStep RegistrationEndpoint::Store(const http::Request& request) {
  auto result = oauth::RegisterClient(request.body, policy_, clock_, random_);
  if (auto* e = std::get_if<oauth::OAuthError>(&result)) {
    events_.RegistrationRefused("dcr");
    return OAuthErrorResponse(*e, request);
  }
  auto reg =
      std::make_shared<oauth::Registration>(std::get<oauth::Registration>(std::move(result)));
  // RFC 7592: the token that reads, updates and deletes this registration (only its hash is kept).
  std::string access = random_.NewToken();
  reg->client.registration_token_hash = TokenHash(access);
  reg->response["registration_client_uri"] = ClientConfigurationUri(issuer_, reg->client.client_id);
  reg->response["registration_access_token"] = access;
  return AfterWrite(
      [this, reg](storage::StatusCompletion done) {
        clients_.CreateClient(reg->client, std::move(done));
      },
      [this, &request, reg](const Status& stored) {
        if (!stored.ok()) return OAuthErrorResponse(oauth::FromFailure(stored), request);
        cache_.Put(reg->client, clock_.Now());  // its /oauth/authorize follows at once
        log::Info("client registered", {{"request_id", request.request_id},
                                        {"client_id", reg->client.client_id},
                                        {"auth_method", reg->client.token_endpoint_auth_method}});
        events_.Registered(request, reg->client);
        return JsonNoStore(201, reg->response);
      });
}

std::vector<SharedLimit> RegistrationEndpoint::LimitsOf(const http::Request& request) const {
  // Every attempt counts, valid or not: the limits exist against floods. The network limit keeps
  // a handful of hosts (or one IPv6 allocation) from using up the overall one.
  std::string ip = ClientIp(request, trusted_proxies_);
  std::vector<SharedLimit> limits;  // those off get no key: nothing to build, nothing to write
  if (limits_.per_address > 0) {
    limits.push_back({"register:ip:" + RateLimitAddress(ip), limits_.per_address});
  }
  if (limits_.per_network > 0) {
    limits.push_back({"register:net:" + RateLimitNetwork(ip), limits_.per_network});
  }
  if (limits_.overall > 0) limits.push_back({"register:all", limits_.overall});
  // Counted in this order, in one store call: an address over its own limit stops there and
  // does not use up its network's or the overall one.
  return limits;
}

std::optional<http::Response> RegistrationEndpoint::Refusal(
    const http::Request& request, const StatusOr<RateDecision>& decision) {
  if (!decision.ok()) {
    return OAuthErrorResponse(oauth::TemporarilyUnavailable(decision.status().ToString()), request);
  }
  if (!decision->allowed) {
    events_.RateLimited(Limit::kRegistration);
    return TooManyRequests(request, decision->retry_after, "too many registrations, retry later");
  }
  return std::nullopt;
}

}  // namespace authgent::server
