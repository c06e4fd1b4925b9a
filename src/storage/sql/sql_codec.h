// storage/sql/sql_codec: records <-> rows. Column lists live beside the decoders so that a SELECT
// and its decoder cannot drift apart; the writes shared by several store calls live here too.
#pragma once

#include <string>
#include <vector>

#include "storage/records.h"
#include "storage/sql/sql_connection.h"

namespace authgent::storage::sql {

std::string EncodeList(const std::vector<std::string>& items);  // JSON array text
std::vector<std::string> DecodeList(const std::string& json);

#define AUTHGENT_CLIENT_COLUMNS                                                                  \
  "client_id, secret_hash, secret_expires_at, client_name, redirect_uris, grant_types, "         \
  "response_types, token_endpoint_auth_method, scope, application_type, source, metadata_json, " \
  "created_at, last_used_at, resources, may_introspect, document_fetched_at, "                   \
  "document_expires_at, "                                                                        \
  "registration_token_hash"
// A client with its policy: the client's columns qualified by `c`, then the policy's, from
// `clients c LEFT JOIN client_policies p` (the defaults when it has none).
#define AUTHGENT_CLIENT_WITH_POLICY_SELECT                                                      \
  "SELECT c.client_id, c.secret_hash, c.secret_expires_at, c.client_name, c.redirect_uris, "    \
  "c.grant_types, c.response_types, c.token_endpoint_auth_method, c.scope, "                    \
  "c.application_type, c.source, c.metadata_json, c.created_at, c.last_used_at, c.resources, "  \
  "c.may_introspect, c.document_fetched_at, c.document_expires_at, c.registration_token_hash, " \
  "COALESCE(p.blocked, 0), COALESCE(p.trusted, 0), COALESCE(p.resources, '[]'), "               \
  "COALESCE(p.scope, ''), COALESCE(p.access_token_ttl, 0), COALESCE(p.updated_at, 0) "          \
  "FROM clients c LEFT JOIN client_policies p ON p.client_id = c.client_id "
Client DecodeClient(const SqlRow& row);  // a row of AUTHGENT_CLIENT_WITH_POLICY_SELECT
#define AUTHGENT_POLICY_COLUMNS \
  "client_id, blocked, trusted, resources, scope, access_token_ttl, updated_at"
ClientPolicy DecodeClientPolicy(const SqlRow& row, size_t first = 0);
// Writes a client's use mark: $1 client_id, $2 the time.
inline constexpr char kMarkClientUsed[] = "UPDATE clients SET last_used_at = $2 WHERE client_id = $1";

#define AUTHGENT_USER_COLUMNS                                                                  \
  "user_id, username, password_hash, upstream_issuer, upstream_subject, email, name, disabled, " \
  "created_at, updated_at"
User DecodeUser(const SqlRow& row);

#define AUTHGENT_SESSION_COLUMNS "session_hash, user_id, auth_time, created_at, expires_at"
LoginSession DecodeSession(const SqlRow& row, size_t offset = 0);

#define AUTHGENT_TRANSACTION_COLUMNS                                                      \
  "transaction_hash, request_json, session_hash, user_id, csrf_hash, upstream_state_hash, " \
  "upstream_nonce, upstream_code_verifier, created_at, expires_at, consumed_at, browser_hash"
inline constexpr size_t kTransactionColumnCount = 12;  // in AUTHGENT_TRANSACTION_COLUMNS
AuthorizationTransaction DecodeTransaction(const SqlRow& row);

#define AUTHGENT_CODE_COLUMNS                                                                  \
  "code_hash, client_id, user_id, redirect_uri, redirect_uri_in_request, code_challenge, "     \
  "resource, scope, auth_time, created_at, expires_at, consumed_at, family_id, nonce"
AuthorizationCode DecodeCode(const SqlRow& row);
// INSERTs the code (not yet replayed) on `c`; kForeignKey, and nothing written, when its client
// or user does not exist (on PostgreSQL the statement checks and key-share locks them).
SqlTask<Status> InsertCode(SqlConnection& c, const AuthorizationCode& code);

#define AUTHGENT_FAMILY_COLUMNS                                                              \
  "family_id, client_id, user_id, resource, scope, auth_time, created_at, expires_at, revoked_at"
RefreshFamily DecodeFamily(const SqlRow& row, size_t offset = 0);
// Deletes the families matching `where` (a condition on refresh_families' columns, unqualified,
// with `params`), and their refresh tokens first: on PostgreSQL no foreign key cascades from a
// family to its tokens (storage/sql/schema.cc). Returns how many families went. A token that a
// rotation adds between the two statements outlives its family, inert: every read of a refresh
// token joins its family.
StatusOr<int64_t> DeleteFamiliesWhere(SqlConnection& c, std::string_view where,
                                      std::initializer_list<SqlParam> params);

// What a new refresh token is inserted with (successor_hash starts empty) ...
#define AUTHGENT_REFRESH_COLUMNS \
  "token_hash, family_id, access_jti, access_expires_at, created_at, idle_expires_at, used_at"
// ... and what DecodeRefreshToken reads: those, then successor_hash.
RefreshToken DecodeRefreshToken(const SqlRow& row, size_t offset = 0);

#define AUTHGENT_CONSENT_COLUMNS "user_id, client_id, resource, scope, created_at, updated_at"
Consent DecodeConsent(const SqlRow& row, size_t offset = 0);
// Inserts the consent on `c`, or replaces the stored scope and updated_at (created_at is kept),
// and INSERTs the code: an approval's last writes, in one statement on PostgreSQL. kForeignKey,
// and nothing written, when the consent's client or user does not exist (or the code names
// others than the consent).
SqlTask<Status> UpsertConsentAndInsertCode(SqlConnection& c, const Consent& consent,
                                           const AuthorizationCode& code);

// The owners' locks (PostgreSQL). Codes and consents have no foreign keys there
// (storage/sql/schema.cc): each key's check was a trigger's query, and its row lock a WAL record
// and a write to the client's or the user's page. What the keys guaranteed, that no code or consent
// outlives the deletion of its client or user, is kept by two transaction-scoped advisory locks
// per client and per user, which live in the server's memory only: an approval takes both,
// shared, before the statement that checks that they exist and writes its code and consent
// (AUTHGENT_LOCK_OWNERS_SHARED); deleting a client or a user takes its lock exclusively before
// anything else (LockOwnerForDelete). So a deletion waits for the approvals of its client or
// user in flight, and then sees their codes and consents; an approval that comes after it waits
// for its commit, and then finds no owner. Every other write of a code or a family checks and
// key-share locks the owners' rows as the foreign keys did (InsertCode, SqlStore::CreateFamily).
// Keys: the client's or user's id hashed (hashtext) under a class number of its own; a collision
// only makes one wait for another.
#define AUTHGENT_CLIENT_LOCK_CLASS "1095189297" /* "AGC1" */
#define AUTHGENT_USER_LOCK_CLASS "1095193905"   /* "AGU1" */
// Select-list expressions taking the shared locks of client `client` and user `user` (SQL
// expressions, such as parameters).
#define AUTHGENT_LOCK_OWNERS_SHARED(client, user)                                 \
  "pg_advisory_xact_lock_shared(" AUTHGENT_CLIENT_LOCK_CLASS ", hashtext(" client \
  ")), "                                                                          \
  "pg_advisory_xact_lock_shared(" AUTHGENT_USER_LOCK_CLASS ", hashtext(" user "))"
enum class Owner { kClient, kUser };
// Takes the lock of the client or user `id` exclusively (PostgreSQL; nothing on SQLite, whose
// foreign keys still hold and whose writes are serial).
Status LockOwnerForDelete(SqlConnection& c, Owner owner, const std::string& id);
// Deletes the codes, consents and refresh families (with their tokens) of the client or user
// `id`: after the owner's row, under its lock (LockOwnerForDelete).
Status DeleteGrantsOf(SqlConnection& c, Owner owner, const std::string& id);

#define AUTHGENT_KEY_COLUMNS \
  "kid, public_jwk_json, sealed_private_key, created_at, activate_at"
SigningKey DecodeSigningKey(const SqlRow& row);

}  // namespace authgent::storage::sql
