#include "server/session_endpoint.h"

#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "oauth/authorize.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {

void SessionEndpoint::Register(http::Router& router) {
  router.Add("GET", "/oauth/logout",
             http::OnWorkers([this](const http::Request& r) { return Page(r); }));
  router.Add("POST", "/oauth/logout",
             http::OnWorkers([this](const http::Request& r) { return SignOut(r); }));
}

http::Response SessionEndpoint::Page(const http::Request& request) {
  std::optional<storage::LoginSession> session = browser_.CurrentSession(request);
  if (!session) {
    return browser_.ErrorPage(200, "You are not signed in", "There is nothing to sign out of.");
  }
  return HtmlPage(200, ui::RenderSignOut({service_name_, session->user_display_name,
                                          browser_.SignOutToken(*session)}));
}

http::Response SessionEndpoint::SignOut(const http::Request& request) {
  if (!SameOriginOrUnknown(request, issuer_)) return browser_.CrossSiteForm(request);
  oauth::Params params = RequestParams(request);
  std::optional<storage::LoginSession> session = browser_.CurrentSession(request);
  if (!session) return SignedOut(request, params.Get("txn"));
  if (!IsFormPost(request) ||
      !ConstantTimeEquals(params.Get("csrf_token"), browser_.SignOutToken(*session))) {
    log::Info("sign-out refused: token check failed", {{"request_id", request.request_id}});
    return browser_.ErrorPage(403, "This form has expired", "Reload the page and try again.");
  }
  Status deleted = accounts_.DeleteSession(session->session_hash);
  if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
    return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  log::Info("signed out", {{"request_id", request.request_id}, {"user_id", session->user_id}});
  events_.SignedOut(request, session->user_id);
  return SignedOut(request, params.Get("txn"));
}

http::Response SessionEndpoint::SignedOut(const http::Request& request,
                                          const std::string& transaction) {
  http::Response r;
  StatusOr<storage::AuthorizationTransaction> txn =
      transaction.empty() ? StatusOr<storage::AuthorizationTransaction>(NotFoundError("none"))
                          : flows_.GetTransaction(SortableTokenKey(transaction), clock_.Now());
  if (txn.ok() && browser_.SameBrowser(request, *txn)) {
    r = SeeOther("/oauth/login?txn=" + oauth::PercentEncode(transaction));
  } else {
    r = browser_.ErrorPage(200, "You are signed out", "You can close this window.");
  }
  r.Add("Set-Cookie", browser_.ClearedSessionCookie());
  return r;
}

}  // namespace authgent::server
