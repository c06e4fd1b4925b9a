// Three instances behind HAProxy on one PostgreSQL (tests/integration/multi_instance.h): the
// whole flow with every request on another instance than the one before, one refresh token raced
// on all three, a code redeemed through two, a key rotation reaching every instance, a deleted
// client refused everywhere, and rate limits counted across instances.
#include "authgent/verify/verifier.h"
#include "multi_instance.h"

namespace authgent::testing {
namespace {

TEST_F(MultiInstance, WholeFlowWithEveryRequestOnAnotherInstance) {
  ASSERT_NO_FATAL_FAILURE(Start());
  AddUser("alice", "alice-password-1");
  auto introspector = AddMachineClient(/*introspect=*/true);
  size_t first = balancer_->Served().size();

  FlowDriver flow(balancer_port_);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  Form params = flow.AuthorizeParams(client, kRedirect, pkce);
  params.push_back({"resource", kResource});
  std::string url = flow.AuthorizeAndApprove(params, "alice", "alice-password-1");
  HttpResult token = flow.ExchangeCode(client, QueryOf(url)["code"], pkce.verifier, kRedirect);
  ASSERT_EQ(token.status, 200) << token.body;
  HttpResult refreshed = flow.Refresh(client, token.Json()["refresh_token"]);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  std::string access = refreshed.Json()["access_token"];
  std::string refresh = refreshed.Json()["refresh_token"];
  auto introspect = [&](const std::string& t) {
    return PostForm(balancer_port_, "/oauth/introspect", {{"token", t}},
                    {{"Authorization", Basic(introspector.first, introspector.second)}});
  };
  HttpResult active = introspect(access);
  ASSERT_EQ(active.status, 200) << active.body;
  EXPECT_EQ(active.Json()["active"], true);
  EXPECT_EQ(active.Json()["client_id"], client);
  HttpResult revoked = PostForm(balancer_port_, "/oauth/revoke",
                                {{"token", refresh}, {"client_id", client}});
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(introspect(refresh).Json(), nlohmann::json({{"active", false}}));
  EXPECT_EQ(flow.Refresh(client, refresh).Json()["error"], "invalid_grant");

  std::vector<std::string> served = balancer_->Served();
  served.erase(served.begin(), served.begin() + static_cast<long>(first));
  ASSERT_GE(served.size(), 10u) << balancer_->log();
  for (size_t i = 1; i < served.size(); ++i) {
    EXPECT_NE(served[i], served[i - 1]) << "requests " << i - 1 << " and " << i << ": "
                                        << balancer_->log();
  }
  EXPECT_EQ(std::set<std::string>(served.begin(), served.end()).size(), 3u);
  std::cout << "whole flow: " << served.size() << " requests, each on another instance\n";
}

TEST_F(MultiInstance, OneRefreshTokenRacedOnAllThreeKeepsOneBranch) {
  ASSERT_NO_FATAL_FAILURE(Start());
  AddUser("alice", "alice-password-1");
  FlowDriver flow(balancer_port_);
  std::string client = flow.RegisterPublicClient({kRedirect});
  std::string rt0 = Authorize(flow, client)["refresh_token"];
  for (int round = 0; round < 5; ++round) {
    std::vector<HttpResult> results(kInstances);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kInstances; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready < kInstances) std::this_thread::yield();
        results[i] = PostForm(ports_[i], "/oauth/token",
                              {{"grant_type", "refresh_token"}, {"refresh_token", rt0},
                               {"client_id", client}});
      });
    }
    for (auto& t : threads) t.join();
    // As on one instance: the first rotates, the others get the same successor and the same
    // access token id (the grace reissue). One family, one live branch, no 5xx.
    std::set<std::string> successors, jtis;
    for (const HttpResult& r : results) {
      ASSERT_EQ(r.status, 200) << r.body;
      successors.insert(r.Json()["refresh_token"].get<std::string>());
      jtis.insert(JwtPart(r.Json()["access_token"], 1)["jti"].get<std::string>());
    }
    EXPECT_EQ(successors.size(), 1u) << "round " << round;
    EXPECT_EQ(jtis.size(), 1u) << "round " << round;
    rt0 = *successors.begin();
  }
  // The last successor is the one live token of the family.
  HttpResult next = flow.Refresh(client, rt0);
  EXPECT_EQ(next.status, 200) << next.body;
}

