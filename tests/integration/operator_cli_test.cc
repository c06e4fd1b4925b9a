// The operator's view of a running server's users: `authgent grants ...` and `authgent
// sessions ...` run as separate processes on the database of an in-process server while it
// serves, as an operator would run them on a live deployment; their tables and --json, their
// exit codes, their effect on the flow, and their audit events.
#include <gtest/gtest.h>

#include <fstream>

#include "flow_helpers.h"
#include "process.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
constexpr char kPassword[] = "correct horse battery";

class OperatorCli : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", kPassword);
    client_id_ = flow_.RegisterPublicClient({kRedirect});
    std::string location = flow_.AuthorizeAndApprove(
        flow_.AuthorizeParams(client_id_, kRedirect, pkce_), "alice", kPassword);
    HttpResult tokens =
        flow_.ExchangeCode(client_id_, QueryOf(location)["code"], pkce_.verifier, kRedirect);
    ASSERT_EQ(tokens.status, 200) << tokens.body;
    refresh_token_ = tokens.Json()["refresh_token"];
  }
  RunResult Cli(const std::vector<std::string>& args) {
    std::map<std::string, std::string> env = server_.StoreEnvironment();
    env["AUDIT_LOG"] = audit_path_;
    return RunAuthgent(args, env);
  }

  std::string audit_path_ = MakeTempDir("authgent-audit") + "/audit.log";
  TestServer server_{[](server::RawConfig& raw) { raw.issuer = "http://127.0.0.1:9"; }};
  FlowDriver flow_{server_};
  Pkce pkce_ = Pkce::Make();
  std::string client_id_, refresh_token_;
};

TEST_F(OperatorCli, GrantsAreListedAsATableOrJsonAndRevokedById) {
  RunResult listed = Cli({"grants", "list", "--user", "alice", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  nlohmann::json grants = nlohmann::json::parse(listed.out);
  ASSERT_EQ(grants.size(), 1u) << listed.out;
  const nlohmann::json& g = grants[0];
  EXPECT_EQ(g["user"], "alice");
  EXPECT_EQ(g["client_id"], client_id_);
  EXPECT_EQ(g["client_name"], "Test MCP Client");
  EXPECT_EQ(g["resource"], "http://127.0.0.1:9");
  EXPECT_EQ(g["scope"], "mcp:read");
  EXPECT_EQ(g["refresh"], true);
  EXPECT_EQ(g["granted"], "2027-01-15T08:00:00Z");
  std::string id = g["id"];
  EXPECT_EQ(id.size(), 12u);

  RunResult table = Cli({"grants", "list", "--client", client_id_});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("ID            USER   CLIENT_ID", 0), 0u) << table.out;
  EXPECT_NE(table.out.find(id + "  alice  " + client_id_), std::string::npos) << table.out;

  EXPECT_EQ(Cli({"grants", "revoke", "nope"}).err, "authgent: no grant nope\n");
  EXPECT_EQ(Cli({"grants", "revoke", "nope"}).code, 1);
  RunResult usage = Cli({"grants", "revoke"});
  EXPECT_EQ(usage.code, 2);
  EXPECT_EQ(usage.err, "authgent: grants revoke takes an ID, or --user and/or --client\n");
  EXPECT_EQ(Cli({"grants", "list", "--user", "nobody"}).err, "authgent: no user nobody\n");

  RunResult revoked = Cli({"grants", "revoke", id});
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_EQ(revoked.out,
            "revoked 1 grant: consents removed, refresh tokens and their access tokens revoked\n");
  HttpResult refresh = flow_.Refresh(client_id_, refresh_token_);
  EXPECT_EQ(refresh.status, 400);
  EXPECT_EQ(refresh.Json()["error_description"], "the refresh token has been revoked");
  EXPECT_EQ(Cli({"grants", "list", "--json"}).out, "[]\n");
  // The consent went with it: the next authorization asks again.
  HttpResult again = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("name=\"csrf_token\""), std::string::npos) << again.body;

  std::ifstream in(audit_path_);
  nlohmann::json line = nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
  line.erase("time");
  EXPECT_EQ(line["event"], "grant.revoked");
  EXPECT_EQ(line["actor"], "operator");
  EXPECT_EQ(line["client_id"], client_id_);
  EXPECT_EQ(line["resource"], "http://127.0.0.1:9");
  EXPECT_EQ(line["log"], "audit");
}

TEST_F(OperatorCli, SessionsAreListedAndRevokedPerUser) {
  RunResult listed = Cli({"sessions", "list", "--user", "alice", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  nlohmann::json sessions = nlohmann::json::parse(listed.out);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0]["user"], "alice");
  EXPECT_EQ(sessions[0]["id"].get<std::string>().size(), 12u);
  EXPECT_EQ(Cli({"sessions", "revoke"}).code, 2);
  RunResult revoked = Cli({"sessions", "revoke", "--user", "alice"});
  ASSERT_EQ(revoked.code, 0) << revoked.err;
  EXPECT_EQ(revoked.out,
            "ended 1 session of alice (their grants stay: `grants revoke --user` ends them)\n");
  EXPECT_EQ(Cli({"sessions", "list", "--json"}).out, "[]\n");
  // Signed out: the next authorization asks for the password again; the grant itself stays.
  HttpResult again = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
  EXPECT_EQ(again.Header("location").rfind("/oauth/login?", 0), 0u) << again.Header("location");
  EXPECT_EQ(flow_.Refresh(client_id_, refresh_token_).status, 200);
}

TEST_F(OperatorCli, UsersAndClientsListAsJson) {
  // alice, and the admin the first start created.
  nlohmann::json users = nlohmann::json::parse(Cli({"users", "list", "--json"}).out);
  ASSERT_EQ(users.size(), 2u);
  nlohmann::json alice = users[0]["username"] == "alice" ? users[0] : users[1];
  EXPECT_EQ(alice["username"], "alice");
  EXPECT_EQ(alice["disabled"], false);
  EXPECT_EQ(alice["identity"], "local");
  nlohmann::json clients = nlohmann::json::parse(Cli({"clients", "list", "--json"}).out);
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0]["client_id"], client_id_);
  EXPECT_EQ(clients[0]["kind"], "dcr");
  EXPECT_EQ(clients[0]["grants"], 1);
}

}  // namespace
}  // namespace authgent::testing
