// SqlStore: construction, migrations, health, signing keys, counters and housekeeping.
#include "storage/sql/sql_store.h"

#include <algorithm>
#include <ctime>
#include <functional>

#include "storage/sql/schema.h"
#include "storage/sql/sql_codec.h"

namespace authgent::storage::sql {

SqlStore::SqlStore(ConnectionFactory factory, int pool_size, int writers,
                   WriteBatcherOptions batching, SqlDialect dialect)
    : monitor_(std::make_shared<OutageMonitor>(dialect == SqlDialect::kPostgres ? "postgresql"
                                                                                : "sqlite")),
      dialect_(dialect) {
  for (int i = 0; i < std::max(1, writers); ++i) {
    writers_.push_back(
        std::make_unique<WriteBatcher>(OutageMonitor::Observed(factory, monitor_), batching));
  }
  if (dialect != SqlDialect::kPostgres) {
    pool_ = std::make_unique<ConnectionPool>(OutageMonitor::Observed(std::move(factory), monitor_),
                                             pool_size, std::chrono::seconds(10));
  } else {
    WriteBatcherOptions flights = batching;
    flights.autocommit = true;
    flights_ = std::make_unique<WriteBatcher>(OutageMonitor::Observed(std::move(factory), monitor_),
                                              flights);
  }
}

void SqlStore::SetMetrics(const StorageMetrics& metrics) {
  metrics_ = metrics;
  if (pool_) pool_->SetWaitHistogram(metrics.pool_wait);
  for (auto& writer : writers_) writer->SetMetrics(metrics.write_transaction, metrics.batch_size);
}

WriteBatcher& SqlStore::WriterFor(std::string_view key) {
  size_t n = writers_.size();
  if (n == 1) return *writers_[0];
  size_t i = key.empty() ? next_writer_.fetch_add(1, std::memory_order_relaxed)
                         : std::hash<std::string_view>{}(key);
  return *writers_[i % n];
}

Status SqlStore::OpenAllConnections() {
  if (pool_) return pool_->OpenAll();
  // A batcher opens its connection for its first batch: an empty job makes that happen now.
  const WriteBatcher::Work nothing = [](SqlConnection&) { return Status::Ok(); };
  for (auto& writer : writers_) AUTHGENT_RETURN_IF_ERROR(writer->Run(nothing));
  return flights_->Run(nothing);
}

StatusOr<SqlResult> SqlStore::Read(std::string_view sql, std::initializer_list<SqlParam> params) {
  ScopedTimer timed(metrics_.read_transaction);
  if (flights_) return InFlight(sql, std::span<const SqlParam>(params.begin(), params.size()));
  AUTHGENT_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, pool_->Acquire());
  return conn->Query(sql, params);
}

StatusOr<SqlResult> SqlStore::InFlight(std::string_view sql, std::span<const SqlParam> params) {
  StatusOr<SqlResult> result = InternalError("the statement did not run");
  WriteBatcher::AsyncWork work = [&](SqlConnection& c) -> SqlTask<Status> {
    result = co_await c.PipelinedList(sql, params);
    co_return result.status();
  };
  AUTHGENT_RETURN_IF_ERROR(flights_->RunPipelined(work));
  return result;
}

void SqlStore::SubmitFlight(std::string sql, std::vector<SqlParam> params,
                            Completion<SqlResult> done) {
  // Kept until the flight answers: the job's statement is queued by reference, and so is the
  // parameters' text, copied here (the caller's need only outlive this call).
  struct Statement {
    std::string sql;
    std::vector<SqlParam> params;
    std::vector<std::string> texts;
    StatusOr<SqlResult> result = InternalError("the statement did not run");
    int64_t started_us = MonotonicMicros();
  };
  auto statement = std::make_shared<Statement>(std::move(sql), std::move(params));
  statement->texts.reserve(statement->params.size());  // never moved: the params view them
  for (SqlParam& p : statement->params) {
    if (p.kind != SqlParam::Kind::kText) continue;
    p.text = statement->texts.emplace_back(p.text);
  }
  WriteBatcher::AsyncWork work = [statement](SqlConnection& c) -> SqlTask<Status> {
    statement->result = co_await c.PipelinedList(statement->sql, statement->params);
    co_return statement->result.status();
  };
  auto answer = [statement, timed = metrics_.read_transaction, done = std::move(done)](Status s) {
    if (timed) timed->Observe(MonotonicMicros() - statement->started_us);
    if (!s.ok()) return done(std::move(s));
    done(std::move(statement->result));
  };
  flights_->Submit(std::move(work), std::move(answer), {});
}

