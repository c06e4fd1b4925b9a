// The token, revocation and introspection endpoints over real HTTP.
#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/random.h"
#include "core/sortable_token.h"
#include "flow_helpers.h"
#include "storage/testing/await.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

class TokenEndpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_id_ = flow_.RegisterPublicClient({kRedirect});
  }
  // A fresh code for client_id_ with pkce_.
  std::string Code(const std::string& scope = "mcp:read") {
    std::string location = flow_.AuthorizeAndApprove(
        flow_.AuthorizeParams(client_id_, kRedirect, pkce_, scope), "alice", "correct horse battery");
    return QueryOf(location)["code"];
  }
  nlohmann::json Tokens() {
    HttpResult r = flow_.ExchangeCode(client_id_, Code(), pkce_.verifier, kRedirect);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }
  HttpResult Introspect(const std::string& token) {
    return PostForm(server_.port(), "/oauth/introspect", {{"token", token}},
                    {{"Authorization", Basic(rs_.first, rs_.second)}});
  }

  TestServer server_{[](server::RawConfig& raw) {
    raw.issuer = "http://127.0.0.1:9";
    raw.refresh_reuse_grace = "60";
  }};
  FlowDriver flow_{server_};
  std::string client_id_;
  Pkce pkce_ = Pkce::Make();
  // A resource server the operator created: machine tokens for the MCP server and introspection
  // of the tokens issued here without a resource (their audience is the issuer).
  std::pair<std::string, std::string> rs_ = AddOperatorClient(
      server_, {.resources = {"https://mcp.example.com/mcp", "http://127.0.0.1:9",
                              "http://127.0.0.1:9/mcp"},
                .introspect = true});
};

TEST_F(TokenEndpoint, CodeExchangeIssuesAnRfc9068AccessTokenAndARefreshToken) {
  HttpResult r = flow_.ExchangeCode(client_id_, Code(), pkce_.verifier, kRedirect);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Header("pragma"), "no-cache");
  EXPECT_EQ(r.body.find("null"), std::string::npos);
  nlohmann::json body = r.Json();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["scope"], "mcp:read");
  EXPECT_EQ(body["refresh_token"].get<std::string>().size(), 51u);  // core/sortable_token
  std::string jwt = body["access_token"];
  nlohmann::json header = JwtPart(jwt, 0), claims = JwtPart(jwt, 1);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["typ"], "at+jwt");
  EXPECT_EQ(header["kid"], (*server_.app().keys().Current())->active_kid);
  EXPECT_EQ(claims["iss"], "http://127.0.0.1:9");
  EXPECT_EQ(claims["sub"], "user-alice");
  EXPECT_EQ(claims["aud"], "http://127.0.0.1:9");  // no resource, none configured: the issuer
  EXPECT_EQ(claims["client_id"], client_id_);
  EXPECT_EQ(claims["scope"], "mcp:read");
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 3600);
  EXPECT_EQ(claims["jti"].get<std::string>().size(), 32u);
}

