// Login through an upstream OpenID provider, over real HTTP: a fake provider in the test process
// issues the id_tokens (good ones, and each kind of bad one), authgent runs the round trip.
#include <gtest/gtest.h>

#include <thread>

#include "fake_idp.h"
#include "flow_helpers.h"
#include "process.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

bool WaitReady(TestServer& server) {
  for (int i = 0; i < 100; ++i) {
    if (Get(server.port(), "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

struct Round {
  std::string state;
  std::string nonce;
  std::string upstream_url;
};

class UpstreamLogin : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    idp_ = std::make_unique<FakeIdp>(GetParam());
    std::string issuer = idp_->issuer();
    server_ = std::make_unique<TestServer>([&](server::RawConfig& raw) {
      raw.issuer = "http://127.0.0.1:9";
      raw.upstream_issuer = issuer;
      raw.upstream_client_id = "authgent-at-idp";
      raw.upstream_client_secret = "idp-secret";
      raw.upstream_allowed_domains = "corp.example";
    });
    ASSERT_TRUE(WaitReady(*server_));
    flow_ = std::make_unique<FlowDriver>(*server_);
    client_ = flow_->RegisterPublicClient({kRedirect});
  }
  // authorize -> /oauth/login -> 302 to the provider; returns what the provider was sent.
  Round Start() {
    HttpResult authorize = flow_->Authorize(flow_->AuthorizeParams(client_, kRedirect, pkce_));
    EXPECT_EQ(authorize.status, 303);
    HttpResult login = flow_->Visit(authorize.Header("location"));
    EXPECT_EQ(login.status, 302) << login.body;
    Round r;
    r.upstream_url = login.Header("location");
    auto q = QueryOf(r.upstream_url);
    r.state = q["state"];
    r.nonce = q["nonce"];
    return r;
  }
  nlohmann::json Claims(const Round& r, const std::string& sub = "idp-user-1") {
    int64_t now = server_->clock().Now();
    return {{"iss", idp_->issuer()}, {"aud", "authgent-at-idp"}, {"sub", sub},
            {"nonce", r.nonce},      {"iat", now},               {"exp", now + 300},
            {"email", "ann@corp.example"}, {"email_verified", true}, {"name", "Ann Example"}};
  }
  HttpResult Callback(const Round& r, const std::string& extra = "code=upstream-code") {
    return flow_->Visit("/oauth/upstream/callback?state=" + r.state + "&" + extra);
  }
  // Finishes a successful callback through consent and the token endpoint; returns the JWT sub.
  std::string FinishAndGetSubject(const HttpResult& callback) {
    HttpResult consent = flow_->ConsentPage(callback.Header("location"));
    // The consent page the first time; a remembered consent goes straight back to the client.
    EXPECT_TRUE(consent.status == 200 || consent.status == 302) << consent.body;
    HttpResult done = consent.status == 200 ? flow_->Decide(consent, "approve") : consent;
    std::string code = QueryOf(done.Header("location"))["code"];
    HttpResult tokens = flow_->ExchangeCode(client_, code, pkce_.verifier, kRedirect);
    EXPECT_EQ(tokens.status, 200) << tokens.body;
    return JwtPart(tokens.Json()["access_token"], 1)["sub"];
  }
  void ExpectRefusedPage(const HttpResult& r, int status, const std::string& title) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.Header("location"), "");
    EXPECT_EQ(r.Header("set-cookie"), "");
    EXPECT_NE(r.body.find(title), std::string::npos) << r.body;
  }

  std::unique_ptr<FakeIdp> idp_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<FlowDriver> flow_;
  std::string client_;
  Pkce pkce_ = Pkce::Make();
};

