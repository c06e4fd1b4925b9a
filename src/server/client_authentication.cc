#include "server/client_authentication.h"

#include "server/web.h"

namespace authgent::server {

std::optional<oauth::OAuthError> ClientAuthentication::CheckForm(const http::Request& request,
                                                                 const oauth::Params& params) {
  if (!IsFormPost(request)) {
    return oauth::InvalidRequest("the body must be application/x-www-form-urlencoded");
  }
  if (!params.valid()) return oauth::InvalidRequest("the form body is malformed");
  if (!params.duplicate().empty()) {
    return oauth::InvalidRequest("a parameter is repeated", "duplicate " + params.duplicate());
  }
  return std::nullopt;
}

http::Response ClientAuthentication::Failed(const http::Request& request,
                                            const oauth::OAuthError& error) const {
  http::Response r = OAuthErrorResponse(error, request);
  if (error.status == 401 && !request.Header("authorization").value_or("").empty()) {
    r.Set("WWW-Authenticate", "Basic realm=\"" + issuer_ + "\", charset=\"UTF-8\"");
  }
  return r;
}

std::variant<oauth::PresentedCredentials, http::Response> ClientAuthentication::Presented(
    const http::Request& request, const oauth::Params& params) const {
  auto creds = oauth::ExtractClientCredentials(
      std::string(request.Header("authorization").value_or("")), params);
  if (auto* e = std::get_if<oauth::OAuthError>(&creds)) return Failed(request, *e);
  return std::get<oauth::PresentedCredentials>(std::move(creds));
}

std::optional<storage::Client> ClientAuthentication::Cached(const std::string& client_id) {
  return cache_.Peek(client_id, clock_.Now());
}

StatusOr<storage::Client> ClientAuthentication::Lookup(const std::string& client_id) {
  return cache_.Get(clients_, client_id, clock_.Now());
}

std::variant<storage::Client, http::Response> ClientAuthentication::Check(
    const http::Request& request, StatusOr<storage::Client> client,
    const oauth::PresentedCredentials& presented) {
  auto checked =
      oauth::CheckClientCredentials(std::move(client), presented, clock_.Now(), assertions_);
  if (auto* e = std::get_if<oauth::OAuthError>(&checked)) return Failed(request, *e);
  if (std::get<storage::Client>(checked).policy.blocked) {
    return Failed(
        request, {"unauthorized_client", "this client is blocked by the operator", "blocked", 400});
  }
  return std::get<storage::Client>(std::move(checked));
}

std::variant<storage::Client, http::Response> ClientAuthentication::Authenticate(
    const http::Request& request, const oauth::Params& params) {
  if (auto e = CheckForm(request, params)) return OAuthErrorResponse(*e, request);
  auto presented = Presented(request, params);
  if (auto* r = std::get_if<http::Response>(&presented)) return std::move(*r);
  const auto& creds = std::get<oauth::PresentedCredentials>(presented);
  return Check(request, Lookup(creds.client_id), creds);
}

}  // namespace authgent::server
