#include "storage/postgres/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "storage/sql/sql_store.h"

namespace authgent::storage {
namespace {

using sql::DeferredStatement;
using sql::SqlConnection;
using sql::SqlParam;
using sql::SqlResult;

// The client waits this much longer than the server's statement_timeout, so that a slow
// statement is ended by the server (a clean error, the connection kept) before the client gives
// up on the connection.
constexpr int kReplyTimeoutMargin = 1000;

// Any number works as long as it is the same in every instance.
constexpr int64_t kMigrationLockKey = 0x617574686765;  // "authge"

// Jobs per batch on the writer connection: one flight holds a statement of each (with the
// replies, tens of kilobytes, well inside a Unix or TCP socket's buffers).
constexpr size_t kMaxBatch = 64;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(PGconn* conn, std::chrono::milliseconds reply_timeout)
      : conn_(conn), reply_timeout_(reply_timeout) {
    PQsetNoticeReceiver(conn_, &PostgresConnection::OnNotice, this);
  }
  ~PostgresConnection() override { PQfinish(conn_); }

  StatusOr<SqlResult> Execute(std::string_view sql, std::span<const SqlParam> params) override {
    AUTHGENT_RETURN_IF_ERROR(Usable());
    AUTHGENT_RETURN_IF_ERROR(SendPendingBegin());
    AUTHGENT_ASSIGN_OR_RETURN(const std::string* name, Prepare(sql));
    // Text-format parameters must be NUL-terminated: keep a terminated copy of each.
    std::vector<std::string> owned;
    owned.reserve(params.size());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const SqlParam& p : params) {
      switch (p.kind) {
        case SqlParam::Kind::kNull: values.push_back(nullptr); continue;
        case SqlParam::Kind::kInt: owned.push_back(std::to_string(p.integer)); break;
        case SqlParam::Kind::kText: owned.emplace_back(p.text); break;
      }
      values.push_back(owned.back().c_str());
    }
    int sent = PQsendQueryPrepared(conn_, name->c_str(), static_cast<int>(values.size()),
                                   values.data(), nullptr, nullptr, 0);
    return Collect(Await(sent).get(), "query");
  }

  sql::SqlDialect dialect() const override { return sql::SqlDialect::kPostgres; }
  Status Script(std::string_view sql) override {
    AUTHGENT_RETURN_IF_ERROR(Usable());
    AUTHGENT_RETURN_IF_ERROR(SendPendingBegin());
    std::string text(sql);
    return Collect(Await(PQsendQuery(conn_, text.c_str())).get(), "script").status();
  }

