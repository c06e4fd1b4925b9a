// Where every step of every route runs, on SQLite and on PostgreSQL, observed in a running server
// while a whole flow goes through it: on a network thread (answers from memory; it must never
// block), on a worker (storage that blocks, password hashing), or suspended until a store's own
// thread completes a commit (the batch writer, on both databases), then
// finished back on a network thread.
// Each request's trace is the roles of the threads its steps ran on (core/thread_role.h): a
// route that moved from a worker to the network thread, or a write that stopped waiting on the
// store's thread, changes a line of the table below.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "core/thread_role.h"
#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
using Traces = std::map<std::string, std::set<std::string>>;

// What each request went through, by "METHOD PATH" (plus the grant type at the token endpoint).
class StepRecorder {
 public:
  void Heard(const http::Request& request, http::Step step) {
    std::lock_guard lock(mu_);
    auto [it, added] = traces_.try_emplace(request.request_id);
    if (added) order_.push_back(request.request_id);
    Trace& t = it->second;
    if (step == http::Step::kHandler) t.route = RouteOf(request);
    if (!t.roles.empty()) t.roles += " ";
    t.roles += ThreadRoleName(CurrentThreadRole());
  }
  Traces Take() {
    std::lock_guard lock(mu_);
    Traces out;
    for (const std::string& id : order_) out[traces_[id].route].insert(traces_[id].roles);
    traces_.clear();
    order_.clear();
    return out;
  }

 private:
  struct Trace {
    std::string route;
    std::string roles;
  };
  static std::string RouteOf(const http::Request& request) {
    std::string route = request.method + " " + request.path;
    size_t grant = request.body.find("grant_type=");
    if (request.path == "/oauth/token" && grant != std::string::npos) {
      route += " " + request.body.substr(grant + 11, request.body.find('&', grant) - grant - 11);
    }
    return route;
  }
  std::mutex mu_;
  std::map<std::string, Trace> traces_;
  std::vector<std::string> order_;
};

// Runs every route at least once: discovery, registration, the whole browser flow, every grant,
// revocation, introspection, userinfo, the account page and its forms, sign-out, metrics, an
// upstream callback (refused: no provider) and an unknown path (which the router answers itself,
// before any handler: no trace).
Traces RunEveryRoute(TestServer& server, StepRecorder& recorder) {
  AddUser(server, "alice", "correct horse battery");
  auto rs = AddOperatorClient(server, {.resources = {"https://mcp.example.com/mcp"},
                                       .introspect = true});
  FlowDriver flow(server);
  int port = server.port();
  for (const char* path :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
        "/.well-known/jwks.json", "/healthz", "/readyz", "/metrics", "/no/such/path",
        "/oauth/upstream/callback"}) {
    (void)Get(port, path);
  }
  std::string client = flow.RegisterPublicClient({kRedirect});
  Pkce pkce = Pkce::Make();
  Form params = flow.AuthorizeParams(client, kRedirect, pkce);
  HttpResult authorize = flow.Authorize(params);
  (void)flow.Submit("/oauth/authorize", params);  // the POST form of the same request
  HttpResult login_page = flow.Visit(authorize.Header("location"));
  HttpResult login = flow.Login(authorize.Header("location"), "alice", "correct horse battery");
  HttpResult consent = flow.ConsentPage(login.Header("location"));
  HttpResult approved = flow.Decide(consent, "approve");
  std::string code = QueryOf(approved.Header("location"))["code"];
  HttpResult exchanged = flow.ExchangeCode(client, code, pkce.verifier, kRedirect);
  EXPECT_EQ(exchanged.status, 200) << exchanged.body;
  // Signed in now: the next request reads the session (and shows the consent page again, as a
  // loopback redirect's consent is not remembered).
  HttpResult signed_in = flow.Authorize(flow.AuthorizeParams(client, kRedirect, Pkce::Make()));
  EXPECT_EQ(signed_in.status, 200) << signed_in.body;
  HttpResult refresh = flow.Refresh(client, exchanged.Json()["refresh_token"]);
  EXPECT_EQ(refresh.status, 200) << refresh.body;
  nlohmann::json refreshed = refresh.Json();
  auto bearer = std::map<std::string, std::string>{
      {"Authorization", "Bearer " + refreshed["access_token"].get<std::string>()}};
  (void)Request(port, "GET", "/oauth/userinfo", "", bearer);
  (void)PostForm(port, "/oauth/userinfo", {}, bearer);
  auto basic = std::map<std::string, std::string>{{"Authorization", Basic(rs.first, rs.second)}};
  for (int i = 0; i < 2; ++i) {  // the second finds the client in memory
    (void)PostForm(port, "/oauth/token", {{"grant_type", "client_credentials"}}, basic);
  }
  (void)PostForm(port, "/oauth/introspect", {{"token", refreshed["access_token"]}}, basic);
  (void)PostForm(port, "/oauth/revoke",
                 {{"token", refreshed["refresh_token"]}, {"client_id", client}});
  HttpResult account = flow.Visit("/account");
  EXPECT_EQ(account.status, 200) << account.body;
  Form revoke = {{"csrf_token", InputValue(account.body, "csrf_token")},
                 {"client_id", client},
                 {"resource", InputValue(account.body, "resource")}};
  EXPECT_EQ(flow.Submit("/account/revoke", revoke).status, 303);
  EXPECT_EQ(flow.Submit("/account/revoke-all", {revoke[0]}).status, 303);
  HttpResult logout = flow.Visit("/oauth/logout");
  HttpResult signed_out =
      flow.Submit("/oauth/logout", {{"csrf_token", InputValue(logout.body, "csrf_token")}});
  EXPECT_NE(signed_out.status, 403) << signed_out.body;
  return recorder.Take();
}

