// SqlStore: authorization codes, refresh families and tokens, the access-token denylist.
//
// Atomicity does not rely on isolation levels: each single-use step is a conditional UPDATE
// (`... WHERE consumed_at = 0`), which both databases apply to one row at a time. Under
// PostgreSQL's READ COMMITTED a competing UPDATE waits for the row lock and re-checks its WHERE
// against the committed row; SQLite write transactions (BEGIN IMMEDIATE) are serial.
#include <algorithm>
#include <map>
#include <tuple>

#include "storage/sql/sql_codec.h"
#include "storage/sql/sql_store.h"

namespace authgent::storage::sql {
namespace {

constexpr std::string_view kInsertFamily =
    "INSERT INTO refresh_families (" AUTHGENT_FAMILY_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kInsertToken =
    "INSERT INTO refresh_tokens (" AUTHGENT_REFRESH_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)";
// Both in one statement (PostgreSQL): a code exchange's last step before its commit, so the
// batch takes one round trip less. The family's columns are $1-$9, the token's $10 and $11-$15.
#define AUTHGENT_INSERT_FAMILY_CTE                                         \
  "WITH family AS (INSERT INTO refresh_families (" AUTHGENT_FAMILY_COLUMNS \
  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9))"
#define AUTHGENT_INSERT_FIRST_TOKEN                        \
  " INSERT INTO refresh_tokens (" AUTHGENT_REFRESH_COLUMNS \
  ") VALUES ($10, $1, $11, $12, $13, $14, $15)"
constexpr std::string_view kInsertFamilyAndToken =
    AUTHGENT_INSERT_FAMILY_CTE AUTHGENT_INSERT_FIRST_TOKEN;
// The same with the client's use mark ($16, the time; the client is the family's, $2): a first
// exchange of a client (every new connection's) writes one, and it takes no round trip of its own.
constexpr std::string_view kInsertFamilyTokenAndMark = AUTHGENT_INSERT_FAMILY_CTE
    ", mark AS (UPDATE clients SET last_used_at = $16 WHERE "
    "client_id = $2)" AUTHGENT_INSERT_FIRST_TOKEN;

SqlTask<Status> InsertFamily(SqlConnection& c, const RefreshFamily& f) {
  co_return (co_await c.Pipelined(kInsertFamily, f.family_id, f.client_id, f.user_id, f.resource,
                                  f.scope, f.auth_time, f.created_at, f.expires_at, f.revoked_at))
      .status();
}

SqlTask<Status> InsertToken(SqlConnection& c, const RefreshToken& t, const std::string& family_id) {
  co_return (co_await c.Pipelined(kInsertToken, t.token_hash, family_id, t.access_jti,
                                  t.access_expires_at, t.created_at, t.idle_expires_at, t.used_at))
      .status();
}

// And, when `client_used_at` is not 0, the client's use mark.
SqlTask<Status> InsertFamilyAndToken(SqlConnection& c, const RefreshFamily& f,
                                     const RefreshToken& t, int64_t client_used_at) {
  if (c.dialect() != SqlDialect::kPostgres) {  // SQLite runs them in-process, one by one
    AUTHGENT_CO_RETURN_IF_ERROR(co_await InsertFamily(c, f));
    AUTHGENT_CO_RETURN_IF_ERROR(co_await InsertToken(c, t, f.family_id));
    if (client_used_at == 0) co_return Status::Ok();
    co_return (co_await c.Pipelined(kMarkClientUsed, f.client_id, client_used_at)).status();
  }
  if (client_used_at == 0) {
    co_return (co_await c.Pipelined(kInsertFamilyAndToken, f.family_id, f.client_id, f.user_id,
                                    f.resource, f.scope, f.auth_time, f.created_at, f.expires_at,
                                    f.revoked_at, t.token_hash, t.access_jti, t.access_expires_at,
                                    t.created_at, t.idle_expires_at, t.used_at))
        .status();
  }
  co_return (co_await c.Pipelined(kInsertFamilyTokenAndMark, f.family_id, f.client_id, f.user_id,
                                  f.resource, f.scope, f.auth_time, f.created_at, f.expires_at,
                                  f.revoked_at, t.token_hash, t.access_jti, t.access_expires_at,
                                  t.created_at, t.idle_expires_at, t.used_at, client_used_at))
      .status();
}