  // BEGIN waits for the transaction's first statement and travels with it: in a flight it costs
  // no round trip of its own, and a transaction with no statement costs none at all.
  Status Begin(bool) override {
    begin_pending_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    if (std::exchange(begin_pending_, false)) return Status::Ok();
    // A transaction in which a statement failed answers COMMIT with a ROLLBACK and no error:
    // that must not pass for a commit.
    if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
      (void)Script("ROLLBACK");
      return InternalError("postgres: the transaction failed before its commit");
    }
    Status s = Script("COMMIT");
    unbounded_ = false;
    return s;
  }
  Status Rollback() override {
    if (std::exchange(begin_pending_, false)) return Status::Ok();
    Status s = Script("ROLLBACK");
    unbounded_ = false;
    return s;
  }
  // The migration transaction has no time limit, on either side: it may wait for another
  // instance's migration, and a migration of a large table may take minutes.
  Status LockForMigration() override {
    AUTHGENT_RETURN_IF_ERROR(Script("SET LOCAL statement_timeout = 0"));
    unbounded_ = true;
    return Script("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
  }
  Status LockTable(std::string_view table) override {
    return Script("LOCK TABLE " + std::string(table) + " IN SHARE ROW EXCLUSIVE MODE");
  }

  // libpq's pipeline mode: every statement of the flight (with the PREPARE of those new on this
  // connection, and a pending BEGIN first) is sent, then one Sync; the replies come back in
  // order. After an error the server skips the rest up to the Sync (PGRES_PIPELINE_ABORTED).
  // With autocommit flights a Sync follows each statement instead: each is a transaction of its
  // own, and an error skips nothing of the others.
  bool CanPipeline() const override { return true; }
  std::optional<size_t> SendFlight(const std::vector<DeferredStatement*>& flight) override {
    struct Command {
      size_t statement;          // index in `flight`
      std::string prepared_sql;  // set for a PREPARE: its cache entry, dropped on error
      bool sync_after = false;   // an autocommit flight's Sync follows this statement
    };
    const bool autocommit = autocommit_flights();
    std::vector<Command> commands;
    auto fail_from = [&](size_t first, const Status& s) {
      for (size_t i = first; i < flight.size(); ++i) flight[i]->result = s;
      return std::optional<size_t>(first);
    };
    if (Status usable = Usable(); !usable.ok()) return fail_from(0, usable);
    if (!PQenterPipelineMode(conn_)) {
      broken_ = true;
      return fail_from(0, UnavailableError("postgres: cannot enter pipeline mode: " +
                                           std::string(PQerrorMessage(conn_))));
    }
    bool sent = true;
    bool with_begin = std::exchange(begin_pending_, false);
    if (with_begin)
      sent = PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
    std::vector<const char*> values;
    for (size_t i = 0; i < flight.size() && sent; ++i) {
      DeferredStatement& d = *flight[i];
      auto it = prepared_.find(d.sql);
      if (it == prepared_.end()) {
        it = prepared_.emplace(d.sql, NextStatementName()).first;
        sent = PQsendPrepare(conn_, it->second.c_str(), d.sql.c_str(), 0, nullptr);
        commands.push_back({i, d.sql});
      }
      values.clear();
      for (const std::optional<std::string>& p : d.params)
        values.push_back(p ? p->c_str() : nullptr);
      sent = sent && PQsendQueryPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                         values.data(), nullptr, nullptr, 0);
      commands.push_back({i, {}, autocommit});
      if (autocommit) sent = sent && PQpipelineSync(conn_);
    }
    if (!sent || (!autocommit && !PQpipelineSync(conn_)) || !Flush()) {
      broken_ = true;
      return fail_from(0, UnavailableError("postgres: cannot send a flight: " +
                                           std::string(PQerrorMessage(conn_))));
    }
    std::optional<size_t> failed;
    if (with_begin) {
      ResultPtr begun = ReadCommand();
      if (Status s = Collect(begun.get(), "begin").status(); !s.ok()) failed = 0;
    }
    for (const Command& c : commands) {
      ResultPtr res = ReadCommand();
      if (timed_out_)
        // (In an autocommit flight the statements before it are over, each on its own.)
        return fail_from(autocommit ? c.statement : failed.value_or(c.statement),
                         Collect(nullptr, "flight").status());
      DeferredStatement& d = *flight[c.statement];
      bool is_prepare = !c.prepared_sql.empty();
      bool skipped = res && PQresultStatus(res.get()) == PGRES_PIPELINE_ABORTED;
      Status status = skipped ? UnavailableError("postgres: not run after an earlier error")
                              : Collect(res.get(), is_prepare ? "prepare" : "query").status();
      if (is_prepare) {
        if (!status.ok()) {
          prepared_.erase(c.prepared_sql);
          d.result = status;
          if (!failed) failed = c.statement;
        }
        continue;
      }
      if (!d.result) {  // else its PREPARE failed
        if (skipped || !status.ok()) {
          d.result = status;
          if (!failed) failed = c.statement;
        } else {
          d.result = Collect(res.get(), "query");
        }
      }
      if (c.sync_after) {
        (void)ReadCommand();  // this statement's own PGRES_PIPELINE_SYNC
        // Without the Sync's reply its commit is unknown: it fails with the rest.
        if (timed_out_) return fail_from(c.statement, Collect(nullptr, "flight").status());
      }
    }
    if (!autocommit) (void)ReadCommand();  // the Sync's PGRES_PIPELINE_SYNC
    if (timed_out_ || !PQexitPipelineMode(conn_)) broken_ = true;
    if (failed && !autocommit) {
      for (size_t i = *failed; i < flight.size(); ++i) {
        if (!flight[i]->result)
          flight[i]->result = UnavailableError("postgres: not run after an earlier error");
      }
    }
    return failed;
  }

  // A connection the server ended while it sat idle (a restart, a failover,
  // pg_terminate_backend) has the server's farewell and its end waiting on the socket: read
  // them here, so that a batcher (the writers, the reads' flights) replaces it before its next
  // batch instead of failing that batch. One poll() without waiting when nothing is pending.
  bool healthy() const override {
    if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return true;
    for (int i = 0; i < 4; ++i) {  // the farewell, then the end: two reads
      pollfd pfd{PQsocket(conn_), POLLIN, 0};
      if (::poll(&pfd, 1, 0) <= 0) break;
      if (!PQconsumeInput(conn_) || PQstatus(conn_) != CONNECTION_OK) return false;
      if (broken_) return false;  // the farewell read (OnNotice), its end not yet arrived
    }
    return true;
  }

 private:
  // libpq hands an error that arrives outside any statement to the notice receiver: on an idle
  // connection that is the server's farewell (FATAL: "terminating connection due to
  // administrator command"), and the socket's end can come a moment after it, so the farewell
  // alone marks the connection broken. Other notices are printed as libpq's default does.
  static void OnNotice(void* self, const PGresult* notice) {
    const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
    std::string_view level = severity ? severity : "";
    if (level == "FATAL" || level == "PANIC") {
      static_cast<PostgresConnection*>(self)->broken_ = true;
      return;
    }
    std::fputs(PQresultErrorMessage(notice), stderr);
  }

  // The server-side name of the next statement this connection prepares: s0, s1, ... (built
  // without concatenating strings, which GCC 12 at -O2 wrongly warns about: -Wrestrict).
  std::string NextStatementName() const {
    std::string name = std::to_string(prepared_.size());
    name.insert(name.begin(), 's');
    return name;
  }
  StatusOr<const std::string*> Prepare(std::string_view sql) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return &it->second;
    std::string name = NextStatementName();
    std::string text(sql);
    ResultPtr res = Await(PQsendPrepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    AUTHGENT_RETURN_IF_ERROR(Collect(res.get(), "prepare").status());
    auto [pos, inserted] = prepared_.emplace(std::move(text), std::move(name));
    return &pos->second;
  }

  // A connection that timed out or lost its server is not used again (the pool or the batcher
  // drops it): a ROLLBACK sent on it would wait out the time-out once more, or, left in
  // pipeline mode, fail as if the database had answered.
  Status Usable() const {
    if (broken_) return UnavailableError("postgres: the connection is broken");
    return Status::Ok();
  }

  Status SendPendingBegin() {
    if (!std::exchange(begin_pending_, false)) return Status::Ok();
    return Collect(Await(PQsendQuery(conn_, "BEGIN")).get(), "begin").status();
  }

  // Waits for the reply to what was just sent, at most `reply_timeout_` (unless unbounded_):
  // libpq's blocking calls would wait forever on a database that stopped answering (a frozen
  // host, a network partition), holding the request and its pooled connection. On time-out the
  // connection is marked broken (the pool drops it; the server's statement_timeout ends the
  // statement there) and the caller gets kUnavailable. Returns the first error result, else the
  // last result, as PQexec does; null when nothing came back.
  ResultPtr Await(int sent) {
    timed_out_ = false;
    if (!sent) return nullptr;
    deadline_ = std::chrono::steady_clock::now() + reply_timeout_;
    if (!Flush()) return nullptr;
    return ReadCommand();
  }
  // Sends what libpq holds; false on time-out or a broken connection.
  bool Flush() {
    timed_out_ = false;
    deadline_ = std::chrono::steady_clock::now() + reply_timeout_;
    int flushed;
    while ((flushed = PQflush(conn_)) == 1) {
      if (!WaitFor(POLLOUT | POLLIN)) {
        TimedOut();
        return false;
      }
      if (!PQconsumeInput(conn_)) return false;
    }
    return flushed == 0;
  }
  // The results of the next command, up to libpq's end-of-command null (the first error, else
  // the last result).
  ResultPtr ReadCommand() {
    ResultPtr kept;
    for (;;) {
      while (PQisBusy(conn_)) {
        if (!WaitFor(POLLIN)) return TimedOut();
        if (!PQconsumeInput(conn_)) return kept;
      }
      ResultPtr next(PQgetResult(conn_));
      if (!next) return kept;
      ExecStatusType st = PQresultStatus(next.get());
      if (st == PGRES_PIPELINE_SYNC) return next;  // a Sync ends without a null
      if (!kept || PQresultStatus(kept.get()) != PGRES_FATAL_ERROR) kept = std::move(next);
    }
  }
  bool WaitFor(short events) {
    int timeout_ms = -1;
    if (!unbounded_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      timeout_ms = static_cast<int>(left.count());
    }
    pollfd pfd{PQsocket(conn_), events, 0};
    int n = ::poll(&pfd, 1, timeout_ms);
    return n > 0 || (n < 0 && errno == EINTR);
  }
  ResultPtr TimedOut() {
    timed_out_ = true;
    broken_ = true;
    return nullptr;
  }

  StatusOr<SqlResult> Collect(PGresult* res, std::string_view what) {
    if (timed_out_) {
      return UnavailableError("postgres " + std::string(what) + ": no reply within " +
                              std::to_string(reply_timeout_.count()) + " ms");
    }
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      SqlResult out;
      int rows = PQntuples(res), cols = PQnfields(res);
      out.rows.reserve(static_cast<size_t>(rows));
      for (int r = 0; r < rows; ++r) {
        sql::SqlRow row(static_cast<size_t>(cols));
        for (int c = 0; c < cols; ++c) {
          if (!PQgetisnull(res, r, c)) {
            row[static_cast<size_t>(c)] =
                std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
          }
        }
        out.rows.push_back(std::move(row));
      }
      const char* affected = PQcmdTuples(res);
      out.affected = (affected && *affected) ? std::strtoll(affected, nullptr, 10) : 0;
      return out;
    }
    const char* sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = sqlstate ? sqlstate : "";
    std::string message = std::string("postgres ") + std::string(what) + ": " +
                          (res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    if (state == "23505") return AlreadyExistsError(message);
    if (state == "23503") return Status(StatusCode::kForeignKey, message);
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03" ||
        PQstatus(conn_) != CONNECTION_OK) {
      broken_ = true;
      return UnavailableError(message);
    }
    // Serialization failure, deadlock, lock not available, and statement_timeout (57014): the
    // database is busy or stalled; the caller may retry later.
    if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014") {
      return UnavailableError(message);
    }
    return InternalError(message);
  }

  PGconn* conn_;
  const std::chrono::milliseconds reply_timeout_;
  bool broken_ = false;
  bool timed_out_ = false;      // the last wait gave up
  bool begin_pending_ = false;  // Begin() was called; BEGIN goes with the next statement
  std::chrono::steady_clock::time_point deadline_;
  bool unbounded_ = false;  // inside the migration transaction
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

