#include "storage/sql/schema.h"

namespace authgent::storage::sql {
namespace {

// Times are Unix seconds; 0 means "not set". Columns that must be unique only when present
// (usernames, upstream identities, upstream state) are NULL when absent.
constexpr std::string_view kInitialSchema = R"SQL(
CREATE TABLE clients (
  client_id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  secret_expires_at BIGINT NOT NULL,
  client_name TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  response_types TEXT NOT NULL,
  token_endpoint_auth_method TEXT NOT NULL,
  scope TEXT NOT NULL,
  application_type TEXT NOT NULL,
  source TEXT NOT NULL,
  metadata_json TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL
);
CREATE INDEX clients_created_at ON clients (created_at);

CREATE TABLE users (
  user_id TEXT PRIMARY KEY,
  username TEXT UNIQUE,
  password_hash TEXT NOT NULL,
  upstream_issuer TEXT,
  upstream_subject TEXT,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  disabled BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (upstream_issuer, upstream_subject)
);

CREATE TABLE login_sessions (
  session_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  auth_time BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX login_sessions_expires_at ON login_sessions (expires_at);
CREATE INDEX login_sessions_user_id ON login_sessions (user_id);

CREATE TABLE authorization_transactions (
  transaction_hash TEXT PRIMARY KEY,
  request_json TEXT NOT NULL,
  session_hash TEXT NOT NULL,
  user_id TEXT NOT NULL,
  csrf_hash TEXT NOT NULL,
  upstream_state_hash TEXT UNIQUE,
  upstream_nonce TEXT NOT NULL,
  upstream_code_verifier TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT NOT NULL
);
CREATE INDEX authorization_transactions_expires_at ON authorization_transactions (expires_at);

CREATE TABLE authorization_codes (
  code_hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  redirect_uri_in_request BIGINT NOT NULL,
  code_challenge TEXT NOT NULL,
  resource TEXT NOT NULL,
  scope TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  consumed_at BIGINT NOT NULL,
  replayed_at BIGINT NOT NULL,
  family_id TEXT NOT NULL
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_client_id ON authorization_codes (client_id);
CREATE INDEX authorization_codes_user_id ON authorization_codes (user_id);

CREATE TABLE refresh_families (
  family_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  resource TEXT NOT NULL,
  scope TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL
);
CREATE INDEX refresh_families_client_id ON refresh_families (client_id);
CREATE INDEX refresh_families_user_id ON refresh_families (user_id);
CREATE INDEX refresh_families_expires_at ON refresh_families (expires_at);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
  access_jti TEXT NOT NULL,
  access_expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  idle_expires_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);

CREATE TABLE consents (
  user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  resource TEXT NOT NULL,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id, resource)
);
CREATE INDEX consents_client_id ON consents (client_id);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  public_jwk_json TEXT NOT NULL,
  sealed_private_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  activate_at BIGINT NOT NULL,
  retire_at BIGINT NOT NULL
);

CREATE TABLE revoked_access_tokens (
  jti TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_access_tokens_expires_at ON revoked_access_tokens (expires_at);

CREATE TABLE counters (
  counter_key TEXT PRIMARY KEY,
  value BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX counters_expires_at ON counters (expires_at);
)SQL";

// What an operator grants a client beyond the browser flow (`authgent clients add`): the
// resources it may get client_credentials tokens for or introspect tokens of, and whether it may
// introspect at all. Self-registered clients keep the defaults: none of either.
constexpr std::string_view kClientPrivileges = R"SQL(
ALTER TABLE clients ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN may_introspect BIGINT NOT NULL DEFAULT 0;
)SQL";

// The browser an authorization transaction belongs to: the hash of the transaction cookie set by
// /oauth/authorize (login CSRF and session swapping: docs/security.md).
constexpr std::string_view kTransactionBrowser = R"SQL(
ALTER TABLE authorization_transactions ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
)SQL";

// The token each refresh token was rotated into, so that a parallel refresh within the grace
// window gets the same successor instead of a second live branch of the family.
constexpr std::string_view kRefreshSuccessor = R"SQL(
ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT NOT NULL DEFAULT '';
)SQL";

// The OpenID Connect `nonce` of the authorization request, echoed in the code's id_token.
constexpr std::string_view kCodeNonce = R"SQL(
ALTER TABLE authorization_codes ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
)SQL";

// A client ID metadata document's client: when its copy was fetched and until when it is used.
constexpr std::string_view kClientDocuments = R"SQL(
ALTER TABLE clients ADD COLUMN document_fetched_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN document_expires_at BIGINT NOT NULL DEFAULT 0;
)SQL";