// Revokes a family (if not already) and denies its unexpired access tokens.
SqlTask<Status> RevokeFamilyIn(SqlConnection& c, const std::string& family_id, int64_t now) {
  AUTHGENT_CO_RETURN_IF_ERROR(
      (co_await c.Pipelined(
           "UPDATE refresh_families SET revoked_at = $2 WHERE family_id = $1 AND revoked_at = 0",
           family_id, now))
          .status());
  co_return (co_await c.Pipelined("INSERT INTO revoked_access_tokens (jti, expires_at) "
                                  "SELECT access_jti, access_expires_at FROM refresh_tokens "
                                  "WHERE family_id = $1 AND access_expires_at > $2 AND "
                                  "access_jti <> '' ON CONFLICT (jti) DO NOTHING",
                                  family_id, now))
      .status();
}

// One redemption inside the caller's write transaction (RedeemCode's contract).
SqlTask<Status> RedeemCodeIn(SqlConnection& c, const std::string& code_hash, int64_t now,
                             const std::string& family_id, const IssueForCode& issue,
                             const IsRetryOfCode& is_retry, CodeRedemption& result) {
  // The common case is one statement on the code: the conditional UPDATE consumes it, records
  // the family it is about to get and returns it; under READ COMMITTED a concurrent redemption
  // holds the row until it commits, and then the WHERE no longer matches. Then the family and
  // its token: one more statement on PostgreSQL.
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult won,
      co_await c.Pipelined("UPDATE authorization_codes SET consumed_at = $2, family_id = $3 "
                           "WHERE code_hash = $1 AND consumed_at = 0 AND expires_at > $2 "
                           "RETURNING " AUTHGENT_CODE_COLUMNS,
                           code_hash, now, family_id));
  if (!won.rows.empty()) {
    result.outcome = CodeRedemption::Outcome::kRedeemed;
    result.code = DecodeCode(won.rows[0]);
    std::optional<IssuedFamily> issued = issue ? issue(result.code) : std::nullopt;
    std::string issued_id = issued ? issued->family.family_id : std::string();
    if (issued_id != family_id) {  // no family after all, or one of another id
      AUTHGENT_CO_RETURN_IF_ERROR(
          (co_await c.Pipelined(
               "UPDATE authorization_codes SET family_id = $2 WHERE code_hash = $1", code_hash,
               issued_id))
              .status());
      result.code.family_id = issued_id;
    }
    if (!issued) co_return Status::Ok();
    AUTHGENT_CO_RETURN_IF_ERROR(co_await InsertFamilyAndToken(
        c, issued->family, issued->first_token, issued->client_used_at));
    result.family_issued = true;
    co_return Status::Ok();
  }
  // Consumed before (by another request, or by a concurrent one that the UPDATE above waited
  // for), expired, or unknown. One read decides: an unknown code (what a stranger guessing
  // codes sends) costs these two statements and no more.
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult found, co_await c.Pipelined("SELECT " AUTHGENT_CODE_COLUMNS
                                            " FROM authorization_codes WHERE code_hash = $1",
                                            code_hash));
  if (found.rows.empty()) {  // never issued, or deleted (the reaper removes expired codes)
    result.outcome = CodeRedemption::Outcome::kNotFound;
    co_return Status::Ok();
  }
  result.code = DecodeCode(found.rows[0]);
  if (result.code.consumed_at == 0) {  // still unconsumed, so expired
    result.outcome = CodeRedemption::Outcome::kExpired;
    co_return Status::Ok();
  }
  // A presentation of a consumed code is recorded; the row returned is the committed one.
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult replay,
      co_await c.Pipelined("UPDATE authorization_codes SET replayed_at = $2 WHERE code_hash = $1 "
                           "AND consumed_at <> 0 RETURNING " AUTHGENT_CODE_COLUMNS,
                           code_hash, now));
  if (replay.rows.empty()) {  // deleted meanwhile (the reaper removes expired codes)
    result.outcome = CodeRedemption::Outcome::kNotFound;
    co_return Status::Ok();
  }
  result.code = DecodeCode(replay.rows[0]);
  if (is_retry && is_retry(result.code)) {
    result.outcome = CodeRedemption::Outcome::kRetried;
    co_return Status::Ok();
  }
  result.outcome = CodeRedemption::Outcome::kReplayed;
  if (!result.code.family_id.empty())
    co_return co_await RevokeFamilyIn(c, result.code.family_id, now);
  co_return Status::Ok();
}
}  // namespace

