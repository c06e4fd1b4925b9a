#include "oauth/redirect_uri.h"

#include <boost/url/parse.hpp>

#include <algorithm>

#include "core/ascii.h"
#include "oauth/issuer.h"

namespace authgent::oauth {
namespace {

constexpr size_t kMaxUriLength = 2000;

// Schemes that a browser runs or renders itself, or that the operating system hands to a program
// that acts on the URI (a document, a search, a settings page, a help viewer, a phone call): a
// redirect there executes attacker-chosen content instead of returning to a client. `ms-*` covers
// Windows' protocol handlers (ms-msdt, ms-settings, ms-officecmd, ms-word, ...).
std::optional<std::string> ForbiddenScheme(const std::string& scheme) {
  static constexpr std::string_view kForbidden[] = {
      "javascript", "vbscript", "jscript", "livescript", "data", "blob", "about", "filesystem",
      "view-source", "file", "resource", "chrome", "chrome-extension", "moz-extension", "jar",
      "mhtml", "wyciwyg", "search", "search-ms", "shell", "mk", "its", "hcp", "help", "res",
      "intent", "mailto", "tel", "sms", "callto", "smb", "nfs", "ftp", "sftp", "ssh", "telnet",
      "ldap", "ldaps", "gopher", "ws", "wss"};
  for (std::string_view bad : kForbidden) {
    if (scheme == bad) return "redirect URI scheme '" + scheme + "' is not allowed";
  }
  if (scheme.rfind("ms-", 0) == 0) return "redirect URI scheme '" + scheme + "' is not allowed";
  return std::nullopt;
}

}  // namespace

bool IsLoopbackRedirect(std::string_view uri) {
  auto url = boost::urls::parse_uri(uri);
  return url && AsciiLower(url->scheme()) == "http" && IsLoopbackHost(AsciiLower(url->host()));
}

std::optional<std::string> CheckRedirectUri(std::string_view uri) {
  if (uri.size() > kMaxUriLength) return "redirect URI too long";
  auto url = boost::urls::parse_uri(uri);
  if (!url) return "redirect URI is not an absolute URI";
  if (url->has_fragment()) return "redirect URI must not contain a fragment";
  if (url->has_userinfo()) return "redirect URI must not contain user information";
  std::string scheme = AsciiLower(url->scheme());
  if (scheme == "https") {
    if (url->host().empty()) return "https redirect URI needs a host";
    return std::nullopt;
  }
  if (scheme == "http") {
    if (!IsLoopbackHost(AsciiLower(url->host()))) {
      return "http redirect URIs are allowed only for loopback hosts (127.0.0.1, [::1], localhost)";
    }
    return std::nullopt;
  }
  if (auto reason = ForbiddenScheme(scheme)) return *reason;
  // A private-use scheme (RFC 8252 §7.1) for a native app, e.g. cursor://anysphere.cursor-mcp/...
  return std::nullopt;
}

bool RedirectUriMatches(std::string_view registered, std::string_view requested) {
  if (registered == requested) return true;
  if (!IsLoopbackRedirect(registered) || !IsLoopbackRedirect(requested)) return false;
  auto a = boost::urls::parse_uri(registered);
  auto b = boost::urls::parse_uri(requested);
  return AsciiLower(a->host()) == AsciiLower(b->host()) && a->encoded_path() == b->encoded_path() &&
         a->has_query() == b->has_query() && a->encoded_query() == b->encoded_query() &&
         !b->has_fragment() && !b->has_userinfo();
}

std::vector<std::string> RedirectAllowlist::DefaultRules() {
  return {
      "https://claude.ai/api/mcp/auth_callback",
      "https://claude.com/api/mcp/auth_callback",
      "https://chatgpt.com/connector/oauth/*",
      "https://chatgpt.com/connector_platform_oauth_redirect",
      "https://www.cursor.com/agents/mcp/oauth/callback",
      "cursor://anysphere.cursor-mcp/oauth/callback",
      "https://vscode.dev/redirect",
      "https://insiders.vscode.dev/redirect",
      "http://localhost:6274/oauth/callback",
      "loopback",
  };
}

bool RedirectAllowlist::Allows(std::string_view uri) const {
  for (const std::string& rule : rules_) {
    if (rule == "loopback") {
      if (IsLoopbackRedirect(uri)) return true;
    } else if (!rule.empty() && rule.back() == '*') {
      std::string_view prefix(rule.data(), rule.size() - 1);
      if (uri.substr(0, prefix.size()) == prefix) return true;
    } else if (uri == rule) {
      return true;
    }
  }
  return false;
}

}  // namespace authgent::oauth