TEST_F(MultiInstance, CodeRedeemedThroughTwoInstancesSucceedsOnceAndTheReplayRevokes) {
  ASSERT_NO_FATAL_FAILURE(Start());
  AddUser("alice", "alice-password-1");
  FlowDriver flow(balancer_port_);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  std::string url = flow.AuthorizeAndApprove(flow.AuthorizeParams(client, kRedirect, pkce),
                                             "alice", "alice-password-1");
  std::string code = QueryOf(url)["code"];
  Form exchange = {{"grant_type", "authorization_code"}, {"code", code},
                   {"code_verifier", pkce.verifier}, {"redirect_uri", kRedirect},
                   {"client_id", client}};
  HttpResult a, b;
  std::thread ta([&] { a = PostForm(ports_[0], "/oauth/token", exchange); });
  std::thread tb([&] { b = PostForm(ports_[1], "/oauth/token", exchange); });
  ta.join();
  tb.join();
  ASSERT_EQ((a.status == 200) + (b.status == 200), 1) << a.body << " / " << b.body;
  const HttpResult& won = a.status == 200 ? a : b;
  const HttpResult& lost = a.status == 200 ? b : a;
  EXPECT_EQ(lost.status, 400);
  EXPECT_EQ(lost.Json()["error"], "invalid_grant");
  // The loser proved the verifier: it is the client's own retry and revokes nothing...
  HttpResult alive = PostForm(ports_[2], "/oauth/token",
                              {{"grant_type", "refresh_token"},
                               {"refresh_token", won.Json()["refresh_token"]}, {"client_id", client}});
  ASSERT_EQ(alive.status, 200) << alive.body;
  // ...while a presentation without it (a thief of the code) revokes what the code issued, on
  // every instance.
  Form stolen = exchange;
  stolen[2].second = Pkce::Make().verifier;
  EXPECT_EQ(PostForm(ports_[2], "/oauth/token", stolen).Json()["error_description"],
            "the authorization code was already used");
  for (int port : ports_) {
    HttpResult r = PostForm(port, "/oauth/token",
                            {{"grant_type", "refresh_token"},
                             {"refresh_token", alive.Json()["refresh_token"]}, {"client_id", client}});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Json()["error"], "invalid_grant");
  }
}