Status SqlStore::CreateCode(const AuthorizationCode& code) {
  return Write([&](SqlConnection& c) { return c.RunNow(InsertCode(c, code)); });
}

void SqlStore::RedeemCode(std::string code_hash, int64_t now, std::string family_id,
                          IssueForCode issue, IsRetryOfCode is_retry,
                          Completion<CodeRedemption> done) {
  std::string key = "code:" + code_hash;
  CompleteWrite<CodeRedemption>(
      std::move(key),
      [code_hash = std::move(code_hash), now, family_id = std::move(family_id),
       issue = std::move(issue), is_retry = std::move(is_retry)](SqlConnection& c,
                                                                 CodeRedemption& result) {
        return RedeemCodeIn(c, code_hash, now, family_id, issue, is_retry, result);
      },
      std::move(done));
}

namespace {
// kForeignKey unless client `client_id` and user `user_id` exist; on PostgreSQL their rows are
// then key-share locked until `c` commits, as a foreign key check locks them (nothing on SQLite,
// whose foreign keys check).
Status LockOwnerRows(SqlConnection& c, const std::string& client_id, const std::string& user_id) {
  if (c.dialect() != SqlDialect::kPostgres) return Status::Ok();
  for (auto [table, column, id] :
       {std::tuple{"clients", "client_id", &client_id}, std::tuple{"users", "user_id", &user_id}}) {
    AUTHGENT_ASSIGN_OR_RETURN(
        SqlResult found,
        c.Query("SELECT 1 FROM " + std::string(table) + " WHERE " + column + " = $1 FOR KEY SHARE",
                {*id}));
    if (found.rows.empty())
      return Status(StatusCode::kForeignKey, std::string(table) + " has no " + *id);
  }
  return Status::Ok();
}
}  // namespace

// No foreign key checks a family on PostgreSQL (storage/sql/schema.cc): LockOwnerRows does. A
// code exchange needs no such check: its code names both, and deleting either deletes the code,
// waiting for the exchange that holds it (SqlStore::DeleteClient).
Status SqlStore::CreateFamily(const RefreshFamily& family, const RefreshToken& first_token) {
  return InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_RETURN_IF_ERROR(LockOwnerRows(c, family.client_id, family.user_id));
    return c.RunNow(InsertFamilyAndToken(c, family, first_token, 0));
  });
}

namespace {
constexpr std::string_view kSelectTokenAndFamily =
    "SELECT t.token_hash, t.family_id, t.access_jti, t.access_expires_at, t.created_at, "
    "t.idle_expires_at, t.used_at, t.successor_hash, f.family_id, f.client_id, f.user_id, "
    "f.resource, f.scope, f.auth_time, f.created_at, f.expires_at, f.revoked_at "
    "FROM refresh_tokens t JOIN refresh_families f ON f.family_id = t.family_id "
    "WHERE t.token_hash = $1";
constexpr size_t kFamilyOffset = 8;
// A used token's use and its successor, as committed now (see RotateIn).
constexpr std::string_view kSelectUseAndSuccessor =
    "SELECT t.used_at, s.token_hash, s.family_id, s.access_jti, s.access_expires_at, "
    "s.created_at, s.idle_expires_at, s.used_at, s.successor_hash "
    "FROM refresh_tokens t LEFT JOIN refresh_tokens s ON s.token_hash = t.successor_hash "
    "WHERE t.token_hash = $1";

// Marks the presented token used, if no one did before, and stores its successor then: true when
// this call was the first use. PostgreSQL does both in one statement (one round trip less per
// batch); SQLite runs them in-process, one by one.
constexpr std::string_view kMarkUsed =
    "UPDATE refresh_tokens SET used_at = $2, successor_hash = $3 WHERE token_hash = $1 AND "
    "used_at = 0";
constexpr std::string_view kMarkUsedAndInsertSuccessor =
    "WITH used AS (UPDATE refresh_tokens SET used_at = $2, successor_hash = $3 "
    "WHERE token_hash = $1 AND used_at = 0 RETURNING family_id) "
    "INSERT INTO refresh_tokens (" AUTHGENT_REFRESH_COLUMNS ") "
    "SELECT $3, family_id, CAST($4 AS TEXT), CAST($5 AS BIGINT), CAST($6 AS BIGINT), "
    "CAST($7 AS BIGINT), CAST($8 AS BIGINT) FROM used";
SqlTask<StatusOr<bool>> MarkUsedAndInsertSuccessor(SqlConnection& c,
                                                    const RefreshPresentation& presented,
                                                    const RefreshFamily& family) {
  const RefreshToken& next = presented.successor;
  if (c.dialect() != SqlDialect::kPostgres) {
    AUTHGENT_CO_ASSIGN_OR_RETURN(
        SqlResult used, co_await c.Pipelined(kMarkUsed, presented.token_hash, presented.now,
                                             next.token_hash));
    if (used.affected != 1) co_return false;
    AUTHGENT_CO_RETURN_IF_ERROR(co_await InsertToken(c, next, family.family_id));
    co_return true;
  }
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult inserted,
      co_await c.Pipelined(kMarkUsedAndInsertSuccessor, presented.token_hash, presented.now,
                           next.token_hash, next.access_jti, next.access_expires_at,
                           next.created_at, next.idle_expires_at, next.used_at));
  co_return inserted.affected == 1;
}