TEST_P(UpstreamLogin, RoundTripConsentAndTokensWithAStableSubject) {
  Round r = Start();
  EXPECT_EQ(r.upstream_url.rfind(idp_->issuer() + "/authorize?", 0), 0u);
  auto q = QueryOf(r.upstream_url);
  EXPECT_EQ(q["client_id"], "authgent-at-idp");
  EXPECT_EQ(q["redirect_uri"], "http://127.0.0.1:9/oauth/upstream/callback");
  EXPECT_EQ(q["code_challenge_method"], "S256");
  EXPECT_EQ(q["scope"], "openid email profile");
  idp_->SetClaims([&] { return Claims(r); });
  HttpResult callback = Callback(r);
  ASSERT_EQ(callback.status, 303) << callback.body;
  EXPECT_EQ(callback.Header("location").rfind("/oauth/consent?txn=", 0), 0u);
  std::string sub = FinishAndGetSubject(callback);
  EXPECT_EQ(sub.size(), 32u);
  auto user = server_->app().store().GetUserByUpstream(idp_->issuer(), "idp-user-1");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->user_id, sub);
  EXPECT_EQ(user->email, "ann@corp.example");

  // The same upstream user again, in a fresh browser: the same local subject; name refreshed.
  flow_->ClearCookies();
  Round again = Start();
  idp_->SetClaims([&] {
    nlohmann::json c = Claims(again);
    c["name"] = "Ann Renamed";
    return c;
  });
  EXPECT_EQ(FinishAndGetSubject(Callback(again)), sub);
  EXPECT_EQ(server_->app().store().GetUserByUpstream(idp_->issuer(), "idp-user-1")->name, "Ann Renamed");
}

TEST_P(UpstreamLogin, TamperedSignatureIsRefused) {
  Round r = Start();
  idp_->SetClaims([&] { return Claims(r); });
  idp_->SetTokenOverride([&](const nlohmann::json& claims) {
    std::string token = idp_->signer().Sign(claims);
    token[token.size() - 3] = token[token.size() - 3] == 'A' ? 'B' : 'A';
    return token;
  });
  ExpectRefusedPage(Callback(r), 401, "Sign-in could not be verified");
}

TEST_P(UpstreamLogin, WrongNonceWrongAudienceAndExpiryAreRefused) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"nonce", "not-the-nonce"}, {"aud", "someone-else"},
           {"exp", server_->clock().Now() - 3600}}) {
    Round r = Start();
    idp_->SetClaims([&, key = key, value = value] {
      nlohmann::json c = Claims(r);
      c[key] = value;
      return c;
    });
    ExpectRefusedPage(Callback(r), 401, "Sign-in could not be verified");
  }
}

TEST_P(UpstreamLogin, ReplayedStateFindsNothing) {
  Round r = Start();
  idp_->SetClaims([&] { return Claims(r); });
  EXPECT_EQ(Callback(r).status, 303);
  ExpectRefusedPage(Callback(r), 400, "This sign-in has expired or was already used");
  ExpectRefusedPage(Get(server_->port(), "/oauth/upstream/callback?state=forged&code=x"), 400,
                    "This sign-in has expired or was already used");
}

// Session swapping: the attacker signs in at the provider in their own browser, stops before the
// callback, and makes the victim's browser load it, which would sign the victim in as the
// attacker. The callback finds the wrong transaction cookie and redeems nothing.
TEST_P(UpstreamLogin, AttackSessionSwappingWithACallbackCarriedIntoAnotherBrowserIsRefused) {
  Round r = Start();
  idp_->SetClaims([&] { return Claims(r); });
  FlowDriver victim(*server_);
  HttpResult swapped =
      victim.Visit("/oauth/upstream/callback?state=" + r.state + "&code=upstream-code");
  EXPECT_EQ(swapped.status, 403);
  EXPECT_NE(swapped.body.find("This sign-in was started in another browser"), std::string::npos);
  EXPECT_EQ(victim.cookie(), "");
  EXPECT_EQ(idp_->token_requests(), 0);
}

// Before consent, a self-registered client gets the error through a page with a link (as at
// /oauth/authorize: RFC 9700 §4.11.2).
TEST_P(UpstreamLogin, UpstreamAccessDeniedGoesBackToTheClient) {
  Round r = Start();
  HttpResult denied = Callback(r, "error=access_denied&error_description=user+cancelled");
  ASSERT_EQ(denied.status, 400);
  EXPECT_EQ(denied.Header("location"), "");
  auto q = QueryOf(ReturnLink(denied.body));
  EXPECT_EQ(q["error"], "access_denied");
  EXPECT_EQ(q["iss"], "http://127.0.0.1:9");
  EXPECT_EQ(q["state"], "st-" + client_.substr(0, 6));
  EXPECT_EQ(idp_->token_requests(), 0);
}

