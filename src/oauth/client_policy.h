// oauth/client_policy: what a client may do beyond the browser flow, decided by who registered it
// (docs/security.md). Anyone on the internet can register a client (DCR_MODE=open), so a
// self-registered client only ever gets tokens through a user: the authorization code flow and
// its refresh tokens. What needs no user (client_credentials) or reads other clients' tokens
// (introspection) is for clients the operator created with `authgent clients add`, and only for
// the resources the operator named.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "oauth/errors.h"
#include "oauth/resource.h"
#include "storage/records.h"

namespace authgent::oauth {

// Where a client is, as users and the audit trail are shown it: a metadata document's host, else
// the host (and port) its first redirect URI sends to, or for a private-use scheme the scheme
// (it names the app).
std::string ShownHostOf(const storage::Client& client);
// The same for one redirect URI: where the user will be sent.
std::string RedirectHostOf(const std::string& redirect_uri);

// True for a client the operator created (`authgent clients add`), not one that registered itself.
bool IsOperatorClient(const storage::Client& client);

// True when a resource URI names one of the client's resources (scheme/host case and one trailing
// slash ignored, as everywhere a resource is compared).
bool ClientHasResource(const storage::Client& client, const std::string& resource);

// What a client_credentials request may get: the audience and the scopes, or the error to answer.
struct MachineGrant {
  std::string audience;
  std::vector<std::string> scopes;  // sorted
};
// unauthorized_client unless an operator created the client for this grant (confidential, with
// resources); invalid_target for a resource it was not given (or none, when it has several);
// invalid_scope for a scope beyond its registered ones (all of the resource's scopes when it has
// none). Unknown scopes are refused here, not dropped: no user reads a consent page to see them.
std::variant<MachineGrant, OAuthError> AuthorizeMachineGrant(const storage::Client& client,
                                                             const std::string& resource,
                                                             const std::string& scope,
                                                             const ResourceCatalog& catalog);

// RFC 9700 §4.11.2 (open redirectors): an error at /oauth/authorize goes back to the client's
// redirect URI automatically only when sending the browser there is what the user expects: the
// operator registered the client, or this user approved the client before (was shown its consent
// page). Otherwise anyone could register a client whose redirect URI is their own site and use
// our trusted origin to bounce users there; the user sees an error page with a link instead.
bool RedirectsErrorsAutomatically(const storage::Client& client, bool approved_by_user);

// RFC 8252 §8.6: a remembered consent (and prompt=none) counts only for an https redirect URI,
// which only its owner can receive. A loopback or app-scheme redirect URI can be claimed by any
// local program presenting the same client_id, so such requests always show the consent page.
bool ConsentMayBeRemembered(const std::string& redirect_uri);

// The operator's policy for the client (storage::ClientPolicy, `authgent clients policy`),
// applied to a request that is otherwise valid: a resource outside its allowed ones is
// invalid_target, a scope outside its allowed ones invalid_scope.
std::optional<OAuthError> PolicyRefusal(const storage::Client& client, const std::string& resource,
                                        const std::vector<std::string>& scopes);
// A client the operator trusts (its own first-party client) skips the consent page, but only for
// an https redirect URI (ConsentMayBeRemembered: nobody else can receive it).
bool TrustedSkipsConsent(const storage::Client& client, const std::string& redirect_uri);
// Its access tokens' lifetime: the policy's when set, else `default_ttl` (ACCESS_TOKEN_TTL).
int64_t AccessTokenTtl(const storage::Client& client, int64_t default_ttl);

// True when the client may call the introspection endpoint at all (RFC 7662 §4: resource servers
// the operator marked for it).
bool MayIntrospect(const storage::Client& client);
// True when it may see the claims of a token whose audience is `audience`.
bool MayIntrospectAudience(const storage::Client& client, const std::string& audience);

}  // namespace authgent::oauth