// One presentation of a refresh token inside the caller's write transaction
// (RotateRefreshToken's contract).
SqlTask<Status> RotateIn(SqlConnection& c, const RefreshPresentation& presented,
                         const AcceptFamily& accept, Rotation& result) {
  const std::string& token_hash = presented.token_hash;
  const int64_t now = presented.now;
  AUTHGENT_CO_ASSIGN_OR_RETURN(SqlResult r,
                               co_await c.Pipelined(kSelectTokenAndFamily, token_hash));
  if (r.rows.empty()) {
    result.outcome = Rotation::Outcome::kNotFound;
    co_return Status::Ok();
  }
  RefreshToken token = DecodeRefreshToken(r.rows[0]);
  result.family = DecodeFamily(r.rows[0], kFamilyOffset);
  if (result.family.revoked_at != 0) {
    result.outcome = Rotation::Outcome::kRevoked;
    co_return Status::Ok();
  }
  if (RefreshTokenExpired(token, result.family, now)) {
    result.outcome = Rotation::Outcome::kExpired;
    co_return Status::Ok();
  }
  if (accept && !accept(result.family)) {
    result.outcome = Rotation::Outcome::kRejected;
    co_return Status::Ok();
  }
  AUTHGENT_CO_ASSIGN_OR_RETURN(bool first,
                               co_await MarkUsedAndInsertSuccessor(c, presented, result.family));
  if (first) {
    result.outcome = Rotation::Outcome::kRotated;
    if (presented.client_used_at == 0) co_return Status::Ok();
    co_return (
        co_await c.Pipelined(kMarkClientUsed, result.family.client_id, presented.client_used_at))
        .status();
  }
  // Used before. Re-read its use and its successor: under READ COMMITTED the SELECT above may
  // predate the competing rotation that just committed.
  AUTHGENT_CO_ASSIGN_OR_RETURN(SqlResult used,
                               co_await c.Pipelined(kSelectUseAndSuccessor, token_hash));
  int64_t used_at = used.rows.empty() ? 0 : Int(used.rows[0], 0);
  bool has_successor = !used.rows.empty() && used.rows[0][1].has_value();
  if (used_at != 0 && now - used_at <= presented.grace_seconds && has_successor) {
    RefreshToken successor = DecodeRefreshToken(used.rows[0], 1);
    // Parallel refreshes: the same successor again while it is unused. Once it was used, the
    // presented token is a stolen copy (the legitimate client has moved on).
    if (successor.used_at == 0 && successor.idle_expires_at > now) {
      result.outcome = Rotation::Outcome::kGraceReissued;
      result.successor = std::move(successor);
      co_return Status::Ok();
    }
  }
  result.outcome = Rotation::Outcome::kReuseDetected;
  result.family.revoked_at = now;
  co_return co_await RevokeFamilyIn(c, result.family.family_id, now);
}

}  // namespace

