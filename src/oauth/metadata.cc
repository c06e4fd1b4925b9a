#include "oauth/metadata.h"

namespace authgent::oauth {

nlohmann::json BuildMetadata(const MetadataSettings& s) {
  nlohmann::json m = nlohmann::json::object();
  m["issuer"] = s.issuer;
  m["authorization_endpoint"] = s.issuer + kAuthorizePath;
  m["token_endpoint"] = s.issuer + kTokenPath;
  m["jwks_uri"] = s.issuer + kJwksPath;
  if (s.registration_enabled) m["registration_endpoint"] = s.issuer + kRegisterPath;
  m["revocation_endpoint"] = s.issuer + kRevokePath;
  m["introspection_endpoint"] = s.issuer + kIntrospectPath;
  m["scopes_supported"] = s.scopes;
  m["response_types_supported"] = {"code"};
  m["response_modes_supported"] = {"query"};
  m["grant_types_supported"] = {"authorization_code", "refresh_token", "client_credentials"};
  const nlohmann::json auth_methods = {"none", "client_secret_post", "client_secret_basic"};
  m["token_endpoint_auth_methods_supported"] = auth_methods;
  m["revocation_endpoint_auth_methods_supported"] = auth_methods;
  m["introspection_endpoint_auth_methods_supported"] = {"client_secret_post", "client_secret_basic"};
  // RFC 9207: every authorization response carries `iss`.
  m["authorization_response_iss_parameter_supported"] = true;
  // Clients MUST refuse a server that does not list S256 (MCP spec); plain is never offered.
  m["code_challenge_methods_supported"] = {"S256"};
  // Required by OpenID Discovery, and the TypeScript SDK checks them on the OIDC document.
  m["subject_types_supported"] = {"public"};
  m["id_token_signing_alg_values_supported"] = {"ES256"};
  return m;
}

}  // namespace authgent::oauth
