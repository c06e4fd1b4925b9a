// Strangers trying to fill the disk, starve the workers or lock others out (docs/security.md,
// "Limits"). The server believes X-Forwarded-For from 127.0.0.1 here, so one test process can
// play clients at many addresses.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

std::map<std::string, std::string> From(const std::string& ip) {
  return {{"X-Forwarded-For", ip}};
}

void BehindProxy(server::RawConfig& raw) { raw.trusted_proxies = "127.0.0.1"; }

// A browser at the login page of a fresh request: what a guesser posts with.
struct LoginPage {
  std::string location, txn, cookies;
};
LoginPage OpenLoginPage(FlowDriver& flow) {
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  std::string location =
      flow.Authorize(flow.AuthorizeParams(client, kRedirect, pkce)).Header("location");
  return {location, QueryOf(location)["txn"], flow.cookies()};
}

TEST(AttackLimits, TransactionFloodFromOneAddressGets429) {
  TestServer server([](server::RawConfig& raw) {
    BehindProxy(raw);
    raw.authorize_rate_limit = "3";
  });
  FlowDriver flow(server);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  std::string authorize = "/oauth/authorize?" + UrlEncodeForm(flow.AuthorizeParams(client, kRedirect, pkce));
  // 2001:db8::1 and 2001:db8::2 are one IPv6 /64: one client.
  for (const char* ip : {"2001:db8::1", "2001:db8::2", "2001:db8::3"}) {
    EXPECT_EQ(Get(server.port(), authorize, From(ip)).status, 303) << ip;
  }
  HttpResult refused = Get(server.port(), authorize, From("2001:db8::4"));
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(refused.Header("retry-after").empty());
  EXPECT_NE(refused.body.find("Too many sign-in requests"), std::string::npos);
  EXPECT_TRUE(refused.set_cookies.empty());
  // Another /64, or IPv4, is another client.
  EXPECT_EQ(Get(server.port(), authorize, From("2001:db8:0:1::1")).status, 303);
  EXPECT_EQ(Get(server.port(), authorize, From("198.51.100.7")).status, 303);
  // The window passes.
  server.clock().Advance(60);
  EXPECT_EQ(Get(server.port(), authorize, From("2001:db8::4")).status, 303);
}

TEST(AttackLimits, ConcurrentWrongPasswordsNeverPassTheLimit) {
  TestServer server([](server::RawConfig& raw) {
    raw.login_failure_limit = "3";
    raw.worker_threads = "24";  // all ten guesses are checked at once, none turned away as busy
    raw.password_hash_concurrency = "12";
  });
  AddUser(server, "alice", "correct horse battery");
  FlowDriver flow(server);
  auto [login, txn, cookies] = OpenLoginPage(flow);
  std::atomic<int> wrong{0}, throttled{0}, other{0};
  std::vector<std::thread> guesses;
  for (int i = 0; i < 10; ++i) {
    guesses.emplace_back([&, i] {
      HttpResult r = PostForm(server.port(), "/oauth/login",
                              {{"txn", txn}, {"username", "alice"},
                               {"password", "guess " + std::to_string(i)}},
                              {{"Cookie", cookies}});
      if (r.status == 401) ++wrong;
      else if (r.status == 429) ++throttled;
      else ++other;
    });
  }
  for (auto& t : guesses) t.join();
  EXPECT_EQ(wrong.load(), 3);  // exactly the limit were checked
  EXPECT_EQ(throttled.load(), 7);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(flow.Login(login, "alice", "correct horse battery").status, 429);
}

TEST(AttackLimits, LoginFloodIsTurnedAwayInsteadOfOccupyingTheWorkers) {
  TestServer server([](server::RawConfig& raw) {
    raw.password_hash_concurrency = "1";  // one hash at once, four waiting
    raw.login_failure_limit = "1000";
  });
  FlowDriver flow(server);
  auto [login, txn, cookies] = OpenLoginPage(flow);
  std::atomic<int> checked{0}, busy{0}, other{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 14; ++i) {
    flood.emplace_back([&, i] {
      HttpResult r = PostForm(server.port(), "/oauth/login",
                              {{"txn", txn}, {"username", "user" + std::to_string(i)},
                               {"password", "x"}},
                              {{"Cookie", cookies}});
      if (r.status == 401) {
        ++checked;
      } else if (r.status == 503 && r.Header("retry-after") == "1" &&
                 r.body.find("Sign-in is busy. Try again in a moment.") != std::string::npos) {
        ++busy;
      } else {
        ++other;
      }
    });
  }
  // Token requests are served meanwhile.
  auto machine = AddOperatorClient(server, {.resources = {"https://mcp.example.com/mcp"}});
  HttpResult token = PostForm(server.port(), "/oauth/token", {{"grant_type", "client_credentials"}},
                              {{"Authorization", Basic(machine.first, machine.second)}});
  EXPECT_EQ(token.status, 200);
  for (auto& t : flood) t.join();
  EXPECT_GE(busy.load(), 1);
  EXPECT_GE(checked.load(), 1);
  EXPECT_EQ(checked.load() + busy.load(), 14);
  EXPECT_EQ(other.load(), 0);
}

