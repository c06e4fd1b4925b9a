// server/browser: what authgent keeps in the user's browser, and how it knows that browser again.
//
//  - The transaction cookie binds an authorization transaction to the browser that started it
//    (its hash is stored on the transaction): every later step of the flow must come from that
//    browser, which defeats login CSRF and session swapping (docs/security.md).
//  - The session cookie names a stored login session.
//  - The sign-out token (HMAC of the session's hash under a key derived from the key-encryption
//    key) is only on pages we served to that browser, so another site cannot sign a user out; the
//    account page's form token is the same for its revoke forms.
//  - The refusal pages for a request from another browser or a form posted from another site.
// Cookies are `__Host-` prefixed and Secure when the issuer is https.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "http/message.h"
#include "storage/account_store.h"
#include "storage/records.h"

namespace authgent::server {

struct BrowserSettings {
  std::string issuer;
  std::string service_name;   // on every page
  int64_t login_session_ttl;  // the session cookie's Max-Age
  std::string sign_out_key;   // KeyRing::DeriveSecret("authgent sign-out v1")
};

class Browser {
 public:
  Browser(BrowserSettings settings, storage::AccountStore& accounts, const Clock& clock,
          Random& random);

  // A page with a title and a message (errors, and "you are signed out").
  http::Response ErrorPage(int status, const std::string& title, const std::string& message) const;

  // The transaction cookie's value for a new transaction: the one the browser already has when
  // it sent a well-formed one (so flows in several tabs share it), else a new one.
  std::string TransactionToken(const http::Request& request) const;
  std::string TransactionCookie(const std::string& token) const;  // its Set-Cookie
  // The hash of the transaction cookie the request carries, or "".
  std::string TransactionHashOf(const http::Request& request) const;
  // True when the request comes from the browser that started `txn`.
  bool SameBrowser(const http::Request& request,
                   const storage::AuthorizationTransaction& txn) const;
  // 403 for a step of a flow that another browser started (logged).
  http::Response OtherBrowser(const http::Request& request) const;
  // 403 for a form posted from another site (web.h: SameOriginOrUnknown; logged).
  http::Response CrossSiteForm(const http::Request& request) const;

  // The hash of the session the cookie names (not checked against the store).
  std::optional<std::string> SessionHashOf(const http::Request& request) const;
  // The browser's login session, when its cookie names a live one.
  std::optional<storage::LoginSession> CurrentSession(const http::Request& request) const;
  // Set-Cookie for a new session's token, and the one that clears it.
  std::string SessionCookie(const std::string& token) const;
  std::string ClearedSessionCookie() const;
  // The sign-out form's token for this session.
  std::string SignOutToken(const storage::LoginSession& session) const;
  // The account page's forms' token for this session (a different value: one page's token does
  // not work on the other's form).
  std::string AccountFormToken(const storage::LoginSession& session) const;

 private:
  BrowserSettings settings_;
  storage::AccountStore& accounts_;
  const Clock& clock_;
  Random& random_;
  bool secure_;
  std::string session_cookie_;      // __Host-authgent_session when the issuer is https
  std::string transaction_cookie_;  // __Host-authgent_txn when the issuer is https
};

}  // namespace authgent::server