// The account page signs in through the same provider and comes back to /account; a refusal
// there is a page, since no application waits for it.
TEST_P(UpstreamLogin, TheAccountPageSignsInThroughTheProvider) {
  auto start = [&] {
    HttpResult account = flow_->Visit("/account");
    EXPECT_EQ(account.status, 303);
    HttpResult login = flow_->Visit(account.Header("location"));
    EXPECT_EQ(login.status, 302) << login.body;
    Round r;
    r.upstream_url = login.Header("location");
    r.state = QueryOf(r.upstream_url)["state"];
    r.nonce = QueryOf(r.upstream_url)["nonce"];
    return r;
  };
  Round refused = start();
  ExpectRefusedPage(Callback(refused, "error=access_denied"), 403, "Sign-in refused");
  Round r = start();
  idp_->SetClaims([&] { return Claims(r); });
  HttpResult callback = Callback(r);
  ASSERT_EQ(callback.status, 303) << callback.body;
  EXPECT_EQ(callback.Header("location"), "/account");
  HttpResult page = flow_->Visit("/account");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Signed in as ann@corp.example"), std::string::npos) << page.body;
}

TEST_P(UpstreamLogin, EmailOutsideTheAllowedDomainsIsRefused) {
  Round r = Start();
  idp_->SetClaims([&] {
    nlohmann::json c = Claims(r, "outsider");
    c["email"] = "eve@elsewhere.example";
    return c;
  });
  ExpectRefusedPage(Callback(r), 403, "This account is not allowed here");
  EXPECT_EQ(server_->app().store().GetUserByUpstream(idp_->issuer(), "outsider").status().code(),
            StatusCode::kNotFound);
}

// UPSTREAM_ALLOWED_DOMAINS: an address the provider did not verify is anyone's to type in.
TEST_P(UpstreamLogin, AttackUnverifiedEmailInAnAllowedDomainIsRefused) {
  Round r = Start();
  idp_->SetClaims([&] {
    nlohmann::json c = Claims(r, "mallory");
    c["email"] = "mallory@corp.example";
    c["email_verified"] = false;
    return c;
  });
  ExpectRefusedPage(Callback(r), 403, "This account is not allowed here");
  // Some providers send the string "true": it counts as verified.
  Round again = Start();
  idp_->SetClaims([&] {
    nlohmann::json c = Claims(again, "ann-string");
    c["email_verified"] = "true";
    return c;
  });
  EXPECT_EQ(Callback(again).status, 303);
  // No email_verified at all: not verified (in a fresh browser: the last round signed in).
  flow_->ClearCookies();
  Round bare = Start();
  idp_->SetClaims([&] {
    nlohmann::json c = Claims(bare, "bare");
    c.erase("email_verified");
    return c;
  });
  ExpectRefusedPage(Callback(bare), 403, "This account is not allowed here");
}

// Google's `hd` (hosted domain) claim means something only in Google's id_tokens.
TEST_P(UpstreamLogin, AttackHostedDomainClaimFromAnotherProviderIsIgnored) {
  Round r = Start();
  idp_->SetClaims([&] {
    nlohmann::json c = Claims(r, "eve");
    c["email"] = "eve@elsewhere.example";
    c["hd"] = "corp.example";
    return c;
  });
  ExpectRefusedPage(Callback(r), 403, "This account is not allowed here");
}

TEST_P(UpstreamLogin, LocalPasswordLoginIsOff) {
  HttpResult r = PostForm(server_->port(), "/oauth/login", {{"txn", "x"}, {"username", "a"}, {"password", "b"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(server_->app().store().CountUsers().value(), 0);  // no admin is created either
}

INSTANTIATE_TEST_SUITE_P(Algorithms, UpstreamLogin, ::testing::Values("RS256", "ES256"));

TEST(UpstreamDown, ServerStartsNotReadyThenRecoversByItself) {
  int port = FreePort();
  TestServer server([&](server::RawConfig& raw) {
    raw.upstream_issuer = "http://127.0.0.1:" + std::to_string(port);
    raw.upstream_client_id = "authgent-at-idp";
    raw.upstream_client_secret = "idp-secret";
    raw.upstream_retry_max = "1";
    raw.upstream_timeout = "2";
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpResult ready = Get(server.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, R"({"reason":"upstream","status":"unavailable"})");
  FlowDriver flow(server);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  HttpResult authorize = flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce));
  HttpResult login = flow.Visit(authorize.Header("location"));
  EXPECT_EQ(login.status, 503);
  EXPECT_NE(login.body.find("Identity provider unavailable"), std::string::npos);

  FakeIdp idp("RS256", port);  // the provider comes up
  EXPECT_TRUE(WaitReady(server));
  HttpResult again =
      flow.Visit(flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce)).Header("location"));
  EXPECT_EQ(again.status, 302);
  EXPECT_EQ(again.Header("location").rfind(idp.issuer() + "/authorize?", 0), 0u);
}

}  // namespace
}  // namespace authgent::testing
