// authgent/verify/resource_server: what an MCP server answers about authorization
// (docs/mcp-clients.md §2 in the authgent repository): its protected-resource metadata
// (RFC 9728) and the WWW-Authenticate challenges of 401 (no or bad token) and 403 (insufficient
// scope, for step-up).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "authgent/verify/verify_error.h"

namespace authgent::verify {

// {"resource", "authorization_servers", "scopes_supported", "bearer_methods_supported": ["header"]}
nlohmann::json ProtectedResourceMetadata(const std::string& resource,
                                         const std::vector<std::string>& authorization_servers,
                                         const std::vector<std::string>& scopes_supported);

// The metadata URL for `resource`: origin + /.well-known/oauth-protected-resource + path.
std::string ProtectedResourceMetadataUrl(const std::string& resource);

// 401: `Bearer resource_metadata="...", scope="..."`, plus `error="invalid_token"` when a token was
// sent (`token_sent`).
std::string Challenge401(const std::string& resource_metadata_url,
                         const std::vector<std::string>& scopes, bool token_sent);
// 403: `Bearer error="insufficient_scope", scope="<every scope needed>", resource_metadata="..."`.
std::string Challenge403(const std::string& resource_metadata_url,
                         const std::vector<std::string>& needed_scopes);

// The HTTP status a verification result maps to: 200, 401 or 403.
int StatusFor(VerifyError error);

}  // namespace authgent::verify
