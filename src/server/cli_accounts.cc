// `authgent clients ...` and `authgent users ...`: the operator's tools for pre-registered clients
// and local accounts.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/password.h"
#include "oauth/registration.h"
#include "server/app.h"
#include "server/cli.h"

namespace authgent::server {
namespace {

constexpr size_t kMinPassword = 8;

int Fail(const std::string& message) {
  std::cerr << "authgent: " << message << "\n";
  return 1;
}

std::string Date(int64_t t) { return t ? FormatRfc3339(t) : "-"; }

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

int RunClientsAdd(const Config& config, const ClientArgs& args) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  nlohmann::json body = {{"client_name", args.name},
                         {"redirect_uris", args.redirect_uris},
                         {"token_endpoint_auth_method", args.confidential ? "client_secret_basic" : "none"}};
  std::vector<std::string> grants = args.grants;
  if (grants.empty()) grants = {"authorization_code", "refresh_token"};
  body["grant_types"] = grants;
  if (!args.scope.empty()) body["scope"] = args.scope;
  // The operator decides: the DCR allow-list does not apply to clients added here.
  auto result = oauth::RegisterClient(body.dump(), oauth::RegistrationPolicy{}, SystemClock::Instance().Now(),
                                      SecureRandom::Instance(), "cli");
  if (auto* e = std::get_if<oauth::OAuthError>(&result)) return Fail(e->description);
  const oauth::Registration& reg = std::get<oauth::Registration>(result);
  Status stored = (*store)->CreateClient(reg.client);
  if (!stored.ok()) return Fail(stored.message());
  std::printf("client_id: %s\n", reg.client.client_id.c_str());
  if (!reg.client_secret.empty()) {
    std::printf("client_secret: %s\n(shown only now: store it safely)\n", reg.client_secret.c_str());
  }
  return 0;
}

int RunClientsList(const Config& config) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  std::printf("%-32s  %-20s  %-8s  %-20s  %-20s  %s\n", "CLIENT_ID", "AUTH", "SOURCE", "CREATED",
              "LAST_USED", "NAME");
  std::string after;
  for (;;) {
    auto page = (*store)->ListClients(after, 500);
    if (!page.ok()) return Fail(page.status().message());
    for (const storage::Client& c : *page) {
      std::printf("%-32s  %-20s  %-8s  %-20s  %-20s  %s\n", c.client_id.c_str(),
                  c.token_endpoint_auth_method.c_str(), c.source.c_str(), Date(c.created_at).c_str(),
                  Date(c.last_used_at).c_str(), c.client_name.c_str());
    }
    if (page->size() < 500) break;
    after = page->back().client_id;
  }
  return 0;
}

int RunClientsShow(const Config& config, const std::string& client_id) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  auto client = (*store)->GetClient(client_id);
  if (!client.ok()) return Fail(client.status().code() == StatusCode::kNotFound
                                    ? "no client " + client_id
                                    : client.status().message());
  nlohmann::json j = oauth::ClientToJson(*client);
  j["source"] = client->source;
  if (client->last_used_at) j["last_used_at"] = client->last_used_at;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

int RunClientsDelete(const Config& config, const std::string& client_id) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  Status deleted = (*store)->DeleteClient(client_id);
  if (deleted.code() == StatusCode::kNotFound) return Fail("no client " + client_id);
  if (!deleted.ok()) return Fail(deleted.message());
  std::printf("deleted client %s and its codes, tokens and consents\n", client_id.c_str());
  return 0;
}

int RunUsersAdd(const Config& config, const std::string& username) {
  if (username.empty() || username.size() > 100) return Fail("usernames have 1 to 100 characters");
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  auto password = ReadNewPassword();
  if (!password.ok()) return Fail(password.status().message());
  auto hash = crypto::HashPassword(*password);
  if (!hash.ok()) return Fail(hash.status().message());
  storage::User user;
  user.user_id = SecureRandom::Instance().Hex(16);
  user.username = username;
  user.password_hash = *hash;
  user.name = username;
  user.created_at = user.updated_at = SystemClock::Instance().Now();
  Status created = (*store)->CreateUser(user);
  if (created.code() == StatusCode::kAlreadyExists) return Fail("user " + username + " exists");
  if (!created.ok()) return Fail(created.message());
  std::printf("added user %s\n", username.c_str());
  return 0;
}

int RunUsersList(const Config& config) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  auto users = (*store)->ListUsers();
  if (!users.ok()) return Fail(users.status().message());
  std::printf("%-24s  %-32s  %-20s  %s\n", "USERNAME", "USER_ID (sub)", "CREATED", "IDENTITY");
  for (const storage::User& u : *users) {
    std::string identity = u.upstream_issuer.empty() ? "local" : u.upstream_issuer + " " + u.email;
    if (u.disabled) identity += " (disabled)";
    std::printf("%-24s  %-32s  %-20s  %s\n", u.username.empty() ? "-" : u.username.c_str(),
                u.user_id.c_str(), Date(u.created_at).c_str(), identity.c_str());
  }
  return 0;
}

int RunUsersDelete(const Config& config, const std::string& username) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  auto user = (*store)->GetUserByUsername(username);
  if (!user.ok()) return Fail("no user " + username);
  Status deleted = (*store)->DeleteUser(user->user_id);
  if (!deleted.ok()) return Fail(deleted.message());
  std::printf("deleted user %s and their sessions, consents and tokens\n", username.c_str());
  return 0;
}

int RunUsersPasswd(const Config& config, const std::string& username) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status().message());
  auto user = (*store)->GetUserByUsername(username);
  if (!user.ok()) return Fail("no user " + username);
  auto password = ReadNewPassword();
  if (!password.ok()) return Fail(password.status().message());
  auto hash = crypto::HashPassword(*password);
  if (!hash.ok()) return Fail(hash.status().message());
  user->password_hash = *hash;
  user->updated_at = SystemClock::Instance().Now();
  Status updated = (*store)->UpdateUser(*user);
  if (!updated.ok()) return Fail(updated.message());
  std::printf("changed the password of %s\n", username.c_str());
  return 0;
}

}  // namespace authgent::server
