// oauth/scope: scope strings (RFC 6749 §3.3) and the catalog of scopes this server issues.
//
// Unknown-scope policy (documented in README): scopes this server does not know are dropped from
// a request, as RFC 6749 §3.3 allows, rather than failing it: generic clients add
// `offline_access` and the like. When no scope of the resource remains, the resource's default
// scopes are granted. The OpenID Connect scopes `openid`, `profile` and `email` are granted when
// asked for, besides the resource's (an id_token and the userinfo claims). The token response's
// `scope` always says what was granted.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace authgent::oauth {

// Space-separated scope string -> unique scopes in first-seen order.
std::vector<std::string> SplitScope(std::string_view text);
// Sorted, unique, space-separated: the canonical stored and displayed form.
std::string JoinScope(std::vector<std::string> scopes);
// Whether the space-separated `scope_list` has `scope`, without splitting it (every code
// exchange asks).
bool HasScope(std::string_view scope_list, std::string_view scope);
// True when every scope of `subset` is in `superset`.
bool ScopeSubset(const std::vector<std::string>& subset, const std::vector<std::string>& superset);
// `openid`, `profile` or `email`: asks about the user, not for access to a resource.
bool IsIdentityScope(std::string_view scope);
// A valid RFC 6749 scope-token: printable ASCII except space, '"' and '\'.
bool IsScopeToken(std::string_view scope);

// Human-readable descriptions shown on the consent page.
std::string DescribeScope(const std::map<std::string, std::string>& descriptions,
                          const std::string& scope);

}  // namespace authgent::oauth
