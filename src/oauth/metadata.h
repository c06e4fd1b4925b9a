// oauth/metadata: the authorization-server metadata document (RFC 8414), served at both
// /.well-known/oauth-authorization-server and /.well-known/openid-configuration.
//
// Built from configuration, never from the request (no Host header): every URL is ISSUER plus a
// fixed path. Lists only what this server implements, and never a `null` (docs/mcp-clients.md §1).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace authgent::oauth {

// Endpoint paths: a contract with clients and the docs (README, Endpoints).
inline constexpr char kMetadataPath[] = "/.well-known/oauth-authorization-server";
inline constexpr char kOpenIdConfigurationPath[] = "/.well-known/openid-configuration";
inline constexpr char kJwksPath[] = "/.well-known/jwks.json";

inline constexpr char kAuthorizePath[] = "/oauth/authorize";
inline constexpr char kTokenPath[] = "/oauth/token";
inline constexpr char kRegisterPath[] = "/oauth/register";
// RFC 7592's client configuration endpoint; a client's URL adds ?client_id=ID.
inline constexpr char kClientConfigurationPath[] = "/oauth/register/client";
inline constexpr char kRevokePath[] = "/oauth/revoke";
inline constexpr char kIntrospectPath[] = "/oauth/introspect";
inline constexpr char kUserinfoPath[] = "/oauth/userinfo";

struct MetadataSettings {
  std::string issuer;
  std::vector<std::string> scopes;
  bool registration_enabled = true;  // false with DCR_MODE=disabled
  bool client_id_documents = true;   // false with CIMD=disabled
};

nlohmann::json BuildMetadata(const MetadataSettings& settings);

}  // namespace authgent::oauth