StatusOr<SqlResult> SqlStore::Exec(std::string_view sql, std::initializer_list<SqlParam> params) {
  // Pipelined: on PostgreSQL the statement joins the batch's flight, where a straight Query
  // would hold the whole batch for a round trip of its own. The caller waits for the commit, so
  // `sql` and `params` outlive every run of the coroutine.
  StatusOr<SqlResult> result = InternalError("write not run");
  std::span<const SqlParam> list(params.begin(), params.size());
  AUTHGENT_RETURN_IF_ERROR(WriterFor({}).RunPipelined([&](SqlConnection& c) -> SqlTask<Status> {
    result = co_await c.PipelinedList(sql, list);
    co_return result.status();
  }));
  return result;
}

Status SqlStore::Write(const WriteBatcher::Work& work) { return WriterFor({}).Run(work); }

Status SqlStore::RunOne(std::string_view sql, std::initializer_list<SqlParam> params,
                        std::string_view what) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Exec(sql, params));
  if (r.affected == 0) return NotFoundError(std::string(what));
  return Status::Ok();
}

StatusOr<int> SqlStore::Migrate() {
  int applied = 0;
  // One transaction holding the migration lock: a second instance waits here, then finds every
  // migration recorded and applies none. DDL is transactional in both databases.
  Status status = InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_RETURN_IF_ERROR(c.LockForMigration());
    AUTHGENT_RETURN_IF_ERROR(c.Script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at BIGINT NOT NULL)"));
    AUTHGENT_ASSIGN_OR_RETURN(SqlResult done,
                              c.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
    int64_t current = Int(done.rows.at(0), 0);
    for (const Migration& m : Migrations()) {
      if (m.version <= current) continue;
      bool postgres = c.dialect() == SqlDialect::kPostgres && !m.postgres_sql.empty();
      std::string_view sql = postgres ? m.postgres_sql : m.sql;
      if (!sql.empty()) AUTHGENT_RETURN_IF_ERROR(c.Script(sql));
      AUTHGENT_RETURN_IF_ERROR(
          c.Query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                  {m.version, m.name, static_cast<int64_t>(std::time(nullptr))})
              .status());
      ++applied;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return applied;
}

StatusOr<int> SqlStore::SchemaVersion() {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Read("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
  return static_cast<int>(Int(r.rows.at(0), 0));
}

int SqlStore::LatestSchemaVersion() const { return Migrations().back().version; }

Status SqlStore::Ping() {
  AUTHGENT_RETURN_IF_ERROR(Read("SELECT 1", {}).status());
  if (!write_probe_) return Status::Ok();
  auto started = OutageMonitor::Clock::now();
  Status probe = write_probe_();
  monitor_->Record(probe, started);
  return probe;
}

Status SqlStore::InsertSigningKey(const SigningKey& k, bool only_if_none) {
  return InTransaction([&](SqlConnection& c) -> Status {
    if (only_if_none) {
      AUTHGENT_RETURN_IF_ERROR(c.LockTable("signing_keys"));
      AUTHGENT_ASSIGN_OR_RETURN(SqlResult n, c.Query("SELECT COUNT(*) FROM signing_keys", {}));
      if (Int(n.rows.at(0), 0) > 0) return AlreadyExistsError("a signing key already exists");
    }
    // retire_at is never read: instances of the previous release still read it, so it stays
    // (written 0) until a later release's migration drops it (storage/sql/schema.cc).
    return c.Query("INSERT INTO signing_keys (" AUTHGENT_KEY_COLUMNS
                   ", retire_at) VALUES ($1, $2, $3, $4, $5, 0)",
                   {k.kid, k.public_jwk_json, k.sealed_private_key, k.created_at, k.activate_at})
        .status();
  });
}

StatusOr<std::vector<SigningKey>> SqlStore::ListSigningKeys() {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Read("SELECT " AUTHGENT_KEY_COLUMNS
                                             " FROM signing_keys ORDER BY activate_at, kid",
                                             {}));
  std::vector<SigningKey> out;
  for (const SqlRow& row : r.rows) out.push_back(DecodeSigningKey(row));
  return out;
}

namespace {
// One statement, atomic in both databases: an expired counter restarts at `delta`.
#define AUTHGENT_ADD_TO_COUNTER                                                                   \
  "INSERT INTO counters (counter_key, value, expires_at) VALUES ($1, $4, $2) "                    \
  "ON CONFLICT (counter_key) DO UPDATE SET "                                                      \
  "value = CASE WHEN counters.expires_at <= $3 THEN $4 ELSE counters.value + $4 END, "            \
  "expires_at = CASE WHEN counters.expires_at <= $3 THEN $2 ELSE counters.expires_at END "        \
  "RETURNING value"

StatusOr<int64_t> CounterValue(const StatusOr<SqlResult>& r) {
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return InternalError("counter upsert returned no row");
  return Int(r->rows[0], 0);
}
}  // namespace

StatusOr<int64_t> SqlStore::AddToCounter(const std::string& key, int64_t delta,
                                         int64_t expires_at, int64_t now) {
  return CounterValue(Exec(AUTHGENT_ADD_TO_COUNTER, {key, expires_at, now, delta}));
}

StatusOr<int64_t> SqlStore::AddToRateCounter(const std::string& key, int64_t delta,
                                             int64_t expires_at, int64_t now) {
  // SQLite has one writer: a pooled connection would only wait for the batcher's lock.
  if (dialect_ != SqlDialect::kPostgres) return AddToCounter(key, delta, expires_at, now);
  // Its own transaction in a flight of the reads' connection, not a job in the writer's batch:
  // the counter's row is locked only for this statement, never across a batch's commit (every
  // registration of every instance adds to the one overall counter; with such rows in their
  // batches, three instances' writers waited on each other and deadlocked, and served 14-47
  // first connections a second together where one alone served 750-910). set_config(..., true)
  // turns off the wait for the WAL flush for this transaction only: a database crash may forget
  // the last additions, which lets a few more requests through a limit, never a grant.
  const SqlParam params[] = {key, expires_at, now, delta};
  return CounterValue(
      InFlight(AUTHGENT_ADD_TO_COUNTER ", set_config('synchronous_commit', 'off', true)", params));
}

namespace {
// AddToRateCounters' statement on PostgreSQL for `n` counts: a WITH whose step i adds to count
// i's counter only when step i - 1 counted and stayed within its limit, so one statement stops
// where the loop over AddToRateCounter would. Every step locks its row in the caller's order
// (registration: address, network, overall), so two such statements never wait on each other
// in a cycle. The values come back as one row, 0 for a count not made (a counted value is at
// least 1). $1 is now; count i has its key at $(2 + 3i), its expiry at $(3 + 3i) and, but for
// the last (no step follows it), its limit at $(4 + 3i).
std::string ChainedRateCounts(size_t n) {
  // Appended, not "$" + std::to_string(...): GCC 12 warns falsely (-Wrestrict) on that.
  auto numbered = [](const char* prefix, size_t number) {
    std::string name = prefix;
    name += std::to_string(number);
    return name;
  };
  auto param = [&](size_t i, size_t field) { return numbered("$", 2 + 3 * i + field); };
  std::string with = "WITH ", values;
  for (size_t i = 0; i < n; ++i) {
    std::string step = numbered("c", i);
    if (i > 0) with += ", ";
    with += step + " AS (INSERT INTO counters (counter_key, value, expires_at) SELECT " +
            param(i, 0) + "::text, 1, " + param(i, 1) + "::bigint";
    if (i > 0) {
      std::string before = numbered("c", i - 1);
      with += " FROM " + before + " WHERE " + before + ".value <= " + param(i - 1, 2) + "::bigint";
    }
    with +=
        " ON CONFLICT (counter_key) DO UPDATE SET "
        "value = CASE WHEN counters.expires_at <= $1::bigint THEN 1 ELSE counters.value + 1 END, "
        "expires_at = CASE WHEN counters.expires_at <= $1::bigint THEN EXCLUDED.expires_at "
        "ELSE counters.expires_at END RETURNING value)";
    values += "COALESCE((SELECT value FROM " + step + "), 0), ";
  }
  // The same commit without waiting for the WAL flush as AddToRateCounter, for the same reason.
  return with + " SELECT " + values + "set_config('synchronous_commit', 'off', true)";
}
}  // namespace

void SqlStore::AddToRateCounters(std::vector<RateCount> counts, int64_t now,
                                 Completion<std::vector<int64_t>> done) {
  if (counts.empty()) return done(std::vector<int64_t>{});
  if (dialect_ != SqlDialect::kPostgres) {
    // SQLite: AddToCounter's statement for each count in turn, in one job of the batch writer.
    CompleteWrite<std::vector<int64_t>>(
        {},
        [counts = std::move(counts), now](SqlConnection& c,
                                          std::vector<int64_t>& values) -> SqlTask<Status> {
          for (const RateCount& count : counts) {
            StatusOr<int64_t> value = CounterValue(co_await c.Pipelined(
                AUTHGENT_ADD_TO_COUNTER, count.key, count.expires_at, now, int64_t{1}));
            if (!value.ok()) co_return value.status();
            values.push_back(*value);
            if (*value > count.limit) break;
          }
          co_return Status::Ok();
        },
        std::move(done));
    return;
  }
  std::vector<SqlParam> params{now};
  for (size_t i = 0; i < counts.size(); ++i) {
    params.emplace_back(counts[i].key);
    params.emplace_back(counts[i].expires_at);
    if (i + 1 < counts.size()) params.emplace_back(counts[i].limit);
  }
  size_t n = counts.size();
  SubmitFlight(ChainedRateCounts(n), std::move(params),
               [n, done = std::move(done)](StatusOr<SqlResult> r) {
                 if (!r.ok()) return done(r.status());
                 if (r->rows.size() != 1 || r->rows[0].size() != n + 1) {
                   return done(InternalError("rate counters returned no row"));
                 }
                 std::vector<int64_t> values;
                 for (size_t i = 0; i < n; ++i) {
                   int64_t value = Int(r->rows[0], i);
                   if (value == 0) break;  // not counted: an earlier count passed its limit
                   values.push_back(value);
                 }
                 done(std::move(values));
               });
}

StatusOr<int64_t> SqlStore::GetCounter(const std::string& key, int64_t now) {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Read("SELECT value FROM counters WHERE counter_key = $1 AND expires_at > $2",
                       {key, now}));
  return r.rows.empty() ? 0 : Int(r.rows[0], 0);
}

