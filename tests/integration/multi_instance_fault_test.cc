// Faults with three instances behind HAProxy on one PostgreSQL (tests/integration/
// multi_instance.h): an instance killed under load, the database refusing connections under load,
// the database stalled, and an instance started before its database. Each states its figures.
#include "multi_instance.h"

namespace authgent::testing {
namespace {

// kill -9 of one instance of three while clients rotate refresh tokens through the balancer: the
// balancer routes around it (a refused connection is retried on another instance), so the only
// failed requests (502) are those the killed instance had received: the one in flight per client,
// and at most one on each idle connection HAProxy held to it and reused before it saw that
// connection close (a request already sent is never sent twice: it may have been served). None
// fails once HAProxy has marked the instance down, and every refresh token and access token
// answered before or after is still good.
TEST_F(MultiInstance, OneInstanceKilledUnderLoadFailsOnlyItsRequestsInFlight) {
  ASSERT_NO_FATAL_FAILURE(Start(kNoRateLimits));
  AddUser("alice", "alice-password-1");
  auto introspector = AddMachineClient(/*introspect=*/true);
  constexpr int kClients = 3;
  std::vector<RefreshLoad::Chain> chains(kClients);
  for (RefreshLoad::Chain& chain : chains) {
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
  RefreshLoad load(balancer_port_, chains);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  instances_[1]->Signal(SIGKILL);
  EXPECT_EQ(instances_[1]->Wait(10000), 128 + SIGKILL);
  instances_.erase(instances_.begin() + 1);  // TearDown stops the two left
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  load.Stop();

  int answered = 0, failed = 0, access_tokens = 0;
  for (const RefreshLoad::Chain& chain : chains) {
    EXPECT_LE(chain.failed(), 1 + kClients) << "more failed than the killed instance received";
    for (auto [status, count] : chain.statuses) {
      EXPECT_TRUE(status == 200 || status == 502) << count << " answers " << status;
    }
    HttpResult next = PostForm(balancer_port_, "/oauth/token",
                               {{"grant_type", "refresh_token"}, {"refresh_token", chain.refresh},
                                {"client_id", chain.client}});
    EXPECT_EQ(next.status, 200) << next.body;
    for (const std::string& token : chain.access_tokens) {
      HttpResult r = PostForm(balancer_port_, "/oauth/introspect", {{"token", token}},
                              {{"Authorization", Basic(introspector.first, introspector.second)}});
      EXPECT_EQ(r.Json()["active"], true) << r.body;
    }
    answered += chain.answered();
    failed += chain.failed();
    access_tokens += static_cast<int>(chain.access_tokens.size());
  }
  EXPECT_GT(answered, 0);
  Balancer::BadGateways bad = balancer_->BadGatewaysAround("i1");
  EXPECT_EQ(static_cast<int>(bad.before_down.size()), failed) << balancer_->log();
  EXPECT_LE(failed, 2 * kClients) << balancer_->log();
  for (const std::string& request : bad.before_down) EXPECT_EQ(request, "i1 POST /oauth/token");
  EXPECT_TRUE(bad.after_down.empty()) << balancer_->log();
  std::cout << "one instance killed: " << answered + failed << " refreshes through the balancer, "
            << failed << " failed (received by the killed instance, 502); all " << access_tokens
            << " access tokens and " << kClients << " refresh chains answered are still good\n";
}

// PostgreSQL refuses this database's connections and drops the open ones for five seconds, while
// clients keep rotating refresh tokens through the balancer: every instance answers 503
// temporarily_unavailable with Retry-After (never 500, never a hang) and /readyz says `storage`,
// while client_credentials keeps working from clients read before the outage; once the database
// is back they serve again by themselves, without a restart, and every chain goes on.
TEST_F(MultiInstance, DatabaseOutageAnswers503AndRecoversWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(Start(kNoRateLimits));
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
  std::vector<RefreshLoad::Chain> chains(2);
  for (RefreshLoad::Chain& chain : chains) {
    chain.client = flow.RegisterPublicClient({kRedirect});
    chain.refresh = Authorize(flow, chain.client)["refresh_token"];
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5100));  // past the 5 s client cache
  RefreshLoad load(balancer_port_, chains);
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
  load.Stop();
  int load_requests = 0, load_unavailable = 0, balancer_unavailable = 0;
  for (RefreshLoad::Chain& chain : chains) {
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
  for (auto& p : instances_)
    EXPECT_EQ(CountLines(p->Stdout(), "\"storage recovered\""), 1) << p->Stdout();
  std::cout << "stalled database: the slowest request needing it answered 503 after " << slowest_ms
            << " ms (statement timeout 1 s), three instances checked in " << stalled_ms
            << " ms; all served again "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - back).count()
            << " ms after the database answered again\n";
}

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
  Env env = {{"DATABASE_URL", url},
             {"KEY_ENCRYPTION_KEY", RandomKeyEncryptionKey()},
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
