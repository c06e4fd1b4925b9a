#include "ui/pages.h"

#include <gtest/gtest.h>

namespace authgent::ui {
namespace {

TEST(Pages, LoginFormHasTheContractFieldsAndEscapes) {
  std::string html = RenderLogin({"Acme Auth", "<script>alert(1)</script>", "T1", "bob", "Wrong"});
  EXPECT_NE(html.find(R"(name="username")"), std::string::npos);
  EXPECT_NE(html.find(R"(name="password")"), std::string::npos);
  EXPECT_NE(html.find(R"(type="submit")"), std::string::npos);
  EXPECT_NE(html.find(R"(name="txn" value="T1")"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Acme Auth"), std::string::npos);
  EXPECT_NE(html.find("role=\"alert\""), std::string::npos);
}

TEST(Pages, ConsentShowsEverythingTheUserMustJudge) {
  ConsentPage p{"authgent", "alice", "Evil \"App\"", "cid", "app.example", "https://mcp.example/mcp",
                {{"mcp:read", "Read data"}, {"mcp:write", "Write data"}}, "T2", "CSRF", "OUT"};
  std::string html = RenderConsent(p);
  for (const char* needle : {"Evil &quot;App&quot;", "(name supplied by the application)", "app.example",
                             "https://mcp.example/mcp", "Read data", "mcp:write",
                             R"(name="decision" value="approve")", R"(name="decision" value="deny")",
                             R"(name="csrf_token" value="CSRF")",
                             R"(<form method="post" action="/oauth/logout">)",
                             R"(name="csrf_token" value="OUT")", "Not alice?"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(Pages, ClientErrorNamesTheClientAndOnlyOffersALink) {
  std::string html = RenderClientError(
      {"authgent", "Evil <b>App</b>", "evil.example", "code_challenge is required (PKCE)",
       "https://evil.example/cb?error=invalid_request&state=a\"b"});
  for (const char* needle : {"Evil &lt;b&gt;App&lt;/b&gt;", "(name supplied by the application)",
                             "evil.example", "code_challenge is required (PKCE)",
                             R"(href="https://evil.example/cb?error=invalid_request&amp;state=a&quot;b")",
                             "Return to evil.example"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(html.find("<form"), std::string::npos);
  EXPECT_EQ(html.find("http-equiv"), std::string::npos);  // no automatic refresh
}

}  // namespace
}  // namespace authgent::ui
