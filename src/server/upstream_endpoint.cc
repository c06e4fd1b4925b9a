#include "server/upstream_endpoint.h"

#include "core/base64.h"
#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "federation/local_user.h"
#include "oauth/authorize.h"
#include "server/web.h"

namespace authgent::server {

void UpstreamEndpoint::Register(http::Router& router) {
  router.Add("GET", "/oauth/upstream/callback",
             http::OnWorkers([this](const http::Request& r) { return Callback(r); }));
}

http::Response UpstreamEndpoint::Start(storage::AuthorizationTransaction txn) {
  if (!upstream_->ready()) {
    log::Warn("login refused: identity provider unavailable", {{"error", upstream_->last_error()}});
    return browser_.ErrorPage(503, "Identity provider unavailable",
                              "The identity provider cannot be reached right now. Try again in a "
                              "minute.");
  }
  std::string state = random_.NewToken();
  std::string nonce = random_.NewToken();
  std::string verifier = random_.NewToken();
  txn.upstream_state_hash = TokenHash(state);
  txn.upstream_nonce = nonce;
  txn.upstream_code_verifier = verifier;
  if (!store_.UpdateTransaction(txn).ok()) {
    return browser_.ErrorPage(400, "This sign-in has expired",
                              "Go back to your application and connect again.");
  }
  StatusOr<std::string> url =
      upstream_->AuthorizationUrl(state, nonce, Base64UrlEncode(Sha256(verifier)));
  if (!url.ok()) {
    return browser_.ErrorPage(503, "Identity provider unavailable",
                              "The identity provider cannot be reached right now. Try again in a "
                              "minute.");
  }
  return Redirect(*url);
}

http::Response UpstreamEndpoint::Callback(const http::Request& request) {
  if (!upstream_) return http::Response::Error(404, "not_found", "no such endpoint");
  oauth::Params params = RequestParams(request);
  const std::string& state = params.Get("state");
  if (state.empty()) return Expired();
  StatusOr<storage::AuthorizationTransaction> txn =
      store_.ConsumeTransactionByUpstreamState(TokenHash(state), clock_.Now());
  if (!txn.ok()) {
    log::Info("upstream callback with unknown or used state", {{"request_id", request.request_id}});
    return Expired();
  }
  // A callback URL carried into another browser (the attacker's own sign-in, handed to a victim
  // to log them in as the attacker) finds the wrong transaction cookie.
  if (!browser_.SameBrowser(request, *txn)) return browser_.OtherBrowser(request);
  // The account page's sign-in has no application to send a refusal to.
  bool account = IsAccountSignIn(*txn);
  std::optional<oauth::AuthorizeRequest> req =
      account ? std::nullopt : oauth::AuthorizeRequest::FromJson(txn->request_json);
  if (!account && !req) return Expired();
  if (params.Has("error")) return Refused(request, req, params.Get("error"));
  const std::string& code = params.Get("code");
  if (code.empty()) return Expired();
  return Finish(request, code, *txn);
}

http::Response UpstreamEndpoint::Refused(const http::Request& request,
                                         const std::optional<oauth::AuthorizeRequest>& req,
                                         const std::string& error) {
  // Sent back only to a client the operator registered (else a page with a link), as at
  // /oauth/authorize.
  log::Info("upstream refused the login",
            {{"request_id", request.request_id}, {"upstream_error", error}});
  if (!req) {
    return browser_.ErrorPage(403, "Sign-in refused", "The identity provider did not sign you in.");
  }
  StatusOr<storage::Client> client = store_.GetClient(req->client_id);
  if (!client.ok()) return Expired();
  bool unavailable = error == "temporarily_unavailable" || error == "server_error";
  oauth::OAuthError back =
      unavailable ? oauth::OAuthError{"temporarily_unavailable",
                                      "the identity provider is unavailable", "", 400}
                  : oauth::OAuthError{"access_denied",
                                      "the identity provider did not sign the user in", "", 400};
  return front_.AuthorizeError({req->redirect_uri, req->state, back}, *client, std::nullopt);
}

http::Response UpstreamEndpoint::Expired() {
  return browser_.ErrorPage(400, "This sign-in has expired or was already used",
                            "Go back to your application and connect again.");
}

http::Response UpstreamEndpoint::Finish(const http::Request& request, const std::string& code,
                                        const storage::AuthorizationTransaction& txn) {
  StatusOr<federation::UpstreamIdentity> identity =
      upstream_->Redeem(code, txn.upstream_code_verifier, txn.upstream_nonce);
  if (!identity.ok()) {
    log::Warn("upstream login failed", {{"request_id", request.request_id},
                                        {"error", identity.status().message()}});
    events_.LoginFailed(request, "", "upstream answer not valid");
    if (identity.status().code() == StatusCode::kUnavailable) {
      return browser_.ErrorPage(502, "Identity provider unavailable",
                                "The identity provider did not complete the sign-in. Try again.");
    }
    return browser_.ErrorPage(401, "Sign-in could not be verified",
                              "The identity provider's answer was not valid. Try again, and "
                              "contact your administrator if this persists.");
  }
  Status allowed = upstream_->CheckAllowed(*identity);
  if (!allowed.ok()) {
    log::Info("upstream user refused",
              {{"request_id", request.request_id}, {"reason", allowed.message()}});
    events_.LoginFailed(request, "", "upstream user not allowed");
    return browser_.ErrorPage(403, "This account is not allowed here",
                              "Sign in with an account of your organisation, or ask your "
                              "administrator for access.");
  }
  int64_t now = clock_.Now();
  StatusOr<storage::User> user =
      federation::LocalUserFor(store_, random_, upstream_->settings().issuer, *identity, now);
  if (!user.ok()) return browser_.ErrorPage(503, "Temporarily unavailable", "Try again in a moment.");
  if (user->disabled) {
    events_.LoginFailed(request, user->user_id, "user disabled");
    return browser_.ErrorPage(403, "This account is disabled", "Ask your administrator for access.");
  }
  std::string transaction = NewSortableToken(random_, clock_.NowMillis());
  storage::AuthorizationTransaction next;
  next.transaction_hash = SortableTokenKey(transaction);
  next.request_json = txn.request_json;
  next.browser_hash = txn.browser_hash;
  next.created_at = now;
  next.expires_at = now + oauth::kAuthorizationTransactionTtl;
  if (!storage::CreateTransactionAndWait(store_, next).ok()) {  // on a worker
    return browser_.ErrorPage(503, "Temporarily unavailable", "Try again in a moment.");
  }
  log::Info("upstream login succeeded",
            {{"request_id", request.request_id}, {"user_id", user->user_id}});
  events_.LoginSucceeded(request, user->user_id, upstream_->settings().issuer);
  return front_.LoggedIn(user->user_id, transaction, next);
}

}  // namespace authgent::server