// The operator's policy per client (storage::ClientPolicy): apart from `clients`, so that it can
// name a metadata document's URL before its first fetch and survives the reaping of its client.
constexpr std::string_view kClientPolicies = R"SQL(
CREATE TABLE client_policies (
  client_id TEXT PRIMARY KEY,
  blocked BIGINT NOT NULL DEFAULT 0,
  trusted BIGINT NOT NULL DEFAULT 0,
  resources TEXT NOT NULL DEFAULT '[]',
  scope TEXT NOT NULL DEFAULT '',
  access_token_ttl BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
)SQL";

// RFC 7592: the hash of each dynamically registered client's registration access token.
constexpr std::string_view kRegistrationAccess = R"SQL(
ALTER TABLE clients ADD COLUMN registration_token_hash TEXT NOT NULL DEFAULT '';
)SQL";

// The foreign keys that the grant writes checked on PostgreSQL: a code exchange inserts a family
// (checked against clients and users) and its first token (checked against the family), a
// refresh inserts a token. Each check is a query run by a trigger, and locks the referenced row
// (FOR KEY SHARE, a write to its page): a quarter of the database's CPU per code exchange,
// measured (docs/performance.md). The cascades they gave are done by the statements that delete
// clients, users and families (storage/sql/sql_store_accounts.cc, sql_store.cc), which order
// their deletes so that a grant committing meanwhile is deleted too. SQLite keeps the
// constraints: it checks them in-process, cheaply, and dropping one would mean rebuilding the
// table; its cascades then find nothing left to delete.
constexpr std::string_view kGrantReferencesPostgres = R"SQL(
ALTER TABLE refresh_families DROP CONSTRAINT IF EXISTS refresh_families_client_id_fkey;
ALTER TABLE refresh_families DROP CONSTRAINT IF EXISTS refresh_families_user_id_fkey;
ALTER TABLE refresh_tokens DROP CONSTRAINT IF EXISTS refresh_tokens_family_id_fkey;
)SQL";

// Room on each page for the one update a code and a refresh token get: a code's redemption and
// a token's rotation change columns that no index holds, so the new row version may stay on its
// page without an entry in any index (a HOT update), but only if the page has room for it. At
// the default fillfactor (100) three in four of those updates found their page full and added
// an entry to each of the table's indexes, whose pages PostgreSQL then cleaned of the stale
// entries during the grants' commits. At 70, about half are HOT, and code exchanges ran 12%
// faster on PostgreSQL (docs/performance.md). The tables' heaps are larger by about 1/0.7 for
// it. Pages written before this migration keep their fill until they are rewritten. SQLite has
// no such setting.
constexpr std::string_view kGrantFillFactorPostgres = R"SQL(
ALTER TABLE authorization_codes SET (fillfactor = 70);
ALTER TABLE refresh_tokens SET (fillfactor = 70);
)SQL";

// The foreign keys of codes and consents on PostgreSQL: an approval writes both, and each of
// the four checks was a trigger's query that key-share locked the client's or the user's row (a
// WAL record and a write to its page); the approval's statement took 92-123 µs with them and
// takes 58 µs with what replaces them (docs/performance.md): advisory locks, and deletes of
// clients and users that delete their codes and consents themselves (storage/sql/sql_codec.h,
// "The owners' locks"). SQLite keeps them, as for the families.
constexpr std::string_view kGrantOwnersPostgres = R"SQL(
ALTER TABLE authorization_codes DROP CONSTRAINT IF EXISTS authorization_codes_client_id_fkey;
ALTER TABLE authorization_codes DROP CONSTRAINT IF EXISTS authorization_codes_user_id_fkey;
ALTER TABLE consents DROP CONSTRAINT IF EXISTS consents_user_id_fkey;
ALTER TABLE consents DROP CONSTRAINT IF EXISTS consents_client_id_fkey;
)SQL";

}  // namespace

// Pending: signing_keys.retire_at is no longer read, and is inserted as 0 only because instances
// of the release before still read it. A migration of a later release drops it, once no instance
// that reads it can share the database (a rolling upgrade runs old and new side by side).
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "initial schema", kInitialSchema, {}},
      {2, "client privileges", kClientPrivileges, {}},
      {3, "transaction browser", kTransactionBrowser, {}},
      {4, "refresh successor", kRefreshSuccessor, {}},
      {5, "code nonce", kCodeNonce, {}},
      {6, "client documents", kClientDocuments, {}},
      {7, "client policies", kClientPolicies, {}},
      {8, "registration access", kRegistrationAccess, {}},
      {9, "grant references", "", kGrantReferencesPostgres},
      {10, "grant fill factor", "", kGrantFillFactorPostgres},
      {11, "grant owners", "", kGrantOwnersPostgres},
  };
  return migrations;
}

}  // namespace authgent::storage::sql
