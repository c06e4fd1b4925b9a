// authgent: the command line. `serve` (the default), `migrate`, `keys`, `clients`, `users`,
// `healthcheck` (the container probe) and `version`.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "core/log.h"
#include "server/app.h"
#include "server/cli.h"
#include "server/healthcheck.h"
#include "server/startup_listener.h"
#include "server/version.h"

using namespace authgent;

namespace {

// Each connection is a descriptor, and the usual soft limit (1024) is far below what one instance
// can hold: take the hard limit, which needs no privilege.
rlim_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  }
  return limit.rlim_cur;
}

// SIGTERM and SIGINT blocked in this thread, and in the threads it starts, while alive: they
// wait for StopRequestedWithin(). Before the server installs its handlers, so that a container's
// PID 1 (which ignores signals that have no handler) still stops at once while it waits for the
// database.
class StopSignalsBlocked {
 public:
  StopSignalsBlocked() {
    sigemptyset(&stop_);
    sigaddset(&stop_, SIGTERM);
    sigaddset(&stop_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_, &before_);
  }
  ~StopSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  StopSignalsBlocked(const StopSignalsBlocked&) = delete;
  StopSignalsBlocked& operator=(const StopSignalsBlocked&) = delete;

  // Waits `delay`, or less when SIGTERM or SIGINT arrives; true when one did.
  bool StopRequestedWithin(std::chrono::seconds delay) const {
    timespec wait{static_cast<time_t>(delay.count()), 0};
    int got = sigtimedwait(&stop_, nullptr, &wait);
    return got == SIGTERM || got == SIGINT;
  }

 private:
  sigset_t stop_, before_;
};

// App::Create, retried with backoff (1 s doubling to 30 s) while PostgreSQL cannot be reached:
// an instance started before its database (a rollout, a host reboot) waits for it instead of
// exiting, and its port answers meanwhile (server/startup_listener: alive, not ready). Any other
// failure, and SQLite's, ends the start at once. nullptr after a stop signal.
StatusOr<std::unique_ptr<server::App>> CreateWhenTheDatabaseAnswers(const server::Config& config) {
  auto app = server::App::Create(config, SystemClock::Instance(), SecureRandom::Instance());
  auto waits_for_database = [&] {
    return !app.ok() && app.status().code() == StatusCode::kUnavailable &&
           config.database.kind == storage::DatabaseUrl::Kind::kPostgres;
  };
  if (!waits_for_database()) return app;
  StopSignalsBlocked blocked;
  auto listener = server::StartupListener::Start(config);
  if (!listener.ok()) return listener.status();
  std::chrono::seconds delay(1);
  for (int attempt = 1; waits_for_database(); ++attempt) {
    log::Warn("database unavailable at start: retrying",
              {{"attempt", attempt}, {"retry_in_s", static_cast<int64_t>(delay.count())},
               {"error", app.status().message()}});
    std::cerr << "authgent: waiting for the database (" << app.status().message()
              << "); retrying in " << delay.count() << " s\n"
              << std::flush;
    if (blocked.StopRequestedWithin(delay)) return std::unique_ptr<server::App>();
    delay = std::min(delay * 2, std::chrono::seconds(30));
    app = server::App::Create(config, SystemClock::Instance(), SecureRandom::Instance());
  }
  (*listener)->Stop();  // the port is the server's now
  return app;
}

// Descriptors kept apart from client connections: database connections, the log, the SQLite
// files, upstream fetches.
constexpr rlim_t kReservedFiles = 128;

