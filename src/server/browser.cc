#include "server/browser.h"

#include "core/base64.h"
#include "core/bytes.h"
#include "core/log.h"
#include "crypto/hmac.h"
#include "oauth/authorize.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {
namespace {
constexpr size_t kCookieTokenLength = 43;  // base64url of 32 random bytes
}

Browser::Browser(BrowserSettings settings, storage::AccountStore& accounts, const Clock& clock,
                 Random& random)
    : settings_(std::move(settings)),
      accounts_(accounts),
      clock_(clock),
      random_(random),
      secure_(settings_.issuer.rfind("https://", 0) == 0),
      session_cookie_(secure_ ? "__Host-authgent_session" : "authgent_session"),
      transaction_cookie_(secure_ ? "__Host-authgent_txn" : "authgent_txn") {}

http::Response Browser::ErrorPage(int status, const std::string& title,
                                  const std::string& message) const {
  return HtmlPage(status, ui::RenderMessage({settings_.service_name, title, message}));
}

std::string Browser::TransactionHashOf(const http::Request& request) const {
  std::optional<std::string> token = CookieValue(request, transaction_cookie_);
  return token && token->size() == kCookieTokenLength ? TokenHash(*token) : std::string();
}

std::string Browser::TransactionToken(const http::Request& request) const {
  std::optional<std::string> token = CookieValue(request, transaction_cookie_);
  if (token && token->size() == kCookieTokenLength && Base64UrlDecode(*token)) return *token;
  return random_.NewToken();
}

std::string Browser::TransactionCookie(const std::string& token) const {
  return SetCookie(transaction_cookie_, token, oauth::kAuthorizationTransactionTtl, secure_);
}

bool Browser::SameBrowser(const http::Request& request,
                          const storage::AuthorizationTransaction& txn) const {
  std::string hash = TransactionHashOf(request);
  return !hash.empty() && !txn.browser_hash.empty() && ConstantTimeEquals(hash, txn.browser_hash);
}

http::Response Browser::OtherBrowser(const http::Request& request) const {
  log::Info("refused: the transaction belongs to another browser",
            {{"request_id", request.request_id}, {"path", request.path}});
  return ErrorPage(403, "This sign-in was started in another browser",
                   "Open your application again from this browser and connect from there.");
}

http::Response Browser::CrossSiteForm(const http::Request& request) const {
  log::Info("refused: cross-site form post",
            {{"request_id", request.request_id}, {"path", request.path}});
  return ErrorPage(403, "This form was sent from another site",
                   "Go back to your application and connect again.");
}

std::optional<std::string> Browser::SessionHashOf(const http::Request& request) const {
  std::optional<std::string> token = CookieValue(request, session_cookie_);
  if (!token || token->size() != kCookieTokenLength) return std::nullopt;
  return TokenHash(*token);
}

std::optional<storage::LoginSession> Browser::CurrentSession(const http::Request& request) const {
  std::optional<std::string> session_hash = SessionHashOf(request);
  if (!session_hash) return std::nullopt;
  StatusOr<storage::LoginSession> session = accounts_.GetSession(*session_hash, clock_.Now());
  if (!session.ok()) return std::nullopt;
  return std::move(session).value();
}

std::string Browser::SessionCookie(const std::string& token) const {
  return SetCookie(session_cookie_, token, settings_.login_session_ttl, secure_);
}

std::string Browser::ClearedSessionCookie() const {
  return SetCookie(session_cookie_, "", 0, secure_);
}

std::string Browser::SignOutToken(const storage::LoginSession& session) const {
  return Base64UrlEncode(crypto::HmacSha256(settings_.sign_out_key, session.session_hash));
}

std::string Browser::AccountFormToken(const storage::LoginSession& session) const {
  return Base64UrlEncode(
      crypto::HmacSha256(settings_.sign_out_key, "account forms\n" + session.session_hash));
}

}  // namespace authgent::server
