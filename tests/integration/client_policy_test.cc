// The operator's client policy over real HTTP (storage::ClientPolicy, set here through the store
// as `authgent clients policy` sets it, then seen once the client cache's 5 s have passed): a
// blocked client is refused at authorize (403 page) and at the token endpoint; a trusted client
// gets its code without a consent page; allowed resources and scopes bind authorize and
// client_credentials; the access-token lifetime applies to the tokens issued.
#include <gtest/gtest.h>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kResource[] = "https://mcp.example.com/mcp";

class ClientPolicyFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_id_ = flow_.RegisterPublicClient({kRedirect});
  }
  void Decide(const std::string& client_id, void (*change)(storage::ClientPolicy&)) {
    storage::ClientPolicy p = *server_.app().store().GetClientPolicy(client_id);
    change(p);
    p.updated_at = server_.clock().Now();
    ASSERT_TRUE(server_.app().store().SetClientPolicy(p).ok());
    server_.clock().Advance(6);  // past the client cache
  }
  Form Params(const std::string& extra_scope = "") {
    Form params = flow_.AuthorizeParams(client_id_, kRedirect, pkce_);
    for (auto& [name, value] : params) {
      if (name == "scope" && !extra_scope.empty()) value += " " + extra_scope;
    }
    return params;
  }

  TestServer server_{[](server::RawConfig& raw) { raw.issuer = "http://127.0.0.1:9"; }};
  FlowDriver flow_{server_};
  std::string client_id_;
  Pkce pkce_ = Pkce::Make();
};

TEST_F(ClientPolicyFlow, ABlockedClientIsRefusedAtAuthorizeAndToken) {
  std::string location = flow_.AuthorizeAndApprove(Params(), "alice", "correct horse battery");
  std::string code = QueryOf(location)["code"];
  HttpResult token = flow_.ExchangeCode(client_id_, code, pkce_.verifier, kRedirect);
  ASSERT_EQ(token.status, 200) << token.body;
  Decide(client_id_, [](storage::ClientPolicy& p) { p.blocked = true; });
  ASSERT_TRUE(server_.app().store().RevokeClientAccess(client_id_, server_.clock().Now()).ok());

  HttpResult page = flow_.Authorize(Params());
  EXPECT_EQ(page.status, 403);
  EXPECT_NE(page.body.find("This application is blocked"), std::string::npos) << page.body;
  HttpResult refresh = flow_.Refresh(client_id_, token.Json()["refresh_token"]);
  EXPECT_EQ(refresh.status, 400);
  EXPECT_EQ(refresh.Json()["error"], "unauthorized_client");
  EXPECT_EQ(refresh.Json()["error_description"], "this client is blocked by the operator");

  // Unblocked, its old refresh token stays revoked: blocking ended what it held.
  Decide(client_id_, [](storage::ClientPolicy& p) { p.blocked = false; });
  HttpResult after = flow_.Refresh(client_id_, token.Json()["refresh_token"]);
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(after.Json()["error"], "invalid_grant");
}

TEST_F(ClientPolicyFlow, ATrustedClientSkipsTheConsentPage) {
  Decide(client_id_, [](storage::ClientPolicy& p) { p.trusted = true; });
  HttpResult start = flow_.Authorize(Params());
  ASSERT_EQ(start.status, 303) << start.body;
  HttpResult login = flow_.Login(start.Header("location"), "alice", "correct horse battery");
  ASSERT_EQ(login.status, 303) << login.body;
  HttpResult next = flow_.ConsentPage(login.Header("location"));
  // No page to answer: straight back to the client with a code.
  ASSERT_EQ(next.status, 302) << next.body;
  EXPECT_EQ(next.Header("location").rfind(std::string(kRedirect) + "?code=", 0), 0u)
      << next.Header("location");
}

TEST_F(ClientPolicyFlow, ResourcesAndScopesOutsideThePolicyAreRefused) {
  Decide(client_id_, [](storage::ClientPolicy& p) { p.resources = {"https://other.example/mcp"}; });
  // An error for the client, behind a link (a self-registered client the user never approved
  // gets no automatic redirect: oauth::RedirectsErrorsAutomatically).
  HttpResult start = flow_.Authorize(Params());
  ASSERT_EQ(start.status, 400) << start.body;
  EXPECT_EQ(QueryOf(ReturnLink(start.body))["error"], "invalid_target") << start.body;
  Decide(client_id_, [](storage::ClientPolicy& p) {
    p.resources.clear();
    p.scope = "mcp:read";
  });
  HttpResult wider = flow_.Authorize(Params("mcp:write"));
  EXPECT_EQ(QueryOf(ReturnLink(wider.body))["error"], "invalid_scope") << wider.body;
  HttpResult within = flow_.Authorize(Params());
  EXPECT_EQ(within.status, 303) << within.body;  // on to the login page
}

TEST_F(ClientPolicyFlow, ThePolicysTokenLifetimeApplies) {
  auto [id, secret] = AddOperatorClient(server_, {.resources = {kResource}});
  Decide(id, [](storage::ClientPolicy& p) { p.access_token_ttl = 300; });
  HttpResult r = PostForm(server_.port(), "/oauth/token",
                          {{"grant_type", "client_credentials"}, {"resource", kResource}},
                          {{"Authorization", Basic(id, secret)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["expires_in"], 300);
  nlohmann::json claims = JwtPart(r.Json()["access_token"], 1);
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 300);
}

}  // namespace
}  // namespace authgent::testing