int Serve(server::Config config) {
  rlim_t open_files = RaiseOpenFileLimit();
  // MAX_CONNECTIONS above what the process may open would fail in accept() instead, silently:
  // lower it to fit, and say so.
  if (open_files > 0 && open_files != RLIM_INFINITY &&
      static_cast<rlim_t>(config.max_connections) + kReservedFiles > open_files) {
    int fitted = static_cast<int>(open_files > 2 * kReservedFiles ? open_files - kReservedFiles
                                                                   : open_files / 2);
    log::Warn("MAX_CONNECTIONS lowered to fit the open-file limit",
              {{"max_connections", config.max_connections}, {"open_files", static_cast<int64_t>(open_files)},
               {"now", fitted}});
    config.max_connections = fitted;
  }
  auto app = CreateWhenTheDatabaseAnswers(config);
  if (!app.ok()) {
    std::cerr << "authgent: cannot start: " << app.status().message() << "\n";
    return server::ExitCodeFor(app.status());
  }
  if (*app == nullptr) {
    std::cerr << "authgent: stopped while waiting for the database\n";
    return 0;
  }
  auto port = (*app)->Listen();
  if (!port.ok()) {
    std::cerr << "authgent: " << port.status().message() << "\n";
    return 1;
  }
  log::Info("listening", {{"address", config.bind_address},
                          {"port", *port},
                          {"issuer", (*app)->issuer()},
                          {"open_files", static_cast<int64_t>(open_files)},
                          {"max_connections", config.max_connections},
                          {"version", server::kVersion}});
  log::Flush();
  std::cerr << "authgent " << server::kVersion << " serving on " << config.bind_address << ":"
            << *port << "\n  issuer:   " << (*app)->issuer() << "\n  metadata: " << (*app)->issuer()
            << "/.well-known/oauth-authorization-server\n"
            << std::flush;
  (*app)->Run(/*handle_signals=*/true);
  return 0;
}

// A subcommand and what it runs with the validated configuration.
struct Command {
  CLI::App* app;
  std::function<int(const server::Config&)> run;
};

// Adds `name` under `parent`, with every configuration flag.
CLI::App* AddCommand(CLI::App& parent, const char* name, const char* help, server::RawConfig& raw) {
  CLI::App* sub = parent.add_subcommand(name, help);
  server::AddConfigFlags(*sub, raw);
  return sub;
}

// serve, migrate and keys.
std::vector<Command> AddServerCommands(CLI::App& cli, server::RawConfig& raw) {
  CLI::App* serve = AddCommand(cli, "serve", "Run the authorization server (the default)", raw);
  CLI::App* migrate = AddCommand(cli, "migrate", "Apply pending database migrations and exit", raw);
  CLI::App* keys = cli.add_subcommand("keys", "Manage the ES256 signing keys");
  keys->require_subcommand(1);
  CLI::App* keys_list = AddCommand(*keys, "list", "Show every signing key with its state and dates", raw);
  CLI::App* keys_rotate = AddCommand(
      *keys, "rotate", "Add a key: published now, signing after KEY_PUBLISH_DELAY", raw);
  return {
      {serve, [](const server::Config& c) { return Serve(c); }},
      {migrate, server::RunMigrate},
      {keys_list, server::RunKeysList},
      {keys_rotate, server::RunKeysRotate},
  };
}

// healthcheck, added after the commands that manage data so that --help lists it there.
Command AddHealthcheckCommand(CLI::App& cli, server::RawConfig& raw, int& timeout) {
  CLI::App* healthcheck = AddCommand(
      cli, "healthcheck", "Ask this instance's /readyz on loopback: exit 0 when ready, 1 otherwise",
      raw);
  healthcheck->add_option("--timeout", timeout, "Seconds to wait for the answer")
      ->check(CLI::Range(1, 60));
  return {healthcheck, [&timeout](const server::Config& c) {
            return server::RunHealthcheck(c, std::chrono::seconds(timeout));
          }};
}

