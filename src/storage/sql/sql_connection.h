// storage/sql/sql_connection: the small seam between the shared SQL store and a database driver.
//
// Both backends speak the same SQL: `$1`-style parameters (PostgreSQL natively, SQLite as named
// parameters), TEXT and BIGINT columns only, RETURNING and ON CONFLICT. A backend supplies a
// SqlConnection (statements prepared once per connection and reused) and maps its errors onto
// precise StatusCodes: unique violation -> kAlreadyExists, foreign key -> kForeignKey, connection
// or lock timeout -> kUnavailable.
#pragma once

#include <array>
#include <coroutine>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/sql/sql_task.h"

namespace authgent::storage::sql {

// One bound parameter: NULL, an integer or text (the text must outlive the call).
struct SqlParam {
  enum class Kind { kNull, kInt, kText };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  std::string_view text;

  SqlParam(std::nullptr_t) {}  // NOLINT: implicit so that calls read like SQL
  SqlParam(int64_t v) : kind(Kind::kInt), integer(v) {}  // NOLINT
  SqlParam(int v) : kind(Kind::kInt), integer(v) {}      // NOLINT
  SqlParam(bool v) : kind(Kind::kInt), integer(v ? 1 : 0) {}  // NOLINT
  SqlParam(std::string_view v) : kind(Kind::kText), text(v) {}  // NOLINT
  SqlParam(const std::string& v) : kind(Kind::kText), text(v) {}  // NOLINT
  SqlParam(const char* v) : kind(Kind::kText), text(v) {}  // NOLINT
};

// Empty text becomes NULL: for columns where NULL means "none" so UNIQUE ignores it.
inline SqlParam NullIfEmpty(const std::string& v) {
  return v.empty() ? SqlParam(nullptr) : SqlParam(v);
}

using SqlCell = std::optional<std::string>;
using SqlRow = std::vector<SqlCell>;

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// Cell readers: NULL reads as "" and 0.
std::string Text(const SqlRow& row, size_t i);
int64_t Int(const SqlRow& row, size_t i);

// A statement a coroutine awaits on a pipelining connection, held until the batch sends its
// flight (storage/sql/sql_task.h). The text and parameters are copies: the awaiting
// expression's temporaries are gone by then.
struct DeferredStatement {
  std::string sql;
  std::vector<std::optional<std::string>> params;  // NULL, or the value as text
  std::optional<StatusOr<SqlResult>> result;       // set when its flight is back
  std::coroutine_handle<> waiter;
  size_t owner = 0;  // the batch job whose coroutine awaits it
};

class SqlConnection;

// `co_await c.Pipelined(sql, params...)`: runs the statement now, or, while a batch collects a
// flight on this connection, queues it and suspends until the flight's results are back. The
// parameters are read before any suspension (copied when the statement waits for a flight).
// (Variadic rather than a braced list: GCC 12 cannot keep an initializer_list's array in a
// coroutine frame.)
class StatementAwait {
 protected:
  StatementAwait(SqlConnection& c, std::string_view sql) : c_(c), sql_(sql) {}
  bool Ready(std::span<const SqlParam> params);
  void Suspend(std::coroutine_handle<> waiter);
  StatusOr<SqlResult> Resume();

 private:
  SqlConnection& c_;
  std::string_view sql_;
  std::optional<StatusOr<SqlResult>> ran_;  // run at once
  DeferredStatement deferred_;
};

template <size_t N>
class PipelinedStatement : StatementAwait {
 public:
  template <typename... P>
  PipelinedStatement(SqlConnection& c, std::string_view sql, const P&... params)
      : StatementAwait(c, sql), params_{SqlParam(params)...} {}
  bool await_ready() { return Ready(params_); }
  void await_suspend(std::coroutine_handle<> waiter) { Suspend(waiter); }
  StatusOr<SqlResult> await_resume() { return Resume(); }

