// tests/integration/multi_instance: three real authgent processes on one PostgreSQL database
// behind a real HAProxy in round-robin, as docs/deployment/scaling.md deploys them, and the
// helpers the multi-instance tests share (a fresh database per test, the balancer and its log, a
// refresh-token load through it). The test command's PostgreSQL (AUTHGENT_TEST_POSTGRES_URL) holds
// the databases; HAProxy is Debian's package (scripts/install-deps).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/random.h"
#include "flow_helpers.h"
#include "freezable_proxy.h"
#include "process.h"
#include "test_database.h"

namespace authgent::testing {

using Env = std::map<std::string, std::string>;
// The rate limits a load test turns off (RefreshLoad, registrations in bulk).
inline const Env kNoRateLimits = {{"REGISTRATION_RATE_LIMIT", "0"},
                                  {"REGISTRATION_NETWORK_RATE_LIMIT", "0"},
                                  {"REGISTRATION_GLOBAL_RATE_LIMIT", "0"},
                                  {"TOKEN_RATE_LIMIT", "0"}};
constexpr int kInstances = 3;
constexpr char kRedirect[] = "http://127.0.0.1:9/callback";
constexpr char kResource[] = "https://mcp.example/mcp";

// Repeats `request` every 50 ms until it answers `status` or `within` has passed since `since`;
// returns the last answer.
HttpResult RetryUntil(int status, std::chrono::steady_clock::time_point since,
                      std::chrono::seconds within, const std::function<HttpResult()>& request);
// The lines of `log` that contain `text`.
int CountLines(const std::string& log, const std::string& text);

// Clients rotating their refresh tokens through `port`, each on a thread of its own, from
// construction until Stop(), keeping what each answer says. After a 503 a client waits 20 ms.
// Its instances run with kNoRateLimits: each client refreshes as fast as it is answered, past
// TOKEN_RATE_LIMIT on a release build, and a 429 is not what the fault tests look for (the
// limits have tests of their own).
class RefreshLoad {
 public:
  struct Chain {
    std::string client;
    std::string refresh;                     // the last refresh token answered
    std::vector<std::string> access_tokens;  // every access token answered
    std::map<int, int> statuses;             // answers by status (0: no answer)
    int balancer_503 = 0;                    // HAProxy's own: no instance in its rotation
    int answered() const;                    // 200s
    int failed() const;                      // everything else
  };
  RefreshLoad(int port, std::vector<Chain>& chains);
  ~RefreshLoad() { Stop(); }
  void Stop();

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// HAProxy in front of the instances: round-robin, health checks on /readyz, one log line per
// request naming the instance that served it, and X-Forwarded-For for the rate limits.
class Balancer {
 public:
  Balancer(const std::vector<int>& backends, int port) : port_(port) {
    dir_ = MakeTempDir("authgent-haproxy");
    std::ofstream cfg(dir_ + "/haproxy.cfg");
    cfg << "global\n  log stdout format raw local0 info\n  maxconn 2000\n"
        << "defaults\n  mode http\n  log global\n  option forwardfor\n"
        << "  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n"
        << "  retries 3\n  option redispatch 1\n"
        << "  log-format \"served %s %HM %HP %ST\"\n"
        << "frontend authgent\n  bind 127.0.0.1:" << port << "\n  default_backend instances\n"
        << "backend instances\n  balance roundrobin\n  option httpchk GET /readyz\n"
        << "  http-check expect status 200\n  default-server inter 300ms fall 2 rise 1\n";
    for (size_t i = 0; i < backends.size(); ++i) {
      cfg << "  server i" << i << " 127.0.0.1:" << backends[i] << " check\n";
    }
    cfg.close();
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/haproxy", "-db", "-f", dir_ + "/haproxy.cfg"}, Env{},
        dir_);
  }
  int port() const { return port_; }
  // The instance of each request served so far, in order ("i0", "i1", ...).
  std::vector<std::string> Served() const {
    std::vector<std::string> out;
    std::istringstream lines(process_->Stdout());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("served ", 0) == 0) out.push_back(line.substr(7, line.find(' ', 7) - 7));
    }
    return out;
  }
  std::string log() const { return process_->Stdout() + process_->Stderr(); }
  // The requests that failed with 502 before HAProxy marked `server` down, and those after,
  // each as "INSTANCE METHOD PATH": its stdout holds both in the order they happened.
  struct BadGateways {
    std::vector<std::string> before_down, after_down;
  };
  BadGateways BadGatewaysAround(const std::string& server) const {
    BadGateways out;
    bool down = false;
    std::istringstream lines(process_->Stdout());
    for (std::string line; std::getline(lines, line);) {
      if (line.find("instances/" + server + " is DOWN") != std::string::npos) down = true;
      if (line.rfind("served ", 0) == 0 && line.size() > 4 &&
          line.compare(line.size() - 4, 4, " 502") == 0) {
        (down ? out.after_down : out.before_down).push_back(line.substr(7, line.size() - 11));
      }
    }
    return out;
  }

 private:
  int port_;
  std::string dir_;
  std::unique_ptr<Process> process_;
};

