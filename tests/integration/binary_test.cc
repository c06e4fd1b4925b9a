// The real `authgent` binary as a child process: configuration errors, signals, restarts, logs
// and the operator subcommands.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "flow_helpers.h"
#include "http_client.h"
#include "process.h"
#include "sqlite_check.h"
#include "storage/sql/schema.h"
#include "test_server.h"
#include "test_signer.h"

namespace authgent::testing {
namespace {

using Env = std::map<std::string, std::string>;

// Starts `authgent serve` on a free port; waits until it serves.
class Served {
 public:
  explicit Served(Env env = {}, const std::string& dir = "") : port_(FreePort()) {
    env["PORT"] = std::to_string(port_);
    env["BIND_ADDRESS"] = "127.0.0.1";
    dir_ = dir.empty() ? MakeTempDir("authgent-bin") : dir;
    process_ = std::make_unique<Process>(std::vector<std::string>{AuthgentBinary(), "serve"}, env, dir_);
    ready_ = process_->WaitForStderr("serving on", 20000);
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  Process& process() { return *process_; }
  const std::string& dir() const { return dir_; }

 private:
  int port_;
  std::string dir_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

struct BadConfig {
  Env env;
  std::string message;
};

TEST(Binary, InvalidConfigurationExits2WithOneLineNamingTheVariable) {
  const std::vector<BadConfig> cases = {
      {{{"ISSUER", "https://auth.example.com/tenant"}},
       "ISSUER must not have a path (got 'https://auth.example.com/tenant')"},
      {{{"ISSUER", "https://auth.example.com?x=1"}},
       "ISSUER must not have a query (got 'https://auth.example.com?x=1')"},
      {{{"ISSUER", "https://auth.example.com/"}},
       "ISSUER must not end with '/' (got 'https://auth.example.com/')"},
      {{{"ISSUER", "ftp://auth.example.com"}},
       "ISSUER must use http or https, not 'ftp' (got 'ftp://auth.example.com')"},
      {{{"ISSUER", "http://auth.example.com"}},
       "ISSUER uses http with a non-loopback host; use https or set ALLOW_INSECURE_ISSUER=true "
       "(got 'http://auth.example.com')"},
      {{{"DATABASE_URL", "postgres//nope"}},
       "DATABASE_URL is invalid: not a URL (expected sqlite://PATH or postgres://...)"},
      {{{"DATABASE_URL", "redis://localhost/0"}},
       "DATABASE_URL is invalid: unsupported scheme 'redis' (expected sqlite://PATH or "
       "postgres://...)"},
      {{{"PORT", "65536"}}, "PORT must be an integer from 0 to 65535 (got '65536')"},
      {{{"PORT", "-1"}}, "PORT must be an integer from 0 to 65535 (got '-1')"},
      {{{"DATABASE_URL", "postgres://u:p@127.0.0.1:5432/authgent"}},
       "KEY_ENCRYPTION_KEY is required with PostgreSQL: every instance must share it (base64 of "
       "32 bytes)"},
  };
  for (const BadConfig& c : cases) {
    RunResult r = RunAuthgent({"serve"}, c.env);
    EXPECT_EQ(r.code, 2) << c.message;
    EXPECT_EQ(r.err, "authgent: invalid configuration: " + c.message + "\n");
  }
}

TEST(Binary, FlagsWorkLikeVariables) {
  RunResult r = RunAuthgent({"serve", "--port", "99999"}, {});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "authgent: invalid configuration: PORT must be an integer from 0 to 65535 (got '99999')\n");
}

TEST(Binary, InsecureIssuerIsAllowedWhenExplicit) {
  Served s(Env{{"ISSUER", "http://auth.internal:8080"}, {"ALLOW_INSECURE_ISSUER", "true"}});
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  EXPECT_EQ(Get(s.port(), "/.well-known/oauth-authorization-server").Json()["issuer"],
            "http://auth.internal:8080");
  s.process().Signal(SIGTERM);
  EXPECT_EQ(s.process().Wait(10000), 0);
}

TEST(Binary, VersionAndHelp) {
  RunResult v = RunAuthgent({"version"}, {});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("authgent ", 0), 0u);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"serve", "--help"}, {"migrate", "--help"},
        {"keys", "--help"}, {"keys", "list", "--help"}, {"keys", "rotate", "--help"},
        {"version", "--help"}}) {
    RunResult h = RunAuthgent(args, {});
    EXPECT_EQ(h.code, 0) << args.back();
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << args[0];
  }
  RunResult serve_help = RunAuthgent({"serve", "--help"}, {});
  EXPECT_NE(serve_help.out.find("--database-url"), std::string::npos);
  EXPECT_NE(serve_help.out.find("[env ISSUER]"), std::string::npos);
  EXPECT_EQ(RunAuthgent({"no-such-command"}, {}).code, 2);
}

