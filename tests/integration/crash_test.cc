// kill -9 of the real binary on SQLite while clients exchange codes and rotate refresh tokens, at
// a random moment, several times on one database: after each restart the database passes
// `PRAGMA integrity_check`, and everything whose successful answer reached a client before the
// kill is still good: each code redeems, each chain's last refresh token rotates, each access token
// introspects active. Nothing that authgent answered 200 (or 302 with a code) may be lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "flow_helpers.h"
#include "http_client.h"
#include "process.h"
#include "sqlite_check.h"

namespace authgent::testing {
namespace {

using Env = std::map<std::string, std::string>;
constexpr char kRedirect[] = "http://127.0.0.1:9/callback";
constexpr char kResource[] = "https://mcp.example/mcp";
constexpr int kClients = 4;
constexpr int kKills = 3;

// What the clients were answered before the kill, to be checked after the restart.
struct Answered {
  std::mutex mu;
  struct Code {
    std::string client_id, code, verifier;
  };
  std::vector<Code> codes;                                     // received, not yet presented
  std::vector<std::pair<std::string, std::string>> refreshes;  // {client_id, last refresh token}
  std::vector<std::string> access_tokens;
  int requests = 0;  // answered requests of every kind
};

// One client and its user's browser, loaded until the server stops answering: each round gets a
// code (keeping every third one unpresented), exchanges it and rotates the refresh token three
// times. Records only what was answered.
void Load(const std::string& client_id, FlowDriver& browser, Answered& answered) {
  for (int round = 0;; ++round) {
    Pkce pkce = Pkce::Make();
    Form params = browser.AuthorizeParams(client_id, kRedirect, pkce);
    params.push_back({"resource", kResource});
    HttpResult page = browser.Authorize(params);
    if (page.status != 200) return;
    HttpResult approved = browser.Decide(page, "approve");
    if (approved.status != 302) return;
    std::string code = QueryOf(approved.Header("location"))["code"];
    std::unique_lock lock(answered.mu);
    answered.requests += 2;
    if (round % 3 == 0) {
      answered.codes.push_back({client_id, code, pkce.verifier});
      continue;
    }
    lock.unlock();
    HttpResult token = browser.ExchangeCode(client_id, code, pkce.verifier, kRedirect);
    if (token.status != 200) return;
    lock.lock();
    ++answered.requests;
    answered.access_tokens.push_back(token.Json()["access_token"]);
    answered.refreshes.push_back({client_id, token.Json()["refresh_token"]});
    size_t chain = answered.refreshes.size() - 1;
    for (int i = 0; i < 3; ++i) {
      std::string current = answered.refreshes[chain].second;
      lock.unlock();
      HttpResult rotated = browser.Refresh(client_id, current);
      if (rotated.status != 200) return;
      lock.lock();
      ++answered.requests;
      answered.access_tokens.push_back(rotated.Json()["access_token"]);
      answered.refreshes[chain].second = rotated.Json()["refresh_token"];
    }
  }
}

TEST(Crash, KillNineUnderLoadLosesNothingThatWasAnswered) {
  std::string dir = MakeTempDir("authgent-crash");
  std::string db_path = dir + "/authgent.db";
  Env env = {{"DATABASE_URL", "sqlite://" + db_path},
             {"BIND_ADDRESS", "127.0.0.1"},
             {"ACCESS_LOG", "false"},
             {"RESOURCES", kResource},
             {"REGISTRATION_RATE_LIMIT", "0"},
             {"REGISTRATION_NETWORK_RATE_LIMIT", "0"},
             {"REGISTRATION_GLOBAL_RATE_LIMIT", "0"},
             {"AUTHORIZE_RATE_LIMIT", "0"},
             {"TOKEN_RATE_LIMIT", "0"}};
  RunResult user = RunAuthgent({"users", "add", "alice"}, env, dir, "alice-password-1\n");
  ASSERT_EQ(user.code, 0) << user.err;
  RunResult added = RunAuthgent({"clients", "add", "--name", "Checker", "--grant",
                                 "client_credentials", "--resource", kResource,
                                 "--introspect"},
                                env, dir);
  ASSERT_EQ(added.code, 0) << added.err;
  std::string checker_id = added.out.substr(11, 32);
  size_t at = added.out.find("client_secret: ");
  std::map<std::string, std::string> checker = {
      {"Authorization",
       Basic(checker_id, added.out.substr(at + 15, added.out.find('\n', at) - at - 15))}};

  std::mt19937 random(std::random_device{}());
  int codes = 0, refreshes = 0, access_tokens = 0, requests = 0;
  std::vector<int> kill_after_ms;
  for (int kill = 0; kill < kKills; ++kill) {
    env["PORT"] = std::to_string(FreePort());
    int port = std::stoi(env["PORT"]);
    auto server = std::make_unique<Process>(std::vector<std::string>{AuthgentBinary(), "serve"},
                                            env, dir);
    ASSERT_TRUE(server->WaitForStderr("serving on", 30000)) << server->Stderr();

    // Each client signs its user in before the load starts (password hashing is not the point).
    std::vector<std::unique_ptr<FlowDriver>> browsers;
    std::vector<std::string> clients;
    for (int i = 0; i < kClients; ++i) {
      browsers.push_back(std::make_unique<FlowDriver>(port));
      clients.push_back(browsers.back()->RegisterPublicClient({kRedirect}));
      Pkce pkce = Pkce::Make();
      browsers.back()->AuthorizeAndApprove(
          browsers.back()->AuthorizeParams(clients.back(), kRedirect, pkce), "alice",
          "alice-password-1");
    }
    Answered answered;
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] { Load(clients[i], *browsers[i], answered); });
    }
    kill_after_ms.push_back(std::uniform_int_distribution<int>(500, 2500)(random));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms.back()));
    server->Signal(SIGKILL);
    EXPECT_EQ(server->Wait(10000), 128 + SIGKILL);
    for (auto& t : threads) t.join();
    server.reset();

    ASSERT_EQ(SqliteIntegrityCheck(db_path), "ok") << "after kill " << kill + 1;
    ASSERT_GT(answered.requests, 0) << "no load reached the server before the kill";
    server = std::make_unique<Process>(std::vector<std::string>{AuthgentBinary(), "serve"}, env,
                                       dir);
    ASSERT_TRUE(server->WaitForStderr("serving on", 30000)) << server->Stderr();
    FlowDriver client(port);
    for (const auto& c : answered.codes) {
      HttpResult r = client.ExchangeCode(c.client_id, c.code, c.verifier, kRedirect);
      EXPECT_EQ(r.status, 200) << "a code answered before kill " << kill + 1 << ": " << r.body;
    }
    for (const auto& [client_id, token] : answered.refreshes) {
      // A rotation in flight at the kill may have committed: then this token is the rotated one,
      // and within REFRESH_REUSE_GRACE it gets that successor again. Either way: 200.
      HttpResult r = client.Refresh(client_id, token);
      EXPECT_EQ(r.status, 200) << "a refresh token answered before kill " << kill + 1 << ": "
                               << r.body;
    }
    for (const std::string& token : answered.access_tokens) {
      HttpResult r = PostForm(port, "/oauth/introspect", {{"token", token}}, checker);
      EXPECT_EQ(r.Json()["active"], true) << "an access token answered before kill " << kill + 1;
    }
    codes += static_cast<int>(answered.codes.size());
    refreshes += static_cast<int>(answered.refreshes.size());
    access_tokens += static_cast<int>(answered.access_tokens.size());
    requests += answered.requests;
    server->Signal(SIGTERM);
    EXPECT_EQ(server->Wait(15000), 0) << server->Stderr();
  }
  std::string moments;
  for (int ms : kill_after_ms) moments += (moments.empty() ? "" : ", ") + std::to_string(ms);
  std::cout << "kill -9 under load (SQLite): " << kKills << " kills after " << moments
            << " ms of load, " << requests << " requests answered before them; all " << codes
            << " codes, " << refreshes << " refresh chains and " << access_tokens
            << " access tokens answered were still good after each restart; integrity ok\n";
}

}  // namespace
}  // namespace authgent::testing