class MultiInstance : public ::testing::Test {
 protected:
  // Starts three instances at once on an empty database (each migration is applied by exactly
  // one of them: the advisory lock) and the balancer; waits until all serve.
  void Start(Env extra = {}) {
    database_name_ = "multi_" + SecureRandom::Instance().Hex(6);
    database_url_ = CreateDatabase(database_name_);
    ASSERT_FALSE(database_url_.empty());
    if (proxy_) {
      database_url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(proxy_->port()) + "/" +
                      database_name_;
    }
    balancer_port_ = FreePort();
    env_ = {{"DATABASE_URL", database_url_},
            {"KEY_ENCRYPTION_KEY", RandomKeyEncryptionKey()},
            {"ISSUER", "http://127.0.0.1:" + std::to_string(balancer_port_)},
            {"BIND_ADDRESS", "127.0.0.1"},
            {"TRUSTED_PROXIES", "127.0.0.1"},
            {"ACCESS_LOG", "false"},
            {"WORKER_THREADS", "4"},
            {"IO_THREADS", "1"}};
    for (auto& [k, v] : extra) env_[k] = v;
    for (int i = 0; i < kInstances; ++i) {
      ports_.push_back(FreePort());
      Env env = env_;
      env["PORT"] = std::to_string(ports_.back());
      dirs_.push_back(MakeTempDir("authgent-instance"));
      instances_.push_back(std::make_unique<Process>(
          std::vector<std::string>{AuthgentBinary(), "serve"}, env, dirs_.back()));
    }
    for (auto& p : instances_) ASSERT_TRUE(p->WaitForStderr("serving on", 30000)) << p->Stderr();
    balancer_ = std::make_unique<Balancer>(ports_, balancer_port_);
    // Every instance in the rotation: three requests through the balancer reach three instances.
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::set<std::string> seen;
      size_t before = balancer_->Served().size();
      for (int i = 0; i < kInstances; ++i) Get(balancer_port_, "/healthz");
      std::vector<std::string> served = balancer_->Served();
      seen.insert(served.begin() + static_cast<long>(std::min(before, served.size())), served.end());
      if (seen.size() == kInstances) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "the balancer never had all three instances up: " << balancer_->log();
  }

  RunResult Cli(const std::vector<std::string>& args, const std::string& input = "") {
    return RunAuthgent(args, env_, MakeTempDir("authgent-cli"), input);
  }

  void AddUser(const std::string& name, const std::string& password) {
    RunResult r = Cli({"users", "add", name}, password + "\n");
    ASSERT_EQ(r.code, 0) << r.err;
  }

  // `clients add` for a machine client; returns {id, secret}.
  std::pair<std::string, std::string> AddMachineClient(bool introspect) {
    std::vector<std::string> args = {"clients", "add",    "--name",     "Batch",
                                      "--grant", "client_credentials", "--resource", kResource};
    if (introspect) args.push_back("--introspect");
    RunResult r = Cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    std::string id = r.out.substr(11, 32);
    size_t at = r.out.find("client_secret: ");
    std::string secret = r.out.substr(at + 15, r.out.find('\n', at) - at - 15);
    return {id, secret};
  }

  HttpResult ClientCredentials(int port, const std::pair<std::string, std::string>& client) {
    return PostForm(port, "/oauth/token",
                    {{"grant_type", "client_credentials"}, {"resource", kResource}},
                    {{"Authorization", Basic(client.first, client.second)}});
  }

  // A user's whole authorization through the balancer; returns the token response.
  nlohmann::json Authorize(FlowDriver& flow, const std::string& client_id) {
    Pkce pkce = Pkce::Make();
    std::string url = flow.AuthorizeAndApprove(flow.AuthorizeParams(client_id, kRedirect, pkce),
                                               "alice", "alice-password-1");
    HttpResult token = flow.ExchangeCode(client_id, QueryOf(url)["code"], pkce.verifier, kRedirect);
    EXPECT_EQ(token.status, 200) << token.body;
    return token.Json();
  }

  void TearDown() override {
    for (auto& p : instances_) {
      p->Signal(SIGTERM);
      EXPECT_EQ(p->Wait(15000), 0) << p->Stderr();
    }
  }

  std::string database_name_, database_url_;
  Env env_;
  std::vector<int> ports_;
  std::vector<std::string> dirs_;
  std::vector<std::unique_ptr<Process>> instances_;
  int balancer_port_ = 0;
  std::unique_ptr<Balancer> balancer_;
  std::unique_ptr<FreezableProxy> proxy_;  // when set before Start(), instances connect through it
};

}  // namespace authgent::testing
