#include "storage/sql/sql_codec.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace authgent::storage::sql {

std::string Text(const SqlRow& row, size_t i) { return row[i].value_or(std::string()); }

int64_t Int(const SqlRow& row, size_t i) {
  if (!row[i]) return 0;
  int64_t v = 0;
  const std::string& s = *row[i];
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string EncodeList(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";  // most clients' resources: no JSON tree to build
  return nlohmann::json(items).dump();
}

std::vector<std::string> DecodeList(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

Client DecodeClient(const SqlRow& r) {
  Client c;
  c.client_id = Text(r, 0);
  c.secret_hash = Text(r, 1);
  c.secret_expires_at = Int(r, 2);
  c.client_name = Text(r, 3);
  c.redirect_uris = DecodeList(Text(r, 4));
  c.grant_types = DecodeList(Text(r, 5));
  c.response_types = DecodeList(Text(r, 6));
  c.token_endpoint_auth_method = Text(r, 7);
  c.scope = Text(r, 8);
  c.application_type = Text(r, 9);
  c.source = Text(r, 10);
  c.metadata_json = Text(r, 11);
  c.created_at = Int(r, 12);
  c.last_used_at = Int(r, 13);
  c.resources = DecodeList(Text(r, 14));
  c.may_introspect = Int(r, 15) != 0;
  c.document_fetched_at = Int(r, 16);
  c.document_expires_at = Int(r, 17);
  c.registration_token_hash = Text(r, 18);
  c.policy = DecodeClientPolicy(r, 18);
  c.policy.client_id = c.client_id;
  return c;
}

ClientPolicy DecodeClientPolicy(const SqlRow& r, size_t first) {
  ClientPolicy p;
  p.client_id = Text(r, first);
  p.blocked = Int(r, first + 1) != 0;
  p.trusted = Int(r, first + 2) != 0;
  p.resources = DecodeList(Text(r, first + 3));
  p.scope = Text(r, first + 4);
  p.access_token_ttl = Int(r, first + 5);
  p.updated_at = Int(r, first + 6);
  return p;
}

User DecodeUser(const SqlRow& r) {
  User u;
  u.user_id = Text(r, 0);
  u.username = Text(r, 1);
  u.password_hash = Text(r, 2);
  u.upstream_issuer = Text(r, 3);
  u.upstream_subject = Text(r, 4);
  u.email = Text(r, 5);
  u.name = Text(r, 6);
  u.disabled = Int(r, 7) != 0;
  u.created_at = Int(r, 8);
  u.updated_at = Int(r, 9);
  return u;
}

LoginSession DecodeSession(const SqlRow& r, size_t offset) {
  LoginSession s;
  s.session_hash = Text(r, offset);
  s.user_id = Text(r, offset + 1);
  s.auth_time = Int(r, offset + 2);
  s.created_at = Int(r, offset + 3);
  s.expires_at = Int(r, offset + 4);
  return s;
}

AuthorizationTransaction DecodeTransaction(const SqlRow& r) {
  AuthorizationTransaction t;
  t.transaction_hash = Text(r, 0);
  t.request_json = Text(r, 1);
  t.session_hash = Text(r, 2);
  t.user_id = Text(r, 3);
  t.csrf_hash = Text(r, 4);
  t.upstream_state_hash = Text(r, 5);
  t.upstream_nonce = Text(r, 6);
  t.upstream_code_verifier = Text(r, 7);
  t.created_at = Int(r, 8);
  t.expires_at = Int(r, 9);
  t.consumed_at = Int(r, 10);
  t.browser_hash = Text(r, 11);
  return t;
}

AuthorizationCode DecodeCode(const SqlRow& r) {
  AuthorizationCode c;
  c.code_hash = Text(r, 0);
  c.client_id = Text(r, 1);
  c.user_id = Text(r, 2);
  c.redirect_uri = Text(r, 3);
  c.redirect_uri_in_request = Int(r, 4) != 0;
  c.code_challenge = Text(r, 5);
  c.resource = Text(r, 6);
  c.scope = Text(r, 7);
  c.auth_time = Int(r, 8);
  c.created_at = Int(r, 9);
  c.expires_at = Int(r, 10);
  c.consumed_at = Int(r, 11);
  c.family_id = Text(r, 12);
  c.nonce = Text(r, 13);
  return c;
}

RefreshFamily DecodeFamily(const SqlRow& r, size_t o) {
  RefreshFamily f;
  f.family_id = Text(r, o + 0);
  f.client_id = Text(r, o + 1);
  f.user_id = Text(r, o + 2);
  f.resource = Text(r, o + 3);
  f.scope = Text(r, o + 4);
  f.auth_time = Int(r, o + 5);
  f.created_at = Int(r, o + 6);
  f.expires_at = Int(r, o + 7);
  f.revoked_at = Int(r, o + 8);
  return f;
}

RefreshToken DecodeRefreshToken(const SqlRow& r, size_t o) {
  RefreshToken t;
  t.token_hash = Text(r, o + 0);
  t.family_id = Text(r, o + 1);
  t.access_jti = Text(r, o + 2);
  t.access_expires_at = Int(r, o + 3);
  t.created_at = Int(r, o + 4);
  t.idle_expires_at = Int(r, o + 5);
  t.used_at = Int(r, o + 6);
  t.successor_hash = Text(r, o + 7);
  return t;
}

Consent DecodeConsent(const SqlRow& r, size_t offset) {
  return {Text(r, offset),     Text(r, offset + 1), Text(r, offset + 2),
          Text(r, offset + 3), Int(r, offset + 4),  Int(r, offset + 5)};
}

SqlTask<Status> InsertCode(SqlConnection& c, const AuthorizationCode& code) {
  if (c.dialect() != SqlDialect::kPostgres) {  // SQLite's foreign keys check the owners
    co_return (co_await c.Pipelined(
                   "INSERT INTO authorization_codes (" AUTHGENT_CODE_COLUMNS
                   ", replayed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                   "$13, $14, 0)",
                   code.code_hash, code.client_id, code.user_id, code.redirect_uri,
                   code.redirect_uri_in_request, code.code_challenge, code.resource, code.scope,
                   code.auth_time, code.created_at, code.expires_at, code.consumed_at,
                   code.family_id, code.nonce))
        .status();
  }
  // No foreign key checks a code on PostgreSQL (storage/sql/schema.cc): the statement does what
  // one did, in the same round trip: the client's and the user's rows must exist, and stay
  // key-share locked (their delete waits) until this commits. The casts: see below.
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult r,
      co_await c.Pipelined(
          "WITH owners AS (SELECT 1 FROM clients c, users u WHERE c.client_id = $2 AND "
          "u.user_id = $3 FOR KEY SHARE) "
          "INSERT INTO authorization_codes (" AUTHGENT_CODE_COLUMNS
          ", replayed_at) SELECT $1, $2, $3, $4, $5::bigint, $6, $7, $8, $9::bigint, $10::bigint, "
          "$11::bigint, $12::bigint, $13, $14, 0 FROM owners",
          code.code_hash, code.client_id, code.user_id, code.redirect_uri,
          code.redirect_uri_in_request, code.code_challenge, code.resource, code.scope,
          code.auth_time, code.created_at, code.expires_at, code.consumed_at, code.family_id,
          code.nonce));
  if (r.affected == 0) {
    co_return Status(StatusCode::kForeignKey, "the code's client " + code.client_id + " or user " +
                                                  code.user_id + " is gone");
  }
  co_return Status::Ok();
}

