// oauth/authorization_session: the rules of an authorization between /oauth/authorize and the
// redirect back to the client: what a validated request does next given the user's sign-in and
// standing consent (the prompt parameter, OIDC Core §3.1.2.1), and when a standing consent covers
// a request. The server (server/authorize_endpoint) reads the session and the consent and does
// what these functions decide; the transaction lifetime is kAuthorizationTransactionTtl
// (oauth/authorize.h).
#pragma once

#include <functional>
#include <optional>

#include "oauth/authorize.h"
#include "storage/records.h"

namespace authgent::oauth {

enum class AuthorizeStep {
  kIssueCode,        // signed in and covered by a standing consent: redirect with a code
  kLoginRequired,    // prompt=none without a sign-in: login_required to the client
  kConsentRequired,  // prompt=none without a covering consent: consent_required to the client
  kShowLogin,        // store the transaction, then the login page
  kShowConsent,      // signed in: store the transaction, then the consent page
};

// `signed_in`: the browser has a live login session. `covered` is asked only when the answer
// depends on it (it reads the store): does a standing consent cover this request?
// prompt=none never shows a page; prompt=login shows the login page whatever the session.
AuthorizeStep NextAuthorizeStep(const AuthorizeRequest& request, bool signed_in,
                                const std::function<bool()>& covered);

// False when no standing consent can cover `request`, whatever it grants: the request insists on
// asking (prompt=consent), or its redirect URI is one a consent may not be remembered for
// (oauth/client_policy: ConsentMayBeRemembered, RFC 8252 §8.6). Asked before reading the consent:
// most MCP clients redirect to loopback, and their flows then cost no read.
bool StandingConsentMayApply(const AuthorizeRequest& request);

// True when `standing` (the user's consent for the request's client and resource, if any) lets
// the request end without the consent page: it grants every requested scope and
// StandingConsentMayApply(request).
bool StandingConsentCovers(const AuthorizeRequest& request,
                           const std::optional<storage::Consent>& standing);

}  // namespace authgent::oauth