TEST_F(TokenEndpoint, ResourceBecomesTheAudience) {
  Form params = flow_.AuthorizeParams(client_id_, kRedirect, pkce_);
  params.emplace_back("resource", "https://mcp.example.com/mcp");
  std::string code = QueryOf(flow_.AuthorizeAndApprove(params, "alice", "correct horse battery"))["code"];
  HttpResult r = PostForm(server_.port(), "/oauth/token",
                          {{"grant_type", "authorization_code"}, {"client_id", client_id_},
                           {"code", code}, {"code_verifier", pkce_.verifier},
                           {"redirect_uri", kRedirect}, {"resource", "https://other.example.com/mcp"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_target");
  // True even with RESOURCES empty: the server would serve that resource, not on this grant.
  EXPECT_EQ(r.Json()["error_description"], "the requested resource is not part of this grant");
  // The code was spent by that attempt; a clean exchange with a new code carries the audience.
  code = QueryOf(flow_.AuthorizeAndApprove(params, "alice", "correct horse battery"))["code"];
  HttpResult ok = PostForm(server_.port(), "/oauth/token",
                           {{"grant_type", "authorization_code"}, {"client_id", client_id_},
                            {"code", code}, {"code_verifier", pkce_.verifier},
                            {"redirect_uri", kRedirect}, {"resource", "https://mcp.example.com/mcp"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(JwtPart(ok.Json()["access_token"], 1)["aud"], "https://mcp.example.com/mcp");
  // A refresh may not move the family to another resource either.
  HttpResult moved = PostForm(server_.port(), "/oauth/token",
                              {{"grant_type", "refresh_token"}, {"client_id", client_id_},
                               {"refresh_token", ok.Json()["refresh_token"]},
                               {"resource", "https://other.example.com/mcp"}});
  EXPECT_EQ(moved.status, 400);
  EXPECT_EQ(moved.Json()["error"], "invalid_target");
  EXPECT_EQ(moved.Json()["error_description"], "the requested resource is not part of this grant");
}

TEST_F(TokenEndpoint, WrongVerifierIsInvalidGrant) {
  HttpResult r = flow_.ExchangeCode(client_id_, Code(), Pkce::Make().verifier, kRedirect);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_grant");
  EXPECT_EQ(r.Json()["error_description"], "code_verifier does not match the code_challenge");
}

TEST_F(TokenEndpoint, RedirectUriMustMatchTheAuthorizeRequest) {
  HttpResult r = flow_.ExchangeCode(client_id_, Code(), pkce_.verifier, "http://127.0.0.1:3000/other");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_grant");
}

// A code presented again by someone who does not hold its PKCE verifier (a thief of the code).
TEST_F(TokenEndpoint, ReplayedCodeIsRejectedAndRevokesItsTokens) {
  std::string code = Code();
  HttpResult first = flow_.ExchangeCode(client_id_, code, pkce_.verifier, kRedirect);
  ASSERT_EQ(first.status, 200);
  HttpResult replay = flow_.ExchangeCode(client_id_, code, Pkce::Make().verifier, kRedirect);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(replay.Json()["error"], "invalid_grant");
  EXPECT_EQ(replay.Json()["error_description"], "the authorization code was already used");
  // Everything issued from the code is dead.
  HttpResult refresh = flow_.Refresh(client_id_, first.Json()["refresh_token"]);
  EXPECT_EQ(refresh.status, 400);
  EXPECT_EQ(refresh.Json()["error"], "invalid_grant");
  EXPECT_EQ(Introspect(first.Json()["access_token"]).Json()["active"], false);
}

// The client's own retry of an exchange whose answer it lost (same client, verifier and redirect
// URI, within 30 s of the redemption) is refused with a clear error and revokes nothing; the same
// presentation after the window is a replay.
TEST_F(TokenEndpoint, ARetryOfALostAnswerIsRefusedWithoutRevokingThenAReplayAfterTheWindow) {
  std::string code = Code();
  HttpResult first = flow_.ExchangeCode(client_id_, code, pkce_.verifier, kRedirect);
  ASSERT_EQ(first.status, 200);
  server_.clock().Advance(30);
  HttpResult retry = flow_.ExchangeCode(client_id_, code, pkce_.verifier, kRedirect);
  EXPECT_EQ(retry.status, 400);
  EXPECT_EQ(retry.Json()["error"], "invalid_grant");
  EXPECT_EQ(retry.Json()["error_description"],
            "the authorization code was already redeemed by this client; its tokens were issued "
            "in an earlier answer, so start a new authorization if that answer was lost");
  EXPECT_EQ(Introspect(first.Json()["access_token"]).Json()["active"], true);
  HttpResult refreshed = flow_.Refresh(client_id_, first.Json()["refresh_token"]);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;

  server_.clock().Advance(1);
  HttpResult replay = flow_.ExchangeCode(client_id_, code, pkce_.verifier, kRedirect);
  EXPECT_EQ(replay.Json()["error_description"], "the authorization code was already used");
  EXPECT_EQ(flow_.Refresh(client_id_, refreshed.Json()["refresh_token"]).Json()["error_description"],
            "the refresh token has been revoked");
}

TEST_F(TokenEndpoint, RefreshRotatesWithAGraceWindowThenRevokesTheFamily) {
  nlohmann::json t0 = Tokens();
  std::string rt0 = t0["refresh_token"];
  HttpResult r1 = flow_.Refresh(client_id_, rt0);
  ASSERT_EQ(r1.status, 200) << r1.body;
  std::string rt1 = r1.Json()["refresh_token"];
  EXPECT_NE(rt1, rt0);
  EXPECT_EQ(r1.Json()["scope"], "mcp:read");
  EXPECT_NE(JwtPart(r1.Json()["access_token"], 1)["jti"], JwtPart(t0["access_token"], 1)["jti"]);

  // A parallel refresh with the old token inside the grace window still gets a valid pair.
  server_.clock().Advance(59);
  HttpResult parallel = flow_.Refresh(client_id_, rt0);
  ASSERT_EQ(parallel.status, 200) << parallel.body;
  std::string rt_parallel = parallel.Json()["refresh_token"];

  // After the window the old token's reuse is theft: the family dies, every token with it.
  server_.clock().Advance(2);
  HttpResult stolen = flow_.Refresh(client_id_, rt0);
  EXPECT_EQ(stolen.status, 400);
  EXPECT_EQ(stolen.Json()["error"], "invalid_grant");
  for (const std::string& rt : {rt1, rt_parallel}) {
    HttpResult dead = flow_.Refresh(client_id_, rt);
    EXPECT_EQ(dead.status, 400) << rt;
    EXPECT_EQ(dead.Json()["error_description"], "the refresh token has been revoked");
  }
  EXPECT_EQ(Introspect(r1.Json()["access_token"]).Json()["active"], false);
}

// The client's use mark (what the reaper of unused clients reads) is written with the family of
// its first code exchange, then at most once an hour.
TEST_F(TokenEndpoint, TheFirstCodeExchangeMarksTheClientUsed) {
  storage::Store& store = server_.app().store();
  std::string code = Code();
  EXPECT_EQ(store.GetClient(client_id_)->last_used_at, 0);  // registered, authorized, not used
  int64_t first = server_.clock().Now();
  ASSERT_EQ(flow_.ExchangeCode(client_id_, code, pkce_.verifier, kRedirect).status, 200);
  EXPECT_EQ(store.GetClient(client_id_)->last_used_at, first);
  server_.clock().Advance(60);
  Tokens();
  EXPECT_EQ(store.GetClient(client_id_)->last_used_at, first);
  // A refused exchange (wrong verifier) consumes the code but is no use of the client.
  ASSERT_TRUE(storage::testing::TouchClientAndWait(store, client_id_, 0).ok());
  server_.clock().Advance(10);  // past the client cache's 5 seconds
  EXPECT_EQ(flow_.ExchangeCode(client_id_, Code(), "wrong-verifier-wrong-verifier-wrong-verifier", kRedirect).status,
            400);
  EXPECT_EQ(store.GetClient(client_id_)->last_used_at, 0);
}

// A code issued just before an upgrade (43 characters, keyed by its plain hash) must still
// redeem after it, and its replay must still revoke what it issued.
TEST_F(TokenEndpoint, ACodeIssuedBeforeSortableKeysStillRedeems) {
  int64_t now = server_.clock().Now();
  std::string legacy = SecureRandom::Instance().NewToken();
  storage::AuthorizationCode code;
  code.code_hash = TokenHash(legacy);
  code.client_id = client_id_;
  code.user_id = "user-alice";
  code.redirect_uri = kRedirect;
  code.redirect_uri_in_request = true;
  code.code_challenge = pkce_.challenge;
  code.resource = "http://127.0.0.1:9";
  code.scope = "mcp:read";
  code.auth_time = code.created_at = now;
  code.expires_at = now + 60;
  ASSERT_TRUE(server_.app().store().CreateCode(code).ok());

  HttpResult r = flow_.ExchangeCode(client_id_, legacy, pkce_.verifier, kRedirect);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string refresh = r.Json()["refresh_token"];
  auto stored = server_.app().store().GetRefreshToken(SortableTokenKey(refresh));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->second.family_id.size(), 32u);
  server_.clock().Advance(31);  // past the window in which the client's own retry revokes nothing
  EXPECT_EQ(flow_.ExchangeCode(client_id_, legacy, pkce_.verifier, kRedirect).status, 400);
  EXPECT_EQ(flow_.Refresh(client_id_, refresh).Json()["error_description"],
            "the refresh token has been revoked");  // the replay revoked that family
}

// Refresh tokens issued before core/sortable_token (43 characters, keyed by their plain hash)
// must keep working across the upgrade: they rotate into the new format and can be revoked.
TEST_F(TokenEndpoint, ARefreshTokenInTheFormatBeforeSortableKeysStillRotates) {
  int64_t now = server_.clock().Now();
  std::string legacy = SecureRandom::Instance().NewToken();
  storage::RefreshFamily family;
  family.family_id = SecureRandom::Instance().Hex(16);
  family.client_id = client_id_;
  family.user_id = "user-alice";
  family.resource = "http://127.0.0.1:9/mcp";
  family.scope = "mcp:read";
  family.auth_time = family.created_at = now;
  family.expires_at = now + 86400;
  storage::RefreshToken first;
  first.token_hash = TokenHash(legacy);
  first.access_jti = "legacy-jti";
  first.access_expires_at = now + 3600;
  first.created_at = now;
  first.idle_expires_at = now + 86400;
  ASSERT_TRUE(server_.app().store().CreateFamily(family, first).ok());

  HttpResult r = flow_.Refresh(client_id_, legacy);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string next = r.Json()["refresh_token"];
  EXPECT_EQ(next.size(), 51u);
  EXPECT_EQ(JwtPart(r.Json()["access_token"], 1)["aud"], "http://127.0.0.1:9/mcp");
  EXPECT_EQ(Introspect(next).Json()["active"], true);
  HttpResult revoked = PostForm(server_.port(), "/oauth/revoke",
                                {{"token", next}, {"client_id", client_id_}});
  EXPECT_EQ(revoked.status, 200);
  HttpResult dead = flow_.Refresh(client_id_, next);
  EXPECT_EQ(dead.status, 400);
  EXPECT_EQ(dead.Json()["error_description"], "the refresh token has been revoked");
}

TEST_F(TokenEndpoint, RefreshScopeMayOnlyNarrow) {
  std::string location = flow_.AuthorizeAndApprove(
      flow_.AuthorizeParams(client_id_, kRedirect, pkce_, "mcp:read mcp:write"), "alice",
      "correct horse battery");
  HttpResult t = flow_.ExchangeCode(client_id_, QueryOf(location)["code"], pkce_.verifier, kRedirect);
  ASSERT_EQ(t.Json()["scope"], "mcp:read mcp:write");
  HttpResult wider = flow_.Refresh(client_id_, t.Json()["refresh_token"], "mcp:read admin");
  EXPECT_EQ(wider.status, 400);
  EXPECT_EQ(wider.Json()["error"], "invalid_scope");
  // The refused request did not spend the token.
  HttpResult narrow = flow_.Refresh(client_id_, t.Json()["refresh_token"], "mcp:read");
  ASSERT_EQ(narrow.status, 200) << narrow.body;
  EXPECT_EQ(narrow.Json()["scope"], "mcp:read");
  EXPECT_EQ(JwtPart(narrow.Json()["access_token"], 1)["scope"], "mcp:read");
}

TEST_F(TokenEndpoint, RefreshExpiresWhenIdle) {
  TestServer idle([](server::RawConfig& raw) { raw.refresh_idle_ttl = "3600"; });
  AddUser(idle, "alice", "correct horse battery");
  FlowDriver flow(idle);
  std::string client = flow.RegisterPublicClient({kRedirect});
  std::string code = QueryOf(flow.AuthorizeAndApprove(flow.AuthorizeParams(client, kRedirect, pkce_),
                                                      "alice", "correct horse battery"))["code"];
  std::string rt = flow.ExchangeCode(client, code, pkce_.verifier, kRedirect).Json()["refresh_token"];
  idle.clock().Advance(3600);
  HttpResult r = flow.Refresh(client, rt);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error_description"], "the refresh token has expired");
}

TEST_F(TokenEndpoint, UnknownClientOrBadSecretIs401InvalidClient) {
  HttpResult unknown = flow_.ExchangeCode("no-such-client", "x", pkce_.verifier, kRedirect);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.Json()["error"], "invalid_client");
  EXPECT_EQ(unknown.Header("www-authenticate"), "");  // no Basic attempted
  HttpResult bad = PostForm(server_.port(), "/oauth/token", {{"grant_type", "client_credentials"}},
                            {{"Authorization", Basic(rs_.first, "wrong")}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.Json()["error"], "invalid_client");
  EXPECT_EQ(bad.Header("www-authenticate").rfind("Basic realm=", 0), 0u);
}

TEST_F(TokenEndpoint, ClientCredentialsForConfidentialClientsOnly) {
  HttpResult ok = PostForm(server_.port(), "/oauth/token",
                           {{"grant_type", "client_credentials"}, {"scope", "mcp:read"},
                            {"resource", "https://mcp.example.com/mcp"}},
                           {{"Authorization", Basic(rs_.first, rs_.second)}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(ok.Json().contains("refresh_token"));
  nlohmann::json claims = JwtPart(ok.Json()["access_token"], 1);
  EXPECT_EQ(claims["sub"], rs_.first);
  EXPECT_EQ(claims["aud"], "https://mcp.example.com/mcp");
  // client_secret_post works for the same client.
  EXPECT_EQ(PostForm(server_.port(), "/oauth/token",
                     {{"grant_type", "client_credentials"}, {"client_id", rs_.first},
                      {"client_secret", rs_.second}, {"resource", "http://127.0.0.1:9"}}).status,
            200);
  HttpResult pub = PostForm(server_.port(), "/oauth/token",
                            {{"grant_type", "client_credentials"}, {"client_id", client_id_}});
  EXPECT_EQ(pub.status, 400);
  EXPECT_EQ(pub.Json()["error"], "unauthorized_client");
}

// Repeated client_credentials requests are served from the client cache (on the network thread):
// the same answers, a wrong secret still refused, and a client deleted behind the server's back
// (by the CLI or another instance) accepted for at most the cache's 5 s.
TEST_F(TokenEndpoint, ClientCredentialsFromTheClientCacheAndHowStaleItMayBe) {
  auto cc = [&](const std::string& secret) {
    return PostForm(server_.port(), "/oauth/token",
                    {{"grant_type", "client_credentials"}, {"scope", "mcp:read"},
                     {"resource", "https://mcp.example.com/mcp"}},
                    {{"Authorization", Basic(rs_.first, secret)}});
  };
  for (int i = 0; i < 3; ++i) {
    HttpResult ok = cc(rs_.second);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(JwtPart(ok.Json()["access_token"], 1)["sub"], rs_.first);
    EXPECT_EQ(ok.Header("cache-control"), "no-store");
  }
  HttpResult wrong = cc("not-the-secret");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Json()["error"], "invalid_client");
  EXPECT_EQ(wrong.Header("www-authenticate"), "Basic realm=\"http://127.0.0.1:9\", charset=\"UTF-8\"");

  ASSERT_TRUE(server_.app().store().DeleteClient(rs_.first).ok());
  server_.clock().Advance(4);
  EXPECT_EQ(cc(rs_.second).status, 200);  // still in the cache
  server_.clock().Advance(1);
  HttpResult gone = cc(rs_.second);
  EXPECT_EQ(gone.status, 401);
  EXPECT_EQ(gone.Json()["error"], "invalid_client");
}

TEST_F(TokenEndpoint, MalformedRequestsAreInvalidRequest) {
  HttpResult json = PostJson(server_.port(), "/oauth/token", {{"grant_type", "client_credentials"}});
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(json.Json()["error"], "invalid_request");
  HttpResult twice = Request(server_.port(), "POST", "/oauth/token",
                             "grant_type=a&grant_type=b&client_id=" + client_id_,
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(twice.Json()["error"], "invalid_request");
  HttpResult grant = PostForm(server_.port(), "/oauth/token", {{"grant_type", "password"}, {"client_id", client_id_}});
  EXPECT_EQ(grant.Json()["error"], "unsupported_grant_type");
}

TEST_F(TokenEndpoint, RevocationAlways200AndKillsFamiliesAndAccessTokens) {
  nlohmann::json t = Tokens();
  Form by_client = {{"client_id", client_id_}};
  auto revoke = [&](const std::string& token) {
    Form f = by_client;
    f.emplace_back("token", token);
    return PostForm(server_.port(), "/oauth/revoke", f);
  };
  EXPECT_EQ(revoke("not-a-token").status, 200);
  EXPECT_EQ(Introspect(t["access_token"]).Json()["active"], true);
  EXPECT_EQ(revoke(t["access_token"]).status, 200);
  EXPECT_EQ(Introspect(t["access_token"]).Json()["active"], false);
  EXPECT_EQ(revoke(t["refresh_token"]).status, 200);
  EXPECT_EQ(flow_.Refresh(client_id_, t["refresh_token"]).Json()["error"], "invalid_grant");
}

TEST_F(TokenEndpoint, IntrospectionForConfidentialClients) {
  nlohmann::json t = Tokens();
  nlohmann::json active = Introspect(t["access_token"]).Json();
  EXPECT_EQ(active["active"], true);
  EXPECT_EQ(active["scope"], "mcp:read");
  EXPECT_EQ(active["client_id"], client_id_);
  EXPECT_EQ(active["sub"], "user-alice");
  EXPECT_EQ(active["iss"], "http://127.0.0.1:9");
  EXPECT_EQ(active["token_type"], "Bearer");
  EXPECT_TRUE(active["exp"].is_number());
  EXPECT_TRUE(active["iat"].is_number());
  nlohmann::json refresh = Introspect(t["refresh_token"]).Json();
  EXPECT_EQ(refresh["active"], true);
  EXPECT_EQ(refresh["token_type"], "refresh_token");
  EXPECT_EQ(Introspect("garbage").body, R"({"active":false})");
  server_.clock().Advance(3601);
  EXPECT_EQ(Introspect(t["access_token"]).Json()["active"], false);
  HttpResult pub = PostForm(server_.port(), "/oauth/introspect",
                            {{"client_id", client_id_}, {"token", t["refresh_token"]}});
  EXPECT_EQ(pub.status, 401);
  EXPECT_EQ(pub.Json()["error"], "invalid_client");
}

TEST_F(TokenEndpoint, CorsPreflightOnTheBackChannel) {
  for (const char* path : {"/oauth/token", "/oauth/register", "/oauth/revoke"}) {
    HttpResult r = Request(server_.port(), "OPTIONS", path, "",
                           {{"Origin", "http://localhost:6274"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(r.status, 204) << path;
    EXPECT_EQ(r.Header("access-control-allow-origin"), "*");
    EXPECT_EQ(r.Header("access-control-allow-methods"), "POST, OPTIONS");
    EXPECT_EQ(r.Header("access-control-allow-headers"),
              "Authorization, Content-Type, MCP-Protocol-Version");
  }
  EXPECT_EQ(flow_.ExchangeCode(client_id_, "x", pkce_.verifier, kRedirect)
                .Header("access-control-allow-origin"), "*");
}

TEST_F(TokenEndpoint, RateLimitNeverHidesATerminalInvalidGrant) {
  TestServer limited([](server::RawConfig& raw) { raw.token_rate_limit = "1"; });
  FlowDriver flow(limited);
  std::string client = flow.RegisterPublicClient({kRedirect});
  EXPECT_EQ(flow.Refresh(client, "dead-token").Json()["error"], "invalid_grant");
  // Over the limit now: a dead token still gets invalid_grant, not 429.
  HttpResult dead = flow.Refresh(client, "dead-token");
  EXPECT_EQ(dead.status, 400);
  EXPECT_EQ(dead.Json()["error"], "invalid_grant");
  auto rs = AddOperatorClient(limited, {.resources = {"https://mcp.example.com/mcp"}});
  Form cc = {{"grant_type", "client_credentials"}, {"client_id", rs.first}, {"client_secret", rs.second}};
  EXPECT_EQ(PostForm(limited.port(), "/oauth/token", cc).status, 200);
  HttpResult throttled = PostForm(limited.port(), "/oauth/token", cc);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.Json()["error"], "temporarily_unavailable");
  EXPECT_FALSE(throttled.Header("retry-after").empty());
}

}  // namespace
}  // namespace authgent::testing
