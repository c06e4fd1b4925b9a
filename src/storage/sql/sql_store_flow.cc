// SqlStore: login sessions, authorization transactions and consents.
#include "core/word_set.h"
#include "storage/sql/sql_codec.h"
#include "storage/sql/sql_store.h"

namespace authgent::storage::sql {

Status SqlStore::CreateSession(const LoginSession& s) {
  return Exec("INSERT INTO login_sessions (" AUTHGENT_SESSION_COLUMNS ") VALUES ($1, $2, $3, $4, $5)",
             {s.session_hash, s.user_id, s.auth_time, s.created_at, s.expires_at})
      .status();
}

namespace {
// A live session of an enabled user, joined with the user's name: on a busy SQLite server every
// read starts with a cold page cache (another commit changed the WAL), so a second query would
// cost a second descent. ($1 the session's hash, $2 the time.)
#define AUTHGENT_SELECT_LIVE_SESSION(hash)                                                     \
  "SELECT s.session_hash, s.user_id, s.auth_time, s.created_at, s.expires_at, "                \
  "COALESCE(u.username, u.email) FROM login_sessions s JOIN users u ON u.user_id = s.user_id " \
  "WHERE s.session_hash = " hash " AND s.expires_at > $2 AND u.disabled = 0"
constexpr std::string_view kSelectLiveSession = AUTHGENT_SELECT_LIVE_SESSION("$1");

LoginSession SessionFromRow(const SqlRow& row, size_t offset = 0) {
  LoginSession session = DecodeSession(row, offset);
  session.user_display_name = Text(row, offset + 5);
  return session;
}

#define AUTHGENT_SELECT_LIVE_TRANSACTION    \
  "SELECT " AUTHGENT_TRANSACTION_COLUMNS    \
  " FROM authorization_transactions WHERE " \
  "transaction_hash = $1 AND expires_at > $2 AND consumed_at = 0"
constexpr std::string_view kSelectLiveTransaction = AUTHGENT_SELECT_LIVE_TRANSACTION;
// A live transaction ($1, at $2), and beside it the approving browser's live session ($3; NULL
// columns when it has none): one statement for what an approval reads before deciding, one
// round trip on PostgreSQL instead of two.
constexpr std::string_view kSelectLiveTransactionAndSession =
    "SELECT * FROM (" AUTHGENT_SELECT_LIVE_TRANSACTION
    ") t LEFT JOIN "
    "(" AUTHGENT_SELECT_LIVE_SESSION("$3") ") s ON 1 = 1";

// Only one consumer of a transaction wins ($1, at $2): on PostgreSQL a concurrent one may have
// committed since any read.
#define AUTHGENT_CONSUME_TRANSACTION                                                        \
  "UPDATE authorization_transactions SET consumed_at = $2 WHERE transaction_hash = $1 AND " \
  "consumed_at = 0 AND expires_at > $2"
constexpr std::string_view kConsumeTransaction = AUTHGENT_CONSUME_TRANSACTION;
constexpr std::string_view kSelectConsentScope =
    "SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2 AND resource = $3";
// Both in one statement (PostgreSQL): whether this approval consumed the transaction, and the
// scope the user had already granted the client (NULL if none); and it takes the client's and
// the user's locks, shared, before the statement that writes the code (sql_codec.h).
constexpr std::string_view kConsumeAndSelectConsentScope =
    "WITH consumed AS (" AUTHGENT_CONSUME_TRANSACTION
    " RETURNING 1) "
    "SELECT (SELECT count(*) FROM consumed), (SELECT scope FROM consents WHERE user_id = $3 AND "
    "client_id = $4 AND resource = $5), " AUTHGENT_LOCK_OWNERS_SHARED("$4", "$3");

// One approval inside the caller's write transaction (ApproveTransaction's contract).
SqlTask<Status> ApproveIn(SqlConnection& c, const std::string& transaction_hash,
                          const std::string& session_hash, int64_t now,
                          const DecideApproval& decide, ApprovalOutcome& outcome) {
  outcome = ApprovalOutcome::kNotFound;
  AUTHGENT_CO_ASSIGN_OR_RETURN(
      SqlResult found,
      co_await c.Pipelined(kSelectLiveTransactionAndSession, transaction_hash, now, session_hash));
  if (found.rows.empty() || !found.rows[0][kTransactionColumnCount]) co_return Status::Ok();
  std::optional<Approval> approval = decide(DecodeTransaction(found.rows[0]),
                                            SessionFromRow(found.rows[0], kTransactionColumnCount));
  if (!approval) {
    outcome = ApprovalOutcome::kRefused;
    co_return Status::Ok();
  }
  // The same conditional UPDATE as ConsumeTransaction: only one approval of a page wins.
  const Consent& consent = approval->consent;
  bool won = false;
  std::optional<std::string> standing;
  if (c.dialect() == SqlDialect::kPostgres) {
    AUTHGENT_CO_ASSIGN_OR_RETURN(
        SqlResult r, co_await c.Pipelined(kConsumeAndSelectConsentScope, transaction_hash, now,
                                          consent.user_id, consent.client_id, consent.resource));
    won = Int(r.rows.at(0), 0) == 1;
    standing = r.rows[0].at(1);
  } else {  // SQLite runs them in-process, one after the other
    AUTHGENT_CO_ASSIGN_OR_RETURN(SqlResult consumed,
                                 co_await c.Pipelined(kConsumeTransaction, transaction_hash, now));
    won = consumed.affected == 1;
    if (won) {
      AUTHGENT_CO_ASSIGN_OR_RETURN(
          SqlResult r, co_await c.Pipelined(kSelectConsentScope, consent.user_id, consent.client_id,
                                            consent.resource));
      if (!r.rows.empty()) standing = r.rows[0].at(0);
    }
  }
  if (!won) co_return Status::Ok();
  Consent merged = consent;
  if (standing) merged.scope = WordSetUnion(*standing, consent.scope);
  AUTHGENT_CO_RETURN_IF_ERROR(co_await UpsertConsentAndInsertCode(c, merged, approval->code));
  outcome = ApprovalOutcome::kApproved;
  co_return Status::Ok();
}
}  // namespace

StatusOr<LoginSession> SqlStore::GetSession(const std::string& session_hash, int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Read(kSelectLiveSession, {session_hash, now}));
  if (r.rows.empty()) return NotFoundError("login session");
  return SessionFromRow(r.rows[0]);
}

