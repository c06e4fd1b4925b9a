#include "server/revocation_endpoint.h"

#include "oauth/client_policy.h"
#include "oauth/metadata.h"
#include "oauth/revocation.h"
#include "server/web.h"

namespace authgent::server {

void RevocationEndpoint::Register(http::Router& router) {
  router.Add("POST", oauth::kRevokePath,
             http::OnWorkers([this](const http::Request& r) { return Revoke(r); }),
             {.cors = true});
  router.Add("POST", oauth::kIntrospectPath,
             http::OnWorkers([this](const http::Request& r) { return Introspect(r); }));
}

http::Response RevocationEndpoint::Revoke(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  auto client = authentication_.Authenticate(request, params);
  if (auto* r = std::get_if<http::Response>(&client)) return std::move(*r);
  const std::string& token = params.Get("token");
  if (token.empty()) return OAuthErrorResponse(oauth::InvalidRequest("token is required"), request);
  auto keys = keys_.Current();
  if (!keys.ok()) {
    return OAuthErrorResponse(oauth::TemporarilyUnavailable(keys.status().ToString()), request);
  }
  Status revoked = oauth::RevokeToken(store_, **keys, issuer_,
                                      std::get<storage::Client>(client).client_id, token,
                                      clock_.Now());
  if (!revoked.ok()) return OAuthErrorResponse(oauth::FromFailure(revoked), request);
  // RFC 7009 answers 200 whether or not the token was valid: the event says it was asked.
  events_.Revoked(request, std::get<storage::Client>(client),
                  params.Get("token_type_hint").substr(0, 32));
  http::Response r;
  r.status = 200;
  r.Set("Cache-Control", "no-store");
  return r;
}

http::Response RevocationEndpoint::Introspect(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  auto client = authentication_.Authenticate(request, params);
  if (auto* r = std::get_if<http::Response>(&client)) return std::move(*r);
  const storage::Client& caller = std::get<storage::Client>(client);
  if (caller.token_endpoint_auth_method == "none") {
    return OAuthErrorResponse(oauth::InvalidClient("public clients may not introspect"), request);
  }
  // RFC 7662 §4: only the resource servers the operator named.
  if (!oauth::MayIntrospect(caller)) {
    return OAuthErrorResponse({"unauthorized_client", "this client may not introspect tokens",
                               "not marked for introspection", 403},
                              request);
  }
  const std::string& token = params.Get("token");
  if (token.empty()) return OAuthErrorResponse(oauth::InvalidRequest("token is required"), request);
  auto keys = keys_.Current();
  if (!keys.ok()) {
    return OAuthErrorResponse(oauth::TemporarilyUnavailable(keys.status().ToString()), request);
  }
  auto answer = oauth::IntrospectToken(store_, *keys, introspected_, issuer_, caller, token,
                                       clock_.Now());
  if (!answer.ok()) return OAuthErrorResponse(oauth::FromFailure(answer.status()), request);
  const nlohmann::json& result = *answer;
  events_.Introspected(
      request, caller, result.value("active", false),
      result.contains("jti") && result["jti"].is_string() ? result["jti"].get<std::string>() : "");
  return JsonNoStore(200, result);
}

}  // namespace authgent::server
