// oauth/authorize: validation of an /oauth/authorize request, in the order docs/mcp-clients.md §4 gives.
//
//  1. client_id and redirect_uri first: if either is bad (or the registered URI has a scheme that
//     executes) the user sees an error page and is never redirected (an attacker must not bounce
//     users to an unregistered URI).
//  2. then response_type, PKCE (S256 only, method required), resource, scope: failures are
//     answered at the client's redirect URI with error, error_description, state and iss. Whether
//     the browser is sent there at once or shown a page with a link is the caller's decision
//     (client_policy.h: RedirectsErrorsAutomatically).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "oauth/errors.h"
#include "oauth/params.h"
#include "oauth/resource.h"
#include "storage/records.h"

namespace authgent::oauth {

// A validated request, as kept in the authorization transaction while the user logs in.
struct AuthorizeRequest {
  std::string client_id;
  std::string redirect_uri;
  bool redirect_uri_in_request = false;
  std::string state;  // echoed unchanged; may be empty
  std::string code_challenge;
  std::string resource;             // the audience
  std::vector<std::string> scopes;  // what will be granted (sorted)
  bool force_consent = false;       // prompt=consent
  bool no_prompt = false;           // prompt=none
  bool force_login = false;         // prompt=login: sign in again, whatever the session
  std::string nonce;                // OpenID Connect: echoed in the id_token; may be empty

  nlohmann::json ToJson() const;
  static std::optional<AuthorizeRequest> FromJson(const std::string& text);
};

// Shown to the user; never redirected.
struct AuthorizeErrorPage {
  std::string message;  // client-safe
  std::string debug;    // log only
};

// Sent back to the client's redirect URI.
struct AuthorizeErrorRedirect {
  std::string redirect_uri;
  std::string state;
  OAuthError error;
};

using AuthorizeOutcome = std::variant<AuthorizeRequest, AuthorizeErrorPage, AuthorizeErrorRedirect>;

// Length caps (docs/mcp-clients.md §7): a stranger must not fill the store with long transactions.
// Beyond the first two, the request is refused with an error page; beyond the others, with
// invalid_request (state is then not echoed).
inline constexpr size_t kMaxClientIdLength = 256;
inline constexpr size_t kMaxRedirectUriLength = 2000;
inline constexpr size_t kMaxStateLength = 1024;
inline constexpr size_t kMaxScopeLength = 1024;
inline constexpr size_t kMaxResourceLength = 2048;
inline constexpr size_t kMaxNonceLength = 512;

// How long an authorization transaction (the sign-in and consent between /oauth/authorize and
// the redirect back, local or through the upstream IdP) stays usable, in seconds.
inline constexpr int64_t kAuthorizationTransactionTtl = 600;

// `client` is the stored client for params' client_id, or nullptr when there is none.
AuthorizeOutcome ValidateAuthorize(const Params& params, const storage::Client* client,
                                   const ResourceCatalog& catalog);

// `base` with `params` added to its query (RFC 6749 §4.1.2: keep the base's own query).
std::string AppendQuery(const std::string& base,
                        const std::vector<std::pair<std::string, std::string>>& params);

// The redirect for an error: error, error_description, state (when sent) and iss (RFC 9207).
std::string ErrorRedirectUrl(const AuthorizeErrorRedirect& e, const std::string& issuer);

}  // namespace authgent::oauth