Status SqlStore::DeleteSession(const std::string& session_hash) {
  return RunOne("DELETE FROM login_sessions WHERE session_hash = $1", {session_hash},
                "login session");
}

namespace {
SqlTask<Status> InsertTransaction(SqlConnection& c, const AuthorizationTransaction& t) {
  co_return (co_await c.Pipelined(
                 "INSERT INTO authorization_transactions (" AUTHGENT_TRANSACTION_COLUMNS
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                 t.transaction_hash, t.request_json, t.session_hash, t.user_id, t.csrf_hash,
                 NullIfEmpty(t.upstream_state_hash), t.upstream_nonce, t.upstream_code_verifier,
                 t.created_at, t.expires_at, t.consumed_at, t.browser_hash))
      .status();
}
}  // namespace

void SqlStore::CreateTransaction(AuthorizationTransaction txn, StatusCompletion done) {
  WriterFor({}).Submit(
      [txn = std::move(txn)](SqlConnection& c) { return InsertTransaction(c, txn); },
      std::move(done));
}

StatusOr<AuthorizationTransaction> SqlStore::GetTransaction(const std::string& transaction_hash,
                                                            int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Read(kSelectLiveTransaction, {transaction_hash, now}));
  if (r.rows.empty()) return NotFoundError("authorization transaction");
  return DecodeTransaction(r.rows[0]);
}

Status SqlStore::UpdateTransaction(const AuthorizationTransaction& t) {
  return RunOne(
      "UPDATE authorization_transactions SET session_hash = $2, user_id = $3, csrf_hash = $4, "
      "upstream_state_hash = $5, upstream_nonce = $6, upstream_code_verifier = $7 "
      "WHERE transaction_hash = $1 AND consumed_at = 0",
      {t.transaction_hash, t.session_hash, t.user_id, t.csrf_hash,
       NullIfEmpty(t.upstream_state_hash), t.upstream_nonce, t.upstream_code_verifier},
      "authorization transaction");
}

// Single use by a conditional UPDATE: whichever caller flips consumed_at from 0 gets the row;
// every other caller's WHERE no longer matches.
StatusOr<AuthorizationTransaction> SqlStore::ConsumeTransaction(const std::string& transaction_hash,
                                                                int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Exec(AUTHGENT_CONSUME_TRANSACTION " RETURNING " AUTHGENT_TRANSACTION_COLUMNS,
                        {transaction_hash, now}));
  if (r.rows.empty()) return NotFoundError("authorization transaction");
  return DecodeTransaction(r.rows[0]);
}

