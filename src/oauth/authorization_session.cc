#include "oauth/authorization_session.h"

#include "oauth/client_policy.h"
#include "oauth/scope.h"

namespace authgent::oauth {

AuthorizeStep NextAuthorizeStep(const AuthorizeRequest& request, bool signed_in,
                                const std::function<bool()>& covered) {
  if (request.no_prompt) {
    if (!signed_in) return AuthorizeStep::kLoginRequired;
    return covered() ? AuthorizeStep::kIssueCode : AuthorizeStep::kConsentRequired;
  }
  if (!signed_in || request.force_login) return AuthorizeStep::kShowLogin;
  return covered() ? AuthorizeStep::kIssueCode : AuthorizeStep::kShowConsent;
}

bool StandingConsentMayApply(const AuthorizeRequest& request) {
  // RFC 8252 §8.6: a loopback or app-scheme redirect does not identify the client.
  return !request.force_consent && ConsentMayBeRemembered(request.redirect_uri);
}

bool StandingConsentCovers(const AuthorizeRequest& request,
                           const std::optional<storage::Consent>& standing) {
  return standing && StandingConsentMayApply(request) &&
         ScopeSubset(request.scopes, SplitScope(standing->scope));
}

}  // namespace authgent::oauth
