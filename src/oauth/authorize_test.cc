#include "oauth/authorize.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

class AuthorizeTest : public ::testing::Test {
 protected:
  AuthorizeTest() : catalog_("https://auth.example", {}, {"mcp:read", "mcp:write"}, {}) {
    client_.client_id = "c1";
    client_.redirect_uris = {"http://127.0.0.1:3000/callback", "https://app.example/cb"};
    client_.grant_types = {"authorization_code"};
  }
  std::string Good() {
    return std::string("client_id=c1&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcallback") +
           "&response_type=code&code_challenge=" + kChallenge +
           "&code_challenge_method=S256&state=xyz&scope=mcp%3Aread";
  }
  AuthorizeOutcome Run(const std::string& query, bool known = true) {
    return ValidateAuthorize(Params::Parse(query), known ? &client_ : nullptr, catalog_);
  }
  std::string RedirectError(const std::string& query) {
    AuthorizeOutcome o = Run(query);
    auto* e = std::get_if<AuthorizeErrorRedirect>(&o);
    return e ? e->error.code + ": " + e->error.description : "(not a redirect error)";
  }
  storage::Client client_;
  ResourceCatalog catalog_;
};

TEST_F(AuthorizeTest, ValidRequest) {
  AuthorizeOutcome o = Run(Good());
  ASSERT_TRUE(std::holds_alternative<AuthorizeRequest>(o));
  const AuthorizeRequest& r = std::get<AuthorizeRequest>(o);
  EXPECT_EQ(r.redirect_uri, "http://127.0.0.1:3000/callback");
  EXPECT_TRUE(r.redirect_uri_in_request);
  EXPECT_EQ(r.state, "xyz");
  EXPECT_EQ(r.resource, "https://auth.example");
  EXPECT_EQ(r.scopes, std::vector<std::string>{"mcp:read"});
  auto back = AuthorizeRequest::FromJson(r.ToJson().dump());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->code_challenge, kChallenge);
}

TEST_F(AuthorizeTest, LoopbackPortMayDiffer) {
  std::string q = Good();
  q.replace(q.find("3000"), 4, "49152");
  ASSERT_TRUE(std::holds_alternative<AuthorizeRequest>(Run(q)));
}

TEST_F(AuthorizeTest, BadClientOrRedirectIsAnErrorPageNeverARedirect) {
  EXPECT_TRUE(std::holds_alternative<AuthorizeErrorPage>(Run(Good(), /*known=*/false)));
  std::string q = Good();
  q.replace(q.find("callback"), 8, "evil");
  AuthorizeOutcome o = Run(q);
  ASSERT_TRUE(std::holds_alternative<AuthorizeErrorPage>(o));
  EXPECT_EQ(std::get<AuthorizeErrorPage>(o).message,
            "The redirect URI is not registered for this application.");
  // Omitted redirect_uri with two registered: error page.
  std::string omitted = Good();
  omitted.erase(omitted.find("&redirect_uri"), omitted.find("&response_type") - omitted.find("&redirect_uri"));
  EXPECT_TRUE(std::holds_alternative<AuthorizeErrorPage>(Run(omitted)));
  client_.redirect_uris = {"https://app.example/cb"};
  AuthorizeOutcome single = Run(omitted);
  ASSERT_TRUE(std::holds_alternative<AuthorizeRequest>(single));
  EXPECT_FALSE(std::get<AuthorizeRequest>(single).redirect_uri_in_request);
}

TEST_F(AuthorizeTest, PkceIsRequiredAndS256Only) {
  std::string plain = Good();
  plain.replace(plain.find("S256"), 4, "plain");
  EXPECT_EQ(RedirectError(plain), "invalid_request: code_challenge_method must be S256");
  std::string no_method = Good();
  no_method.erase(no_method.find("&code_challenge_method=S256"), 27);
  EXPECT_EQ(RedirectError(no_method), "invalid_request: code_challenge_method must be S256");
  std::string no_challenge = Good();
  no_challenge.erase(no_challenge.find("&code_challenge="), 16 + 43);
  EXPECT_EQ(RedirectError(no_challenge), "invalid_request: code_challenge is required (PKCE)");
}

