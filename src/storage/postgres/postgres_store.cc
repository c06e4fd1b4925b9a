#include "storage/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <poll.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include "storage/sql/sql_store.h"

namespace authgent::storage {
namespace {

using sql::SqlConnection;
using sql::SqlParam;
using sql::SqlResult;

// The client waits this much longer than the server's statement_timeout, so that a slow
// statement is ended by the server (a clean error, the connection kept) before the client gives
// up on the connection.
constexpr int kReplyTimeoutMargin = 1000;

// Any number works as long as it is the same in every instance.
constexpr int64_t kMigrationLockKey = 0x617574686765;  // "authge"

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(PGconn* conn, std::chrono::milliseconds reply_timeout)
      : conn_(conn), reply_timeout_(reply_timeout) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  StatusOr<SqlResult> Query(std::string_view sql, std::initializer_list<SqlParam> params) override {
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

  Status Script(std::string_view sql) override {
    std::string text(sql);
    return Collect(Await(PQsendQuery(conn_, text.c_str())).get(), "script").status();
  }

  Status Begin(bool) override { return Script("BEGIN"); }
  Status Commit() override {
    Status s = Script("COMMIT");
    unbounded_ = false;
    return s;
  }
  Status Rollback() override {
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
  bool healthy() const override { return PQstatus(conn_) == CONNECTION_OK && !broken_; }

 private:
  StatusOr<const std::string*> Prepare(std::string_view sql) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return &it->second;
    std::string name = "s" + std::to_string(prepared_.size());
    std::string text(sql);
    ResultPtr res = Await(PQsendPrepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    AUTHGENT_RETURN_IF_ERROR(Collect(res.get(), "prepare").status());
    auto [pos, inserted] = prepared_.emplace(std::move(text), std::move(name));
    return &pos->second;
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
    auto deadline = std::chrono::steady_clock::now() + reply_timeout_;
    auto wait_for = [&](short events) {
      int timeout_ms = -1;
      if (!unbounded_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        timeout_ms = static_cast<int>(left.count());
      }
      pollfd pfd{PQsocket(conn_), events, 0};
      int n = ::poll(&pfd, 1, timeout_ms);
      return n > 0 || (n < 0 && errno == EINTR);
    };
    int flushed;
    while ((flushed = PQflush(conn_)) == 1) {
      if (!wait_for(POLLOUT | POLLIN)) return TimedOut();
    }
    if (flushed < 0) return nullptr;
    ResultPtr kept;
    for (;;) {
      while (PQisBusy(conn_)) {
        if (!wait_for(POLLIN)) return TimedOut();
        if (!PQconsumeInput(conn_)) return kept;
      }
      ResultPtr next(PQgetResult(conn_));
      if (!next) return kept;
      if (!kept || PQresultStatus(kept.get()) != PGRES_FATAL_ERROR) kept = std::move(next);
    }
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
  bool timed_out_ = false;  // the last Await gave up waiting
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
  auto store = std::make_unique<sql::SqlStore>([copy]() { return Connect(copy); },
                                               options.pool_size, /*batch_writes=*/false,
                                               "postgresql");
  // A wrong URL fails here, at start-up, with libpq's reason. For the server, every connection
  // is opened now: three instances meeting load with empty pools, each opening 8 connections as
  // requests came, were measured waiting 5 s and more for them (a loaded PostgreSQL starts new
  // backends slowly) and answering requests with 500s after the load generator's 2 s timeout.
  if (options.open_all_connections) {
    AUTHGENT_RETURN_IF_ERROR(store->OpenAllConnections());
  } else {
    AUTHGENT_ASSIGN_OR_RETURN(sql::ConnectionPool::Lease probe, store->pool().Acquire());
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace authgent::storage
