// storage/sql/sql_connection: the small seam between the shared SQL store and a database driver.
//
// Both backends speak the same SQL: `$1`-style parameters (PostgreSQL natively, SQLite as named
// parameters), TEXT and BIGINT columns only, RETURNING and ON CONFLICT. A backend supplies a
// SqlConnection (statements prepared once per connection and reused) and maps its errors onto
// precise StatusCodes: unique violation -> kAlreadyExists, foreign key -> kForeignKey, connection
// or lock timeout -> kUnavailable.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

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

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement, prepared on first use and cached by its text.
  virtual StatusOr<SqlResult> Query(std::string_view sql, std::initializer_list<SqlParam> params) = 0;
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
  // False once the connection is unusable; the pool then drops it.
  virtual bool healthy() const = 0;
};

}  // namespace authgent::storage::sql