#ifdef AUTHGENT_WITH_JEMALLOC
// The server allocates through jemalloc (CMakeLists.txt, AUTHGENT_JEMALLOC): asked to, jemalloc
// prints its statistics when the process exits, which glibc's malloc would never do.
TEST(Binary, AllocatesThroughJemalloc) {
  RunResult v = RunAuthgent({"version"}, {{"MALLOC_CONF", "stats_print:true"}});
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.err.find("Begin jemalloc statistics"), std::string::npos) << v.err.substr(0, 200);
}
#endif

TEST(Binary, GracefulShutdownFinishesTheRequestInFlight) {
  Served s;
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  Connection in_flight(s.port());
  Connection idle(s.port());
  ASSERT_TRUE(idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(idle.Read()->status, 200);  // now an idle keep-alive connection
  ASSERT_TRUE(in_flight.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // headers not finished
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  s.process().Signal(SIGTERM);
  // The idle connection is closed; a new connection is refused; the in-flight request completes.
  EXPECT_TRUE(idle.ClosedByPeer(3000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(Connection(s.port()).ok());
  ASSERT_TRUE(in_flight.Send("\r\n"));
  auto r = in_flight.Read(5000);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("connection"), "close");
  EXPECT_EQ(s.process().Wait(10000), 0);
  EXPECT_NE(s.process().Stdout().find("\"msg\":\"shutdown complete\""), std::string::npos);
}

// Started under a soft open-file limit below the hard one, serve raises it to the hard limit
// (each connection is a descriptor) and says so in its "listening" line.
TEST(Binary, ServeRaisesTheOpenFileLimitToTheHardLimit) {
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_GT(original.rlim_max, 256u) << "the hard limit leaves nothing to raise";
  rlimit lowered = original;
  lowered.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  Served s;  // inherits the lowered soft limit
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  std::ifstream limits("/proc/" + std::to_string(s.process().pid()) + "/limits");
  std::string line, soft, hard;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) {
      std::istringstream fields(line.substr(14));
      fields >> soft >> hard;
    }
  }
  EXPECT_EQ(soft, std::to_string(original.rlim_max));
  EXPECT_EQ(hard, std::to_string(original.rlim_max));
  EXPECT_NE(s.process().Stdout().find("\"open_files\":" + std::to_string(original.rlim_max)),
            std::string::npos)
      << s.process().Stdout();
}

// The container probe: exit 0 only on a 200 from /readyz, one line saying why otherwise.
TEST(Binary, HealthcheckExitsZeroOnlyWhenReady) {
  Served s;
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  std::string where = "127.0.0.1:" + std::to_string(s.port());
  // A wildcard bind is probed on loopback.
  RunResult ready = RunAuthgent({"healthcheck"}, {{"PORT", std::to_string(s.port())},
                                                  {"BIND_ADDRESS", "0.0.0.0"}});
  EXPECT_EQ(ready.code, 0) << ready.err;
  EXPECT_EQ(ready.err, "authgent healthcheck: " + where + ": ready\n");
  s.process().Signal(SIGTERM);
  ASSERT_EQ(s.process().Wait(10000), 0);
  RunResult gone = RunAuthgent({"healthcheck", "--port", std::to_string(s.port())}, {});
  EXPECT_EQ(gone.code, 1);
  EXPECT_EQ(gone.err, "authgent healthcheck: " + where + ": connect: Connection refused\n");
}

TEST(Binary, HealthcheckFailsWhileTheUpstreamIsUnreachable) {
  int closed = FreePort();
  Served s({{"UPSTREAM_ISSUER", "http://127.0.0.1:" + std::to_string(closed)},
            {"UPSTREAM_CLIENT_ID", "authgent"}, {"UPSTREAM_CLIENT_SECRET", "secret"}});
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  RunResult r = RunAuthgent({"healthcheck"}, {{"PORT", std::to_string(s.port())}});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "authgent healthcheck: 127.0.0.1:" + std::to_string(s.port()) +
                       ": not ready (HTTP 503)\n");
  RunResult no_port = RunAuthgent({"healthcheck"}, {{"PORT", "0"}});
  EXPECT_EQ(no_port.code, 1);
  EXPECT_EQ(no_port.err,
            "authgent healthcheck: PORT is 0 (a free port chosen at start): name the port\n");
}

