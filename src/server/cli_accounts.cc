// `authgent clients ...` and `authgent users ...`: the operator's tools for pre-registered clients
// and local accounts.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/password.h"
#include "oauth/cimd.h"
#include "oauth/registration.h"
#include "oauth/scope.h"
#include "server/app.h"
#include "server/cli.h"
#include "server/cli_listing.h"

namespace authgent::server {
namespace {

constexpr size_t kMinPassword = 8;

void AuditUser(const Config& config, const char* event, const std::string& user_id) {
  AuditEvent e(event);
  AuditOperator(config, std::move(e.Str("user_id", user_id)));
}

// Reads a line from standard input without echo when it is a terminal.
std::string ReadSecretLine(const char* prompt, bool tty) {
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios silent = saved;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &silent);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new password: from standard input when piped, else prompted twice.
StatusOr<std::string> ReadNewPassword() {
  bool tty = isatty(STDIN_FILENO) != 0;
  std::string password = ReadSecretLine("Password: ", tty);
  if (tty && ReadSecretLine("Repeat password: ", tty) != password) {
    return InvalidArgumentError("the passwords differ");
  }
  if (password.size() < kMinPassword) {
    return InvalidArgumentError("the password must have at least " + std::to_string(kMinPassword) +
                                " characters");
  }
  return password;
}

}  // namespace

namespace {

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The operator's privileges for a new client: its resources (each resolved as a token request's
// `resource` would be, so RESOURCES applies) and scopes, checked before anything is stored.
StatusOr<std::vector<std::string>> ClientResources(const Config& config, const ClientArgs& args,
                                                   bool machine) {
  bool privileged = machine || args.introspect;
  if (!privileged && !args.resources.empty()) {
    return InvalidArgumentError(
        "--resource applies only to --grant client_credentials and --introspect");
  }
  if (privileged && args.resources.empty()) {
    return InvalidArgumentError(
        "--resource URI is required with --grant client_credentials and --introspect (the "
        "audiences this client may get or introspect tokens for)");
  }
  oauth::ResourceCatalog catalog(config.issuer, config.resources, config.scopes,
                                 config.scope_descriptions);
  std::vector<std::string> resources, known_scopes;
  for (const std::string& requested : args.resources) {
    auto resolved = catalog.ResolveAudience(requested);
    if (std::holds_alternative<oauth::OAuthError>(resolved)) {
      return InvalidArgumentError("--resource " + requested +
                                  " is not a resource this server issues tokens for (an https "
                                  "URI, or one of RESOURCES when set)");
    }
    resources.push_back(std::get<std::string>(resolved));
    for (const std::string& s : catalog.ScopesFor(resources.back())) known_scopes.push_back(s);
  }
  if (machine) {
    for (const std::string& s : oauth::SplitScope(args.scope)) {
      if (!Has(known_scopes, s)) {
        return InvalidArgumentError("--scope " + s + " is not a scope of the client's resources");
      }
    }
  }
  return resources;
}

}  // namespace

int RunClientsAdd(const Config& config, const ClientArgs& args) {
  std::vector<std::string> grants = args.grants;
  if (grants.empty()) grants = {"authorization_code", "refresh_token"};
  bool machine = Has(grants, "client_credentials");
  StatusOr<std::vector<std::string>> resources = ClientResources(config, args, machine);
  if (!resources.ok()) return FailWith(resources.status().message());
  // A client that gets tokens without a user, or reads other clients' tokens, has a secret, or
  // a key pair when it was given keys.
  bool confidential = args.confidential || machine || args.introspect;
  bool with_keys = !args.jwks_uri.empty() || !args.jwks_file.empty();
  if (!args.jwks_uri.empty() && !args.jwks_file.empty()) {
    return FailWith("give --jwks-uri or --jwks, not both");
  }
  if (with_keys && args.confidential) {
    return FailWith(
        "--confidential issues a secret; a client with --jwks-uri or --jwks has keys instead");
  }
  nlohmann::json body = {{"client_name", args.name},
                         {"redirect_uris", args.redirect_uris},
                         {"token_endpoint_auth_method", with_keys      ? "private_key_jwt"
                                                        : confidential ? "client_secret_basic"
                                                                       : "none"},
                         {"grant_types", grants}};
  if (!args.jwks_uri.empty()) body["jwks_uri"] = args.jwks_uri;
  if (!args.jwks_file.empty()) {
    std::ifstream in(args.jwks_file);
    if (!in.is_open()) return FailWith("cannot read " + args.jwks_file);
    std::stringstream text;
    text << in.rdbuf();
    body["jwks"] = nlohmann::json::parse(text.str(), nullptr, false);
    if (body["jwks"].is_discarded()) return FailWith(args.jwks_file + " is not JSON");
  }
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  if (!args.scope.empty()) body["scope"] = args.scope;
  // The operator decides: the DCR allow-list does not apply to clients added here, and
  // client_credentials is allowed.
  oauth::RegistrationPolicy policy;
  policy.by_operator = true;
  auto result = oauth::RegisterClient(body.dump(), policy, SystemClock::Instance(),
                                      SecureRandom::Instance(), "cli");
  if (auto* e = std::get_if<oauth::OAuthError>(&result)) return FailWith(e->description);
  oauth::Registration& reg = std::get<oauth::Registration>(result);
  reg.client.resources = std::move(*resources);
  reg.client.may_introspect = args.introspect;
  Status stored = storage::CreateClientAndWait(**store, reg.client);
  if (!stored.ok()) return FailWith(stored.message());
  AuditEvent added("client.added");
  AuditOperator(config, std::move(added.Client(reg.client)));
  std::printf("client_id: %s\n", reg.client.client_id.c_str());
  if (!reg.client_secret.empty()) {
    std::printf("client_secret: %s\n(shown only now: store it safely)\n", reg.client_secret.c_str());
  }
  return 0;
}

int RunClientsList(const Config& config, bool json) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  int64_t now = SystemClock::Instance().Now();
  Listing listing(
      {"CLIENT_ID", "KIND", "AUTH", "CREATED", "LAST_USED", "GRANTS", "POLICY", "NAME"});
  std::string after;
  for (;;) {
    auto page = (*store)->ListClients(after, 500);
    if (!page.ok()) return FailWith(page.status().message());
    for (const storage::Client& c : *page) {
      StatusOr<int64_t> grants = (*store)->CountLiveGrants(c.client_id, now);
      if (!grants.ok()) return FailWith(grants.status().message());
      std::string kind = c.source == "cli" ? "operator" : c.source;
      std::string policy = c.policy.blocked ? "blocked" : c.policy.trusted ? "trusted" : "-";
      // A metadata document's client is known by the host that vouches for it.
      std::string name = c.source == "cimd"
                             ? oauth::ClientIdUrlHost(c.client_id) + ": " + c.client_name
                             : c.client_name;
      listing.Add({c.client_id, kind, c.token_endpoint_auth_method, DateOrNull(c.created_at),
                   DateOrNull(c.last_used_at), *grants, policy, name});
    }
    if (page->size() < 500) break;
    after = page->back().client_id;
  }
  listing.Print(json);
  return 0;
}

