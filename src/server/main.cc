// authgent: the command line. `serve` (the default), `migrate`, `keys`, `clients`, `users`,
// `healthcheck` (the container probe) and `version`.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"authgent: the OAuth 2.1 authorization server for MCP"};
  cli.require_subcommand(0, 1);
  server::RawConfig raw;

  CLI::App* serve = cli.add_subcommand("serve", "Run the authorization server (the default)");
  server::AddConfigFlags(*serve, raw);
  CLI::App* migrate = cli.add_subcommand("migrate", "Apply pending database migrations and exit");
  server::AddConfigFlags(*migrate, raw);
  CLI::App* keys = cli.add_subcommand("keys", "Manage the ES256 signing keys");
  keys->require_subcommand(1);
  CLI::App* keys_list = keys->add_subcommand("list", "Show every signing key with its state and dates");
  server::AddConfigFlags(*keys_list, raw);
  CLI::App* keys_rotate =
      keys->add_subcommand("rotate", "Add a key: published now, signing after KEY_PUBLISH_DELAY");
  server::AddConfigFlags(*keys_rotate, raw);
  server::ClientArgs client_args;
  std::string target;
  CLI::App* clients = cli.add_subcommand("clients", "Manage pre-registered OAuth clients");
  clients->require_subcommand(1);
  CLI::App* clients_add = clients->add_subcommand("add", "Register a client; prints its id (and secret, once)");
  clients_add->add_option("--name", client_args.name, "Client name shown on the consent page")->required();
  clients_add->add_option("--redirect-uri", client_args.redirect_uris, "Redirect URI (repeatable)");
  clients_add->add_flag("--confidential", client_args.confidential, "Issue a client secret");
  clients_add->add_option(
      "--grant", client_args.grants,
      "Grant type (repeatable; default authorization_code refresh_token; client_credentials "
      "needs --resource and implies --confidential)");
  clients_add->add_option("--scope", client_args.scope, "Scopes the client may request");
  clients_add->add_option("--resource", client_args.resources,
                          "Resource (MCP server URI) it may get client_credentials tokens for or "
                          "introspect tokens of (repeatable)");
  clients_add->add_flag("--introspect", client_args.introspect,
                        "May introspect tokens of its --resource URIs (implies --confidential)");
  CLI::App* clients_list = clients->add_subcommand("list", "List every client");
  CLI::App* clients_show = clients->add_subcommand("show", "Show one client's registration");
  clients_show->add_option("client_id", target, "The client id")->required();
  CLI::App* clients_delete = clients->add_subcommand("delete", "Delete a client and its grants");
  clients_delete->add_option("client_id", target, "The client id")->required();

  CLI::App* users = cli.add_subcommand("users", "Manage local user accounts");
  users->require_subcommand(1);
  CLI::App* users_add = users->add_subcommand(
      "add", "Add a user; the password comes from standard input, or a prompt on a terminal");
  users_add->add_option("name", target, "The username")->required();
  CLI::App* users_list = users->add_subcommand("list", "List every user");
  CLI::App* users_delete = users->add_subcommand("delete", "Delete a user and their grants");
  users_delete->add_option("name", target, "The username")->required();
  CLI::App* users_passwd = users->add_subcommand(
      "passwd", "Set a user's password (as for add); ends their sessions and revokes their tokens");
  users_passwd->add_option("name", target, "The username")->required();
  CLI::App* users_disable = users->add_subcommand(
      "disable", "Stop a user signing in; ends their sessions and revokes their tokens");
  users_disable->add_option("name", target, "The username")->required();
  CLI::App* users_enable = users->add_subcommand("enable", "Allow a disabled user to sign in again");
  users_enable->add_option("name", target, "The username")->required();
  for (CLI::App* sub : {clients_add, clients_list, clients_show, clients_delete, users_add,
                        users_list, users_delete, users_passwd, users_disable, users_enable}) {
    server::AddConfigFlags(*sub, raw);
  }

  CLI::App* healthcheck = cli.add_subcommand(
      "healthcheck", "Ask this instance's /readyz on loopback: exit 0 when ready, 1 otherwise");
  int healthcheck_seconds = 5;
  healthcheck->add_option("--timeout", healthcheck_seconds, "Seconds to wait for the answer")
      ->check(CLI::Range(1, 60));
  server::AddConfigFlags(*healthcheck, raw);

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
  log::Init(config->log_level, /*to_stderr=*/!serve->parsed());
  if (healthcheck->parsed()) {
    return server::RunHealthcheck(*config, std::chrono::seconds(healthcheck_seconds));
  }
  if (migrate->parsed()) return server::RunMigrate(*config);
  if (keys_list->parsed()) return server::RunKeysList(*config);
  if (keys_rotate->parsed()) return server::RunKeysRotate(*config);
  if (clients_add->parsed()) return server::RunClientsAdd(*config, client_args);
  if (clients_list->parsed()) return server::RunClientsList(*config);
  if (clients_show->parsed()) return server::RunClientsShow(*config, target);
  if (clients_delete->parsed()) return server::RunClientsDelete(*config, target);
  if (users_add->parsed()) return server::RunUsersAdd(*config, target);
  if (users_list->parsed()) return server::RunUsersList(*config);
  if (users_delete->parsed()) return server::RunUsersDelete(*config, target);
  if (users_passwd->parsed()) return server::RunUsersPasswd(*config, target);
  if (users_disable->parsed()) return server::RunUsersSetDisabled(*config, target, true);
  if (users_enable->parsed()) return server::RunUsersSetDisabled(*config, target, false);
  return Serve(*config);
}
