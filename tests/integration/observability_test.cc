// What an operator sees of a whole flow: the Prometheus counters it moves (and promtool's check
// of the exposition), METRICS_ADDRESS keeping /metrics off the main port, and the audit trail's
// events, field by field, with no token or secret in it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "flow_helpers.h"
#include "server/version.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
constexpr char kPassword[] = "correct horse battery";
constexpr char kResource[] = "https://mcp.example.com/mcp";

// "name{labels}" -> value, for every sample line of an exposition.
std::map<std::string, double> Samples(const std::string& exposition) {
  std::map<std::string, double> out;
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::vector<nlohmann::json> AuditLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Runs promtool's linter on `exposition`; its output, and the exit status in `status`.
std::string Promtool(const std::string& dir, const std::string& exposition, int* status) {
  std::string file = dir + "/metrics.txt";
  std::ofstream(file) << exposition;
  FILE* p = popen(("promtool check metrics < " + file + " 2>&1").c_str(), "r");
  std::string output;
  char buf[512];
  while (p && fgets(buf, sizeof buf, p)) output += buf;
  *status = p ? pclose(p) : -1;
  return output;
}

class Observability : public ::testing::Test {
 protected:
  void SetUp() override { AddUser(server_, "alice", kPassword); }

  // Registration, a failed and a good login, consent, code exchange, a refresh, the old refresh
  // token reused after the grace window, a machine token, an introspection and a revocation.
  void WholeFlow() {
    client_id_ = flow_.RegisterPublicClient({kRedirect});
    HttpResult start = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
    ASSERT_EQ(flow_.Login(start.Header("location"), "alice", "not-alices-password").status, 401);
    HttpResult login = flow_.Login(start.Header("location"), "alice", kPassword);
    ASSERT_EQ(login.status, 303) << login.body;
    HttpResult approved = flow_.Decide(flow_.ConsentPage(login.Header("location")), "approve");
    ASSERT_EQ(approved.status, 302) << approved.body;
    code_ = QueryOf(approved.Header("location"))["code"];
    HttpResult exchanged = flow_.ExchangeCode(client_id_, code_, pkce_.verifier, kRedirect);
    ASSERT_EQ(exchanged.status, 200) << exchanged.body;
    tokens_ = exchanged.Json();
    HttpResult refreshed = flow_.Refresh(client_id_, tokens_["refresh_token"]);
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    refreshed_ = refreshed.Json();
    server_.clock().Advance(61);
    ASSERT_EQ(flow_.Refresh(client_id_, tokens_["refresh_token"]).status, 400);
    HttpResult machine = PostForm(server_.port(), "/oauth/token",
                                  {{"grant_type", "client_credentials"}, {"resource", kResource}},
                                  {{"Authorization", Basic(rs_.first, rs_.second)}});
    ASSERT_EQ(machine.status, 200) << machine.body;
    machine_token_ = machine.Json()["access_token"];
    HttpResult introspected =
        PostForm(server_.port(), "/oauth/introspect", {{"token", machine_token_}},
                 {{"Authorization", Basic(rs_.first, rs_.second)}});
    ASSERT_EQ(introspected.Json()["active"], true) << introspected.body;
    ASSERT_EQ(PostForm(server_.port(), "/oauth/revoke",
                       {{"token", machine_token_}, {"token_type_hint", "access_token"}},
                       {{"Authorization", Basic(rs_.first, rs_.second)}})
                  .status,
              200);
  }

  std::string audit_path_ = MakeTempDir("authgent-audit") + "/audit.log";
  TestServer server_{[this](server::RawConfig& raw) {
    raw.issuer = "http://127.0.0.1:9";
    raw.refresh_reuse_grace = "60";
    raw.audit_log = audit_path_;
  }};
  FlowDriver flow_{server_};
  std::pair<std::string, std::string> rs_ =
      AddOperatorClient(server_, {.resources = {kResource}, .introspect = true});
  Pkce pkce_ = Pkce::Make();
  std::string client_id_, code_, machine_token_;
  nlohmann::json tokens_, refreshed_;
};

TEST_F(Observability, AFlowMovesTheRightCountersAndPromtoolAcceptsTheExposition) {
  WholeFlow();
  HttpResult metrics = Get(server_.port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  std::map<std::string, double> s = Samples(metrics.body);
  EXPECT_EQ(s["authgent_tokens_issued_total{grant_type=\"authorization_code\"}"], 1);
  EXPECT_EQ(s["authgent_tokens_issued_total{grant_type=\"refresh_token\"}"], 1);
  EXPECT_EQ(s["authgent_tokens_issued_total{grant_type=\"client_credentials\"}"], 1);
  EXPECT_EQ(s["authgent_refresh_reuse_detected_total"], 1);
  EXPECT_EQ(s["authgent_code_replays_total"], 0);
  EXPECT_EQ(s["authgent_registrations_total{kind=\"dcr\"}"], 1);
  EXPECT_EQ(s["authgent_registration_refusals_total{kind=\"dcr\"}"], 0);
  EXPECT_EQ(s["authgent_logins_total{method=\"password\"}"], 1);
  EXPECT_EQ(s["authgent_login_failures_total"], 1);
  EXPECT_EQ(s["authgent_login_lockouts_total"], 0);
  EXPECT_EQ(s["authgent_consents_total{decision=\"given\"}"], 1);
  // Four token requests answered 200 (code, refresh, machine; introspection is another route)
  // and one 400 (the reuse).
  EXPECT_EQ(s["authgent_http_requests_total{route=\"/oauth/token\",code=\"2xx\"}"], 3);
  EXPECT_EQ(s["authgent_http_requests_total{route=\"/oauth/token\",code=\"4xx\"}"], 1);
  EXPECT_EQ(s["authgent_http_requests_total{route=\"/oauth/register\",code=\"2xx\"}"], 1);
  EXPECT_EQ(s["authgent_http_request_duration_seconds_count{route=\"/oauth/token\"}"], 4);
  EXPECT_GT(s["authgent_storage_transaction_duration_seconds_count{kind=\"write\"}"], 0);
  EXPECT_GT(s["authgent_storage_transaction_duration_seconds_count{kind=\"read\"}"], 0);
  EXPECT_GT(s["authgent_storage_write_batch_size_count"], 0);
  // SQLite reads on pooled connections; PostgreSQL has no read pool (its reads share flights).
  EXPECT_EQ(s["authgent_storage_pool_wait_seconds_count"] > 0, !TestServer::OnPostgres());
  EXPECT_EQ(s["authgent_build_info{version=\"" + std::string(server::kVersion) + "\"}"], 1);
  std::string kid = server_.app().keys().Current().value()->active_kid;
  EXPECT_EQ(s["authgent_signing_key_age_seconds{kid=\"" + kid + "\",state=\"active\"}"], 61);
  // A path nobody registered counts as "other", never as itself.
  EXPECT_EQ(Get(server_.port(), "/no/such/path").status, 404);
  // A request is counted once its answer is written, so the client may read /metrics (on
  // another network thread) a moment before: look again for up to 2 s.
  const std::string other = "authgent_http_requests_total{route=\"other\",code=\"4xx\"}";
  for (int i = 0; i < 200; ++i) {
    s = Samples(Get(server_.port(), "/metrics").body);
    if (s[other] != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s[other], 1);
  EXPECT_EQ(metrics.body.find("/no/such/path"), std::string::npos);

  int status = 0;
  std::string lint = Promtool(server_.dir(), metrics.body, &status);
  EXPECT_EQ(status, 0) << lint;
  EXPECT_EQ(lint, "") << lint;
}

TEST(ObservabilityMetricsAddress, KeepsMetricsOffTheMainPort) {
  TestServer server([](server::RawConfig& raw) { raw.metrics_address = "127.0.0.1:0"; });
  ASSERT_NE(server.app().metrics_port(), 0);
  EXPECT_EQ(Get(server.port(), "/metrics").status, 404);
  HttpResult metrics = Get(server.app().metrics_port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE authgent_tokens_issued_total counter"), std::string::npos);
  // Nothing else is served there.
  EXPECT_EQ(Get(server.app().metrics_port(), "/oauth/token").status, 404);
}

TEST_F(Observability, TheAuditTrailNamesWhoDidWhatForWhomWithoutASecret) {
  WholeFlow();
  server_.app().audit().Flush();
  std::vector<nlohmann::json> lines = AuditLines(audit_path_);
  std::vector<std::string> events;
  for (const nlohmann::json& l : lines) events.push_back(l["event"]);
  EXPECT_EQ(events, (std::vector<std::string>{
                        "client.registered", "login.failed", "login.succeeded", "consent.given",
                        "code.issued", "token.issued", "token.issued", "refresh.reuse_detected",
                        "token.issued", "token.introspected", "token.revoked"}));
  ASSERT_EQ(lines.size(), 11u);
  std::string user_id = JwtPart(tokens_["access_token"], 1)["sub"];
  // GoogleTest's regular expressions (POSIX on Linux): <regex> doubled this file's compile time.
  const auto time =
      ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z");
  for (const nlohmann::json& l : lines) {
    EXPECT_EQ(l["log"], "audit");
    EXPECT_THAT(l["time"].get<std::string>(), time) << l;
    EXPECT_EQ(l["ip"], "127.0.0.1") << l;
    EXPECT_EQ(l["request_id"].get<std::string>().size(), 32u) << l;
  }
  auto without_request = [](nlohmann::json l) {
    l.erase("time");
    l.erase("request_id");
    l.erase("ip");
    l.erase("log");
    return l;
  };
  const nlohmann::json dcr = {
      {"client_id", client_id_}, {"client_kind", "dcr"}, {"client_host", "127.0.0.1:3000"}};
  auto with = [](nlohmann::json base, const nlohmann::json& more) {
    base.update(more);
    return base;
  };
  EXPECT_EQ(without_request(lines[0]),
            with(dcr, {{"event", "client.registered"}, {"client_name", "Test MCP Client"}}));
  EXPECT_EQ(without_request(lines[1]),
            (nlohmann::json{
                {"event", "login.failed"}, {"user_id", user_id}, {"reason", "wrong password"}}));
  EXPECT_EQ(without_request(lines[2]),
            (nlohmann::json{{"event", "login.succeeded"}, {"user_id", user_id}}));
  const nlohmann::json grant =
      with(dcr, {{"user_id", user_id}, {"resource", "http://127.0.0.1:9"}, {"scope", "mcp:read"}});
  EXPECT_EQ(without_request(lines[3]), with(grant, {{"event", "consent.given"}}));
  EXPECT_EQ(without_request(lines[4]), with(grant, {{"event", "code.issued"}}));
  EXPECT_EQ(without_request(lines[5]),
            with(grant, {{"event", "token.issued"},
                         {"grant_type", "authorization_code"},
                         {"jti", JwtPart(tokens_["access_token"], 1)["jti"]},
                         {"refresh_token", true}}));
  EXPECT_EQ(without_request(lines[6]),
            with(grant, {{"event", "token.issued"},
                         {"grant_type", "refresh_token"},
                         {"jti", JwtPart(refreshed_["access_token"], 1)["jti"]},
                         {"refresh_token", true}}));
  EXPECT_EQ(without_request(lines[7]), with(dcr, {{"event", "refresh.reuse_detected"},
                                                  {"grant_type", "refresh_token"},
                                                  {"outcome", "refresh family revoked"}}));
  const nlohmann::json rs = {{"client_id", rs_.first}, {"client_kind", "operator"}};
  EXPECT_EQ(without_request(lines[8]), with(rs, {{"event", "token.issued"},
                                                 {"grant_type", "client_credentials"},
                                                 {"resource", kResource},
                                                 {"scope", "mcp:read mcp:write"},
                                                 {"jti", JwtPart(machine_token_, 1)["jti"]},
                                                 {"refresh_token", false}}));
  EXPECT_EQ(without_request(lines[9]), with(rs, {{"event", "token.introspected"},
                                                 {"active", true},
                                                 {"jti", JwtPart(machine_token_, 1)["jti"]}}));
  EXPECT_EQ(without_request(lines[10]),
            with(rs, {{"event", "token.revoked"}, {"token_type", "access_token"}}));

  // No token, code, secret or password anywhere in it.
  std::ifstream in(audit_path_);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& secret :
       {tokens_["access_token"].get<std::string>(), tokens_["refresh_token"].get<std::string>(),
        refreshed_["refresh_token"].get<std::string>(), machine_token_, code_, rs_.second,
        std::string(kPassword), std::string("not-alices-password"), pkce_.verifier}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace authgent::testing
