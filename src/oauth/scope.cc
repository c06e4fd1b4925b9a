#include "oauth/scope.h"

#include <algorithm>

#include "core/word_set.h"

namespace authgent::oauth {

std::vector<std::string> SplitScope(std::string_view text) { return SplitWordSet(text); }

std::string JoinScope(std::vector<std::string> scopes) { return JoinWordSet(std::move(scopes)); }

bool ScopeSubset(const std::vector<std::string>& subset, const std::vector<std::string>& superset) {
  for (const std::string& s : subset) {
    if (std::find(superset.begin(), superset.end(), s) == superset.end()) return false;
  }
  return true;
}

bool IsScopeToken(std::string_view scope) {
  if (scope.empty()) return false;
  for (char c : scope) {
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

bool IsIdentityScope(std::string_view scope) {
  return scope == "openid" || scope == "profile" || scope == "email";
}

std::string DescribeScope(const std::map<std::string, std::string>& descriptions,
                          const std::string& scope) {
  auto it = descriptions.find(scope);
  if (it != descriptions.end()) return it->second;
  if (scope == "mcp:read") return "Read data through the MCP server";
  if (scope == "mcp:write") return "Make changes through the MCP server";
  if (scope == "openid") return "Know who you are on this server (your user id)";
  if (scope == "profile") return "See your name";
  if (scope == "email") return "See your email address";
  return "Use the permission \"" + scope + "\"";
}

bool HasScope(std::string_view scope_list, std::string_view scope) {
  for (size_t at = scope_list.find(scope); at != std::string_view::npos;
       at = scope_list.find(scope, at + 1)) {
    bool starts = at == 0 || scope_list[at - 1] == ' ';
    size_t end = at + scope.size();
    if (starts && (end == scope_list.size() || scope_list[end] == ' ')) return true;
  }
  return false;
}

}  // namespace authgent::oauth
