#include "server/client_configuration_endpoint.h"

#include <strings.h>

#include "core/bytes.h"
#include "core/log.h"
#include "oauth/metadata.h"
#include "oauth/params.h"
#include "server/web.h"

namespace authgent::server {
namespace {

http::Response InvalidToken(const http::Request& request) {
  http::Response r = OAuthErrorResponse({"invalid_token", "", "", 401}, request);
  r.Set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return r;
}

}  // namespace

std::string ClientConfigurationUri(const std::string& issuer, const std::string& client_id) {
  return issuer + oauth::kClientConfigurationPath + "?client_id=" + oauth::PercentEncode(client_id);
}

void ClientConfigurationEndpoint::Register(http::Router& router) {
  auto handle = http::OnWorkers([this](const http::Request& r) { return Handle(r); });
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    router.Add(method, oauth::kClientConfigurationPath, handle, {.cors = true});
  }
}

std::variant<storage::Client, http::Response> ClientConfigurationEndpoint::Authorized(
    const http::Request& request, std::string* token) {
  std::string_view header = request.Header("authorization").value_or("");
  if (header.size() <= 7 || strncasecmp(header.data(), "bearer ", 7) != 0) {
    return InvalidToken(request);
  }
  *token = std::string(header.substr(7));
  std::string client_id = oauth::Params::Parse(request.query).Get("client_id");
  StatusOr<storage::Client> client = clients_.GetClient(client_id);
  if (!client.ok() && client.status().code() != StatusCode::kNotFound) {
    return OAuthErrorResponse(oauth::FromFailure(client.status()), request);
  }
  // Only a dynamically registered client has a token; any other answer is the same 401.
  if (!client.ok() || client->registration_token_hash.empty() ||
      !ConstantTimeEquals(TokenHash(*token), client->registration_token_hash)) {
    return InvalidToken(request);
  }
  return *std::move(client);
}

http::Response ClientConfigurationEndpoint::Information(const storage::Client& client,
                                                        const std::string& token) {
  nlohmann::json body = oauth::ClientToJson(client);
  body["registration_client_uri"] = ClientConfigurationUri(issuer_, client.client_id);
  body["registration_access_token"] = token;
  return JsonNoStore(200, body);
}

http::Response ClientConfigurationEndpoint::Handle(const http::Request& request) {
  std::string token;
  auto authorized = Authorized(request, &token);
  if (auto* refused = std::get_if<http::Response>(&authorized)) return std::move(*refused);
  const storage::Client& client = std::get<storage::Client>(authorized);
  if (request.method == "GET") return Information(client, token);
  StatusOr<RateDecision> pace =
      limiter_.Hit("configure:" + client.client_id, changes_per_hour_, 3600);
  if (!pace.ok()) {
    return OAuthErrorResponse(oauth::TemporarilyUnavailable(pace.status().ToString()), request);
  }
  if (!pace->allowed) {
    events_.RateLimited(Limit::kRegistrationChanges);
    return TooManyRequests(request, pace->retry_after,
                           "too many registration changes, retry later");
  }
  if (request.method == "DELETE") {
    Status deleted = clients_.DeleteClient(client.client_id);
    if (!deleted.ok()) return OAuthErrorResponse(oauth::FromFailure(deleted), request);
    cache_.Forget(client.client_id);
    log::Info("client deleted its registration",
              {{"request_id", request.request_id}, {"client_id", client.client_id}});
    events_.RegistrationChanged(request, client, /*deleted=*/true);
    http::Response gone;
    gone.status = 204;
    return NoStore(std::move(gone));
  }
  if (!IsJsonBody(request, "PUT")) {
    return OAuthErrorResponse(
        {"invalid_client_metadata", "the update must be application/json", "", 400}, request);
  }
  auto updated = oauth::UpdateRegistration(client, request.body, policy_);
  if (auto* e = std::get_if<oauth::OAuthError>(&updated)) return OAuthErrorResponse(*e, request);
  const storage::Client& next = std::get<storage::Client>(updated);
  Status saved = clients_.UpdateClientMetadata(next);
  if (!saved.ok()) return OAuthErrorResponse(oauth::FromFailure(saved), request);
  cache_.Put(next, clock_.Now());
  log::Info("client updated its registration",
            {{"request_id", request.request_id}, {"client_id", client.client_id}});
  events_.RegistrationChanged(request, next, /*deleted=*/false);
  return Information(next, token);
}

}  // namespace authgent::server