TEST(Binary, SigningKeySurvivesARestart) {
  std::string dir = MakeTempDir("authgent-restart");
  std::string first;
  {
    Served s(Env{}, dir);
    ASSERT_TRUE(s.ready()) << s.process().Stderr();
    first = Get(s.port(), "/.well-known/jwks.json").body;
    s.process().Signal(SIGINT);
    ASSERT_EQ(s.process().Wait(10000), 0);
  }
  Served again(Env{}, dir);
  ASSERT_TRUE(again.ready()) << again.process().Stderr();
  EXPECT_EQ(Get(again.port(), "/.well-known/jwks.json").body, first);
  again.process().Signal(SIGTERM);
  EXPECT_EQ(again.process().Wait(10000), 0);
}

TEST(Binary, AccessLogHasOneJsonLinePerRequestWithoutQueryStrings) {
  Served s;
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  Get(s.port(), "/healthz?code=SECRETCODE&refresh_token=SECRETTOKEN", {{"X-Request-Id", "req-1"}});
  s.process().Signal(SIGTERM);
  ASSERT_EQ(s.process().Wait(10000), 0);
  std::string out = s.process().Stdout();
  EXPECT_EQ(out.find("SECRET"), std::string::npos);
  bool found = false;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;  // every line is JSON
    if (j.value("request_id", "") == "req-1") {
      found = true;
      EXPECT_EQ(j["path"], "/healthz");
      EXPECT_EQ(j["method"], "GET");
      EXPECT_EQ(j["status"], 200);
      EXPECT_TRUE(j["duration_ms"].is_number());
      EXPECT_TRUE(j["time"].is_string());
    }
  }
  EXPECT_TRUE(found) << out;
}

