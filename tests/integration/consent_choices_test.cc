// Consent that says what a client will be able to do, over real HTTP: the tools CONFIG_FILE lists
// under each scope, scopes the user unticks (and required ones that cannot be), incremental
// authorization (a step-up asks only about the added scopes), and offline_access deciding whether
// a refresh token is issued when it is one of SCOPES.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "flow_helpers.h"
#include "process.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
constexpr char kPassword[] = "correct horse battery";
constexpr char kResource[] = "https://notes.example.com/mcp";

// The value of the attribute NAME in an input TAG (its text up to '>'), if it has one.
std::optional<std::string> Attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  size_t at = tag.find(key);
  if (at == std::string::npos) return std::nullopt;
  at += key.size();
  return tag.substr(at, tag.find('"', at) - at);
}

// What a browser posts from the consent form: its hidden fields, and the checkboxes that are
// ticked (`untick` lists those the user unticked) and not disabled, with decision=approve.
// (A scan rather than std::regex: <regex> doubled this file's compile time.)
Form BrowserPost(const std::string& html, const std::vector<std::string>& untick = {}) {
  std::string form = html.substr(html.find("action=\"/oauth/consent\""));
  form = form.substr(0, form.find("</form>"));
  Form out;
  for (size_t at = form.find("<input "); at != std::string::npos;
       at = form.find("<input ", at + 1)) {
    const std::string tag = form.substr(at, form.find('>', at) - at);
    std::optional<std::string> type = Attribute(tag, "type"), name = Attribute(tag, "name"),
                               value = Attribute(tag, "value");
    if (!type || !name || !value || (*type != "hidden" && *type != "checkbox")) continue;
    if (*type == "checkbox") {
      bool disabled = tag.find(" disabled") != std::string::npos;
      bool unticked = std::find(untick.begin(), untick.end(), name->substr(name->find(':') + 1)) !=
                      untick.end();
      if (disabled || unticked) continue;
    }
    out.emplace_back(*name, *value);
  }
  out.emplace_back("decision", "approve");
  return out;
}

class ConsentChoices : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", kPassword);
    client_ = flow_.RegisterPublicClient({kRedirect});
  }
  static std::string WriteConfig(const std::string& required) {
    std::string path = MakeTempDir("authgent-consent") + "/config.json";
    std::ofstream(path) << R"({"resources": [{"uri": ")" << kResource
                        << R"(", "scopes": ["mcp:read", "mcp:write"], "required_scopes": [)"
                        << required
                        << R"(], "tools": {"mcp:read": ["read_notes", "search &lt;notes&gt;"],
                                          "mcp:write": ["add_note"]}}]})";
    return path;
  }
  // Signs in (once) and returns the consent page for `scope`.
  HttpResult ConsentFor(const std::string& scope) {
    pkce_ = Pkce::Make();
    HttpResult r = flow_.Authorize(flow_.AuthorizeParams(client_, kRedirect, pkce_, scope));
    if (r.status == 303) {
      HttpResult login = flow_.Login(r.Header("location"), "alice", kPassword);
      EXPECT_EQ(login.status, 303) << login.body;
      r = flow_.ConsentPage(login.Header("location"));
    }
    EXPECT_EQ(r.status, 200) << r.body;
    return r;
  }
  // Posts `form` to the consent endpoint and exchanges the code: the token response.
  nlohmann::json Approve(const Form& form) {
    HttpResult approved = flow_.Submit("/oauth/consent", form);
    EXPECT_EQ(approved.status, 302) << approved.body;
    HttpResult tokens = flow_.ExchangeCode(client_, QueryOf(approved.Header("location"))["code"],
                                           pkce_.verifier, kRedirect);
    EXPECT_EQ(tokens.status, 200) << tokens.body;
    return tokens.Json();
  }
  std::string StoredConsent() {
    auto user = server_.app().store().GetUserByUsername("alice");
    auto consent = server_.app().store().GetConsent(user->user_id, client_, kResource);
    return consent.ok() ? consent->scope : "(none)";
  }

  std::string config_ = WriteConfig(R"("mcp:read")");
  TestServer server_{[this](server::RawConfig& raw) { raw.config_file = config_; }};
  FlowDriver flow_{server_};
  std::string client_;
  Pkce pkce_;
};

