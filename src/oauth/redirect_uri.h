// oauth/redirect_uri: which redirect URIs a client may register (docs/mcp-clients.md §3) and how a
// requested redirect URI is matched against the registered ones (§4, RFC 8252 §7.3).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authgent::oauth {

// nullopt when `uri` may be registered (and redirected to), else a client-safe reason. Allowed:
// https with a host; http only on a loopback host; private-use schemes of apps (cursor://...,
// vscode://...). Never a fragment, user information, a scheme a browser runs or renders itself
// (javascript:, data:, file:, blob:, about:, ...) or one the operating system hands to a program
// that acts on it (ms-*:, search-ms:, mailto:, ...).
std::optional<std::string> CheckRedirectUri(std::string_view uri);

// Exact string comparison, except that for http loopback URIs the port is ignored (native apps
// pick a free port at run time, RFC 8252 §7.3).
bool RedirectUriMatches(std::string_view registered, std::string_view requested);

// True for an http URI whose host is loopback.
bool IsLoopbackRedirect(std::string_view uri);

// The redirect-URI allow-list of DCR_MODE=constrained. Each rule is an exact URI, a prefix
// ending in '*', or the word `loopback` (any http loopback URI).
class RedirectAllowlist {
 public:
  explicit RedirectAllowlist(std::vector<std::string> rules) : rules_(std::move(rules)) {}
  // The default: the known MCP clients' callbacks (docs/mcp-clients.md §3) plus any loopback URI.
  static std::vector<std::string> DefaultRules();
  bool Allows(std::string_view uri) const;
  const std::vector<std::string>& rules() const { return rules_; }

 private:
  std::vector<std::string> rules_;
};

}  // namespace authgent::oauth
