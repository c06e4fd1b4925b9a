// oauth/registration: dynamic client registration (RFC 7591) as MCP clients use it
// (docs/mcp-clients.md §3): validate the metadata, choose what is assigned, build the 201 response.
//
// Lenient where clients differ (unknown fields ignored, client_name text in any language and with
// any punctuation) and strict where safety is at stake (redirect URIs, auth methods, grant types,
// names that hide characters: core/display_text).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "oauth/errors.h"
#include "oauth/redirect_uri.h"
#include "storage/records.h"

namespace authgent::oauth {

enum class DcrMode { kOpen, kConstrained, kDisabled };
// "open" | "constrained" | "disabled"
bool ParseDcrMode(std::string_view text, DcrMode* out);

struct RegistrationPolicy {
  DcrMode mode = DcrMode::kOpen;
  RedirectAllowlist allowlist{RedirectAllowlist::DefaultRules()};
  // The operator's own registration (`authgent clients add`): client_credentials is allowed and
  // grant_types need not include authorization_code. Never set for POST /oauth/register.
  bool by_operator = false;
};

// What a client's metadata may say, by where it comes from: a registration (DCR or the
// operator's CLI) or a client ID metadata document (oauth/cimd).
struct MetadataRules {
  // The operator's own client: client_credentials allowed, authorization_code optional.
  bool by_operator = false;
  // DCR_MODE=constrained: every redirect URI must be on this list. Not owned; may be null.
  const RedirectAllowlist* allowlist = nullptr;
  // The token_endpoint_auth_method values accepted (in the order an error lists them), and the
  // one assumed when the metadata names none (RFC 7591 §2: client_secret_basic).
  std::vector<std::string> auth_methods = {"none", "client_secret_post", "client_secret_basic",
                                           "private_key_jwt"};
  std::string default_auth_method = "client_secret_basic";
};

// Validates a client's metadata (a parsed JSON object) into a client record without an id,
// secret or source: redirect URIs, grant and response types, the auth method, the name (plain
// text, core/display_text), scope, application_type and the informational fields kept as given.
// Unknown fields are ignored. Errors are invalid_client_metadata or invalid_redirect_uri (400).
std::variant<storage::Client, OAuthError> ParseClientMetadata(const nlohmann::json& body,
                                                             const MetadataRules& rules);

struct Registration {
  storage::Client client;
  std::string client_secret;  // plaintext, returned once; empty for public clients
  nlohmann::json response;    // the RFC 7591 §3.2.1 body
};

// Validates `body` (the raw JSON text) and builds the client. Errors are invalid_client_metadata
// or invalid_redirect_uri (400) with a fixed description; `source` is recorded on the client.
// grant_types: authorization_code and refresh_token (client_credentials only `by_operator`);
// the default is authorization_code, and refresh_token is added to every code client. The
// client_id carries the clock's milliseconds, so that ids issued together sort together and
// each registration appends to the client indexes instead of landing at random within a second.
std::variant<Registration, OAuthError> RegisterClient(std::string_view body,
                                                      const RegistrationPolicy& policy,
                                                      const Clock& clock, Random& random,
                                                      const std::string& source = "dcr");

// RFC 7592 §2.2: a dynamically registered client's new metadata, validated as a registration is
// (under `policy`). The body names the same client_id; a client_secret, when sent, must be the
// current one; the auth method cannot change (its secret or keys were issued for it). The result
// keeps the id, secret, source, dates and registration token of `current`.
std::variant<storage::Client, OAuthError> UpdateRegistration(const storage::Client& current,
                                                             std::string_view body_text,
                                                             const RegistrationPolicy& policy);

// The RFC 7591 representation of a stored client (for `clients show` and registration answers).
nlohmann::json ClientToJson(const storage::Client& client);

}  // namespace authgent::oauth
