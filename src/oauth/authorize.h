// oauth/authorize: validation of an /oauth/authorize request, in the order MCP-AUTH.md §4 gives.
//
//  1. client_id and redirect_uri first: if either is bad the user sees an error page and is
//     never redirected (an attacker must not bounce users to an unregistered URI).
//  2. then response_type, PKCE (S256 only, method required), resource, scope: failures go back
//     to the client's redirect URI with error, error_description, state and iss.
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

// `client` is the stored client for params' client_id, or nullptr when there is none.
AuthorizeOutcome ValidateAuthorize(const Params& params, const storage::Client* client,
                                   const ResourceCatalog& catalog);

// `base` with `params` added to its query (RFC 6749 §4.1.2: keep the base's own query).
std::string AppendQuery(const std::string& base,
                        const std::vector<std::pair<std::string, std::string>>& params);

// The redirect for an error: error, error_description, state (when sent) and iss (RFC 9207).
std::string ErrorRedirectUrl(const AuthorizeErrorRedirect& e, const std::string& issuer);

}  // namespace authgent::oauth