StatusOr<int64_t> SqlStore::PurgeExpired(int64_t now) {
  int64_t total = 0;
  // Codes and transactions are kept a little past expiry only while they matter: a consumed
  // code's row is what lets a replay be detected, so it lives until it expires.
  //
  // Each statement deletes at most kPurgeBatch rows and is repeated until less are left: one
  // DELETE of 300,000 expired transactions held SQLite's write lock for about a second, and
  // every grant waited behind it. Small batches let the writes of requests pass in between.
  static constexpr int64_t kPurgeBatch = 500;
#define AUTHGENT_PURGE(table, key)                                                   \
  "DELETE FROM " table " WHERE " key " IN (SELECT " key " FROM " table              \
  " WHERE expires_at <= $1 LIMIT $2)"
  static constexpr std::string_view kPurges[] = {
      AUTHGENT_PURGE("login_sessions", "session_hash"),
      AUTHGENT_PURGE("authorization_transactions", "transaction_hash"),
      AUTHGENT_PURGE("authorization_codes", "code_hash"),
      AUTHGENT_PURGE("revoked_access_tokens", "jti"),
      AUTHGENT_PURGE("counters", "counter_key"),
  };
#undef AUTHGENT_PURGE
  for (std::string_view sql : kPurges) {
    for (;;) {
      AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Exec(sql, {now, kPurgeBatch}));
      total += r.affected;
      if (r.affected < kPurgeBatch) break;
    }
  }
  // Families with their tokens, a batch at a time. The batch is chosen in a fixed order so that
  // both of DeleteFamiliesWhere's statements pick the same families.
  for (;;) {
    int64_t deleted = 0;
    AUTHGENT_RETURN_IF_ERROR(InTransaction([&](SqlConnection& c) -> Status {
      AUTHGENT_ASSIGN_OR_RETURN(
          deleted, DeleteFamiliesWhere(c,
                                       "family_id IN (SELECT family_id FROM refresh_families "
                                       "WHERE expires_at <= $1 ORDER BY expires_at, family_id "
                                       "LIMIT $2)",
                                       {now, kPurgeBatch}));
      return Status::Ok();
    }));
    total += deleted;
    if (deleted < kPurgeBatch) break;
  }
  return total;
}

}  // namespace authgent::storage::sql