TEST_F(MultiInstance, KeyRotationReachesEveryInstanceAndTokensVerifyEverywhere) {
  ASSERT_NO_FATAL_FAILURE(Start({{"KEY_PUBLISH_DELAY", "4"}, {"KEY_RELOAD_INTERVAL", "1"}}));
  auto machine = AddMachineClient(/*introspect=*/false);
  std::string old_kid = JwtPart(ClientCredentials(ports_[0], machine).Json()["access_token"], 0)["kid"];
  RunResult rotate = Cli({"keys", "rotate"});
  ASSERT_EQ(rotate.code, 0) << rotate.err;
  auto kids = [](int port) {
    std::set<std::string> out;
    nlohmann::json jwks = nlohmann::json::parse(Get(port, "/.well-known/jwks.json").body);
    for (auto& k : jwks["keys"]) {
      out.insert(k["kid"].get<std::string>());
    }
    return out;
  };
  // Published by every instance within the reload interval, before it signs anything.
  auto published = std::chrono::steady_clock::now();
  for (int port : ports_) {
    for (int i = 0; i < 30 && kids(port).size() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(kids(port).size(), 2u) << "instance on " << port;
    EXPECT_EQ(JwtPart(ClientCredentials(port, machine).Json()["access_token"], 0)["kid"], old_kid);
  }
  std::string new_kid;
  for (const std::string& k : kids(ports_[0])) {
    if (k != old_kid) new_kid = k;
  }
  // After KEY_PUBLISH_DELAY every instance signs with it, and every token verifies against every
  // other instance's JWKS.
  std::this_thread::sleep_until(published + std::chrono::seconds(5));
  for (int signer : ports_) {
    std::string token = ClientCredentials(signer, machine).Json()["access_token"];
    EXPECT_EQ(JwtPart(token, 0)["kid"], new_kid) << "instance on " << signer;
    for (int port : ports_) {
      auto jwks = verify::Jwks::Parse(Get(port, "/.well-known/jwks.json").body);
      ASSERT_TRUE(jwks.has_value());
      auto verifier = verify::Verifier::Create({.issuer = env_["ISSUER"], .audience = kResource},
                                               verify::KeySource::Static(*jwks));
      EXPECT_TRUE(std::holds_alternative<verify::VerifiedToken>(verifier->Verify(token)))
          << "signed on " << signer << ", JWKS of " << port;
    }
  }
}

TEST_F(MultiInstance, DeletedClientIsRefusedByEveryInstanceWithinTheCacheTime) {
  ASSERT_NO_FATAL_FAILURE(Start());
  auto machine = AddMachineClient(/*introspect=*/false);
  for (int port : ports_) ASSERT_EQ(ClientCredentials(port, machine).status, 200);
  RunResult deleted = Cli({"clients", "delete", machine.first});
  ASSERT_EQ(deleted.code, 0) << deleted.err;
  auto start = std::chrono::steady_clock::now();
  // The client cache keeps a client at most 5 s (docs/deployment/scaling.md).
  for (int port : ports_) {
    HttpResult r;
    do {
      r = ClientCredentials(port, machine);
      if (r.status != 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
    EXPECT_EQ(r.status, 401) << "instance on " << port << ": " << r.body;
    EXPECT_EQ(r.Json()["error"], "invalid_client");
  }
  EXPECT_LE(std::chrono::steady_clock::now() - start, std::chrono::seconds(6));
}

TEST_F(MultiInstance, RateLimitsCountAcrossInstances) {
  ASSERT_NO_FATAL_FAILURE(Start({{"REGISTRATION_RATE_LIMIT", "4"}, {"LOGIN_FAILURE_LIMIT", "2"}}));
  AddUser("alice", "alice-password-1");
  // Two wrong passwords for alice, each on another instance; the third attempt, even with the
  // right password, is refused by the instance it lands on.
  FlowDriver flow(balancer_port_);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  std::string login = flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce)).Header("location");
  ASSERT_FALSE(login.empty());
  size_t before = balancer_->Served().size();
  EXPECT_EQ(flow.Login(login, "alice", "wrong-1").status, 401);
  EXPECT_EQ(flow.Login(login, "alice", "wrong-2").status, 401);
  EXPECT_EQ(flow.Login(login, "alice", "alice-password-1").status, 429);
  std::vector<std::string> served = balancer_->Served();
  EXPECT_GE(std::set<std::string>(served.begin() + static_cast<long>(before), served.end()).size(), 2u)
      << balancer_->log();

  // Four registrations (the first above) from one address land on three instances; the fifth
  // is refused.
  nlohmann::json registration = {{"redirect_uris", {kRedirect}},
                                 {"token_endpoint_auth_method", "none"}};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(PostJson(balancer_port_, "/oauth/register", registration).status, 201) << i;
  }
  HttpResult fifth = PostJson(balancer_port_, "/oauth/register", registration);
  EXPECT_EQ(fifth.status, 429) << fifth.body;
  EXPECT_EQ(fifth.Json()["error"], "temporarily_unavailable");
  EXPECT_FALSE(fifth.Header("retry-after").empty());
}

}  // namespace
}  // namespace authgent::testing