TEST_F(AuthorizeTest, OtherErrorsRedirect) {
  std::string token = Good();
  token.replace(token.find("response_type=code"), 18, "response_type=token");
  EXPECT_EQ(RedirectError(token), "unsupported_response_type: only response_type=code is supported");
  EXPECT_EQ(RedirectError(Good() + "&resource=http%3A%2F%2Fevil.example%2Fmcp"),
            "invalid_target: the requested resource is not served by this authorization server");
  EXPECT_EQ(RedirectError(Good() + "&state=again"), "invalid_request: a parameter is repeated");
  EXPECT_EQ(RedirectError(Good() + "&prompt=bogus"), "invalid_request: unsupported prompt value");
}

// A state that is not UTF-8 could not be stored in the transaction's JSON (dump() throws, which
// was a 500), so it is refused at the redirect URI, without echoing the bytes.
TEST_F(AuthorizeTest, StateThatIsNotUtf8IsRefusedWithoutEcho) {
  std::string query = Good();
  query.replace(query.find("state=xyz"), 9, "state=%FF%FEx");
  AuthorizeOutcome o = Run(query);
  ASSERT_TRUE(std::holds_alternative<AuthorizeErrorRedirect>(o));
  const AuthorizeErrorRedirect& e = std::get<AuthorizeErrorRedirect>(o);
  EXPECT_EQ(e.error.code + ": " + e.error.description, "invalid_request: state must be text (UTF-8)");
  EXPECT_EQ(e.state, "");
  EXPECT_EQ(e.redirect_uri, "http://127.0.0.1:3000/callback");

  query.replace(query.find("state=%FF%FEx"), 13, "state=caf%C3%A9%20%F0%9F%94%91");
  AuthorizeOutcome text = Run(query);
  ASSERT_TRUE(std::holds_alternative<AuthorizeRequest>(text));
  EXPECT_EQ(std::get<AuthorizeRequest>(text).state, "caf\xC3\xA9 \xF0\x9F\x94\x91");
}

TEST_F(AuthorizeTest, LongParametersAreRefusedBeforeAnythingIsStored) {
  std::string q = Good();
  q.replace(q.find("state=xyz"), 9, "state=" + std::string(1025, 's'));
  AuthorizeOutcome o = Run(q);
  ASSERT_TRUE(std::holds_alternative<AuthorizeErrorRedirect>(o));
  EXPECT_EQ(std::get<AuthorizeErrorRedirect>(o).error.description,
            "state is longer than 1024 characters");
  EXPECT_EQ(std::get<AuthorizeErrorRedirect>(o).state, "");  // never echoed
  std::string at_limit = Good();
  at_limit.replace(at_limit.find("state=xyz"), 9, "state=" + std::string(1024, 's'));
  EXPECT_TRUE(std::holds_alternative<AuthorizeRequest>(Run(at_limit)));
  EXPECT_EQ(RedirectError(Good() + "&resource=https%3A%2F%2Fa.example%2F" + std::string(2100, 'r')),
            "invalid_request: resource is longer than 2048 characters");
  std::string scope = Good();
  scope.replace(scope.find("scope=mcp%3Aread"), 16, "scope=" + std::string(1100, 'x'));
  EXPECT_EQ(RedirectError(scope), "invalid_request: scope is longer than 1024 characters");
  EXPECT_TRUE(std::holds_alternative<AuthorizeErrorPage>(
      Run("client_id=" + std::string(300, 'c') + "&response_type=code")));
}

TEST_F(AuthorizeTest, PromptLoginAndPromptNoneAlone) {
  AuthorizeOutcome login = Run(Good() + "&prompt=login");
  ASSERT_TRUE(std::holds_alternative<AuthorizeRequest>(login));
  EXPECT_TRUE(std::get<AuthorizeRequest>(login).force_login);
  auto back = AuthorizeRequest::FromJson(std::get<AuthorizeRequest>(login).ToJson().dump());
  EXPECT_TRUE(back->force_login);
  EXPECT_EQ(RedirectError(Good() + "&prompt=none%20login"),
            "invalid_request: prompt=none cannot be combined with other values");
}

TEST_F(AuthorizeTest, ErrorRedirectCarriesStateAndIss) {
  AuthorizeErrorRedirect e{"http://127.0.0.1:3000/callback?x=1", "s t", InvalidRequest("bad thing")};
  EXPECT_EQ(ErrorRedirectUrl(e, "https://auth.example"),
            "http://127.0.0.1:3000/callback?x=1&error=invalid_request&error_description=bad%20thing"
            "&state=s%20t&iss=https%3A%2F%2Fauth.example");
}

}  // namespace
}  // namespace authgent::oauth
