// The back-channel endpoints: /oauth/token, /oauth/revoke, /oauth/introspect.
#include "core/log.h"
#include "oauth/client_auth.h"
#include "oauth/client_policy.h"
#include "oauth/metadata.h"
#include "oauth/revocation.h"
#include "server/app.h"
#include "server/web.h"

namespace authgent::server {
namespace {

// Form posts only; a repeated parameter is invalid_request (RFC 6749 §3.2).
std::optional<oauth::OAuthError> CheckForm(const http::Request& request, const oauth::Params& p) {
  if (!IsFormPost(request)) {
    return oauth::InvalidRequest("the body must be application/x-www-form-urlencoded");
  }
  if (!p.valid()) return oauth::InvalidRequest("the form body is malformed");
  if (!p.duplicate().empty()) {
    return oauth::InvalidRequest("a parameter is repeated", "duplicate " + p.duplicate());
  }
  return std::nullopt;
}

}  // namespace

http::Response App::ClientAuthFailed(const http::Request& request, const oauth::OAuthError& e) {
  http::Response r = OAuthErrorResponse(e, request);
  if (e.status == 401 && !request.Header("authorization").value_or("").empty()) {
    r.Set("WWW-Authenticate", "Basic realm=\"" + config_.issuer + "\", charset=\"UTF-8\"");
  }
  return r;
}

std::variant<storage::Client, http::Response> App::AuthenticatedClient(
    const http::Request& request, const oauth::Params& params) {
  auto creds = oauth::ExtractClientCredentials(
      std::string(request.Header("authorization").value_or("")), params);
  if (auto* e = std::get_if<oauth::OAuthError>(&creds)) return ClientAuthFailed(request, *e);
  const auto& presented = std::get<oauth::PresentedCredentials>(creds);
  int64_t now = clock_.Now();
  auto client = oauth::CheckClientCredentials(client_cache_.Get(*store_, presented.client_id, now),
                                              presented, now);
  if (auto* e = std::get_if<oauth::OAuthError>(&client)) return ClientAuthFailed(request, *e);
  return std::get<storage::Client>(std::move(client));
}

// A client's use mark can come due between the placement of a request and its grant: requests
// whose mark is due within this margin take the path that may write it.
constexpr int64_t kUseMarkMargin = 60;

bool App::CachedClientNeedsNoWrite(const storage::Client& client, const std::string& grant,
                                   int64_t now) {
  if (keys_->NeedsReload()) return false;
  // A code redemption writes a due mark in its own commit (IssuedFamily::client_used_at).
  if (grant == "authorization_code") return true;
  return !oauth::ClientUseMarkDue(client, now, kUseMarkMargin);
}

std::optional<RateDecision> App::TokenRateDenied(const storage::Client& client,
                                                 const std::string& grant) {
  // Codes are single-use and bounded by the browser flow; the repeatable grants are limited.
  // A client_credentials request is authenticated, so it counts now. A refresh request of a
  // public client could come from anyone who knows the client_id: it counts only once it
  // presented a live refresh token of that client (AnswerToken), so strangers sending garbage
  // cannot lock the client out.
  std::string key = client.client_id + " " + grant;
  RateDecision d;
  if (grant == "client_credentials") d = local_limits_->Hit(key, config_.token_rate_limit, 60);
  else if (grant == "refresh_token") d = local_limits_->Check(key, config_.token_rate_limit, 60);
  if (d.allowed) return std::nullopt;
  return d;
}

http::Response App::TokenRateLimited(const http::Request& request, const oauth::Params& params,
                                     const storage::Client& client, const RateDecision& decision) {
  // Never let a 429 hide a terminal error: a dead refresh token is invalid_grant.
  if (params.Get("grant_type") == "refresh_token" && tokens_->RefreshWouldFail(params, client)) {
    return OAuthErrorResponse(oauth::InvalidGrant("the refresh token is invalid"), request);
  }
  return TooManyRequests(request, decision.retry_after, "too many token requests, retry later");
}

http::Response App::AnswerToken(const http::Request& request, const storage::Client& client,
                                const std::string& grant, oauth::TokenAnswer answer) {
  if (auto* e = std::get_if<oauth::OAuthError>(&answer)) return OAuthErrorResponse(*e, request);
  if (grant == "refresh_token") {
    (void)local_limits_->Hit(client.client_id + " " + grant, config_.token_rate_limit, 60);
  }
  // A successful grant wrote the client's use mark if it was due (TokenService::TouchClient).
  int64_t now = clock_.Now();
  if (oauth::ClientUseMarkDue(client, now)) client_cache_.MarkUsed(client.client_id, now);
  // Moved, not copied: the body is the whole token response, about 600 bytes.
  return NoStore(
      http::Response::JsonText(200, std::move(std::get<oauth::TokenResponseBody>(answer).json)));
}

http::Response App::TokenEndpoint(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  if (auto e = CheckForm(request, params)) return OAuthErrorResponse(*e, request);
  auto client = AuthenticatedClient(request, params);
  if (auto* r = std::get_if<http::Response>(&client)) return std::move(*r);
  const storage::Client& c = std::get<storage::Client>(client);
  if (auto denied = TokenRateDenied(c, params.Get("grant_type"))) {
    return TokenRateLimited(request, params, c, *denied);
  }
  return AnswerToken(request, c, params.Get("grant_type"), tokens_->Exchange(params, c));
}

http::AsyncStep App::TokenWithoutBlocking(const http::Request& request) {
  // Every token request starts here, on the network thread, and is parsed and authenticated once.
  // A client_credentials request of a client in memory touches no storage and is signed here. The
  // code and refresh grants of one wait for their one store write without a thread: the write
  // runs on SQLite's writer thread, and the token is signed on a network thread once it is
  // committed (no hop to a worker and back). Anything that may block runs on a worker.
  auto on_worker = http::OnWorker{[this, &request] { return TokenEndpoint(request); }};
  // A token request is a few hundred bytes: a large body is parsed on a worker.
  if (request.body.size() > 4096) return on_worker;
  oauth::Params params = RequestParams(request);
  const std::string& grant = params.Get("grant_type");
  const bool signs_inline = grant == "client_credentials";
  if (!signs_inline && grant != "authorization_code" && grant != "refresh_token") return on_worker;
  if (!signs_inline && !store_->WritesCompleteAsynchronously()) return on_worker;
  auto creds = oauth::ExtractClientCredentials(
      std::string(request.Header("authorization").value_or("")), params);
  auto* presented = std::get_if<oauth::PresentedCredentials>(&creds);
  if (presented == nullptr) return on_worker;
  int64_t now = clock_.Now();
  std::optional<storage::Client> cached = client_cache_.Peek(presented->client_id, now);
  if (!cached || !CachedClientNeedsNoWrite(*cached, grant, now)) return on_worker;
  if (auto e = CheckForm(request, params)) return OAuthErrorResponse(*e, request);
  auto checked = oauth::CheckClientCredentials(std::move(*cached), *presented, now);
  if (auto* e = std::get_if<oauth::OAuthError>(&checked)) return ClientAuthFailed(request, *e);
  storage::Client client = std::get<storage::Client>(std::move(checked));
  if (auto denied = TokenRateDenied(client, grant)) {
    // Only a refresh's refusal may read the store (a dead token is invalid_grant, not 429).
    if (signs_inline) return TokenRateLimited(request, params, client, *denied);
    return http::OnWorker{[this, &request, params, client, decision = *denied] {
      return TokenRateLimited(request, params, client, decision);
    }};
  }
  if (signs_inline) return AnswerToken(request, client, grant, tokens_->Exchange(params, client));
  auto begun = tokens_->Begin(params, client);
  if (auto* answer = std::get_if<oauth::TokenAnswer>(&begun)) {
    return AnswerToken(request, client, grant, std::move(*answer));
  }
  std::shared_ptr<oauth::PendingGrant> pending = std::get<std::shared_ptr<oauth::PendingGrant>>(begun);
  auto shared_client = std::make_shared<const storage::Client>(std::move(client));
  return http::Suspended{[this, &request, pending, shared_client, grant](const http::Resume& resume) {
    pending->StartWrite([this, &request, pending, shared_client, grant, resume] {
      resume([this, &request, pending, shared_client, grant] {
        return AnswerToken(request, *shared_client, grant, pending->Finish());
      });
    });
  }};
}

void App::AddTokenRoutes() {
  router_.Add(
      "POST", oauth::kTokenPath,
      [this](const http::Request& request) { return TokenWithoutBlocking(request); },
      {.cors = true});

  router_.Add(
      "POST", oauth::kRevokePath,
      http::OnWorkers([this](const http::Request& request) {
        oauth::Params params = RequestParams(request);
        if (auto e = CheckForm(request, params)) return OAuthErrorResponse(*e, request);
        auto client = AuthenticatedClient(request, params);
        if (auto* r = std::get_if<http::Response>(&client)) return std::move(*r);
        const std::string& token = params.Get("token");
        if (token.empty()) return OAuthErrorResponse(oauth::InvalidRequest("token is required"), request);
        auto keys = keys_->Current();
        if (!keys.ok()) return OAuthErrorResponse(oauth::TemporarilyUnavailable(keys.status().ToString()), request);
        Status revoked = oauth::RevokeToken(*store_, **keys, config_.issuer,
                                            std::get<storage::Client>(client).client_id, token,
                                            clock_.Now());
        if (!revoked.ok()) return OAuthErrorResponse(oauth::FromFailure(revoked), request);
        // RFC 7009 §2.2: 200 whether or not the token existed.
        http::Response r;
        r.status = 200;
        r.Set("Cache-Control", "no-store");
        return r;
      }),
      {.cors = true});

  router_.Add(
      "POST", oauth::kIntrospectPath,
      http::OnWorkers([this](const http::Request& request) {
        oauth::Params params = RequestParams(request);
        if (auto e = CheckForm(request, params)) return OAuthErrorResponse(*e, request);
        auto client = AuthenticatedClient(request, params);
        if (auto* r = std::get_if<http::Response>(&client)) return std::move(*r);
        const storage::Client& caller = std::get<storage::Client>(client);
        if (caller.token_endpoint_auth_method == "none") {
          return OAuthErrorResponse(oauth::InvalidClient("public clients may not introspect"), request);
        }
        // RFC 7662 §4: only the resource servers the operator named (client_policy.h).
        if (!oauth::MayIntrospect(caller)) {
          return OAuthErrorResponse({"unauthorized_client", "this client may not introspect tokens",
                                     "not marked for introspection", 403},
                                    request);
        }
        const std::string& token = params.Get("token");
        if (token.empty()) return OAuthErrorResponse(oauth::InvalidRequest("token is required"), request);
        auto keys = keys_->Current();
        if (!keys.ok()) return OAuthErrorResponse(oauth::TemporarilyUnavailable(keys.status().ToString()), request);
        auto answer = oauth::IntrospectToken(*store_, *keys, introspected_, config_.issuer,
                                             caller, token, clock_.Now());
        if (!answer.ok()) return OAuthErrorResponse(oauth::FromFailure(answer.status()), request);
        return JsonNoStore(200, *answer);
      }));
}

}  // namespace authgent::server