namespace authgent::storage::sql {

StatusOr<int64_t> SqlStore::ReapClients(int64_t unused_before, int64_t idle_before, int64_t now) {
  // claude.ai and others register a client per connection: abandoned registrations pile up, and
  // anyone can make this server store a metadata document's client by naming its URL. A client
  // holding a live grant is never touched, whatever its dates; a document's client that goes is
  // fetched again when next named. Its dead families (revoked, not yet purged) go with it.
  static constexpr std::string_view kAbandoned =
      "source IN ('dcr', 'cimd') AND "
      "((last_used_at = 0 AND created_at < $1) OR (last_used_at <> 0 AND last_used_at < $2)) "
      "AND NOT EXISTS (SELECT 1 FROM refresh_families f WHERE f.client_id = clients.client_id "
      "AND f.revoked_at = 0 AND f.expires_at > $3) "
      "AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.client_id = clients.client_id "
      "AND c.expires_at > $3)";
  // A page of candidates at a time, each page one transaction, each client deleted as
  // DeleteClient does, under its lock: an approval of a candidate in flight (its code not yet
  // visible) is waited for, and then the client is no longer abandoned. A page's locks stay
  // held until its commit, so a page is small.
  constexpr int kPage = 100;
  const std::string select = "SELECT client_id FROM clients WHERE " + std::string(kAbandoned) +
                             " AND client_id > $4 ORDER BY client_id LIMIT " +
                             std::to_string(kPage);
  const std::string remove =
      "DELETE FROM clients WHERE " + std::string(kAbandoned) + " AND client_id = $4";
  int64_t reaped = 0;
  std::string after;
  for (;;) {
    AUTHGENT_ASSIGN_OR_RETURN(SqlResult page,
                              Read(select, {unused_before, idle_before, now, after}));
    if (page.rows.empty()) break;
    int64_t in_page = 0;
    AUTHGENT_RETURN_IF_ERROR(InTransaction([&](SqlConnection& c) -> Status {
      in_page = 0;  // a transaction may run again
      for (const SqlRow& row : page.rows) {
        std::string client_id = Text(row, 0);
        AUTHGENT_RETURN_IF_ERROR(LockOwnerForDelete(c, Owner::kClient, client_id));
        AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                                  c.Query(remove, {unused_before, idle_before, now, client_id}));
        if (r.affected == 0) continue;  // used since the page was read
        AUTHGENT_RETURN_IF_ERROR(DeleteGrantsOf(c, Owner::kClient, client_id));
        ++in_page;
      }
      return Status::Ok();
    }));
    reaped += in_page;
    if (page.rows.size() < static_cast<size_t>(kPage)) break;
    after = Text(page.rows.back(), 0);
  }
  return reaped;
}

}  // namespace authgent::storage::sql
