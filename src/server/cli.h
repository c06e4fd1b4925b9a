// server/cli: the operator subcommands other than `serve` (migrate, keys, clients, users,
// grants, sessions). Each returns the process exit code: 0 success, 1 runtime failure (the
// database, or no such user, client or grant), 2 invalid configuration or usage. Listings take
// --json (server/cli_listing.h). Commands that change something write an audit event
// (AUDIT_LOG; standard error for "stdout", since standard output is the command's result).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/events.h"

namespace authgent::server {

struct ClientArgs {
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> grants;
  std::string scope;
  std::vector<std::string> resources;  // audiences for client_credentials and introspection
  bool confidential = false;
  bool introspect = false;  // may call the introspection endpoint for its resources
  // private_key_jwt instead of a secret: the URL of its public keys, or a file holding them.
  std::string jwks_uri;
  std::string jwks_file;
};

// `clients policy ID`: each field changes only when its flag is given.
struct ClientPolicyArgs {
  std::string client_id;
  bool block = false, unblock = false;
  bool trust = false, untrust = false;
  std::vector<std::string> resources;  // added to the allowed resources
  bool any_resource = false;           // clears them first
  std::string scope;                   // replaces the allowed scopes
  bool any_scope = false;              // clears them
  std::optional<int64_t> token_ttl;    // 0: back to ACCESS_TOKEN_TTL
};

// `grants ...` and `sessions ...`: --user NAME, --client ID, a grant ID, --json.
struct GrantArgs {
  std::string id;
  std::string user;
  std::string client;
  bool json = false;
};

int RunMigrate(const Config& config);
int RunClientsAdd(const Config& config, const ClientArgs& args);
int RunClientsList(const Config& config, bool json);
int RunClientsShow(const Config& config, const std::string& client_id);
int RunClientsDelete(const Config& config, const std::string& client_id);
int RunClientsPolicy(const Config& config, const ClientPolicyArgs& args);
// Reads the password from standard input when it is not a terminal, else prompts twice.
int RunUsersAdd(const Config& config, const std::string& username);
int RunUsersList(const Config& config, bool json);
int RunUsersDelete(const Config& config, const std::string& username);
// Also ends the user's sessions and revokes their refresh families (and their access tokens).
int RunUsersPasswd(const Config& config, const std::string& username);
// Disabling also ends the user's sessions and revokes their tokens; enabling only allows sign-in.
int RunUsersSetDisabled(const Config& config, const std::string& username, bool disabled);
int RunKeysList(const Config& config);
int RunKeysRotate(const Config& config);
int RunGrantsList(const Config& config, const GrantArgs& args);
// An ID, or every grant of --user and/or --client: consents, refresh tokens, access tokens.
int RunGrantsRevoke(const Config& config, const GrantArgs& args);
int RunSessionsList(const Config& config, const GrantArgs& args);
int RunSessionsRevoke(const Config& config, const GrantArgs& args);

// Writes an operator command's audit event (marked "actor":"operator").
void AuditOperator(const Config& config, AuditEvent event);

// Exit code for a failed start-up step: configuration problems are 2, the rest 1.
int ExitCodeFor(const Status& status);

}  // namespace authgent::server
