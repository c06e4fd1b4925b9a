// oauth/client_auth: who is calling the token, revocation and introspection endpoints
// (RFC 6749 §2.3, docs/mcp-clients.md §5): `none` (client_id in the body), `client_secret_post`,
// `client_secret_basic`, or `private_key_jwt` (a signed client_assertion, RFC 7523 §2.2; its
// checks are oauth/client_assertion's, run by the caller's AssertionCheck). Failures are 401
// invalid_client, and the caller adds `WWW-Authenticate: Basic` when the client tried Basic.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "oauth/errors.h"
#include "oauth/params.h"
#include "storage/client_store.h"

namespace authgent::oauth {

struct PresentedCredentials {
  std::string client_id;
  std::string client_secret;
  std::string client_assertion;  // with private_key_jwt
  std::string method;  // none | client_secret_post | client_secret_basic | private_key_jwt
};

// Checks a private_key_jwt client's assertion (keys, signature, claims, replay); nullopt when
// it holds.
using AssertionCheck = std::function<std::optional<OAuthError>(const storage::Client& client,
                                                               const std::string& assertion)>;

// Reads credentials from the Authorization header (may be empty) and the form. The Basic
// user:password is URL-decoded leniently: the TypeScript SDK does not encode it, the Python SDK
// does, and both must work. Sending credentials two ways at once is invalid_request. With a
// client_assertion and no client_id, the client is the assertion's `sub` (RFC 7521 §4.2).
std::variant<PresentedCredentials, OAuthError> ExtractClientCredentials(
    const std::string& authorization_header, const Params& params);

// Checks the credentials against the client as looked up (from the store or a cache): the method
// must be the registered one (either secret method for a secret), a secret must match (constant
// time), an assertion must pass `check` (none given: refused). A missing client is
// invalid_client, other lookup faults server_error.
std::variant<storage::Client, OAuthError> CheckClientCredentials(
    StatusOr<storage::Client> client, const PresentedCredentials& creds, int64_t now,
    const AssertionCheck& check = nullptr);

}  // namespace authgent::oauth
