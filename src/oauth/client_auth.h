// oauth/client_auth: who is calling the token, revocation and introspection endpoints
// (RFC 6749 §2.3, docs/mcp-clients.md §5): `none` (client_id in the body), `client_secret_post`, or
// `client_secret_basic`. Failures are 401 invalid_client, and the caller adds
// `WWW-Authenticate: Basic` when the client tried Basic.
#pragma once

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
  std::string method;  // none | client_secret_post | client_secret_basic
};

// Reads credentials from the Authorization header (may be empty) and the form. The Basic
// user:password is URL-decoded leniently: the TypeScript SDK does not encode it, the Python SDK
// does, and both must work. Sending credentials two ways at once is invalid_request.
std::variant<PresentedCredentials, OAuthError> ExtractClientCredentials(
    const std::string& authorization_header, const Params& params);

// Checks the credentials against the client as looked up (from the store or a cache): the method
// must be the registered one and a secret must match (constant time). A missing client is
// invalid_client, other lookup faults server_error.
std::variant<storage::Client, OAuthError> CheckClientCredentials(StatusOr<storage::Client> client,
                                                                 const PresentedCredentials& creds,
                                                                 int64_t now);

// The same, loading the client from the store.
std::variant<storage::Client, OAuthError> AuthenticateClient(storage::ClientStore& store,
                                                             const PresentedCredentials& creds,
                                                             int64_t now);

}  // namespace authgent::oauth