TEST(AttackLimits, LongUsernameIsRefusedAndNotEchoed) {
  TestServer server;
  FlowDriver flow(server);
  std::string name(20000, 'n');
  HttpResult r = flow.Submit("/oauth/login",
                             {{"txn", OpenLoginPage(flow).txn}, {"username", name}, {"password", "x"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("Incorrect username or password."), std::string::npos);
  EXPECT_EQ(r.body.find(std::string(200, 'n')), std::string::npos);
}

TEST(AttackLimits, Ipv6ClientsAreCountedByTheirSlash64AtLogin) {
  TestServer server([](server::RawConfig& raw) {
    BehindProxy(raw);
    raw.login_failure_limit = "1";  // five per address
  });
  FlowDriver flow(server);
  std::string txn = OpenLoginPage(flow).txn;
  auto attempt = [&](const std::string& ip, int n) {
    std::map<std::string, std::string> headers = From(ip);
    return flow.Submit("/oauth/login", {{"txn", txn},
                                        {"username", "u" + std::to_string(n)},
                                        {"password", "x"}},
                       headers).status;
  };
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(attempt("2001:db8::" + std::to_string(i), i), 401);
  EXPECT_EQ(attempt("2001:db8::ffff", 6), 429);     // the same /64
  EXPECT_EQ(attempt("2001:db8:0:1::1", 7), 401);    // another /64
}

TEST(AttackLimits, StrangerCannotLockAPublicClientOutOfRefreshing) {
  TestServer server([](server::RawConfig& raw) { raw.token_rate_limit = "2"; });
  AddUser(server, "alice", "correct horse battery");
  FlowDriver flow(server);
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  std::string code = QueryOf(flow.AuthorizeAndApprove(flow.AuthorizeParams(client, kRedirect, pkce),
                                                      "alice", "correct horse battery"))["code"];
  std::string rt = flow.ExchangeCode(client, code, pkce.verifier, kRedirect).Json()["refresh_token"];
  // The client_id of a public client is no secret: a stranger floods with garbage tokens.
  for (int i = 0; i < 10; ++i) {
    HttpResult r = flow.Refresh(client, "garbage-" + std::to_string(i));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.Json()["error"], "invalid_grant");
  }
  HttpResult first = flow.Refresh(client, rt);
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResult second = flow.Refresh(client, first.Json()["refresh_token"]);
  ASSERT_EQ(second.status, 200) << second.body;
  // The client's own refreshes do count: a third within the minute is limited.
  HttpResult third = flow.Refresh(client, second.Json()["refresh_token"]);
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(third.Json()["error"], "temporarily_unavailable");
}

TEST(AttackLimits, AFewNetworksCannotExhaustTheGlobalRegistrationLimit) {
  TestServer server([](server::RawConfig& raw) {
    BehindProxy(raw);
    raw.registration_rate_limit = "2";
    raw.registration_network_rate_limit = "3";
    raw.registration_global_rate_limit = "6";
  });
  auto reg = [&](const std::string& ip) {
    return PostJson(server.port(), "/oauth/register",
                    {{"redirect_uris", {kRedirect}}, {"token_endpoint_auth_method", "none"}},
                    From(ip))
        .status;
  };
  // One /24: three hosts get three registrations between them.
  EXPECT_EQ(reg("203.0.113.1"), 201);
  EXPECT_EQ(reg("203.0.113.1"), 201);
  EXPECT_EQ(reg("203.0.113.1"), 429);  // per address
  EXPECT_EQ(reg("203.0.113.2"), 201);
  EXPECT_EQ(reg("203.0.113.3"), 429);  // per network
  EXPECT_EQ(reg("203.0.113.4"), 429);
  // One IPv6 /64 is one address.
  EXPECT_EQ(reg("2001:db8::1"), 201);
  EXPECT_EQ(reg("2001:db8::2"), 201);
  EXPECT_EQ(reg("2001:db8::3"), 429);
  // Five of six global registrations used: others still register.
  EXPECT_EQ(reg("198.51.100.9"), 201);
  EXPECT_EQ(reg("192.0.2.1"), 429);  // now the global limit is reached
}

}  // namespace
}  // namespace authgent::testing
