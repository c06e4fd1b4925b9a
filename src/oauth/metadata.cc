#include "oauth/metadata.h"

#include <algorithm>

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
  m["userinfo_endpoint"] = s.issuer + kUserinfoPath;
  // The resources' scopes, then OpenID Connect's (scope.h: granted when asked for).
  std::vector<std::string> scopes = s.scopes;
  for (const char* identity : {"openid", "profile", "email"}) {
    if (std::find(scopes.begin(), scopes.end(), identity) == scopes.end()) scopes.push_back(identity);
  }
  m["scopes_supported"] = scopes;
  m["response_types_supported"] = {"code"};
  m["response_modes_supported"] = {"query"};
  m["grant_types_supported"] = {"authorization_code", "refresh_token", "client_credentials"};
  const nlohmann::json auth_methods = {"none", "client_secret_post", "client_secret_basic",
                                       "private_key_jwt"};
  m["token_endpoint_auth_methods_supported"] = auth_methods;
  m["revocation_endpoint_auth_methods_supported"] = auth_methods;
  m["introspection_endpoint_auth_methods_supported"] = {"client_secret_post", "client_secret_basic",
                                                        "private_key_jwt"};
  // private_key_jwt assertions (oauth/client_assertion); the same for every endpoint above.
  const nlohmann::json assertion_algs = {"ES256", "RS256"};
  m["token_endpoint_auth_signing_alg_values_supported"] = assertion_algs;
  m["revocation_endpoint_auth_signing_alg_values_supported"] = assertion_algs;
  m["introspection_endpoint_auth_signing_alg_values_supported"] = assertion_algs;
  // An https URL may be the client_id (oauth/cimd). claude.ai uses it only when this flag is set
  // and `none` is among the token endpoint's auth methods (it is, above).
  if (s.client_id_documents) m["client_id_metadata_document_supported"] = true;
  // RFC 9207: every authorization response carries `iss`.
  m["authorization_response_iss_parameter_supported"] = true;
  // Clients MUST refuse a server that does not list S256 (MCP spec); plain is never offered.
  m["code_challenge_methods_supported"] = {"S256"};
  // OpenID Connect: an id_token from the code exchange when `openid` was granted, and userinfo.
  // Required by OpenID Discovery, and the TypeScript SDK checks them on the OIDC document.
  m["subject_types_supported"] = {"public"};
  m["id_token_signing_alg_values_supported"] = {"ES256"};
  m["claims_supported"] = {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
                           "name", "preferred_username", "email"};
  return m;
}

}  // namespace authgent::oauth