TEST(Binary, MigrateAndKeysSubcommands) {
  std::string dir = MakeTempDir("authgent-keys");
  RunResult migrate = RunAuthgent({"migrate"}, {}, dir);
  EXPECT_EQ(migrate.code, 0) << migrate.err;
  const std::string latest = std::to_string(storage::sql::Migrations().back().version);
  EXPECT_EQ(migrate.out,
            "database schema at version " + latest + " (" + latest + " migrations applied now)\n");
  EXPECT_EQ(RunAuthgent({"migrate"}, {}, dir).out,
            "database schema at version " + latest + " (0 migrations applied now)\n");

  RunResult empty = RunAuthgent({"keys", "list"}, {}, dir);
  EXPECT_EQ(empty.code, 0);
  EXPECT_EQ(empty.out, "no signing keys yet: `authgent serve` creates the first one\n");

  RunResult rotate = RunAuthgent({"keys", "rotate"}, {{"KEY_PUBLISH_DELAY", "120"}}, dir);
  EXPECT_EQ(rotate.code, 0) << rotate.err;
  EXPECT_EQ(rotate.out.rfind("added key ", 0), 0u);
  RunResult list = RunAuthgent({"keys", "list"}, {}, dir);
  EXPECT_EQ(list.code, 0);
  EXPECT_NE(list.out.find(" active "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(" next "), std::string::npos) << list.out;

  // The next key is published by a server on the same database at once.
  Served s(Env{}, dir);
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  EXPECT_EQ(Get(s.port(), "/.well-known/jwks.json").Json()["keys"].size(), 2u);
}

TEST(Binary, WrongKeyEncryptionKeyRefusesToStart) {
  std::string dir = MakeTempDir("authgent-kek");
  RunResult migrate = RunAuthgent({"keys", "rotate"}, {}, dir);
  ASSERT_EQ(migrate.code, 0) << migrate.err;
  RunResult wrong = RunAuthgent({"serve"}, {{"KEY_ENCRYPTION_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, {"PORT", "0"}}, dir);
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("cannot decrypt signing key"), std::string::npos) << wrong.err;
}

TEST(Binary, FirstStartCreatesAdminAndPrintsThePasswordOnce) {
  std::string dir = MakeTempDir("authgent-admin");
  std::string first_err;
  {
    Served s(Env{}, dir);
    ASSERT_TRUE(s.ready()) << s.process().Stderr();
    first_err = s.process().Stderr();
    s.process().Signal(SIGTERM);
    s.process().Wait(10000);
  }
  size_t at = first_err.find("created user 'admin' with password ");
  ASSERT_NE(at, std::string::npos) << first_err;
  std::string password = first_err.substr(at + 35, 20);
  EXPECT_EQ(password.find_first_of(" \n"), std::string::npos);
  EXPECT_NE(first_err.find("/oauth/authorize"), std::string::npos);
  Served again(Env{}, dir);
  ASSERT_TRUE(again.ready());
  EXPECT_EQ(again.process().Stderr().find("password"), std::string::npos);
  EXPECT_EQ(again.process().Stdout().find(password), std::string::npos);  // never logged
  RunResult users = RunAuthgent({"users", "list"}, {}, dir);
  EXPECT_NE(users.out.find("admin "), std::string::npos);
}

TEST(Binary, UsersSubcommandsReadPasswordsFromStandardInput) {
  std::string dir = MakeTempDir("authgent-users");
  RunResult add = RunAuthgent({"users", "add", "alice"}, {}, dir, "s3cret-password\n");
  EXPECT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out, "added user alice\n");
  EXPECT_EQ(RunAuthgent({"users", "add", "alice"}, {}, dir, "another-password\n").err,
            "authgent: user alice exists\n");
  RunResult shortpw = RunAuthgent({"users", "add", "bob"}, {}, dir, "short\n");
  EXPECT_EQ(shortpw.code, 1);
  EXPECT_EQ(shortpw.err, "authgent: the password must have at least 8 characters\n");
  EXPECT_NE(RunAuthgent({"users", "list"}, {}, dir).out.find("alice"), std::string::npos);
  EXPECT_EQ(RunAuthgent({"users", "passwd", "alice"}, {}, dir, "new-password-1\n").out,
            "changed the password of alice; their sessions and tokens are revoked\n");
  EXPECT_EQ(RunAuthgent({"users", "passwd", "nobody"}, {}, dir, "new-password-1\n").err,
            "authgent: no user nobody\n");
  EXPECT_EQ(RunAuthgent({"users", "delete", "alice"}, {}, dir).code, 0);
  EXPECT_EQ(RunAuthgent({"users", "list"}, {}, dir).out.find("alice"), std::string::npos);
}

TEST(Binary, ClientsSubcommands) {
  std::string dir = MakeTempDir("authgent-clients");
  RunResult pub = RunAuthgent({"clients", "add", "--name", "Team Tool", "--redirect-uri",
                               "https://tool.example/cb", "--redirect-uri", "http://127.0.0.1/cb"},
                              {}, dir);
  ASSERT_EQ(pub.code, 0) << pub.err;
  ASSERT_EQ(pub.out.rfind("client_id: ", 0), 0u);
  EXPECT_EQ(pub.out.find("client_secret"), std::string::npos);
  std::string id = pub.out.substr(11, 32);

  // A machine client names the resources it may get tokens for; without one it is refused.
  RunResult no_resource =
      RunAuthgent({"clients", "add", "--name", "Batch", "--grant", "client_credentials"}, {}, dir);
  EXPECT_EQ(no_resource.code, 1);
  EXPECT_EQ(no_resource.err,
            "authgent: --resource URI is required with --grant client_credentials and --introspect "
            "(the audiences this client may get or introspect tokens for)\n");
  RunResult bad_scope = RunAuthgent({"clients", "add", "--name", "Batch", "--grant",
                                     "client_credentials", "--resource", "https://mcp.example/mcp",
                                     "--scope", "admin"}, {}, dir);
  EXPECT_EQ(bad_scope.code, 1);
  EXPECT_EQ(bad_scope.err, "authgent: --scope admin is not a scope of the client's resources\n");
  RunResult machine = RunAuthgent({"clients", "add", "--name", "Batch", "--grant",
                                   "client_credentials", "--resource", "https://mcp.example/mcp",
                                   "--scope", "mcp:read", "--introspect"}, {}, dir);
  ASSERT_EQ(machine.code, 0) << machine.err;
  EXPECT_NE(machine.out.find("client_secret: "), std::string::npos);
  nlohmann::json machine_json =
      nlohmann::json::parse(RunAuthgent({"clients", "show", machine.out.substr(11, 32)}, {}, dir).out);
  EXPECT_EQ(machine_json["resources"], nlohmann::json::array({"https://mcp.example/mcp"}));
  EXPECT_EQ(machine_json["introspection"], true);
  EXPECT_EQ(machine_json["grant_types"], nlohmann::json::array({"client_credentials"}));
  EXPECT_EQ(machine_json["token_endpoint_auth_method"], "client_secret_basic");

  // Keys instead of a secret: a key set from a file, or the URL of one.
  verify::testing::TestSigner signer("ES256", "k1");
  std::string jwks_file = dir + "/jwks.json";
  std::ofstream(jwks_file) << signer.JwksJson();
  RunResult keyed =
      RunAuthgent({"clients", "add", "--name", "Signed", "--grant", "client_credentials",
                   "--resource", "https://mcp.example/mcp", "--jwks", jwks_file},
                  {}, dir);
  ASSERT_EQ(keyed.code, 0) << keyed.err;
  EXPECT_EQ(keyed.out.find("client_secret"), std::string::npos);
  nlohmann::json keyed_json = nlohmann::json::parse(
      RunAuthgent({"clients", "show", keyed.out.substr(11, 32)}, {}, dir).out);
  EXPECT_EQ(keyed_json["token_endpoint_auth_method"], "private_key_jwt");
  EXPECT_EQ(keyed_json["jwks"]["keys"][0]["kid"], "k1");
  RunResult by_uri = RunAuthgent(
      {"clients", "add", "--name", "Signed", "--grant", "client_credentials", "--resource",
       "https://mcp.example/mcp", "--jwks-uri", "https://signer.example/jwks.json"},
      {}, dir);
  ASSERT_EQ(by_uri.code, 0) << by_uri.err;
  EXPECT_EQ(
      nlohmann::json::parse(
          RunAuthgent({"clients", "show", by_uri.out.substr(11, 32)}, {}, dir).out)["jwks_uri"],
      "https://signer.example/jwks.json");
  EXPECT_EQ(RunAuthgent({"clients", "add", "--name", "S", "--jwks", dir + "/missing.json",
                         "--redirect-uri", "https://tool.example/cb"},
                        {}, dir)
                .err,
            "authgent: cannot read " + dir + "/missing.json\n");
  EXPECT_EQ(RunAuthgent({"clients", "add", "--name", "S", "--jwks", jwks_file, "--confidential",
                         "--redirect-uri", "https://tool.example/cb"},
                        {}, dir)
                .err,
            "authgent: --confidential issues a secret; a client with --jwks-uri or --jwks has keys "
            "instead\n");

  RunResult show = RunAuthgent({"clients", "show", id}, {}, dir);
  ASSERT_EQ(show.code, 0);
  nlohmann::json j = nlohmann::json::parse(show.out);
  EXPECT_EQ(j["client_name"], "Team Tool");
  EXPECT_EQ(j["source"], "cli");
  EXPECT_EQ(j["token_endpoint_auth_method"], "none");
  EXPECT_EQ(j["redirect_uris"].size(), 2u);
  // The operator's policy: by id, or by a metadata document's URL before its first use.
  RunResult blocked = RunAuthgent(
      {"clients", "policy", id, "--block", "--scope", "mcp:read", "--token-ttl", "600"}, {}, dir);
  ASSERT_EQ(blocked.code, 0) << blocked.err;
  nlohmann::json policy = nlohmann::json::parse(blocked.out);
  EXPECT_EQ(policy["blocked"], true);
  EXPECT_EQ(policy["scope"], "mcp:read");
  EXPECT_EQ(policy["access_token_ttl"], 600);
  EXPECT_EQ(
      nlohmann::json::parse(RunAuthgent({"clients", "show", id}, {}, dir).out)["policy"]["blocked"],
      true);
  RunResult url_policy = RunAuthgent(
      {"clients", "policy", "https://claude.ai/oauth/mcp-client.json", "--trust"}, {}, dir);
  ASSERT_EQ(url_policy.code, 0) << url_policy.err;
  EXPECT_EQ(nlohmann::json::parse(url_policy.out)["trusted"], true);
  EXPECT_EQ(RunAuthgent({"clients", "policy", "no-such-client", "--block"}, {}, dir).err,
            "authgent: no client no-such-client (a metadata document's https URL may be named "
            "before its first use)\n");
  EXPECT_EQ(RunAuthgent({"clients", "policy", id, "--token-ttl", "5"}, {}, dir).err,
            "authgent: --token-ttl must be 60 to 86400 seconds (0: ACCESS_TOKEN_TTL)\n");
  RunResult list = RunAuthgent({"clients", "list"}, {}, dir);
  EXPECT_NE(list.out.find(id), std::string::npos);
  EXPECT_NE(list.out.find("Batch"), std::string::npos);
  EXPECT_EQ(list.out.rfind("CLIENT_ID", 0), 0u);
  EXPECT_NE(list.out.find("KIND"), std::string::npos);
  EXPECT_NE(list.out.find("operator"), std::string::npos);
  EXPECT_NE(list.out.find("blocked"), std::string::npos);
  EXPECT_EQ(RunAuthgent({"clients", "remove", id}, {}, dir).code, 0);
  EXPECT_EQ(RunAuthgent({"clients", "show", id}, {}, dir).err, "authgent: no client " + id + "\n");
  RunResult bad = RunAuthgent({"clients", "add", "--name", "X", "--redirect-uri", "http://evil.example/cb"}, {}, dir);
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "authgent: http redirect URIs are allowed only for loopback hosts (127.0.0.1, "
                     "[::1], localhost)\n");
}

// SQLite on a 4 MiB tmpfs that the test fills up: writes answer 503 temporarily_unavailable,
// /readyz says `storage` (its write probe), reads (metadata, JWKS, introspection of a token issued
// before) keep working; once space is freed writes work again without a restart, and the database
// passes `PRAGMA integrity_check`. Mounting needs root, as the test command runs; elsewhere the
// test fails with one line saying so.
TEST(Binary, FullDiskAnswers503KeepsReadsAndRecovers) {
  std::string mount_dir = MakeTempDir("authgent-tmpfs");
  ASSERT_EQ(::mount("tmpfs", mount_dir.c_str(), "tmpfs", 0, "size=4m"), 0)
      << "cannot mount a tmpfs (" << std::strerror(errno) << "): this test needs root";
  struct Unmount {
    std::string dir;
    ~Unmount() { ::umount2(dir.c_str(), MNT_DETACH); }
  } unmount{mount_dir};
  Env env = {{"DATABASE_URL", "sqlite://" + mount_dir + "/authgent.db"},
             {"REGISTRATION_RATE_LIMIT", "0"},
             {"REGISTRATION_NETWORK_RATE_LIMIT", "0"},
             {"REGISTRATION_GLOBAL_RATE_LIMIT", "0"},
             {"AUTHORIZE_RATE_LIMIT", "0"},  // its count is a write too: not the one tested
             {"ACCESS_LOG", "false"}};
  RunResult added = RunAuthgent({"clients", "add", "--name", "Batch", "--grant",
                                 "client_credentials", "--resource", "https://mcp.example/mcp",
                                 "--introspect"},
                                env);
  ASSERT_EQ(added.code, 0) << added.err;
  std::string id = added.out.substr(11, 32);
  size_t at = added.out.find("client_secret: ");
  std::string secret = added.out.substr(at + 15, added.out.find('\n', at) - at - 15);
  ASSERT_EQ(RunAuthgent({"users", "add", "alice"}, env, "", "alice-password-1\n").code, 0);
  Served s(env);
  ASSERT_TRUE(s.ready()) << s.process().Stderr();
  // A user signed in, on the consent page, when the disk fills up.
  FlowDriver browser(s.port());
  std::string public_client = browser.RegisterPublicClient({"http://127.0.0.1:9/cb"});
  HttpResult to_login = browser.Authorize(
      browser.AuthorizeParams(public_client, "http://127.0.0.1:9/cb", Pkce::Make()));
  ASSERT_EQ(to_login.status, 303) << to_login.body;
  HttpResult logged_in = browser.Login(to_login.Header("location"), "alice", "alice-password-1");
  ASSERT_EQ(logged_in.status, 303) << logged_in.body;
  HttpResult consent = browser.ConsentPage(logged_in.Header("location"));
  ASSERT_EQ(consent.status, 200) << consent.body;
  std::map<std::string, std::string> basic = {{"Authorization", Basic(id, secret)}};
  HttpResult token = PostForm(s.port(), "/oauth/token",
                              {{"grant_type", "client_credentials"},
                               {"resource", "https://mcp.example/mcp"}},
                              basic);
  ASSERT_EQ(token.status, 200) << token.body;
  std::string access = token.Json()["access_token"];
  nlohmann::json registration = {{"redirect_uris", {"http://127.0.0.1:9/cb"}},
                                 {"token_endpoint_auth_method", "none"}};
  ASSERT_EQ(PostJson(s.port(), "/oauth/register", registration).status, 201);

  // Fill the disk, then register until SQLite runs out of room (pages its files already hold
  // may take the first few).
  std::string filler = mount_dir + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  HttpResult full;
  int accepted_while_full = 0;
  for (int i = 0; i < 500; ++i) {
    full = PostJson(s.port(), "/oauth/register", registration);
    if (full.status != 201) break;
    ++accepted_while_full;
  }
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_EQ(full.Json()["error"], "temporarily_unavailable");
  EXPECT_EQ(full.Header("retry-after"), "2");
  // The approval cannot store its code: the client is told to try again later, not of a fault.
  HttpResult approved = browser.Decide(consent, "approve");
  ASSERT_EQ(approved.status, 302) << approved.body;
  std::map<std::string, std::string> answer = QueryOf(approved.Header("location"));
  EXPECT_EQ(answer["error"], "temporarily_unavailable") << approved.Header("location");
  EXPECT_EQ(answer.count("code"), 0u);
  // A new sign-in cannot store its transaction: the browser gets the 503 page, not the consent
  // page (prepared before the write) nor a cookie naming a transaction that was never stored.
  HttpResult started = browser.Authorize(
      browser.AuthorizeParams(public_client, "http://127.0.0.1:9/cb", Pkce::Make()));
  EXPECT_EQ(started.status, 503) << started.body;
  EXPECT_NE(started.body.find("Temporarily unavailable"), std::string::npos) << started.body;
  EXPECT_EQ(started.body.find("csrf_token"), std::string::npos) << started.body;
  EXPECT_EQ(started.Header("set-cookie"), "");
  HttpResult ready = Get(s.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.Json()["reason"], "storage");
  EXPECT_EQ(Get(s.port(), "/.well-known/oauth-authorization-server").status, 200);
  EXPECT_EQ(Get(s.port(), "/.well-known/jwks.json").status, 200);
  HttpResult introspected = PostForm(s.port(), "/oauth/introspect", {{"token", access}}, basic);
  EXPECT_EQ(introspected.status, 200) << introspected.body;
  EXPECT_EQ(introspected.Json()["active"], true);

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  HttpResult again;
  for (int i = 0; i < 100; ++i) {
    again = PostJson(s.port(), "/oauth/register", registration);
    if (again.status == 201) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(Get(s.port(), "/readyz").status, 200);
  s.process().Signal(SIGTERM);
  EXPECT_EQ(s.process().Wait(15000), 0);
  std::string log = s.process().Stdout();
  EXPECT_NE(log.find("\"storage unavailable\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"storage recovered\""), std::string::npos) << log;

  EXPECT_EQ(SqliteIntegrityCheck(mount_dir + "/authgent.db"), "ok");
  std::cout << "disk full: " << accepted_while_full
            << " registrations still fitted in SQLite's pages after the disk filled; then 503, "
               "reads served, writes again after freeing space, integrity ok\n";
}

}  // namespace
}  // namespace authgent::testing