// The routes whose trace does not depend on the database.
Traces Common() {
  const std::string net = "network", worker = "network worker";
  return {
      {"GET /.well-known/oauth-authorization-server", {net}},
      {"GET /.well-known/openid-configuration", {net}},
      {"GET /.well-known/jwks.json", {net}},  // the key snapshot is fresh
      {"GET /healthz", {net}},
      {"GET /readyz", {worker}},
      {"GET /metrics", {worker}},
      {"GET /oauth/upstream/callback", {worker}},
      {"GET /oauth/login", {worker}},
      {"POST /oauth/login", {worker}},
      {"GET /oauth/consent", {worker}},
      {"GET /oauth/userinfo", {worker}},
      {"POST /oauth/userinfo", {worker}},
      // The client is read from the store on a worker the first time, and its first use written
      // on the writer's thread while no thread waits; signed from memory the second time.
      {"POST /oauth/token client_credentials", {"network worker writer network", net}},
      {"POST /oauth/introspect", {worker}},
      {"POST /oauth/revoke", {worker}},
      {"GET /oauth/logout", {worker}},
      {"POST /oauth/logout", {worker}},
      {"GET /account", {worker}},
      {"POST /account/revoke", {worker}},
      {"POST /account/revoke-all", {worker}},
  };
}

// On both databases the approval and the two grants hand their write to the store's own thread
// (the batch writer) and wait for its commit without a thread, then finish on a network thread.
// A registration counts, then writes, the same way, with no worker. An authorization request
// that starts a transaction counts and writes so too; on SQLite it reads its client and session
// on a worker first, on PostgreSQL (client in memory) it has no worker at all: a signed-in
// browser's session is read in the reads' flights, on their thread.
Traces WithWritesOnTheStoresThread(bool postgres) {
  Traces expected = Common();
  const std::string committed = "network writer network";
  expected["POST /oauth/consent"] = {committed};
  expected["POST /oauth/token authorization_code"] = {committed};
  expected["POST /oauth/token refresh_token"] = {committed};
  const std::string counted_then_committed = "network writer network writer network";
  expected["POST /oauth/register"] = {counted_then_committed};
  expected["POST /oauth/authorize"] = {postgres ? counted_then_committed
                                                : "network worker writer network writer network"};
  expected["GET /oauth/authorize"] = expected["POST /oauth/authorize"];
  if (postgres) {
    expected["GET /oauth/authorize"].insert(
        "network writer network writer network writer network");  // read, counted, committed
  }
  return expected;
}

TEST(RoutePlacement, SqliteWritesWaitForTheBatchWriterWithoutAThread) {
  StepRecorder recorder;
  TestServer server(
      nullptr,
      [&](server::App& app) {
        app.ObserveSteps([&](const http::Request& r, http::Step s) { recorder.Heard(r, s); });
      },
      TestStore::kSqlite);
  EXPECT_EQ(RunEveryRoute(server, recorder), WithWritesOnTheStoresThread(false));
}

TEST(RoutePlacement, PostgresWritesWaitForTheBatchWriterWithoutAThread) {
  StepRecorder recorder;
  TestServer server(
      nullptr,
      [&](server::App& app) {
        app.ObserveSteps([&](const http::Request& r, http::Step s) { recorder.Heard(r, s); });
      },
      TestStore::kPostgres);
  EXPECT_EQ(RunEveryRoute(server, recorder), WithWritesOnTheStoresThread(true));
}

}  // namespace
}  // namespace authgent::testing
