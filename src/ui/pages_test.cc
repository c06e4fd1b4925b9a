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

TEST(Pages, LoginForTheAccountPageNamesNoApplication) {
  std::string html = RenderLogin({"Acme Auth", "", "T1", "", ""});
  EXPECT_NE(html.find("to see and manage the applications connected to your account"),
            std::string::npos);
  EXPECT_EQ(html.find("name supplied by the application"), std::string::npos);
}

TEST(Pages, AccountListsEachAppWithItsOwnRevokeFormAndEscapes) {
  AccountPage p;
  p.service_name = "authgent";
  p.user_name = "alice";
  p.notice = "Access revoked.";
  p.csrf_token = "CSRF";
  p.sign_out_token = "OUT";
  ConnectedApp a;
  a.client_name = "<b>Agent</b>";
  a.client_id = "https://agent.example/client.json";
  a.host = "agent.example";
  a.resource = "https://mcp.example/mcp";
  a.scopes = {{"mcp:read", "Read data"}};
  a.granted = "2026-12-01 10:00 UTC";
  a.last_used = "2026-12-02 11:00 UTC";
  a.offline = true;
  p.apps = {a, a};
  p.apps[1].client_id = "second";
  p.apps[1].offline = false;
  std::string html = RenderAccount(p);
  for (const char* needle :
       {"&lt;b&gt;Agent&lt;/b&gt;", "agent.example", "https://mcp.example/mcp", "Read data",
        "mcp:read", "2026-12-01 10:00 UTC", "2026-12-02 11:00 UTC",
        "Yes: keeps access while you are away", "<dd>No</dd>", R"(role="status">Access revoked.)",
        R"(name="client_id" value="https://agent.example/client.json")",
        R"(name="client_id" value="second")", R"(action="/account/revoke-all")",
        R"(name="csrf_token" value="OUT")", "Signed in as alice"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  // One revoke form per app (each with the CSRF token), one revoke-all.
  size_t forms = 0;
  for (size_t at = 0;
       (at = html.find(R"(name="csrf_token" value="CSRF")", at)) != std::string::npos; ++at) {
    ++forms;
  }
  EXPECT_EQ(forms, 3u);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("No application has access"), std::string::npos);

  p.apps.clear();
  p.notice.clear();
  html = RenderAccount(p);
  EXPECT_NE(html.find("No application has access to your account."), std::string::npos);
  EXPECT_EQ(html.find("/account/revoke"), std::string::npos);
  EXPECT_EQ(html.find("role=\"status\""), std::string::npos);
  EXPECT_NE(html.find(R"(action="/oauth/logout")"), std::string::npos);
}

TEST(Pages, ConsentShowsEverythingTheUserMustJudge) {
  ConsentPage p{"authgent",
                "alice",
                "Evil \"App\"",
                "cid",
                "app.example",
                "https://mcp.example/mcp",
                {{"mcp:read", "Read data"}, {"mcp:write", "Write data"}},
                "T2",
                "CSRF",
                "OUT",
                "",
                false};
  std::string html = RenderConsent(p);
  for (const char* needle :
       {"Evil &quot;App&quot;", "(name supplied by the application)", "app.example",
        "https://mcp.example/mcp", "Read data", "mcp:write", R"(name="decision" value="approve")",
        R"(name="decision" value="deny")", R"(name="csrf_token" value="CSRF")",
        R"(<form method="post" action="/oauth/logout">)", R"(name="csrf_token" value="OUT")",
        "Not alice?"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(Pages, ConsentOffersEachScopeAsACheckboxWithItsToolsAndListsWhatIsHeld) {
  ConsentPage p;
  p.user_name = "alice";
  p.client_name = "Agent";
  p.scopes = {{"mcp:read", "Read data", {"read_notes", "<b>x</b>"}, true},
              {"mcp:write", "Write data", {}, false}};
  std::string html = RenderConsent(p);
  for (const char* needle :
       {R"(<input type="checkbox" name="allow:mcp:read" value="1" checked disabled>)",
        R"(<input type="checkbox" name="allow:mcp:write" value="1" checked>)", "(required)",
        "<li>read_notes</li>", "<li>&lt;b&gt;x&lt;/b&gt;</li>", R"(name="scopes_shown" value="1")",
        "It will be able to:"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(html.find("It can already"), std::string::npos);
  EXPECT_EQ(html.find(R"(type="hidden" name="allow:)"), std::string::npos);

  // A step-up: mcp:read is held (listed, and kept by a hidden field), mcp:write is asked.
  p.granted = {p.scopes[0]};
  p.scopes.erase(p.scopes.begin());
  html = RenderConsent(p);
  size_t held = html.find("It can already:");
  ASSERT_NE(held, std::string::npos);
  EXPECT_LT(held, html.find("It asks for more. It will also be able to:"));
  EXPECT_NE(html.find(R"(<input type="hidden" name="allow:mcp:read" value="1">)"),
            std::string::npos);
  EXPECT_EQ(html.find(R"(type="checkbox" name="allow:mcp:read")"), std::string::npos);
  EXPECT_NE(html.find(R"(<input type="checkbox" name="allow:mcp:write" value="1" checked>)"),
            std::string::npos);
}

TEST(Pages, ConsentForADocumentsClientLeadsWithItsHostAndWarnsOfLoopback) {
  ConsentPage p{"authgent",
                "alice",
                "Claude",
                "https://claude.ai/oauth/client",
                "127.0.0.1",
                "https://mcp.example/mcp",
                {{"mcp:read", "Read data"}},
                "T2",
                "CSRF",
                "OUT",
                "",
                false};
  std::string registered = RenderConsent(p);
  EXPECT_EQ(registered.find("wants to access your account"), std::string::npos);
  EXPECT_EQ(registered.find("role=\"alert\""), std::string::npos);
  p.client_host = "claude.ai";
  std::string html = RenderConsent(p);
  EXPECT_EQ(
      html.find(
          R"(<p class="identity"><strong>claude.ai</strong> wants to access your account</p>)"),
      html.find("<main>") + std::string(R"(<main><div class="brand">authgent</div>)").size() + 1)
      << html;
  EXPECT_NE(html.find("Allow Claude <span class=\"tag\">(name supplied by the application)</span>"),
            std::string::npos);
  EXPECT_EQ(html.find("role=\"alert\""), std::string::npos);
  p.loopback_only = true;
  html = RenderConsent(p);
  EXPECT_NE(html.find("<div class=\"error\" role=\"alert\">This application returns only to "
                      "addresses on your own computer, so any program on it could present itself "
                      "as claude.ai."),
            std::string::npos);
}

TEST(Pages, ClientErrorNamesTheClientAndOnlyOffersALink) {
  std::string html = RenderClientError(
      {"authgent", "Evil <b>App</b>", "evil.example", "code_challenge is required (PKCE)",
       "https://evil.example/cb?error=invalid_request&state=a\"b"});
  for (const char* needle :
       {"Evil &lt;b&gt;App&lt;/b&gt;", "(name supplied by the application)", "evil.example",
        "code_challenge is required (PKCE)",
        R"(href="https://evil.example/cb?error=invalid_request&amp;state=a&quot;b")",
        "Return to evil.example"}) {
    EXPECT_NE(html.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(html.find("<form"), std::string::npos);
  EXPECT_EQ(html.find("http-equiv"), std::string::npos);  // no automatic refresh
}

}  // namespace
}  // namespace authgent::ui
