// oauth/resource: which resources (RFC 8707: the MCP servers' canonical URIs) tokens may be issued
// for, which scopes each has, and how a requested `resource` becomes a token's `aud`.
//
//  - RESOURCES empty (the default): any https or loopback-http resource is accepted as sent and
//    becomes the audience; without `resource` the audience is the issuer.
//  - RESOURCES set: a requested resource must name one of them after normalising scheme and host
//    case and one trailing slash (else invalid_target); the audience is the configured spelling.
//    With exactly one configured, a request without `resource` gets it; with several, the issuer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "oauth/errors.h"

namespace authgent::oauth {

struct ResourceServer {
  std::string uri;                          // canonical URI, as configured
  std::vector<std::string> scopes;          // empty: the global scopes
  std::vector<std::string> default_scopes;  // empty: all of its scopes
  // Scopes the user cannot untick on the consent page (the others are optional).
  std::vector<std::string> required_scopes;
  // What each scope unlocks on this server (tool names or actions), listed under it at consent.
  std::map<std::string, std::vector<std::string>> tools;
};

// Lower-cases scheme and host, drops one trailing '/' of the path; nullopt if `uri` is not an
// absolute URI with a host and without user information or fragment.
std::optional<std::string> NormalizeResource(std::string_view uri);

class ResourceCatalog {
 public:
  ResourceCatalog() = default;
  ResourceCatalog(std::string issuer, std::vector<ResourceServer> resources,
                  std::vector<std::string> scopes, std::map<std::string, std::string> descriptions);

  // The audience for a requested resource ("" = none requested), or invalid_target.
  std::variant<std::string, OAuthError> ResolveAudience(const std::string& requested) const;
  // The scopes grantable for `audience`.
  std::vector<std::string> ScopesFor(const std::string& audience) const;
  // Applies the unknown-scope policy (see scope.h) to a requested scope string.
  std::vector<std::string> GrantableScopes(const std::string& audience,
                                           const std::string& requested) const;
  std::string Describe(const std::string& scope) const;
  // Whether the user must grant `scope` for `audience` to approve at all (the operator's
  // required_scopes), and what it unlocks there (its tools; empty when none are listed).
  bool IsRequired(const std::string& audience, const std::string& scope) const;
  std::vector<std::string> ToolsOf(const std::string& audience, const std::string& scope) const;

  // Whether a grant of `granted_scope` gets refresh tokens: always, unless offline_access is one
  // of SCOPES; then only when the grant holds it (SEP-2207, docs/mcp-clients.md).
  bool GrantRefreshes(std::string_view granted_scope) const;

  const std::vector<std::string>& all_scopes() const { return scopes_; }
  const std::vector<ResourceServer>& resources() const { return resources_; }

 private:
  const ResourceServer* Find(const std::string& audience) const;

  std::string issuer_;
  std::vector<ResourceServer> resources_;
  std::vector<std::string> scopes_;
  std::map<std::string, std::string> descriptions_;
  bool offline_access_listed_ = false;
};

}  // namespace authgent::oauth