int RunClientsShow(const Config& config, const std::string& client_id) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  auto client = (*store)->GetClient(client_id);
  if (!client.ok())
    return FailWith(client.status().code() == StatusCode::kNotFound ? "no client " + client_id
                                                                    : client.status().message());
  nlohmann::json j = oauth::ClientToJson(*client);
  j["source"] = client->source;
  if (!client->resources.empty()) j["resources"] = client->resources;
  if (client->may_introspect) j["introspection"] = true;
  if (client->last_used_at) j["last_used_at"] = client->last_used_at;
  const storage::ClientPolicy& p = client->policy;
  if (p.updated_at != 0) {
    j["policy"] = {{"blocked", p.blocked},
                   {"trusted", p.trusted},
                   {"resources", p.resources},
                   {"scope", p.scope},
                   {"access_token_ttl", p.access_token_ttl}};
  }
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

int RunClientsDelete(const Config& config, const std::string& client_id) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  Status deleted = (*store)->DeleteClient(client_id);
  if (deleted.code() == StatusCode::kNotFound) return FailWith("no client " + client_id);
  if (!deleted.ok()) return FailWith(deleted.message());
  AuditEvent e("client.deleted");
  AuditOperator(config, std::move(e.Str("client_id", client_id)));
  std::printf("deleted client %s and its codes, tokens and consents\n", client_id.c_str());
  return 0;
}