std::vector<Command> AddClientCommands(CLI::App& cli, server::RawConfig& raw,
                                       server::ClientArgs& args, server::ClientPolicyArgs& policy,
                                       std::string& target, bool& json) {
  CLI::App* clients = cli.add_subcommand("clients", "Manage pre-registered OAuth clients");
  clients->require_subcommand(1);
  CLI::App* add =
      AddCommand(*clients, "add", "Register a client; prints its id (and secret, once)", raw);
  add->add_option("--name", args.name, "Client name shown on the consent page")->required();
  add->add_option("--redirect-uri", args.redirect_uris, "Redirect URI (repeatable)");
  add->add_flag("--confidential", args.confidential, "Issue a client secret");
  add->add_option("--grant", args.grants,
                  "Grant type (repeatable; default authorization_code refresh_token; "
                  "client_credentials needs --resource and implies --confidential)");
  add->add_option("--scope", args.scope, "Scopes the client may request");
  add->add_option("--resource", args.resources,
                  "Resource (MCP server URI) it may get client_credentials tokens for or "
                  "introspect tokens of (repeatable)");
  add->add_flag("--introspect", args.introspect,
                "May introspect tokens of its --resource URIs (implies --confidential)");
  add->add_option("--jwks-uri", args.jwks_uri,
                  "Authenticates with private_key_jwt (no secret): the https URL of its public "
                  "keys (a JWK Set)");
  add->add_option("--jwks", args.jwks_file,
                  "Authenticates with private_key_jwt (no secret): a file holding its public keys "
                  "(a JWK Set)");
  CLI::App* list = AddCommand(*clients, "list", "List every client", raw);
  list->add_flag("--json", json, "One JSON array instead of a table");
  CLI::App* show = AddCommand(*clients, "show", "Show one client's registration", raw);
  show->add_option("client_id", target, "The client id")->required();
  CLI::App* remove = AddCommand(*clients, "delete", "Delete a client and its grants", raw);
  remove->alias("remove");
  remove->add_option("client_id", target, "The client id")->required();
  CLI::App* decide = AddCommand(
      *clients, "policy",
      "Set what this server allows a client (a registered id, or a metadata document's URL)", raw);
  decide->add_option("client_id", policy.client_id, "The client id")->required();
  decide->add_flag("--block", policy.block,
                   "Refuse it everywhere and revoke what it holds (codes, consents, tokens)");
  decide->add_flag("--unblock", policy.unblock, "Allow it again (its users consent anew)");
  decide->add_flag("--trust", policy.trust,
                   "Your own client: no consent page for its https redirect URIs");
  decide->add_flag("--untrust", policy.untrust, "Show the consent page again");
  decide->add_option("--resource", policy.resources,
                     "Allow only these resources (repeatable; added to those allowed)");
  decide->add_flag("--any-resource", policy.any_resource, "Clear the resource limit first");
  decide->add_option("--scope", policy.scope, "Allow only these scopes (space-separated)");
  decide->add_flag("--any-scope", policy.any_scope, "Clear the scope limit");
  decide->add_option("--token-ttl", policy.token_ttl,
                     "Its access-token lifetime in seconds (60 to 86400; 0: ACCESS_TOKEN_TTL)");
  return {
      {add, [&args](const server::Config& c) { return server::RunClientsAdd(c, args); }},
      {list, [&json](const server::Config& c) { return server::RunClientsList(c, json); }},
      {show, [&target](const server::Config& c) { return server::RunClientsShow(c, target); }},
      {remove, [&target](const server::Config& c) { return server::RunClientsDelete(c, target); }},
      {decide, [&policy](const server::Config& c) { return server::RunClientsPolicy(c, policy); }},
  };
}

std::vector<Command> AddUserCommands(CLI::App& cli, server::RawConfig& raw, std::string& target,
                                     bool& json) {
  CLI::App* users = cli.add_subcommand("users", "Manage local user accounts");
  users->require_subcommand(1);
  auto named = [&](const char* name, const char* help) {
    CLI::App* sub = AddCommand(*users, name, help, raw);
    sub->add_option("name", target, "The username")->required();
    return sub;
  };
  auto on = [&target](int (*run)(const server::Config&, const std::string&)) {
    return [run, &target](const server::Config& c) { return run(c, target); };
  };
  auto set_disabled = [&target](bool disabled) {
    return [&target, disabled](const server::Config& c) {
      return server::RunUsersSetDisabled(c, target, disabled);
    };
  };
  CLI::App* list = AddCommand(*users, "list", "List every user", raw);
  list->add_flag("--json", json, "One JSON array instead of a table");
  return {
      {named("add",
             "Add a user; the password comes from standard input, or a prompt on a "
             "terminal"),
       on(server::RunUsersAdd)},
      {list, [&json](const server::Config& c) { return server::RunUsersList(c, json); }},
      {named("delete", "Delete a user and their grants"), on(server::RunUsersDelete)},
      {named("passwd",
             "Set a user's password (as for add); ends their sessions and revokes "
             "their tokens"),
       on(server::RunUsersPasswd)},
      {named("disable", "Stop a user signing in; ends their sessions and revokes their tokens"),
       set_disabled(true)},
      {named("enable", "Allow a disabled user to sign in again"), set_disabled(false)},
  };
}