 private:
  std::array<SqlParam, N> params_;
};

// The same with parameters the caller keeps alive until the statement has been awaited: for a
// statement whose parameters arrive as a list (SqlStore::Exec, whose caller waits for its commit).
class PipelinedSpanStatement : StatementAwait {
 public:
  PipelinedSpanStatement(SqlConnection& c, std::string_view sql, std::span<const SqlParam> params)
      : StatementAwait(c, sql), params_(params) {}
  bool await_ready() { return Ready(params_); }
  void await_suspend(std::coroutine_handle<> waiter) { Suspend(waiter); }
  StatusOr<SqlResult> await_resume() { return Resume(); }

 private:
  std::span<const SqlParam> params_;
};

// Where the two databases' SQL differs: PostgreSQL runs data-modifying statements inside WITH
// (one statement, one round trip, where SQLite needs several; SQLite runs them in-process).
enum class SqlDialect { kSqlite, kPostgres };

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual SqlDialect dialect() const = 0;
  // Runs one statement, prepared on first use and cached by its text.
  StatusOr<SqlResult> Query(std::string_view sql, std::initializer_list<SqlParam> params) {
    return Execute(sql, std::span<const SqlParam>(params.begin(), params.size()));
  }
  virtual StatusOr<SqlResult> Execute(std::string_view sql, std::span<const SqlParam> params) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual Status Script(std::string_view sql) = 0;
  // Starts a transaction; `write` transactions take the write lock up front where the database
  // needs it (SQLite BEGIN IMMEDIATE) so they never fail half-way on lock upgrade.
  virtual Status Begin(bool write) = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  // Inside a transaction: blocks other instances' migrations until this transaction ends.
  virtual Status LockForMigration() = 0;
  // Inside a transaction: serialises writers of `table` (used for "insert if the table is empty").
  virtual Status LockTable(std::string_view table) = 0;
  // False once the connection is unusable; the pool or the batcher then drops it.
  virtual bool healthy() const = 0;

  template <typename... P>
  PipelinedStatement<sizeof...(P)> Pipelined(std::string_view sql, const P&... params) {
    return PipelinedStatement<sizeof...(P)>(*this, sql, params...);
  }
  PipelinedSpanStatement PipelinedList(std::string_view sql, std::span<const SqlParam> params) {
    return PipelinedSpanStatement(*this, sql, params);
  }

  // Pipelining, for the write batcher (storage/sql/write_batcher.h). A backend that can send
  // many statements without waiting for each reply says so, and sends a flight: every
  // statement in order, one round trip, each one's result set. It returns the index of the
  // first statement that failed (the transaction is then broken and the statements after it did
  // not run), or nothing when all succeeded.
  virtual bool CanPipeline() const { return false; }
  virtual std::optional<size_t> SendFlight(const std::vector<DeferredStatement*>& flight);
  // Flights whose every statement is a transaction of its own, outside any BEGIN (reads and rate
  // counts: WriteBatcherOptions::autocommit): a statement that fails fails alone, the others
  // run, and SendFlight returns the first that failed.
  // (Virtual so that a connection wrapping another, OutageMonitor's, passes it on.)
  virtual void SetAutocommitFlights() { autocommit_flights_ = true; }
  bool autocommit_flights() const { return autocommit_flights_; }

  // While `flight` is set, Pipelined() statements are queued on it, owned by job `owner`.
  void CollectFlight(std::vector<DeferredStatement*>* flight) { flight_ = flight; }
  void SetOwner(size_t owner) { owner_ = owner; }
  // Runs a coroutine's statements at once, even while a flight is collected: for a write that
  // runs straight through (WriteBatcher::Work) and shares code with the coroutines.
  Status RunNow(SqlTask<Status> task);

 private:
  friend class StatementAwait;
  std::vector<DeferredStatement*>* flight_ = nullptr;
  size_t owner_ = 0;
  bool autocommit_flights_ = false;
};

}  // namespace authgent::storage::sql