StatusOr<std::pair<RefreshToken, RefreshFamily>> SqlStore::GetRefreshToken(
    const std::string& token_hash) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Read(kSelectTokenAndFamily, {token_hash}));
  if (r.rows.empty()) return NotFoundError("refresh token");
  return std::make_pair(DecodeRefreshToken(r.rows[0]), DecodeFamily(r.rows[0], kFamilyOffset));
}

void SqlStore::RotateRefreshToken(RefreshPresentation presented, AcceptFamily accept,
                                  Completion<Rotation> done) {
  std::string key = "refresh:" + presented.token_hash;
  CompleteWrite<Rotation>(
      std::move(key),
      [presented = std::move(presented), accept = std::move(accept)](
          SqlConnection& c, Rotation& result) { return RotateIn(c, presented, accept, result); },
      std::move(done));
}

Status SqlStore::RevokeFamily(const std::string& family_id, int64_t now) {
  return InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_ASSIGN_OR_RETURN(
        SqlResult r, c.Query("SELECT 1 FROM refresh_families WHERE family_id = $1", {family_id}));
    if (r.rows.empty()) return NotFoundError("refresh family " + family_id);
    return c.RunNow(RevokeFamilyIn(c, family_id, now));
  });
}

Status SqlStore::RevokeUserAccess(const std::string& user_id, int64_t now) {
  return InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("DELETE FROM login_sessions WHERE user_id = $1", {user_id}).status());
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("DELETE FROM authorization_codes WHERE user_id = $1 AND consumed_at = 0", {user_id})
            .status());
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("INSERT INTO revoked_access_tokens (jti, expires_at) "
                "SELECT t.access_jti, t.access_expires_at FROM refresh_tokens t "
                "JOIN refresh_families f ON f.family_id = t.family_id "
                "WHERE f.user_id = $1 AND f.revoked_at = 0 AND t.access_expires_at > $2 "
                "AND t.access_jti <> '' ON CONFLICT (jti) DO NOTHING",
                {user_id, now})
            .status());
    return c.Query("UPDATE refresh_families SET revoked_at = $2 WHERE user_id = $1 AND "
                   "revoked_at = 0",
                   {user_id, now})
        .status();
  });
}

Status SqlStore::RevokeClientAccess(const std::string& client_id, int64_t now) {
  return InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("DELETE FROM authorization_codes WHERE client_id = $1 AND consumed_at = 0",
                {client_id})
            .status());
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("DELETE FROM consents WHERE client_id = $1", {client_id}).status());
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("INSERT INTO revoked_access_tokens (jti, expires_at) "
                "SELECT t.access_jti, t.access_expires_at FROM refresh_tokens t "
                "JOIN refresh_families f ON f.family_id = t.family_id "
                "WHERE f.client_id = $1 AND f.revoked_at = 0 AND t.access_expires_at > $2 "
                "AND t.access_jti <> '' ON CONFLICT (jti) DO NOTHING",
                {client_id, now})
            .status());
    return c
        .Query(
            "UPDATE refresh_families SET revoked_at = $2 WHERE client_id = $1 AND "
            "revoked_at = 0",
            {client_id, now})
        .status();
  });
}

StatusOr<int64_t> SqlStore::CountLiveGrants(const std::string& client_id, int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                            Read("SELECT COUNT(*) FROM refresh_families WHERE client_id = $1 AND "
                                 "revoked_at = 0 AND expires_at > $2",
                                 {client_id, now}));
  return Int(r.rows.at(0), 0);
}

Status SqlStore::RevokeAccessToken(const RevokedAccessToken& e) {
  return Exec("INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) "
             "ON CONFLICT (jti) DO NOTHING",
             {e.jti, e.expires_at})
      .status();
}

StatusOr<bool> SqlStore::IsAccessTokenRevoked(const std::string& jti) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                            Read("SELECT 1 FROM revoked_access_tokens WHERE jti = $1", {jti}));
  return !r.rows.empty();
}