StatusOr<AuthorizationTransaction> SqlStore::ConsumeTransactionByUpstreamState(
    const std::string& upstream_state_hash, int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Exec("UPDATE authorization_transactions SET consumed_at = $2 WHERE "
                       "upstream_state_hash = $1 AND consumed_at = 0 AND expires_at > $2 RETURNING " AUTHGENT_TRANSACTION_COLUMNS,
                       {upstream_state_hash, now}));
  if (r.rows.empty()) return NotFoundError("authorization transaction");
  return DecodeTransaction(r.rows[0]);
}

void SqlStore::ApproveTransaction(std::string transaction_hash, std::string session_hash,
                                  int64_t now, DecideApproval decide,
                                  Completion<ApprovalOutcome> done) {
  std::string key = "transaction:" + transaction_hash;
  CompleteWrite<ApprovalOutcome>(
      std::move(key),
      [transaction_hash = std::move(transaction_hash), session_hash = std::move(session_hash), now,
       decide = std::move(decide)](SqlConnection& c, ApprovalOutcome& outcome) {
        return ApproveIn(c, transaction_hash, session_hash, now, decide, outcome);
      },
      std::move(done));
}

namespace {
// A live session with its user's consent for one client ($3) and resource ($4), if any.
constexpr char kSelectSessionAndConsent[] =
    "SELECT s.*, c.user_id, c.client_id, c.resource, c.scope, c.created_at, c.updated_at "
    "FROM (" AUTHGENT_SELECT_LIVE_SESSION("$1") ") s LEFT JOIN consents c ON "
    "c.user_id = s.user_id AND c.client_id = $3 AND c.resource = $4";

StatusOr<SessionAndConsent> DecodeSessionAndConsent(const StatusOr<SqlResult>& r) {
  constexpr size_t kSessionColumns = 6;  // AUTHGENT_SELECT_LIVE_SESSION's
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return NotFoundError("session");
  SessionAndConsent found{SessionFromRow(r->rows[0]), std::nullopt};
  if (r->rows[0][kSessionColumns]) found.consent = DecodeConsent(r->rows[0], kSessionColumns);
  return found;
}
}  // namespace

StatusOr<SessionAndConsent> SqlStore::GetSessionAndConsent(const std::string& session_hash,
                                                           int64_t now,
                                                           const std::string& client_id,
                                                           const std::string& resource) {
  return DecodeSessionAndConsent(
      Read(kSelectSessionAndConsent, {session_hash, now, client_id, resource}));
}

void SqlStore::ReadSessionAndConsent(std::string session_hash, int64_t now, std::string client_id,
                                     std::string resource, Completion<SessionAndConsent> done) {
  if (ReadsInProcess()) return done(GetSessionAndConsent(session_hash, now, client_id, resource));
  SubmitFlight(
      kSelectSessionAndConsent,
      {std::move(session_hash), now, std::move(client_id), std::move(resource)},
      [done = std::move(done)](StatusOr<SqlResult> r) { done(DecodeSessionAndConsent(r)); });
}

StatusOr<Consent> SqlStore::GetConsent(const std::string& user_id, const std::string& client_id,
                                       const std::string& resource) {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Read("SELECT " AUTHGENT_CONSENT_COLUMNS
                       " FROM consents WHERE user_id = $1 AND client_id = $2 AND resource = $3",
                       {user_id, client_id, resource}));
  if (r.rows.empty()) return NotFoundError("consent");
  return DecodeConsent(r.rows[0]);
}

StatusOr<std::vector<Consent>> SqlStore::ListConsents(const std::string& user_id) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                            Read("SELECT " AUTHGENT_CONSENT_COLUMNS
                                " FROM consents WHERE user_id = $1 ORDER BY client_id, resource",
                                {user_id}));
  std::vector<Consent> out;
  for (const SqlRow& row : r.rows) out.push_back(DecodeConsent(row));
  return out;
}

StatusOr<std::vector<LoginSession>> SqlStore::ListSessions(const std::string& user_id,
                                                           int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r,
      Read("SELECT s.session_hash, s.user_id, s.auth_time, s.created_at, s.expires_at, "
           "COALESCE(u.username, u.email) FROM login_sessions s JOIN users u ON u.user_id = "
           "s.user_id WHERE ($1 = '' OR s.user_id = $1) AND s.expires_at > $2 "
           "ORDER BY s.created_at DESC, s.session_hash",
           {user_id, now}));
  std::vector<LoginSession> out;
  for (const SqlRow& row : r.rows) out.push_back(SessionFromRow(row));
  return out;
}

StatusOr<int64_t> SqlStore::DeleteUserSessions(const std::string& user_id) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                            Exec("DELETE FROM login_sessions WHERE user_id = $1", {user_id}));
  return r.affected;
}

}  // namespace authgent::storage::sql
