// Attacks with refresh tokens (docs/security.md, "Refresh tokens"): a stolen token used to branch
// the family inside the grace window, and strangers locking a public client out of refreshing.
#include <gtest/gtest.h>

#include <thread>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

class AttackRefresh : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_ = flow_.RegisterPublicClient({kRedirect});
    rs_ = AddOperatorClient(server_, {.resources = {server_.issuer()}, .introspect = true});
  }
  // A fresh family: the code exchange's answer.
  nlohmann::json Tokens() {
    Pkce pkce = Pkce::Make();
    std::string code = QueryOf(flow_.AuthorizeAndApprove(
        flow_.AuthorizeParams(client_, kRedirect, pkce), "alice", "correct horse battery"))["code"];
    HttpResult r = flow_.ExchangeCode(client_, code, pkce.verifier, kRedirect);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }
  bool Active(const std::string& token) {
    return PostForm(server_.port(), "/oauth/introspect", {{"token", token}},
                    {{"Authorization", Basic(rs_.first, rs_.second)}})
        .Json()["active"] == true;
  }
  TestServer server_{[](server::RawConfig& raw) { raw.refresh_reuse_grace = "60"; }};
  FlowDriver flow_{server_};
  std::string client_;
  std::pair<std::string, std::string> rs_;
};

TEST_F(AttackRefresh, StolenRefreshTokenCannotBranchTheFamily) {
  std::string rt0 = Tokens()["refresh_token"];
  HttpResult first = flow_.Refresh(client_, rt0);
  ASSERT_EQ(first.status, 200) << first.body;
  std::string rt1 = first.Json()["refresh_token"];
  std::string jti1 = JwtPart(first.Json()["access_token"], 1)["jti"];

  // RT0 three more times within the window (parallel refreshes, or a thief racing the client):
  // always RT1 again, with an access token of the same jti. No second branch exists.
  for (int i = 0; i < 3; ++i) {
    server_.clock().Advance(5);
    HttpResult again = flow_.Refresh(client_, rt0);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.Json()["refresh_token"], rt1);
    EXPECT_EQ(JwtPart(again.Json()["access_token"], 1)["jti"], jti1);
  }
  // The client moves on: RT1 is used.
  HttpResult second = flow_.Refresh(client_, rt1);
  ASSERT_EQ(second.status, 200) << second.body;
  std::string rt2 = second.Json()["refresh_token"];
  std::string at2 = second.Json()["access_token"];
  EXPECT_TRUE(Active(rt2));
  EXPECT_TRUE(Active(at2));

  // RT0 now, still inside its grace window: only a stolen copy can be behind it. The family
  // and every access token issued in it are revoked.
  HttpResult theft = flow_.Refresh(client_, rt0);
  EXPECT_EQ(theft.status, 400);
  EXPECT_EQ(theft.Json()["error"], "invalid_grant");
  EXPECT_EQ(theft.Json()["error_description"], "the refresh token was already used");
  HttpResult dead = flow_.Refresh(client_, rt2);
  EXPECT_EQ(dead.status, 400);
  EXPECT_EQ(dead.Json()["error_description"], "the refresh token has been revoked");
  EXPECT_FALSE(Active(rt2));
  EXPECT_FALSE(Active(at2));
  EXPECT_FALSE(Active(first.Json()["access_token"]));
}

TEST_F(AttackRefresh, ParallelRefreshesAllGetTheSamePair) {
  std::string rt0 = Tokens()["refresh_token"];
  std::vector<HttpResult> answers(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < answers.size(); ++i) {
    threads.emplace_back([&, i] { answers[i] = flow_.Refresh(client_, rt0); });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> refresh_tokens, jtis;
  for (const HttpResult& r : answers) {
    ASSERT_EQ(r.status, 200) << r.body;
    refresh_tokens.insert(r.Json()["refresh_token"].get<std::string>());
    jtis.insert(JwtPart(r.Json()["access_token"], 1)["jti"].get<std::string>());
  }
  EXPECT_EQ(refresh_tokens.size(), 1u);
  EXPECT_EQ(jtis.size(), 1u);
  EXPECT_EQ(flow_.Refresh(client_, *refresh_tokens.begin()).status, 200);
}

}  // namespace
}  // namespace authgent::testing
