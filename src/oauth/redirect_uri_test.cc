#include "oauth/redirect_uri.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

TEST(CheckRedirectUri, AcceptsWhatMcpClientsRegister) {
  for (const char* uri : {"https://claude.ai/api/mcp/auth_callback",
                          "cursor://anysphere.cursor-mcp/oauth/callback",
                          "http://127.0.0.1:33418/callback", "http://localhost:6274/oauth/callback",
                          "http://[::1]:8080/cb", "https://vscode.dev/redirect",
                          "vscode://vscode.github-authentication/did-authenticate",
                          "https://app.example.com/cb?tenant=1"}) {
    EXPECT_EQ(CheckRedirectUri(uri), std::nullopt) << uri;
  }
}

TEST(CheckRedirectUri, RejectsDangerousOrMalformed) {
  EXPECT_EQ(CheckRedirectUri("http://example.com/cb"),
            "http redirect URIs are allowed only for loopback hosts (127.0.0.1, [::1], localhost)");
  EXPECT_EQ(CheckRedirectUri("https://app.example.com/cb#frag"),
            "redirect URI must not contain a fragment");
  EXPECT_EQ(CheckRedirectUri("javascript:alert(1)"),
            "redirect URI scheme 'javascript' is not allowed");
  EXPECT_EQ(CheckRedirectUri("data:text/html,x"), "redirect URI scheme 'data' is not allowed");
  for (const char* scheme : {"vbscript", "file", "blob", "about", "search-ms", "ms-msdt",
                             "ms-settings", "ms-officecmd", "view-source", "mailto", "shell"}) {
    EXPECT_EQ(CheckRedirectUri(std::string(scheme) + ":x/y"),
              "redirect URI scheme '" + std::string(scheme) + "' is not allowed");
  }
  EXPECT_EQ(CheckRedirectUri("JavaScript:alert(1)"),
            "redirect URI scheme 'javascript' is not allowed");
  EXPECT_EQ(CheckRedirectUri("/relative/cb"), "redirect URI is not an absolute URI");
  EXPECT_EQ(CheckRedirectUri("https://user@app.example.com/cb"),
            "redirect URI must not contain user information");
  EXPECT_EQ(CheckRedirectUri("https:///cb"), "https redirect URI needs a host");
  EXPECT_EQ(CheckRedirectUri("https://a.example/" + std::string(2000, 'a')),
            "redirect URI too long");
}

TEST(RedirectUriMatches, ExactExceptLoopbackPort) {
  EXPECT_TRUE(RedirectUriMatches("https://a.example/cb", "https://a.example/cb"));
  EXPECT_FALSE(RedirectUriMatches("https://a.example/cb", "https://a.example/cb/"));
  EXPECT_FALSE(RedirectUriMatches("https://a.example/cb", "https://A.example/cb"));
  EXPECT_FALSE(RedirectUriMatches("https://a.example:443/cb", "https://a.example:444/cb"));
  EXPECT_TRUE(RedirectUriMatches("http://127.0.0.1:3000/callback", "http://127.0.0.1:51234/callback"));
  EXPECT_TRUE(RedirectUriMatches("http://127.0.0.1/callback", "http://127.0.0.1:51234/callback"));
  EXPECT_TRUE(RedirectUriMatches("http://localhost:1/cb", "http://localhost:2/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://127.0.0.1:3000/callback", "http://127.0.0.1:3000/other"));
  EXPECT_FALSE(RedirectUriMatches("http://127.0.0.1:3000/cb", "http://localhost:3000/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://127.0.0.1:3000/cb", "http://127.0.0.1:3000/cb?x=1"));
  EXPECT_FALSE(RedirectUriMatches("cursor://a/cb", "cursor://a/cb2"));
}

TEST(RedirectAllowlist, DefaultsCoverKnownClientsAndLoopback) {
  RedirectAllowlist list(RedirectAllowlist::DefaultRules());
  EXPECT_TRUE(list.Allows("https://claude.ai/api/mcp/auth_callback"));
  EXPECT_TRUE(list.Allows("https://chatgpt.com/connector/oauth/abc123"));
  EXPECT_TRUE(list.Allows("cursor://anysphere.cursor-mcp/oauth/callback"));
  EXPECT_TRUE(list.Allows("http://127.0.0.1:40000/callback"));
  EXPECT_FALSE(list.Allows("https://evil.example/cb"));
  EXPECT_FALSE(list.Allows("https://chatgpt.com/other"));
  RedirectAllowlist custom({"https://app.example/cb", "https://tenant.example/*"});
  EXPECT_TRUE(custom.Allows("https://tenant.example/x/y"));
  EXPECT_FALSE(custom.Allows("http://127.0.0.1:1/cb"));
}

}  // namespace
}  // namespace authgent::oauth