// The consent's columns are $1-$6.
#define AUTHGENT_UPSERT_CONSENT                     \
  "INSERT INTO consents (" AUTHGENT_CONSENT_COLUMNS \
  ") VALUES ($1, $2, $3, $4, $5, $6) "              \
  "ON CONFLICT (user_id, client_id, resource) DO UPDATE SET scope = $4, updated_at = $6"

static SqlTask<Status> UpsertConsentRow(SqlConnection& c, const Consent& consent) {
  co_return (co_await c.Pipelined(AUTHGENT_UPSERT_CONSENT, consent.user_id, consent.client_id,
                                  consent.resource, consent.scope, consent.created_at,
                                  consent.updated_at))
      .status();
}

SqlTask<Status> UpsertConsentAndInsertCode(SqlConnection& c, const Consent& consent,
                                           const AuthorizationCode& code) {
  if (c.dialect() != SqlDialect::kPostgres) {  // SQLite runs them in-process, one by one
    AUTHGENT_CO_RETURN_IF_ERROR(co_await UpsertConsentRow(c, consent));
    co_return co_await InsertCode(c, code);
  }
  // One statement, one round trip: the consent's columns $1-$6, the code's $7-$20. Both rows
  // are written only when the owners exist (no foreign key checks them here: AUTHGENT_LOCK_
  // OWNERS_SHARED, whose locks the caller holds); INSERT ... SELECT, unlike VALUES, does not
  // give the parameters their columns' types, hence the casts.
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult r,
      co_await c.Pipelined(
          "WITH owners AS (SELECT 1 FROM clients WHERE client_id = $2 AND $8 = $2 AND $9 = $1 "
          "AND EXISTS (SELECT 1 FROM users WHERE user_id = $1)), "
          "consent AS (INSERT INTO consents (" AUTHGENT_CONSENT_COLUMNS
          ") SELECT $1, $2, $3, $4, $5::bigint, $6::bigint FROM owners "
          "ON CONFLICT (user_id, client_id, resource) DO UPDATE SET scope = $4, updated_at = $6) "
          "INSERT INTO authorization_codes (" AUTHGENT_CODE_COLUMNS
          ", replayed_at) SELECT $7, $8, $9, $10, $11::bigint, $12, $13, $14, $15::bigint, "
          "$16::bigint, $17::bigint, $18::bigint, $19, $20, 0 FROM owners",
          consent.user_id, consent.client_id, consent.resource, consent.scope, consent.created_at,
          consent.updated_at, code.code_hash, code.client_id, code.user_id, code.redirect_uri,
          code.redirect_uri_in_request, code.code_challenge, code.resource, code.scope,
          code.auth_time, code.created_at, code.expires_at, code.consumed_at, code.family_id,
          code.nonce));
  if (r.affected == 0) {
    co_return Status(StatusCode::kForeignKey, "the approval's client " + consent.client_id +
                                                  " or user " + consent.user_id + " is gone");
  }
  co_return Status::Ok();
}