int RunUsersAdd(const Config& config, const std::string& username) {
  if (username.empty() || username.size() > 100)
    return FailWith("usernames have 1 to 100 characters");
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  auto password = ReadNewPassword();
  if (!password.ok()) return FailWith(password.status().message());
  auto hash = crypto::HashPassword(*password);
  if (!hash.ok()) return FailWith(hash.status().message());
  storage::User user;
  user.user_id = SecureRandom::Instance().Hex(16);
  user.username = username;
  user.password_hash = *hash;
  user.name = username;
  user.created_at = user.updated_at = SystemClock::Instance().Now();
  Status created = (*store)->CreateUser(user);
  if (created.code() == StatusCode::kAlreadyExists) return FailWith("user " + username + " exists");
  if (!created.ok()) return FailWith(created.message());
  AuditUser(config, "user.added", user.user_id);
  std::printf("added user %s\n", username.c_str());
  return 0;
}

int RunUsersList(const Config& config, bool json) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  auto users = (*store)->ListUsers();
  if (!users.ok()) return FailWith(users.status().message());
  // USER_ID is the tokens' `sub`.
  Listing listing({"USERNAME", "USER_ID", "CREATED", "IDENTITY", "DISABLED"});
  for (const storage::User& u : *users) {
    std::string identity = u.upstream_issuer.empty() ? "local" : u.upstream_issuer + " " + u.email;
    listing.Add({u.username, u.user_id, DateOrNull(u.created_at), identity, u.disabled});
  }
  listing.Print(json);
  return 0;
}

int RunUsersDelete(const Config& config, const std::string& username) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  auto user = (*store)->GetUserByUsername(username);
  if (!user.ok()) return FailWith("no user " + username);
  Status deleted = (*store)->DeleteUser(user->user_id);
  if (!deleted.ok()) return FailWith(deleted.message());
  AuditUser(config, "user.deleted", user->user_id);
  std::printf("deleted user %s and their sessions, consents and tokens\n", username.c_str());
  return 0;
}

int RunUsersPasswd(const Config& config, const std::string& username) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  auto user = (*store)->GetUserByUsername(username);
  if (!user.ok()) return FailWith("no user " + username);
  auto password = ReadNewPassword();
  if (!password.ok()) return FailWith(password.status().message());
  auto hash = crypto::HashPassword(*password);
  if (!hash.ok()) return FailWith(hash.status().message());
  user->password_hash = *hash;
  user->updated_at = SystemClock::Instance().Now();
  Status updated = (*store)->UpdateUser(*user);
  if (!updated.ok()) return FailWith(updated.message());
  // Whoever knew the old password may be signed in, or hold tokens: all of it ends now.
  Status ended = (*store)->RevokeUserAccess(user->user_id, user->updated_at);
  if (!ended.ok()) return FailWith(ended.message());
  AuditUser(config, "user.password_changed", user->user_id);
  std::printf("changed the password of %s; their sessions and tokens are revoked\n",
              username.c_str());
  return 0;
}

int RunUsersSetDisabled(const Config& config, const std::string& username, bool disabled) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  auto user = (*store)->GetUserByUsername(username);
  if (!user.ok()) return FailWith("no user " + username);
  user->disabled = disabled;
  user->updated_at = SystemClock::Instance().Now();
  Status updated = (*store)->UpdateUser(*user);
  if (!updated.ok()) return FailWith(updated.message());
  if (!disabled) {
    AuditUser(config, "user.enabled", user->user_id);
    std::printf("enabled %s\n", username.c_str());
    return 0;
  }
  Status ended = (*store)->RevokeUserAccess(user->user_id, user->updated_at);
  if (!ended.ok()) return FailWith(ended.message());
  AuditUser(config, "user.disabled", user->user_id);
  std::printf("disabled %s: they cannot sign in, and their sessions and tokens are revoked\n",
              username.c_str());
  return 0;
}

}  // namespace authgent::server
