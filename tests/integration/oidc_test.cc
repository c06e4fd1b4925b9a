// OpenID Connect over real HTTP: the id_token of a code exchange that was granted `openid`, and the
// UserInfo endpoint. (The openid-client library drives the same in tests/e2e.)
#include <gtest/gtest.h>

#include "authgent/verify/verifier.h"
#include "core/base64.h"
#include "core/bytes.h"
#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

class OpenIdConnect : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_ = flow_.RegisterPublicClient({kRedirect});
  }
  HttpResult Exchange(const std::string& scope, const std::string& nonce) {
    Pkce pkce = Pkce::Make();
    Form params = flow_.AuthorizeParams(client_, kRedirect, pkce, scope);
    if (!nonce.empty()) params.emplace_back("nonce", nonce);
    std::string code = QueryOf(flow_.AuthorizeAndApprove(params, "alice", "correct horse battery"))["code"];
    return flow_.ExchangeCode(client_, code, pkce.verifier, kRedirect);
  }
  HttpResult Userinfo(const std::string& authorization) {
    std::map<std::string, std::string> headers;
    if (!authorization.empty()) headers["Authorization"] = authorization;
    return Get(server_.port(), "/oauth/userinfo", headers);
  }
  TestServer server_;
  FlowDriver flow_{server_};
  std::string client_;
};

TEST_F(OpenIdConnect, CodeExchangeWithOpenidReturnsAnIdTokenForTheClient) {
  HttpResult r = Exchange("openid profile email mcp:read", "n-0S6_WzA2Mj");
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = r.Json();
  EXPECT_EQ(body["scope"], "email mcp:read openid profile");
  std::string id_token = body["id_token"];
  nlohmann::json header = JwtPart(id_token, 0), claims = JwtPart(id_token, 1);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["typ"], "JWT");
  EXPECT_EQ(header["kid"], (*server_.app().keys().Current())->active_kid);
  EXPECT_EQ(claims["iss"], server_.issuer());
  EXPECT_EQ(claims["sub"], "user-alice");
  EXPECT_EQ(claims["aud"], client_);
  EXPECT_EQ(claims["nonce"], "n-0S6_WzA2Mj");
  EXPECT_EQ(claims["auth_time"], server_.clock().Now());
  EXPECT_EQ(claims["iat"], server_.clock().Now());
  EXPECT_EQ(claims["exp"], JwtPart(body["access_token"], 1)["exp"]);
  std::string at = body["access_token"];
  EXPECT_EQ(claims["at_hash"], Base64UrlEncode(Sha256(at).substr(0, 16)));
  EXPECT_FALSE(claims.contains("scope"));
  // Its signature verifies with the published keys, as a client library checks it.
  auto jwks = verify::Jwks::Parse(Get(server_.port(), "/.well-known/jwks.json").body);
  ASSERT_TRUE(jwks.has_value());
  auto verifier = verify::Verifier::Create(
      {.issuer = server_.issuer(), .audience = client_, .accept_plain_jwt_type = true},
      verify::KeySource::Static(*jwks));
  EXPECT_TRUE(std::holds_alternative<verify::VerifiedToken>(
      verifier->Verify(id_token, {}, server_.clock().Now())));

  // Without openid there is no id_token; without a nonce, none in it.
  EXPECT_FALSE(Exchange("mcp:read", "").Json().contains("id_token"));
  EXPECT_FALSE(JwtPart(Exchange("openid", "").Json()["id_token"], 1).contains("nonce"));
}

TEST_F(OpenIdConnect, UserinfoAnswersByScopeAndChallengesLikeAResourceServer) {
  std::string at = Exchange("openid profile email", "n1").Json()["access_token"];
  HttpResult ok = Userinfo("Bearer " + at);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("content-type"), "application/json");
  EXPECT_EQ(ok.Json(), (nlohmann::json{{"sub", "user-alice"}, {"name", "alice"},
                                       {"preferred_username", "alice"}}));  // no email on record

  std::string realm = "Bearer realm=\"" + server_.issuer() + "\"";
  HttpResult none = Userinfo("");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), realm);  // RFC 6750 §3.1: no error code
  HttpResult garbage = Userinfo("Bearer not-a-token");
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.Header("www-authenticate"), realm + ", error=\"invalid_token\"");
  // An id_token is not an access token.
  std::string id_token = Exchange("openid", "n2").Json()["id_token"];
  EXPECT_EQ(Userinfo("Bearer " + id_token).status, 401);
  std::string plain = Exchange("mcp:read", "").Json()["access_token"];
  HttpResult scope = Userinfo("Bearer " + plain);
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(scope.Header("www-authenticate"),
            realm + ", error=\"insufficient_scope\", scope=\"openid\"");
  // Revoked: refused at once.
  ASSERT_EQ(PostForm(server_.port(), "/oauth/revoke", {{"token", at}, {"client_id", client_}}).status,
            200);
  EXPECT_EQ(Userinfo("Bearer " + at).status, 401);
}

TEST_F(OpenIdConnect, DiscoveryNamesTheUserinfoEndpointAndTheIdentityScopes) {
  nlohmann::json m = Get(server_.port(), "/.well-known/openid-configuration").Json();
  EXPECT_EQ(m["userinfo_endpoint"], server_.issuer() + "/oauth/userinfo");
  EXPECT_EQ(m["scopes_supported"],
            nlohmann::json::array({"mcp:read", "mcp:write", "openid", "profile", "email"}));
  EXPECT_EQ(m["id_token_signing_alg_values_supported"], nlohmann::json::array({"ES256"}));
}

}  // namespace
}  // namespace authgent::testing