Status LockOwnerForDelete(SqlConnection& c, Owner owner, const std::string& id) {
  if (c.dialect() != SqlDialect::kPostgres) return Status::Ok();
  return c
      .Query(owner == Owner::kClient
                 ? "SELECT pg_advisory_xact_lock(" AUTHGENT_CLIENT_LOCK_CLASS ", hashtext($1))"
                 : "SELECT pg_advisory_xact_lock(" AUTHGENT_USER_LOCK_CLASS ", hashtext($1))",
             {id})
      .status();
}

Status DeleteGrantsOf(SqlConnection& c, Owner owner, const std::string& id) {
  const std::string condition =
      std::string(owner == Owner::kClient ? "client_id" : "user_id") + " = $1";
  for (const char* table : {"authorization_codes", "consents"}) {
    AUTHGENT_RETURN_IF_ERROR(
        c.Query(std::string("DELETE FROM ") + table + " WHERE " + condition, {id}).status());
  }
  return DeleteFamiliesWhere(c, condition, {id}).status();
}

SigningKey DecodeSigningKey(const SqlRow& r) {
  return {Text(r, 0), Text(r, 1), Text(r, 2), Int(r, 3), Int(r, 4)};
}

StatusOr<int64_t> DeleteFamiliesWhere(SqlConnection& c, std::string_view where,
                                      std::initializer_list<SqlParam> params) {
  std::string tokens = "DELETE FROM refresh_tokens WHERE family_id IN (SELECT family_id FROM "
                       "refresh_families WHERE " +
                       std::string(where) + ")";
  AUTHGENT_RETURN_IF_ERROR(c.Query(tokens, params).status());
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult families, c.Query("DELETE FROM refresh_families WHERE " + std::string(where), params));
  return families.affected;
}

}  // namespace authgent::storage::sql
