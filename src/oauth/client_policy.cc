#include "oauth/client_policy.h"

#include <algorithm>
#include <boost/url/parse.hpp>

#include "core/ascii.h"
#include "oauth/cimd.h"
#include "oauth/scope.h"

namespace authgent::oauth {
namespace {

bool HasGrant(const storage::Client& c, std::string_view grant) {
  return std::find(c.grant_types.begin(), c.grant_types.end(), grant) != c.grant_types.end();
}

// Authenticates with something only it holds: a secret, or a private key (private_key_jwt).
bool Confidential(const storage::Client& c) {
  if (c.token_endpoint_auth_method == "private_key_jwt") return true;
  return c.token_endpoint_auth_method != "none" && !c.secret_hash.empty();
}

}  // namespace

std::string RedirectHostOf(const std::string& uri) {
  auto url = boost::urls::parse_uri(uri);
  if (!url) return uri;
  if (url->has_authority() && !url->host().empty())
    return std::string(url->encoded_host_and_port());
  return std::string(url->scheme()) + ":";
}

std::string ShownHostOf(const storage::Client& client) {
  if (client.source == "cimd") return ClientIdUrlHost(client.client_id);
  return client.redirect_uris.empty() ? "" : RedirectHostOf(client.redirect_uris.front());
}

bool IsOperatorClient(const storage::Client& client) { return client.source == "cli"; }

bool ClientHasResource(const storage::Client& client, const std::string& resource) {
  std::optional<std::string> wanted = NormalizeResource(resource);
  if (!wanted) return false;
  return std::any_of(client.resources.begin(), client.resources.end(),
                     [&](const std::string& r) { return NormalizeResource(r) == wanted; });
}

std::variant<MachineGrant, OAuthError> AuthorizeMachineGrant(const storage::Client& client,
                                                             const std::string& resource,
                                                             const std::string& scope,
                                                             const ResourceCatalog& catalog) {
  if (!IsOperatorClient(client) || !HasGrant(client, "client_credentials") ||
      !Confidential(client) || client.resources.empty()) {
    return UnauthorizedClient("this client may not use the client_credentials grant",
                              "source=" + client.source);
  }
  MachineGrant grant;
  if (resource.empty()) {
    if (client.resources.size() != 1) {
      return TargetNotGranted(
          "resource is required: this client may get tokens for several",
          "no resource, " + std::to_string(client.resources.size()) + " allowed");
    }
    grant.audience = client.resources[0];
  } else {
    auto resolved = catalog.ResolveAudience(resource);
    if (auto* e = std::get_if<OAuthError>(&resolved)) return *e;
    grant.audience = std::get<std::string>(resolved);
    if (!ClientHasResource(client, grant.audience)) {
      return TargetNotGranted("this client may not get tokens for the requested resource",
                              "resource=" + resource);
    }
  }
  std::vector<std::string> allowed =
      client.scope.empty() ? catalog.ScopesFor(grant.audience) : SplitScope(client.scope);
  grant.scopes = SplitScope(scope);
  if (grant.scopes.empty()) grant.scopes = allowed;
  if (!ScopeSubset(grant.scopes, allowed)) {
    return InvalidScope("a requested scope is not allowed for this client", "scope=" + scope);
  }
  if (auto refused = PolicyRefusal(client, grant.audience, grant.scopes)) return *refused;
  std::sort(grant.scopes.begin(), grant.scopes.end());
  return grant;
}

std::optional<OAuthError> PolicyRefusal(const storage::Client& client, const std::string& resource,
                                        const std::vector<std::string>& scopes) {
  const storage::ClientPolicy& policy = client.policy;
  if (!policy.resources.empty()) {
    std::optional<std::string> wanted = NormalizeResource(resource);
    bool allowed =
        wanted && std::any_of(policy.resources.begin(), policy.resources.end(),
                              [&](const std::string& r) { return NormalizeResource(r) == wanted; });
    if (!allowed) {
      return TargetNotGranted("this server's operator does not allow this client that resource",
                              "policy; resource=" + resource);
    }
  }
  if (!policy.scope.empty() && !ScopeSubset(scopes, SplitScope(policy.scope))) {
    return InvalidScope("this server's operator does not allow this client those scopes",
                        "policy; scope=" + JoinScope(scopes));
  }
  return std::nullopt;
}

bool TrustedSkipsConsent(const storage::Client& client, const std::string& redirect_uri) {
  return client.policy.trusted && ConsentMayBeRemembered(redirect_uri);
}

int64_t AccessTokenTtl(const storage::Client& client, int64_t default_ttl) {
  return client.policy.access_token_ttl > 0 ? client.policy.access_token_ttl : default_ttl;
}

bool RedirectsErrorsAutomatically(const storage::Client& client, bool approved_by_user) {
  return IsOperatorClient(client) || approved_by_user;
}

bool ConsentMayBeRemembered(const std::string& redirect_uri) {
  return redirect_uri.size() > 8 &&
         AsciiLower(std::string_view(redirect_uri).substr(0, 8)) == "https://";
}

bool MayIntrospect(const storage::Client& client) {
  return IsOperatorClient(client) && client.may_introspect && Confidential(client) &&
         !client.resources.empty();
}

bool MayIntrospectAudience(const storage::Client& client, const std::string& audience) {
  return MayIntrospect(client) && ClientHasResource(client, audience);
}

}  // namespace authgent::oauth
