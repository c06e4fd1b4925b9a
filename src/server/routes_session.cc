// Signing out: GET /oauth/logout (a page with the button) and POST /oauth/logout (the form of
// that page and of the consent page's "Not you? Sign out").
//
// The form carries a sign-out token: HMAC of the session's stored hash under a key derived from
// the key-encryption key. Only a page we served to that browser has it, so another site cannot
// sign a user out (a nuisance, and the first step of swapping in the attacker's session); the
// post must also come from our own origin (Sec-Fetch-Site, Origin).
#include "core/base64.h"
#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "crypto/hmac.h"
#include "server/app.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {

http::Response App::SignedOut(const http::Request& request, const std::string& transaction) {
  http::Response r;
  // Back to the sign-in of the application's pending request, so "Not you?" can go on as
  // someone else; otherwise a page that says it is done.
  StatusOr<storage::AuthorizationTransaction> txn =
      transaction.empty() ? StatusOr<storage::AuthorizationTransaction>(NotFoundError("none"))
                          : store_->GetTransaction(SortableTokenKey(transaction), clock_.Now());
  if (txn.ok() && browser_->SameBrowser(request, *txn)) {
    r = SeeOther("/oauth/login?txn=" + oauth::PercentEncode(transaction));
  } else {
    r = browser_->ErrorPage(200, "You are signed out", "You can close this window.");
  }
  r.Add("Set-Cookie", browser_->ClearedSessionCookie());
  return r;
}

void App::AddSessionRoutes() {
  router_.Add(
      "GET", "/oauth/logout",
      http::OnWorkers([this](const http::Request& request) {
        std::optional<storage::LoginSession> session = browser_->CurrentSession(request);
        if (!session) return browser_->ErrorPage(200, "You are not signed in", "There is nothing to sign out of.");
        return HtmlPage(200, ui::RenderSignOut({config_.service_name, session->user_display_name,
                                                browser_->SignOutToken(*session)}));
      }));

  router_.Add(
      "POST", "/oauth/logout",
      http::OnWorkers([this](const http::Request& request) {
        if (!SameOriginOrUnknown(request, config_.issuer)) return browser_->CrossSiteForm(request);
        oauth::Params params = RequestParams(request);
        std::optional<storage::LoginSession> session = browser_->CurrentSession(request);
        if (!session) return SignedOut(request, params.Get("txn"));
        if (!IsFormPost(request) ||
            !ConstantTimeEquals(params.Get("csrf_token"), browser_->SignOutToken(*session))) {
          log::Info("sign-out refused: token check failed", {{"request_id", request.request_id}});
          return browser_->ErrorPage(403, "This form has expired", "Reload the page and try again.");
        }
        Status deleted = store_->DeleteSession(session->session_hash);
        if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
          return browser_->ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
        }
        log::Info("signed out", {{"request_id", request.request_id}, {"user_id", session->user_id}});
        return SignedOut(request, params.Get("txn"));
      }));
}

}  // namespace authgent::server
