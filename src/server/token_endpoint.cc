#include "server/token_endpoint.h"

#include "oauth/metadata.h"
#include "server/web.h"

namespace authgent::server {
namespace {
// A token request is a few hundred bytes: a larger body is parsed on a worker.
constexpr size_t kInlineBodyBytes = 4096;
}  // namespace

struct TokenEndpoint::Call {
  const http::Request& request;  // outlives every step (http/router.h)
  oauth::Params params;
  oauth::PresentedCredentials presented;
};

void TokenEndpoint::Register(http::Router& router) {
  router.Add(
      "POST", oauth::kTokenPath, [this](const http::Request& request) { return Handle(request); },
      {.cors = true});
}

http::AsyncStep TokenEndpoint::Handle(const http::Request& request) {
  if (request.body.size() > kInlineBodyBytes) {
    return http::OnWorker{[this, &request] { return Start(request, true); }};
  }
  return Start(request, false);
}

http::AsyncStep TokenEndpoint::Start(const http::Request& request, bool on_worker) {
  oauth::Params params = RequestParams(request);
  if (auto e = ClientAuthentication::CheckForm(request, params)) {
    return OAuthErrorResponse(*e, request);
  }
  auto presented = authentication_.Presented(request, params);
  if (auto* r = std::get_if<http::Response>(&presented)) return std::move(*r);
  auto call = std::make_shared<const Call>(
      Call{request, std::move(params), std::get<oauth::PresentedCredentials>(std::move(presented))});
  const std::string& client_id = call->presented.client_id;
  if (on_worker) return Grant(call, authentication_.Lookup(client_id), true);
  // An assertion's check may fetch the client's keys and writes its jti: never on this thread.
  bool blocking_check = call->presented.method == "private_key_jwt";
  std::optional<storage::Client> cached =
      keys_.NeedsReload() || blocking_check ? std::nullopt : authentication_.Cached(client_id);
  if (!cached) {
    return http::OnWorker{[this, call] {
      return Grant(call, authentication_.Lookup(call->presented.client_id), true);
    }};
  }
  return Grant(call, std::move(*cached), false);
}

http::AsyncStep TokenEndpoint::Grant(std::shared_ptr<const Call> call,
                                     StatusOr<storage::Client> found, bool on_worker) {
  auto checked = authentication_.Check(call->request, std::move(found), call->presented);
  if (auto* r = std::get_if<http::Response>(&checked)) return std::move(*r);
  auto client = std::make_shared<const storage::Client>(std::get<storage::Client>(std::move(checked)));
  const std::string& grant = call->params.Get("grant_type");
  if (auto denied = RateDenied(*client, grant)) {
    if (on_worker || grant != "refresh_token") return RateLimited(*call, *client, *denied);
    return http::OnWorker{[this, call, client, decision = *denied] {
      return RateLimited(*call, *client, decision);
    }};
  }
  auto begun = tokens_.Begin(call->params, *client);
  if (auto* answer = std::get_if<oauth::TokenAnswer>(&begun)) {
    return Answer(call->request, *client, grant, std::move(*answer));
  }
  auto pending = std::get<std::shared_ptr<oauth::PendingGrant>>(std::move(begun));
  // Finish() signs on a network thread after the commit: a reload of the keys that is due (one
  // reason this request came to a worker) is done here, where reading the store may block.
  if (on_worker && keys_.NeedsReload()) (void)keys_.Current();
  return http::Suspended{[this, call, client, pending](const http::Resume& resume) {
    pending->Write([this, call, client, pending, resume] {
      resume([this, call, client, pending] {
        return Answer(call->request, *client, call->params.Get("grant_type"), pending->Finish());
      });
    });
  }};
}

std::optional<RateDecision> TokenEndpoint::RateDenied(const storage::Client& client,
                                                      const std::string& grant) {
  // Codes are single-use and bounded by the browser flow; the repeatable grants are limited.
  // A client_credentials request is authenticated, so it counts now. A refresh request of a
  // public client could come from anyone who knows the client_id: it counts only once it
  // presented a live refresh token of that client (Answer), so strangers sending garbage
  // cannot lock the client out.
  std::string key = client.client_id + " " + grant;
  RateDecision d;
  if (grant == "client_credentials") d = limiter_.Hit(key, rate_limit_, 60);
  else if (grant == "refresh_token") d = limiter_.Check(key, rate_limit_, 60);
  if (d.allowed) return std::nullopt;
  return d;
}

http::Response TokenEndpoint::RateLimited(const Call& call, const storage::Client& client,
                                          const RateDecision& decision) {
  // Never let a 429 hide a terminal error: a dead refresh token is invalid_grant.
  if (call.params.Get("grant_type") == "refresh_token" &&
      tokens_.RefreshWouldFail(call.params, client)) {
    return OAuthErrorResponse(oauth::InvalidGrant("the refresh token is invalid"), call.request);
  }
  events_.RateLimited(Limit::kToken);
  return TooManyRequests(call.request, decision.retry_after, "too many token requests, retry later");
}

http::Response TokenEndpoint::Answer(const http::Request& request, const storage::Client& client,
                                     const std::string& grant, oauth::TokenAnswer answer) {
  if (auto* e = std::get_if<oauth::OAuthError>(&answer)) {
    events_.GrantRefused(request, client, grant, *e);
    return OAuthErrorResponse(*e, request);
  }
  if (grant == "refresh_token") (void)limiter_.Hit(client.client_id + " " + grant, rate_limit_, 60);
  // A successful grant wrote the client's use mark if it was due (oauth/token_service.h).
  int64_t now = clock_.Now();
  if (oauth::ClientUseMarkDue(client, now)) cache_.MarkUsed(client.client_id, now);
  events_.TokensIssued(request, client, grant, std::get<oauth::TokenResponseBody>(answer).issued);
  // Moved, not copied: the body is the whole token response, about 600 bytes.
  return NoStore(
      http::Response::JsonText(200, std::move(std::get<oauth::TokenResponseBody>(answer).json)));
}

}  // namespace authgent::server
