// `authgent grants ...` and `authgent sessions ...`: what users have granted which clients, and
// who is signed in, for the operator to see and end; and the audit events of operator commands.
#include <cstdio>
#include <iostream>

#include "core/bytes.h"
#include "core/clock.h"
#include "server/app.h"
#include "server/cli.h"
#include "server/cli_listing.h"
#include "server/events.h"

namespace authgent::server {
namespace {

// A grant's id for the command line: stable, short, and derived from what names it.
std::string GrantId(const storage::Grant& g) {
  return HexEncode(Sha256(g.user_id + "\n" + g.client_id + "\n" + g.resource)).substr(0, 12);
}

// The user id of `username`, or an error naming it.
StatusOr<std::string> UserIdOf(storage::Store& store, const std::string& username) {
  StatusOr<storage::User> user = store.GetUserByUsername(username);
  if (user.status().code() == StatusCode::kNotFound) return NotFoundError("no user " + username);
  if (!user.ok()) return user.status();
  return user->user_id;
}

// The filter of --user and --client.
StatusOr<storage::GrantFilter> FilterOf(storage::Store& store, const GrantArgs& args) {
  storage::GrantFilter filter;
  if (!args.user.empty()) {
    AUTHGENT_ASSIGN_OR_RETURN(filter.user_id, UserIdOf(store, args.user));
  }
  filter.client_id = args.client;
  return filter;
}

std::string NameOfUser(storage::Store& store, const std::string& user_id) {
  StatusOr<storage::User> u = store.GetUser(user_id);
  if (!u.ok()) return user_id;
  return u->username.empty() ? u->email : u->username;
}

std::string NameOfClient(storage::Store& store, const std::string& client_id) {
  StatusOr<storage::Client> c = store.GetClient(client_id);
  return c.ok() ? c->client_name : "";
}

}  // namespace

void AuditOperator(const Config& config, AuditEvent event) {
  StatusOr<std::unique_ptr<AuditLog>> log = AuditLog::Open(config.audit_log, true);
  if (!log.ok()) {
    std::cerr << "authgent: warning: " << log.status().message() << "\n";
    return;
  }
  event.Str("actor", "operator");
  Events(**log, nullptr, {}).Record(std::move(event));
}

int RunGrantsList(const Config& config, const GrantArgs& args) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  StatusOr<storage::GrantFilter> filter = FilterOf(**store, args);
  if (!filter.ok()) return FailWith(filter.status().message());
  StatusOr<std::vector<storage::Grant>> grants =
      (*store)->ListGrants(*filter, SystemClock::Instance().Now());
  if (!grants.ok()) return FailWith(grants.status().message());
  Listing listing({"ID", "USER", "CLIENT_ID", "CLIENT_NAME", "RESOURCE", "SCOPE", "GRANTED",
                   "LAST_USED", "REFRESH"});
  for (const storage::Grant& g : *grants) {
    listing.Add({GrantId(g), NameOfUser(**store, g.user_id), g.client_id,
                 NameOfClient(**store, g.client_id), g.resource, g.scope, DateOrNull(g.granted_at),
                 DateOrNull(g.last_used_at), g.live_families > 0});
  }
  listing.Print(args.json);
  return 0;
}

int RunGrantsRevoke(const Config& config, const GrantArgs& args) {
  if (args.id.empty() == (args.user.empty() && args.client.empty())) {
    std::cerr << "authgent: grants revoke takes an ID, or --user and/or --client\n";
    return 2;
  }
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  int64_t now = SystemClock::Instance().Now();
  StatusOr<storage::GrantFilter> filter = FilterOf(**store, args);
  if (!filter.ok()) return FailWith(filter.status().message());
  StatusOr<std::vector<storage::Grant>> grants = (*store)->ListGrants(*filter, now);
  if (!grants.ok()) return FailWith(grants.status().message());
  std::vector<storage::Grant> chosen;
  for (const storage::Grant& g : *grants) {
    if (args.id.empty() || GrantId(g) == args.id) chosen.push_back(g);
  }
  if (!args.id.empty() && chosen.empty()) return FailWith("no grant " + args.id);
  for (const storage::Grant& g : chosen) {
    Status revoked = (*store)->RevokeGrants({g.user_id, g.client_id, g.resource}, now);
    if (!revoked.ok()) return FailWith(revoked.message());
    AuditEvent e("grant.revoked");
    e.Str("user_id", g.user_id).Str("client_id", g.client_id).Str("resource", g.resource);
    AuditOperator(config, std::move(e));
  }
  std::printf(
      "revoked %zu grant%s: consents removed, refresh tokens and their access tokens "
      "revoked\n",
      chosen.size(), chosen.size() == 1 ? "" : "s");
  return 0;
}

int RunSessionsList(const Config& config, const GrantArgs& args) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  std::string user_id;
  if (!args.user.empty()) {
    StatusOr<std::string> id = UserIdOf(**store, args.user);
    if (!id.ok()) return FailWith(id.status().message());
    user_id = *id;
  }
  auto sessions = (*store)->ListSessions(user_id, SystemClock::Instance().Now());
  if (!sessions.ok()) return FailWith(sessions.status().message());
  Listing listing({"ID", "USER", "USER_ID", "SIGNED_IN", "EXPIRES"});
  for (const storage::LoginSession& s : *sessions) {
    // A prefix of the session's hash: it names the session and cannot be used as its cookie.
    listing.Add({s.session_hash.substr(0, 12), s.user_display_name, s.user_id,
                 DateOrNull(s.auth_time), DateOrNull(s.expires_at)});
  }
  listing.Print(args.json);
  return 0;
}

int RunSessionsRevoke(const Config& config, const GrantArgs& args) {
  if (args.user.empty()) {
    std::cerr << "authgent: sessions revoke needs --user NAME\n";
    return 2;
  }
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  StatusOr<std::string> user_id = UserIdOf(**store, args.user);
  if (!user_id.ok()) return FailWith(user_id.status().message());
  StatusOr<int64_t> ended = (*store)->DeleteUserSessions(*user_id);
  if (!ended.ok()) return FailWith(ended.status().message());
  AuditEvent e("session.revoked");
  e.Str("user_id", *user_id).Int("sessions", *ended);
  AuditOperator(config, std::move(e));
  std::printf("ended %lld session%s of %s (their grants stay: `grants revoke --user` ends them)\n",
              static_cast<long long>(*ended), *ended == 1 ? "" : "s", args.user.c_str());
  return 0;
}

}  // namespace authgent::server