TEST_F(ConsentChoices, ToolsAreListedUnderTheirScopeAndARequiredScopeCannotBeDropped) {
  HttpResult page = ConsentFor("mcp:read mcp:write");
  for (const char* needle :
       {R"(<input type="checkbox" name="allow:mcp:read" value="1" checked disabled>)",
        R"(<input type="checkbox" name="allow:mcp:write" value="1" checked>)", "(required)",
        "<li>read_notes</li>", "<li>search &amp;lt;notes&amp;gt;</li>", "<li>add_note</li>",
        R"(name="scopes_shown" value="1")"}) {
    EXPECT_NE(page.body.find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(page.body.find("It can already"), std::string::npos);
  // The user unticks mcp:write; a tampered form that leaves out the required scope still gets it.
  Form form = BrowserPost(page.body, {"mcp:write"});
  nlohmann::json tokens = Approve(form);
  EXPECT_EQ(tokens["scope"], "mcp:read");
  EXPECT_EQ(JwtPart(tokens["access_token"], 1)["scope"], "mcp:read");
  EXPECT_EQ(StoredConsent(), "mcp:read");
  // The refresh token carries what was approved, and cannot widen it.
  HttpResult wider = flow_.Refresh(client_, tokens["refresh_token"], "mcp:read mcp:write");
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.Json()["error"], "invalid_scope");
}

TEST_F(ConsentChoices, StepUpAsksOnlyAboutTheAddedScopesAndShowsThoseHeld) {
  nlohmann::json first = Approve(BrowserPost(ConsentFor("mcp:read").body));
  EXPECT_EQ(first["scope"], "mcp:read");
  // After a 403 insufficient_scope the client asks for the union.
  HttpResult page = ConsentFor("mcp:read mcp:write");
  size_t held = page.body.find("It can already:");
  ASSERT_NE(held, std::string::npos) << page.body;
  size_t form = page.body.find("action=\"/oauth/consent\"");
  EXPECT_NE(page.body.find("<code>mcp:read</code>", held), std::string::npos);
  EXPECT_LT(page.body.find("<code>mcp:read</code>", held), form);  // listed, not asked
  EXPECT_EQ(page.body.find(R"(type="checkbox" name="allow:mcp:read")"), std::string::npos);
  EXPECT_NE(page.body.find(R"(<input type="hidden" name="allow:mcp:read" value="1">)"),
            std::string::npos);
  EXPECT_NE(page.body.find(R"(<input type="checkbox" name="allow:mcp:write" value="1" checked>)"),
            std::string::npos);
  EXPECT_NE(page.body.find("It asks for more."), std::string::npos);
  nlohmann::json stepped = Approve(BrowserPost(page.body));
  EXPECT_EQ(stepped["scope"], "mcp:read mcp:write");
  EXPECT_EQ(StoredConsent(), "mcp:read mcp:write");
}

TEST_F(ConsentChoices, UntickingEveryOptionalScopeAllowsNothingAndTheFormCanBeSentAgain) {
  // No required scope here: the user can untick everything.
  TestServer optional([](server::RawConfig& raw) { raw.config_file = WriteConfig(""); });
  AddUser(optional, "alice", kPassword);
  FlowDriver flow(optional);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  HttpResult start =
      flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce, "mcp:read mcp:write"));
  HttpResult page =
      flow.ConsentPage(flow.Login(start.Header("location"), "alice", kPassword).Header("location"));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("disabled"), std::string::npos);
  HttpResult none =
      flow.Submit("/oauth/consent", BrowserPost(page.body, {"mcp:read", "mcp:write"}));
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("Nothing was allowed"), std::string::npos);
  EXPECT_EQ(none.Header("location"), "");
  // Nothing was spent: the same page, with mcp:write alone, approves.
  HttpResult approved = flow.Submit("/oauth/consent", BrowserPost(page.body, {"mcp:read"}));
  ASSERT_EQ(approved.status, 302) << approved.body;
  HttpResult tokens = flow.ExchangeCode(client, QueryOf(approved.Header("location"))["code"],
                                        pkce.verifier, kRedirect);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(tokens.Json()["scope"], "mcp:write");
}

TEST(OfflineAccess, WhenItIsOneOfScopesOnlyAGrantHoldingItGetsARefreshToken) {
  TestServer server(
      [](server::RawConfig& raw) { raw.scopes = "mcp:read mcp:write offline_access"; });
  AddUser(server, "alice", kPassword);
  FlowDriver flow(server);
  std::string client = flow.RegisterPublicClient({kRedirect});
  for (const std::string& scope :
       {std::string("mcp:read"), std::string("mcp:read offline_access")}) {
    Pkce pkce = Pkce::Make();
    std::string back = flow.AuthorizeAndApprove(
        flow.AuthorizeParams(client, kRedirect, pkce, scope), "alice", kPassword);
    HttpResult tokens = flow.ExchangeCode(client, QueryOf(back)["code"], pkce.verifier, kRedirect);
    ASSERT_EQ(tokens.status, 200) << tokens.body;
    EXPECT_EQ(tokens.Json()["scope"], scope);
    EXPECT_EQ(tokens.Json().contains("refresh_token"), scope == "mcp:read offline_access") << scope;
  }
  // The metadata offers it, so that clients know to ask (SEP-2207).
  nlohmann::json metadata = Get(server.port(), "/.well-known/oauth-authorization-server").Json();
  auto offered = metadata["scopes_supported"];
  EXPECT_NE(std::find(offered.begin(), offered.end(), "offline_access"), offered.end());
  // Without it in SCOPES, every code grant gets one (as before).
  TestServer plain;
  AddUser(plain, "alice", kPassword);
  FlowDriver other(plain);
  std::string c = other.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  std::string back =
      other.AuthorizeAndApprove(other.AuthorizeParams(c, kRedirect, pkce), "alice", kPassword);
  HttpResult tokens = other.ExchangeCode(c, QueryOf(back)["code"], pkce.verifier, kRedirect);
  EXPECT_TRUE(tokens.Json().contains("refresh_token")) << tokens.body;
}

}  // namespace
}  // namespace authgent::testing
