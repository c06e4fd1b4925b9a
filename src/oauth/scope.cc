#include "oauth/scope.h"

#include <algorithm>
#include <set>

namespace authgent::oauth {

std::vector<std::string> SplitScope(std::string_view text) {
  std::vector<std::string> out;
  std::set<std::string_view> seen;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view token = text.substr(i, j - i);
    if (!token.empty() && seen.insert(token).second) out.emplace_back(token);
    i = j + 1;
  }
  return out;
}

std::string JoinScope(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  std::string out;
  for (const std::string& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

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

std::string DescribeScope(const std::map<std::string, std::string>& descriptions,
                          const std::string& scope) {
  auto it = descriptions.find(scope);
  if (it != descriptions.end()) return it->second;
  if (scope == "mcp:read") return "Read data through the MCP server";
  if (scope == "mcp:write") return "Make changes through the MCP server";
  return "Use the permission \"" + scope + "\"";
}

}  // namespace authgent::oauth
