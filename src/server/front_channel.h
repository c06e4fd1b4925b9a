// server/front_channel: the steps the browser-facing endpoints share (docs/mcp-clients.md §4).
//
// A validated authorization request waits in an authorization transaction (stored, 10 minutes,
// single use) whose token travels in the login and consent URLs and forms. The transaction is
// bound to the browser that started it (server/browser: the transaction cookie), so every later
// step must come from that browser; the login session is a cookie naming a stored session; consent
// posts carry a CSRF token whose hash is on the transaction. Any instance can serve any step.
//
// What several endpoints do is here, once: end an authorization with a code, or with an error for
// the client (sent there at once only when oauth/client_policy says the client may be trusted
// with it, else a page with a link); the consent step after a login (a standing consent ends the
// flow, else the consent page with its CSRF token); and the login session a login ends with.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "http/message.h"
#include "oauth/authorize.h"
#include "oauth/resource.h"
#include "oauth/token_service.h"
#include "server/browser.h"
#include "server/events.h"
#include "storage/store.h"

namespace authgent::server {

// The request a transaction holds when it is a sign-in for the account page (server/
// account_endpoint) rather than an application's authorization: the login ends at /account.
inline constexpr char kAccountSignInRequest[] = R"({"purpose":"account"})";
inline bool IsAccountSignIn(const storage::AuthorizationTransaction& txn) {
  return txn.request_json == kAccountSignInRequest;
}

struct FrontChannelSettings {
  std::string issuer;
  std::string service_name;   // on every page
  int64_t login_session_ttl;  // LOGIN_SESSION_TTL
};

class FrontChannel {
 public:
  FrontChannel(FrontChannelSettings settings, storage::Store& store, oauth::TokenService& tokens,
               Browser& browser, const oauth::ResourceCatalog& catalog, Events& events,
               const Clock& clock, Random& random)
      : settings_(std::move(settings)),
        store_(store),
        tokens_(tokens),
        browser_(browser),
        catalog_(catalog),
        events_(events),
        clock_(clock),
        random_(random) {}

  // Ends an approved authorization: stores a code, redirects to the client with it.
  http::Response FinishAuthorization(const oauth::AuthorizeRequest& request,
                                     const storage::LoginSession& session,
                                     const http::Request& http_request);
  // The redirect carrying a stored code back to the client (code, state, iss: RFC 9207).
  http::Response CodeRedirect(const oauth::AuthorizeRequest& request, const std::string& code);
  // The client's server_error (or temporarily_unavailable) redirect when its code could not be
  // stored (logged).
  http::Response CodeNotStored(const oauth::AuthorizeRequest& request, const Status& status,
                               const http::Request& http_request);
  // An authorization error for the client's redirect URI: sent there at once when the client may
  // be trusted with it (oauth::RedirectsErrorsAutomatically), else a page with a link.
  http::Response AuthorizeError(const oauth::AuthorizeErrorRedirect& error,
                                const storage::Client& client,
                                const std::optional<storage::LoginSession>& session);
  // True when no consent page is needed: the operator trusts the client
  // (oauth::TrustedSkipsConsent), or `standing`, the user's stored consent for the request's
  // client and resource, covers the request (oauth::StandingConsentCovers).
  bool ConsentCovers(const oauth::AuthorizeRequest& request, const storage::Client& client,
                     const std::optional<storage::Consent>& standing);
  // The consent step of a stored transaction (GET /oauth/consent, after login): ends the flow
  // under a standing consent, else gives the transaction a CSRF token and shows the page.
  http::Response ConsentStep(const std::string& transaction, const storage::LoginSession& session,
                             const http::Request& request);
  // The consent page itself; the transaction already holds the hash of `csrf`. What `standing`
  // (the user's stored consent for the request's client and resource) holds is listed as
  // granted, not asked again.
  http::Response ConsentPage(const std::string& transaction, const std::string& csrf,
                             const oauth::AuthorizeRequest& request, const storage::Client& client,
                             const storage::LoginSession& session,
                             const std::optional<storage::Consent>& standing);
  // After a login (local or upstream): a new login session and its cookie, the transaction bound
  // to it, and on to consent (or, for an account sign-in, the transaction used up and on to
  // /account).
  http::Response LoggedIn(const std::string& user_id, const std::string& transaction,
                          storage::AuthorizationTransaction txn);

 private:
  // True when the user has a standing consent for the client (was shown its consent page).
  bool ApprovedBefore(const std::string& user_id, const std::string& client_id);

  const FrontChannelSettings settings_;
  storage::Store& store_;
  oauth::TokenService& tokens_;
  Browser& browser_;
  const oauth::ResourceCatalog& catalog_;
  Events& events_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace authgent::server
