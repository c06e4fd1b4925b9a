// Three real authgent processes on one PostgreSQL database behind a real HAProxy in round-robin,
// as docs/deployment/scaling.md deploys them: the whole flow with every request on another
// instance than the one before, one refresh token raced on all three, a code redeemed through two,
// a key rotation reaching every instance, a deleted client refused everywhere, and rate limits
// counted across instances. The test command's PostgreSQL (AUTHGENT_TEST_POSTGRES_URL) holds a
// fresh database per test; HAProxy is Debian's package (scripts/install-deps).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "authgent/verify/verifier.h"
#include "core/base64.h"
#include "core/random.h"
#include "flow_helpers.h"
#include "freezable_proxy.h"
#include "process.h"

namespace authgent::testing {
namespace {

using Env = std::map<std::string, std::string>;
constexpr int kInstances = 3;
constexpr char kRedirect[] = "http://127.0.0.1:9/callback";
constexpr char kResource[] = "https://mcp.example/mcp";

// Runs `sql` as the test PostgreSQL's superuser; false (and a test failure) when it fails.
bool AdminExec(const std::string& sql) {
  const char* base = std::getenv("AUTHGENT_TEST_POSTGRES_URL");
  if (!base || !*base) {
    ADD_FAILURE() << "AUTHGENT_TEST_POSTGRES_URL is not set: run through `make test` or "
                     "`make check`, which start PostgreSQL (these tests never skip)";
    return false;
  }
  PGconn* conn = PQconnectdb(base);
  PGresult* r = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  return ok;
}

// A new, empty database named `name` in the test command's PostgreSQL; returns its URL, or ""
// after a failure.
std::string CreateDatabase(const std::string& name) {
  if (!AdminExec("CREATE DATABASE " + name)) return "";
  const char* base = std::getenv("AUTHGENT_TEST_POSTGRES_URL");
  // The URL names the database in its path: postgresql://user@/DB?host=...
  std::string url = base;
  size_t slash = url.find('/', url.find("://") + 3);
  size_t query = url.find('?', slash);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

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
    std::vector<uint8_t> kek = SecureRandom::Instance().Bytes(32);
    env_ = {{"DATABASE_URL", database_url_},
            {"KEY_ENCRYPTION_KEY", Base64Encode(std::string(kek.begin(), kek.end()))},
            {"ISSUER", "http://127.0.0.1:" + std::to_string(balancer_port_)},
            {"BIND_ADDRESS", "127.0.0.1"},
            {"TRUSTED_PROXIES", "127.0.0.1"},
            {"ACCESS_LOG", "false"},
            {"DB_POOL_SIZE", "4"},
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

// Repeats `request` every 50 ms until it answers `status` or `within` has passed since `since`;
// returns the last answer.
HttpResult RetryUntil(int status, std::chrono::steady_clock::time_point since,
                      std::chrono::seconds within, const std::function<HttpResult()>& request) {
  HttpResult r;
  do {
    r = request();
    if (r.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() - since < within);
  return r;
}

// The lines of `log` that contain `text`.
int CountLines(const std::string& log, const std::string& text) {
  int n = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
  return n;
}

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

// kill -9 of one instance of three while clients rotate refresh tokens through the balancer: the
// balancer routes around it (a refused connection is retried on another instance), so the only
// failed requests are those in flight on the killed instance (at most one per client, 502), and
// every refresh token and access token answered before or after is still good.
TEST_F(MultiInstance, OneInstanceKilledUnderLoadFailsOnlyItsRequestsInFlight) {
  ASSERT_NO_FATAL_FAILURE(Start({{"REGISTRATION_RATE_LIMIT", "0"},
                                 {"REGISTRATION_NETWORK_RATE_LIMIT", "0"},
                                 {"REGISTRATION_GLOBAL_RATE_LIMIT", "0"},
                                 {"TOKEN_RATE_LIMIT", "0"}}));
  AddUser("alice", "alice-password-1");
  auto introspector = AddMachineClient(/*introspect=*/true);
  constexpr int kClients = 3;
  struct Chain {
    std::string client, refresh;
    std::vector<std::string> access_tokens;
    int answered = 0, failed = 0;
    std::set<int> failures;
  };
  std::vector<Chain> chains(kClients);
  for (Chain& chain : chains) {
    FlowDriver flow(balancer_port_);
    chain.client = flow.RegisterPublicClient({kRedirect});
    Pkce pkce = Pkce::Make();
    Form params = flow.AuthorizeParams(chain.client, kRedirect, pkce);
    params.push_back({"resource", kResource});
    std::string url = flow.AuthorizeAndApprove(params, "alice", "alice-password-1");
    HttpResult token = flow.ExchangeCode(chain.client, QueryOf(url)["code"], pkce.verifier, kRedirect);
    ASSERT_EQ(token.status, 200) << token.body;
    chain.refresh = token.Json()["refresh_token"];
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (Chain& chain : chains) {
    threads.emplace_back([&, c = &chain] {
      FlowDriver flow(balancer_port_);
      while (!stop) {
        HttpResult r = flow.Refresh(c->client, c->refresh);
        if (r.status != 200) {
          ++c->failed;
          c->failures.insert(r.status);
          continue;
        }
        ++c->answered;
        c->refresh = r.Json()["refresh_token"];
        c->access_tokens.push_back(r.Json()["access_token"]);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  instances_[1]->Signal(SIGKILL);
  EXPECT_EQ(instances_[1]->Wait(10000), 128 + SIGKILL);
  instances_.erase(instances_.begin() + 1);  // TearDown stops the two left
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  stop = true;
  for (auto& t : threads) t.join();

  int answered = 0, failed = 0, access_tokens = 0;
  for (const Chain& chain : chains) {
    EXPECT_LE(chain.failed, 1) << "a client had more than its one request in flight fail";
    for (int status : chain.failures) EXPECT_EQ(status, 502);
    HttpResult next = PostForm(balancer_port_, "/oauth/token",
                               {{"grant_type", "refresh_token"}, {"refresh_token", chain.refresh},
                                {"client_id", chain.client}});
    EXPECT_EQ(next.status, 200) << next.body;
    for (const std::string& token : chain.access_tokens) {
      HttpResult r = PostForm(balancer_port_, "/oauth/introspect", {{"token", token}},
                              {{"Authorization", Basic(introspector.first, introspector.second)}});
      EXPECT_EQ(r.Json()["active"], true) << r.body;
    }
    answered += chain.answered;
    failed += chain.failed;
    access_tokens += static_cast<int>(chain.access_tokens.size());
  }
  EXPECT_GT(answered, 0);
  std::cout << "one instance killed: " << answered + failed << " refreshes through the balancer, "
            << failed << " failed (in flight on the killed instance, 502); all " << access_tokens
            << " access tokens and " << kClients << " refresh chains answered are still good\n";
}

// PostgreSQL refuses this database's connections and drops the open ones for five seconds, while
// clients keep rotating refresh tokens through the balancer: every instance answers 503
// temporarily_unavailable with Retry-After (never 500, never a hang) and /readyz says `storage`,
// while client_credentials keeps working from clients read before the outage; once the database
// is back they serve again by themselves, without a restart, and every chain goes on.
TEST_F(MultiInstance, DatabaseOutageAnswers503AndRecoversWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(Start({{"REGISTRATION_RATE_LIMIT", "0"},
                                 {"REGISTRATION_NETWORK_RATE_LIMIT", "0"},
                                 {"REGISTRATION_GLOBAL_RATE_LIMIT", "0"}}));
  AddUser("alice", "alice-password-1");
  FlowDriver flow(balancer_port_);
  std::string client = flow.RegisterPublicClient({kRedirect});
  std::string refresh = Authorize(flow, client)["refresh_token"];
  Pkce pkce = Pkce::Make();
  std::string url = flow.AuthorizeAndApprove(
      flow.AuthorizeParams(client, kRedirect, pkce, "openid mcp:read"), "alice", "alice-password-1");
  HttpResult signed_in = flow.ExchangeCode(client, QueryOf(url)["code"], pkce.verifier, kRedirect);
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  std::map<std::string, std::string> bearer = {
      {"Authorization", "Bearer " + signed_in.Json()["access_token"].get<std::string>()}};
  ASSERT_EQ(Get(balancer_port_, "/oauth/userinfo", bearer).status, 200);
  nlohmann::json registration = {{"redirect_uris", {kRedirect}},
                                 {"token_endpoint_auth_method", "none"}};
  auto machine = AddMachineClient(/*introspect=*/false);
  for (int port : ports_) ASSERT_EQ(ClientCredentials(port, machine).status, 200);
  // The load: two clients rotating their refresh tokens through the balancer all along.
  struct Chain {
    std::string client, refresh;
    std::map<int, int> statuses;
    int balancer_503 = 0;  // HAProxy's own, once every instance's /readyz says 503
  };
  std::vector<Chain> chains(2);
  for (Chain& chain : chains) {
    chain.client = flow.RegisterPublicClient({kRedirect});
    chain.refresh = Authorize(flow, chain.client)["refresh_token"];
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5100));  // past the 5 s client cache
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (Chain& chain : chains) {
    load.emplace_back([&, c = &chain] {
      FlowDriver driver(balancer_port_);
      while (!stop) {
        HttpResult r = driver.Refresh(c->client, c->refresh);
        ++c->statuses[r.status];
        if (r.status == 200) c->refresh = r.Json()["refresh_token"];
        if (r.status == 503 && r.body.find("No server is available") != std::string::npos) {
          ++c->balancer_503;
        } else if (r.status == 503) {
          EXPECT_EQ(r.Json()["error"], "temporarily_unavailable") << r.body;
        }
        if (r.status == 503) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  ASSERT_TRUE(AdminExec("ALTER DATABASE " + database_name_ + " ALLOW_CONNECTIONS false"));
  auto down = std::chrono::steady_clock::now();
  ASSERT_TRUE(AdminExec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                        database_name_ + "'"));
  int unavailable = 0;
  for (int port : ports_) {
    HttpResult reg = PostJson(port, "/oauth/register", registration);
    EXPECT_EQ(reg.status, 503) << reg.body;
    EXPECT_EQ(reg.Json()["error"], "temporarily_unavailable");
    EXPECT_EQ(reg.Header("retry-after"), "2");
    HttpResult token = PostForm(port, "/oauth/token",
                                {{"grant_type", "refresh_token"}, {"refresh_token", refresh},
                                 {"client_id", client}});
    EXPECT_EQ(token.status, 503) << token.body;
    EXPECT_EQ(token.Json()["error"], "temporarily_unavailable");
    HttpResult userinfo = Get(port, "/oauth/userinfo", bearer);
    EXPECT_EQ(userinfo.status, 503) << userinfo.body;
    EXPECT_EQ(userinfo.Json()["error"], "temporarily_unavailable");
    unavailable += (reg.status == 503) + (token.status == 503) + (userinfo.status == 503);
    HttpResult ready = Get(port, "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.Json()["reason"], "storage") << ready.body;
    // client_credentials needs no write: it keeps working from the clients read before.
    HttpResult machine_token = ClientCredentials(port, machine);
    EXPECT_EQ(machine_token.status, 200) << machine_token.body;
  }
  std::this_thread::sleep_until(down + std::chrono::seconds(5));

  ASSERT_TRUE(AdminExec("ALTER DATABASE " + database_name_ + " ALLOW_CONNECTIONS true"));
  auto back = std::chrono::steady_clock::now();
  for (int port : ports_) {
    HttpResult reg = RetryUntil(201, back, std::chrono::seconds(10),
                                [&] { return PostJson(port, "/oauth/register", registration); });
    EXPECT_EQ(reg.status, 201) << "instance on " << port << ": " << reg.body;
    EXPECT_EQ(Get(port, "/readyz").status, 200);
  }
  auto recovered_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - back).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : load) t.join();
  int load_requests = 0, load_unavailable = 0, balancer_unavailable = 0;
  for (Chain& chain : chains) {
    // Only answers: 200 or 503. No 500, no 502 (a crash), no 0 (a hang past the read timeout).
    for (auto [status, count] : chain.statuses) {
      EXPECT_TRUE(status == 200 || status == 503) << count << " answers " << status;
      load_requests += count;
    }
    load_unavailable += chain.statuses[503] - chain.balancer_503;
    balancer_unavailable += chain.balancer_503;
    EXPECT_GT(chain.statuses[503] - chain.balancer_503, 0);
    HttpResult next = flow.Refresh(chain.client, chain.refresh);
    EXPECT_EQ(next.status, 200) << next.body;
  }
  HttpResult rotated = PostForm(balancer_port_, "/oauth/token",
                                {{"grant_type", "refresh_token"}, {"refresh_token", refresh},
                                 {"client_id", client}});
  EXPECT_EQ(rotated.status, 200) << rotated.body;
  // One line when the outage starts and one when it ends, per instance, whatever the number of
  // failed requests and readiness checks in between.
  for (auto& p : instances_) {
    std::string log = p->Stdout();
    EXPECT_EQ(CountLines(log, "\"storage unavailable\""), 1) << log;
    EXPECT_EQ(CountLines(log, "\"storage recovered\""), 1) << log;
    EXPECT_EQ(CountLines(log, "\"not ready\""), 1) << log;
    EXPECT_EQ(CountLines(log, "\"ready again\""), 1) << log;
    EXPECT_EQ(CountLines(log, "\"request failed\""), 0) << log;
  }
  std::cout << "database outage: 5 s under load; of " << load_requests
            << " refreshes through the balancer " << load_unavailable
            << " were answered 503 temporarily_unavailable by an instance and "
            << balancer_unavailable << " 503 by HAProxy (every instance out of its rotation), "
            << unavailable << " checks on the instances 503, none 500 or hung; all three instances "
            << "served again " << recovered_ms << " ms after the database came back\n";
}

// The database stops answering without closing anything (a frozen host, a partition: the proxy
// forwards no byte and keeps every socket open). With DATABASE_STATEMENT_TIMEOUT=1 and
// DATABASE_CONNECT_TIMEOUT=1, requests that need the database answer 503 within the client's 5 s
// read timeout instead of hanging, /readyz answers 503 `storage` within its own 2 s, requests
// that need no database (metadata, JWKS) keep their 200, and every instance recovers by itself.
TEST_F(MultiInstance, StalledDatabaseFailsFastAndRecovers) {
  std::string socket = TestPostgresSocket();
  ASSERT_FALSE(socket.empty()) << "AUTHGENT_TEST_POSTGRES_URL names no unix socket";
  proxy_ = std::make_unique<FreezableProxy>(socket);
  ASSERT_NO_FATAL_FAILURE(Start({{"DATABASE_STATEMENT_TIMEOUT", "1"},
                                 {"DATABASE_CONNECT_TIMEOUT", "1"},
                                 {"REGISTRATION_RATE_LIMIT", "0"},
                                 {"REGISTRATION_NETWORK_RATE_LIMIT", "0"},
                                 {"REGISTRATION_GLOBAL_RATE_LIMIT", "0"}}));
  nlohmann::json registration = {{"redirect_uris", {kRedirect}},
                                 {"token_endpoint_auth_method", "none"}};
  for (int port : ports_) ASSERT_EQ(PostJson(port, "/oauth/register", registration).status, 201);

  proxy_->Freeze();
  auto frozen = std::chrono::steady_clock::now();
  int64_t slowest_ms = 0;
  for (int port : ports_) {
    auto start = std::chrono::steady_clock::now();
    HttpResult reg = PostJson(port, "/oauth/register", registration);
    slowest_ms = std::max<int64_t>(slowest_ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::steady_clock::now() - start).count());
    EXPECT_EQ(reg.status, 503) << "instance on " << port << " (0: no answer in 5 s): " << reg.body;
    EXPECT_EQ(reg.Json()["error"], "temporarily_unavailable");
    HttpResult ready = Get(port, "/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(ready.Json()["reason"], "storage") << ready.body;
    EXPECT_EQ(Get(port, "/.well-known/oauth-authorization-server").status, 200);
    EXPECT_EQ(Get(port, "/.well-known/jwks.json").status, 200);
  }
  auto stalled_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - frozen).count();

  proxy_->Thaw();
  auto back = std::chrono::steady_clock::now();
  for (int port : ports_) {
    HttpResult reg = RetryUntil(201, back, std::chrono::seconds(15),
                                [&] { return PostJson(port, "/oauth/register", registration); });
    EXPECT_EQ(reg.status, 201) << "instance on " << port << ": " << reg.body;
  }
  for (int port : ports_) {
    HttpResult ready = RetryUntil(200, back, std::chrono::seconds(15),
                                  [&] { return Get(port, "/readyz"); });
    EXPECT_EQ(ready.status, 200) << ready.body;
  }
  for (auto& p : instances_) EXPECT_EQ(CountLines(p->Stdout(), "\"storage recovered\""), 1);
  std::cout << "stalled database: the slowest request needing it answered 503 after " << slowest_ms
            << " ms (statement timeout 1 s), three instances checked in " << stalled_ms
            << " ms; all served again "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - back).count()
            << " ms after the database answered again\n";
}

}  // namespace
}  // namespace authgent::testing

namespace authgent::testing {
namespace {

// An instance started while its PostgreSQL database refuses connections waits, retrying with
// backoff and saying so, its port answering meanwhile that it is alive and not ready, and serves
// once the database lets it in; one waiting for a database that never comes stops cleanly
// (exit 0) on SIGTERM.
TEST(StartBeforeTheDatabase, WaitsForTheDatabaseAndStopsCleanlyWhileWaiting) {
  std::string name = "late_" + SecureRandom::Instance().Hex(6);
  std::string url = CreateDatabase(name);
  ASSERT_FALSE(url.empty());
  ASSERT_TRUE(AdminExec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false"));
  int port = FreePort();
  std::vector<uint8_t> kek = SecureRandom::Instance().Bytes(32);
  Env env = {{"DATABASE_URL", url},
             {"KEY_ENCRYPTION_KEY", Base64Encode(std::string(kek.begin(), kek.end()))},
             {"BIND_ADDRESS", "127.0.0.1"},
             {"PORT", std::to_string(port)}};
  Process late({AuthgentBinary(), "serve"}, env, MakeTempDir("authgent-late"));
  ASSERT_TRUE(late.WaitForStderr("retrying in 2 s", 20000)) << late.Stderr();
  EXPECT_NE(late.Stderr().find("authgent: waiting for the database (cannot connect to PostgreSQL"),
            std::string::npos)
      << late.Stderr();
  EXPECT_EQ(Get(port, "/healthz").status, 200);
  HttpResult waiting = Get(port, "/readyz");
  EXPECT_EQ(waiting.status, 503);
  EXPECT_EQ(waiting.body, R"({"reason":"storage","status":"unavailable"})");
  HttpResult token = PostForm(port, "/oauth/token", {{"grant_type", "client_credentials"}});
  EXPECT_EQ(token.status, 503);
  EXPECT_EQ(token.Json()["error"], "temporarily_unavailable");
  EXPECT_EQ(token.Header("retry-after"), "2");
  ASSERT_TRUE(AdminExec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true"));
  ASSERT_TRUE(late.WaitForStderr("serving on", 30000)) << late.Stderr();
  EXPECT_EQ(Get(port, "/readyz").status, 200);
  late.Signal(SIGTERM);
  EXPECT_EQ(late.Wait(15000), 0);

  Env nowhere = env;
  nowhere["DATABASE_URL"] = "postgresql://postgres@127.0.0.1:" + std::to_string(FreePort()) + "/x";
  nowhere["PORT"] = std::to_string(FreePort());
  Process never({AuthgentBinary(), "serve"}, nowhere, MakeTempDir("authgent-never"));
  ASSERT_TRUE(never.WaitForStderr("waiting for the database", 20000)) << never.Stderr();
  never.Signal(SIGTERM);
  EXPECT_EQ(never.Wait(5000), 0) << never.Stderr();
  EXPECT_NE(never.Stderr().find("stopped while waiting for the database"), std::string::npos);
}

}  // namespace
}  // namespace authgent::testing
