#include "oauth/authorization_session.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

AuthorizeRequest Request(const std::string& redirect_uri = "https://app.example/cb") {
  AuthorizeRequest r;
  r.client_id = "c1";
  r.redirect_uri = redirect_uri;
  r.resource = "https://mcp.example/mcp";
  r.scopes = {"mcp:read"};
  return r;
}

std::optional<storage::Consent> Granted(const std::string& scope) {
  storage::Consent c;
  c.user_id = "u1";
  c.client_id = "c1";
  c.resource = "https://mcp.example/mcp";
  c.scope = scope;
  return c;
}

TEST(NextAuthorizeStep, FollowsThePromptAndTheSignIn) {
  auto yes = [] { return true; };
  auto no = [] { return false; };
  auto never = []() -> bool { ADD_FAILURE() << "consent read without need"; return false; };
  AuthorizeRequest plain = Request();
  EXPECT_EQ(NextAuthorizeStep(plain, false, never), AuthorizeStep::kShowLogin);
  EXPECT_EQ(NextAuthorizeStep(plain, true, no), AuthorizeStep::kShowConsent);
  EXPECT_EQ(NextAuthorizeStep(plain, true, yes), AuthorizeStep::kIssueCode);

  AuthorizeRequest none = Request();
  none.no_prompt = true;
  EXPECT_EQ(NextAuthorizeStep(none, false, never), AuthorizeStep::kLoginRequired);
  EXPECT_EQ(NextAuthorizeStep(none, true, no), AuthorizeStep::kConsentRequired);
  EXPECT_EQ(NextAuthorizeStep(none, true, yes), AuthorizeStep::kIssueCode);

  AuthorizeRequest login = Request();
  login.force_login = true;
  EXPECT_EQ(NextAuthorizeStep(login, true, never), AuthorizeStep::kShowLogin);
}

TEST(StandingConsentCovers, OnlyEveryRequestedScopeOnARedirectOnlyItsOwnerReceives) {
  EXPECT_TRUE(StandingConsentCovers(Request(), Granted("mcp:read mcp:write")));
  EXPECT_FALSE(StandingConsentCovers(Request(), std::nullopt));
  EXPECT_FALSE(StandingConsentCovers(Request(), Granted("mcp:write")));
  AuthorizeRequest wider = Request();
  wider.scopes = {"mcp:read", "mcp:write"};
  EXPECT_FALSE(StandingConsentCovers(wider, Granted("mcp:read")));
  AuthorizeRequest asks = Request();
  asks.force_consent = true;
  EXPECT_FALSE(StandingConsentCovers(asks, Granted("mcp:read")));
  EXPECT_FALSE(StandingConsentCovers(Request("http://127.0.0.1:3000/cb"), Granted("mcp:read")));
  EXPECT_FALSE(StandingConsentCovers(Request("cursor://anysphere.cursor-mcp/oauth/callback"),
                                     Granted("mcp:read")));
}

TEST(StandingConsentMayApply, NotWhenTheRequestInsistsOrItsRedirectIdentifiesNoClient) {
  EXPECT_TRUE(StandingConsentMayApply(Request()));
  AuthorizeRequest asks = Request();
  asks.force_consent = true;
  EXPECT_FALSE(StandingConsentMayApply(asks));
  EXPECT_FALSE(StandingConsentMayApply(Request("http://127.0.0.1:3000/cb")));
  EXPECT_FALSE(StandingConsentMayApply(Request("cursor://anysphere.cursor-mcp/oauth/callback")));
}

}  // namespace
}  // namespace authgent::oauth
