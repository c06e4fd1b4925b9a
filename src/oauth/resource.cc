#include "oauth/resource.h"

#include <boost/url/parse.hpp>

#include <algorithm>

#include "core/ascii.h"
#include "oauth/issuer.h"
#include "oauth/scope.h"

namespace authgent::oauth {
namespace {}  // namespace

std::optional<std::string> NormalizeResource(std::string_view uri) {
  if (uri.size() > 2000) return std::nullopt;
  auto url = boost::urls::parse_uri(uri);
  // No user information: an MCP server's canonical URI never has one (docs/mcp-clients.md), and the
  // normal form below would silently drop it (found by fuzz/redirect_uri_fuzzer).
  if (!url || url->has_fragment() || url->has_userinfo() || !url->has_authority() ||
      url->host().empty()) {
    return std::nullopt;
  }
  std::string out = AsciiLower(url->scheme()) + "://" + AsciiLower(url->encoded_host_and_port());
  std::string path(url->encoded_path());
  if (!path.empty() && path.back() == '/') path.pop_back();
  out += path;
  if (url->has_query()) out += "?" + std::string(url->encoded_query());
  return out;
}

ResourceCatalog::ResourceCatalog(std::string issuer, std::vector<ResourceServer> resources,
                                 std::vector<std::string> scopes,
                                 std::map<std::string, std::string> descriptions)
    : issuer_(std::move(issuer)),
      resources_(std::move(resources)),
      scopes_(std::move(scopes)),
      descriptions_(std::move(descriptions)),
      offline_access_listed_(std::find(scopes_.begin(), scopes_.end(), "offline_access") !=
                             scopes_.end()) {}

const ResourceServer* ResourceCatalog::Find(const std::string& audience) const {
  for (const ResourceServer& r : resources_) {
    if (r.uri == audience) return &r;
  }
  return nullptr;
}

bool ResourceCatalog::GrantRefreshes(std::string_view granted_scope) const {
  return !offline_access_listed_ || HasScope(granted_scope, "offline_access");
}

bool ResourceCatalog::IsRequired(const std::string& audience, const std::string& scope) const {
  const ResourceServer* r = Find(audience);
  return r && std::find(r->required_scopes.begin(), r->required_scopes.end(), scope) !=
                  r->required_scopes.end();
}

std::vector<std::string> ResourceCatalog::ToolsOf(const std::string& audience,
                                                  const std::string& scope) const {
  const ResourceServer* r = Find(audience);
  if (!r) return {};
  auto it = r->tools.find(scope);
  return it == r->tools.end() ? std::vector<std::string>() : it->second;
}

std::variant<std::string, OAuthError> ResourceCatalog::ResolveAudience(
    const std::string& requested) const {
  if (requested.empty()) {
    if (resources_.size() == 1) return resources_[0].uri;
    return issuer_;
  }
  std::optional<std::string> normalized = NormalizeResource(requested);
  if (!normalized) {
    return OAuthError{"invalid_target",
                      "resource must be an absolute URI without user information or a fragment",
                      "resource=" + requested, 400};
  }
  if (resources_.empty()) {
    auto url = boost::urls::parse_uri(requested);
    std::string scheme = AsciiLower(url->scheme());
    if (scheme == "https" || (scheme == "http" && IsLoopbackHost(AsciiLower(url->host())))) {
      return requested;
    }
    return InvalidTarget("resource must be https (or http on loopback): " + requested);
  }
  for (const ResourceServer& r : resources_) {
    if (NormalizeResource(r.uri) == normalized) return r.uri;
  }
  return InvalidTarget("resource not configured: " + requested);
}

std::vector<std::string> ResourceCatalog::ScopesFor(const std::string& audience) const {
  const ResourceServer* r = Find(audience);
  return (r && !r->scopes.empty()) ? r->scopes : scopes_;
}

std::vector<std::string> ResourceCatalog::GrantableScopes(const std::string& audience,
                                                          const std::string& requested) const {
  std::vector<std::string> allowed = ScopesFor(audience);
  std::vector<std::string> granted, identity;
  for (const std::string& s : SplitScope(requested)) {
    if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) granted.push_back(s);
    else if (IsIdentityScope(s)) identity.push_back(s);
  }
  if (granted.empty()) {
    const ResourceServer* r = Find(audience);
    granted = (r && !r->default_scopes.empty()) ? r->default_scopes : allowed;
  }
  granted.insert(granted.end(), identity.begin(), identity.end());
  std::sort(granted.begin(), granted.end());
  granted.erase(std::unique(granted.begin(), granted.end()), granted.end());
  return granted;
}

std::string ResourceCatalog::Describe(const std::string& scope) const {
  return DescribeScope(descriptions_, scope);
}

}  // namespace authgent::oauth