// grants list|revoke and sessions list|revoke.
std::vector<Command> AddGrantCommands(CLI::App& cli, server::RawConfig& raw,
                                      server::GrantArgs& args) {
  CLI::App* grants =
      cli.add_subcommand("grants", "What users granted which clients: consents and refresh tokens");
  grants->require_subcommand(1);
  CLI::App* list = AddCommand(*grants, "list", "List grants (of a user, of a client)", raw);
  CLI::App* revoke = AddCommand(
      *grants, "revoke",
      "End a grant (ID) or every grant of --user and/or --client: the consent, the refresh "
      "tokens and their access tokens",
      raw);
  revoke->add_option("id", args.id, "A grant's ID, from grants list");
  CLI::App* sessions = cli.add_subcommand("sessions", "Who is signed in");
  sessions->require_subcommand(1);
  CLI::App* slist = AddCommand(*sessions, "list", "List live sessions (of a user)", raw);
  CLI::App* srevoke = AddCommand(*sessions, "revoke", "Sign a user out everywhere", raw);
  for (CLI::App* sub : {list, revoke, slist, srevoke}) {
    sub->add_option("--user", args.user, "A username");
  }
  for (CLI::App* sub : {list, revoke}) sub->add_option("--client", args.client, "A client id");
  for (CLI::App* sub : {list, slist}) {
    sub->add_flag("--json", args.json, "One JSON array instead of a table");
  }
  auto with = [&args](int (*run)(const server::Config&, const server::GrantArgs&)) {
    return [run, &args](const server::Config& c) { return run(c, args); };
  };
  return {{list, with(server::RunGrantsList)},
          {revoke, with(server::RunGrantsRevoke)},
          {slist, with(server::RunSessionsList)},
          {srevoke, with(server::RunSessionsRevoke)}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"authgent: the OAuth 2.1 authorization server for MCP"};
  cli.require_subcommand(0, 1);
  server::RawConfig raw;
  server::ClientArgs client_args;
  server::ClientPolicyArgs policy_args;
  server::GrantArgs grant_args;
  std::string target;
  int healthcheck_seconds = 5;
  std::vector<Command> commands = AddServerCommands(cli, raw);
  for (auto more : {AddClientCommands(cli, raw, client_args, policy_args, target, grant_args.json),
                    AddUserCommands(cli, raw, target, grant_args.json),
                    AddGrantCommands(cli, raw, grant_args)}) {
    commands.insert(commands.end(), more.begin(), more.end());
  }
  commands.push_back(AddHealthcheckCommand(cli, raw, healthcheck_seconds));
  CLI::App* version = cli.add_subcommand("version", "Print the version");

  // `serve` is the default: `authgent --port 9000` means `authgent serve --port 9000`.
  std::vector<std::string> args(argv + 1, argv + argc);
  bool help = !args.empty() && (args[0] == "-h" || args[0] == "--help");
  bool default_serve = args.empty() || (args[0].rfind("-", 0) == 0 && !help);
  if (default_serve) args.insert(args.begin(), "serve");
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector

  try {
    cli.parse(args);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (version->parsed()) {
    std::cout << "authgent " << server::kVersion << "\n";
    return 0;
  }
  StatusOr<server::Config> config = server::ValidateConfig(raw);
  if (!config.ok()) {
    std::cerr << "authgent: invalid configuration: " << config.status().message() << "\n";
    return 2;
  }
  const Command& serve = commands.front();
  log::Init(config->log_level, /*to_stderr=*/!serve.app->parsed());
  for (const Command& command : commands) {
    if (command.app->parsed()) return command.run(*config);
  }
  return Serve(*config);
}