namespace {
// The filter of ListGrants and RevokeGrants on a table (or alias) with user_id, client_id and
// resource columns, as parameters $1, $2, $3.
std::string GrantWhere(std::string_view prefix) {
  std::string p(prefix);
  return "($1 = '' OR " + p + "user_id = $1) AND ($2 = '' OR " + p +
         "client_id = $2) AND ($3 = '' "
         "OR " +
         p + "resource = $3)";
}
}  // namespace

StatusOr<std::vector<Grant>> SqlStore::ListGrants(const GrantFilter& filter, int64_t now) {
  std::map<std::tuple<std::string, std::string, std::string>, Grant> by_key;
  auto grant_for = [&](std::string user, std::string client, std::string resource) -> Grant& {
    Grant& g = by_key[{user, client, resource}];
    if (g.user_id.empty()) {
      g.user_id = std::move(user);
      g.client_id = std::move(client);
      g.resource = std::move(resource);
    }
    return g;
  };
  const std::string consents =
      "SELECT user_id, client_id, resource, scope, created_at, updated_at "
      "FROM consents WHERE " +
      GrantWhere("");
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult c,
                            Read(consents, {filter.user_id, filter.client_id, filter.resource}));
  for (const SqlRow& row : c.rows) {
    Grant& g = grant_for(Text(row, 0), Text(row, 1), Text(row, 2));
    g.scope = Text(row, 3);
    g.granted_at = Int(row, 4);
    g.last_used_at = Int(row, 5);
  }
  // Each live family with its latest refresh (a family's first token is created with it).
  const std::string families =
      "SELECT f.user_id, f.client_id, f.resource, f.scope, f.created_at, "
      "COALESCE(MAX(t.created_at), f.created_at) FROM refresh_families f "
      "LEFT JOIN refresh_tokens t ON t.family_id = f.family_id "
      "WHERE f.revoked_at = 0 AND f.expires_at > $4 AND " +
      GrantWhere("f.") +
      " GROUP BY f.family_id, f.user_id, f.client_id, f.resource, f.scope, f.created_at "
      "ORDER BY f.created_at";
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult f, Read(families, {filter.user_id, filter.client_id, filter.resource, now}));
  for (const SqlRow& row : f.rows) {
    Grant& g = grant_for(Text(row, 0), Text(row, 1), Text(row, 2));
    bool consented = g.granted_at != 0 && !g.scope.empty();
    if (!consented) g.scope = Text(row, 3);  // the latest family's (ordered by creation)
    int64_t created = Int(row, 4);
    if (g.granted_at == 0 || created < g.granted_at) g.granted_at = created;
    g.last_used_at = std::max(g.last_used_at, Int(row, 5));
    ++g.live_families;
  }
  std::vector<Grant> out;
  for (auto& [key, g] : by_key) out.push_back(std::move(g));
  return out;
}

Status SqlStore::RevokeGrants(const GrantFilter& filter, int64_t now) {
  if (filter.user_id.empty() && filter.client_id.empty()) {
    return InvalidArgumentError("revoking grants needs a user or a client");
  }
  return InTransaction([&](SqlConnection& c) -> Status {
    const std::string where_f = GrantWhere("f.");
    const std::string where = GrantWhere("");
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("INSERT INTO revoked_access_tokens (jti, expires_at) "
                "SELECT t.access_jti, t.access_expires_at FROM refresh_tokens t "
                "JOIN refresh_families f ON f.family_id = t.family_id "
                "WHERE f.revoked_at = 0 AND t.access_expires_at > $4 AND t.access_jti <> '' AND " +
                    where_f + " ON CONFLICT (jti) DO NOTHING",
                {filter.user_id, filter.client_id, filter.resource, now})
            .status());
    AUTHGENT_RETURN_IF_ERROR(
        c.Query("UPDATE refresh_families SET revoked_at = $4 WHERE revoked_at = 0 AND " + where,
                {filter.user_id, filter.client_id, filter.resource, now})
            .status());
    AUTHGENT_RETURN_IF_ERROR(c.Query("DELETE FROM consents WHERE " + where,
                                     {filter.user_id, filter.client_id, filter.resource})
                                 .status());
    return c
        .Query("DELETE FROM authorization_codes WHERE consumed_at = 0 AND " + where,
               {filter.user_id, filter.client_id, filter.resource})
        .status();
  });
}

}  // namespace authgent::storage::sql