StatusOr<std::unique_ptr<SqlConnection>> Connect(const PostgresOptions& options) {
  // expand_dbname=1: the conninfo (URI or key=value) is expanded in place. libpq keeps the last
  // value given for a key: the password comes first so that one in the URL wins, the time-out
  // and application name after it so that ours do. An empty value counts as absent.
  const char* keys[] = {"password", "dbname", "connect_timeout", "application_name", nullptr};
  std::string timeout = std::to_string(options.connect_timeout_seconds);
  const char* values[] = {options.password.c_str(), options.conninfo.c_str(), timeout.c_str(),
                          "authgent", nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, 1);
  if (raw == nullptr) return UnavailableError("postgres: out of memory");
  auto conn = std::make_unique<PostgresConnection>(
      raw, std::chrono::milliseconds(options.statement_timeout_ms + kReplyTimeoutMargin));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = PQerrorMessage(raw);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return UnavailableError("cannot connect to PostgreSQL: " + message);
  }
  std::string setup = "SET client_min_messages = warning; SET statement_timeout = " +
                      std::to_string(options.statement_timeout_ms);
  if (!options.schema.empty()) {
    setup += "; CREATE SCHEMA IF NOT EXISTS \"" + options.schema + "\"; SET search_path TO \"" +
             options.schema + "\"";
  }
  AUTHGENT_RETURN_IF_ERROR(conn->Script(setup));
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  for (char c : options.schema) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return InvalidArgumentError("schema names may hold letters, digits and '_' only");
    }
  }
  PostgresOptions copy = options;
  sql::WriteBatcherOptions batching;
  batching.max_batch = kMaxBatch;
  auto store =
      std::make_unique<sql::SqlStore>([copy]() { return Connect(copy); }, /*pool_size=*/0,
                                      options.writers, batching, sql::SqlDialect::kPostgres);
  // A wrong URL fails here, at start-up, with libpq's reason. Every connection (the writers',
  // the single reads') is opened now: three instances meeting load with none open, each opening
  // 8 as requests came, were measured waiting 5 s and more for them (a loaded PostgreSQL starts
  // new backends slowly) and answering requests with 500s after the load generator's 2 s
  // timeout.
  AUTHGENT_RETURN_IF_ERROR(store->OpenAllConnections());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace authgent::storage
