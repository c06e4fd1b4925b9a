#include "oauth/metadata.h"

namespace authgent::oauth {

nlohmann::json BuildMetadata(const MetadataSettings& s) {
  nlohmann::json m = nlohmann::json::object();
  m["issuer"] = s.issuer;
  m["jwks_uri"] = s.issuer + kJwksPath;
  m["scopes_supported"] = s.scopes;
  m["response_types_supported"] = {"code"};
  // Clients MUST refuse a server that does not list S256 (MCP spec); plain is never offered.
  m["code_challenge_methods_supported"] = {"S256"};
  // Required by OpenID Discovery, and the TypeScript SDK checks them on the OIDC document.
  m["subject_types_supported"] = {"public"};
  m["id_token_signing_alg_values_supported"] = {"ES256"};
  return m;
}

}  // namespace authgent::oauth
