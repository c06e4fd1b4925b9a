#include "storage/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "storage/sql/sql_store.h"
#include "storage/sqlite/wal_checkpointer.h"
#include "storage/sqlite/wal_write_vfs.h"

namespace authgent::storage {
namespace {

using sql::SqlConnection;
using sql::SqlParam;
using sql::SqlResult;

Status MapError(sqlite3* db, int rc, std::string_view what) {
  int extended = sqlite3_extended_errcode(db);
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return AlreadyExistsError(message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return {StatusCode::kForeignKey, message};
    default:
      break;
  }
  // A full disk is an outage like a busy lock: writes work again once space is freed.
  if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED || (rc & 0xFF) == SQLITE_FULL) {
    return UnavailableError(message);
  }
  if ((rc & 0xFF) == SQLITE_CORRUPT || (rc & 0xFF) == SQLITE_NOTADB) return DataLossError(message);
  return InternalError(message);
}

// A prepared statement and, for each parameter position $1..$n, its SQLite bind index.
struct Prepared {
  sqlite3_stmt* stmt = nullptr;
  std::vector<int> index_of;  // index_of[i] is the bind index of $(i+1), or 0 if unused
};

// SQLite has one write lock per database. Writers of this process queue on `writer` (shared by
// all connections of one store) instead of meeting SQLITE_BUSY: the busy handler retries by
// sleeping 1, 2, 5, 10... ms, which under load turns into tens of milliseconds of p99 latency,
// while a mutex hands the lock over at once. Other processes (the CLI) still meet the busy
// handler, which is what it is for.
class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::shared_ptr<std::mutex> writer)
      : db_(db), writer_(std::move(writer)) {}
  ~SqliteConnection() override {
    for (auto& [sql, p] : cache_) sqlite3_finalize(p.stmt);
    sqlite3_close_v2(db_);
  }

  StatusOr<SqlResult> Execute(std::string_view sql, std::span<const SqlParam> params) override {
    AUTHGENT_ASSIGN_OR_RETURN(Prepared * p, Prepare(sql));
    sqlite3_stmt* stmt = p->stmt;
    // A write outside a transaction takes the write lock for its one statement.
    std::unique_lock<std::mutex> autocommit_write;
    if (!write_lock_.owns_lock() && !sqlite3_stmt_readonly(stmt)) {
      autocommit_write = std::unique_lock<std::mutex>(*writer_);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    size_t i = 0;
    for (const SqlParam& param : params) {
      int index = i < p->index_of.size() ? p->index_of[i] : 0;
      ++i;
      if (index == 0) continue;
      switch (param.kind) {
        case SqlParam::Kind::kNull: sqlite3_bind_null(stmt, index); break;
        case SqlParam::Kind::kInt: sqlite3_bind_int64(stmt, index, param.integer); break;
        case SqlParam::Kind::kText:
          sqlite3_bind_text(stmt, index, param.text.data(), static_cast<int>(param.text.size()),
                            SQLITE_STATIC);
          break;
      }
    }
    SqlResult result;
    int columns = sqlite3_column_count(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      sql::SqlRow row(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) continue;
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row[static_cast<size_t>(c)] = std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
      }
      result.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      Status error = MapError(db_, rc, "sqlite step");
      sqlite3_reset(stmt);
      return error;
    }
    result.affected = sqlite3_changes64(db_);
    sqlite3_reset(stmt);  // releases the read snapshot of a finished SELECT
    return result;
  }

  sql::SqlDialect dialect() const override { return sql::SqlDialect::kSqlite; }
  Status Script(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return MapError(db_, rc, "sqlite exec");
    return Status::Ok();
  }

  // Transaction statements go through Query so they are prepared once, not parsed every time.
  Status Begin(bool write) override {
    if (!write) return Query("BEGIN", {}).status();
    write_lock_ = std::unique_lock<std::mutex>(*writer_);
    Status s = Query("BEGIN IMMEDIATE", {}).status();
    if (!s.ok()) write_lock_ = {};
    return s;
  }
  Status Commit() override {
    Status s = Query("COMMIT", {}).status();
    // A failed COMMIT leaves the transaction open (the caller rolls back): keep the lock till then.
    if (sqlite3_get_autocommit(db_)) ReleaseWriteLock();
    return s;
  }
  Status Rollback() override {
    Status s = Query("ROLLBACK", {}).status();
    ReleaseWriteLock();
    return s;
  }
  // BEGIN IMMEDIATE already holds the database's single write lock.
  Status LockForMigration() override { return Status::Ok(); }
  Status LockTable(std::string_view) override { return Status::Ok(); }
  bool healthy() const override { return true; }

 private:
  void ReleaseWriteLock() {
    if (write_lock_.owns_lock()) write_lock_.unlock();
  }

  StatusOr<Prepared*> Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) return &it->second;
    Prepared p;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &p.stmt, nullptr);
    if (rc != SQLITE_OK) return MapError(db_, rc, "sqlite prepare");
    // Parameters are named "$1".."$n"; map each name's number to SQLite's bind index.
    int count = sqlite3_bind_parameter_count(p.stmt);
    for (int index = 1; index <= count; ++index) {
      const char* name = sqlite3_bind_parameter_name(p.stmt, index);
      if (name == nullptr || name[0] != '$') {
        sqlite3_finalize(p.stmt);
        return InternalError("SQL parameters must be written $1..$n");
      }
      size_t number = std::strtoul(name + 1, nullptr, 10);
      if (number == 0 || number > 64) {
        sqlite3_finalize(p.stmt);
        return InternalError("bad SQL parameter name");
      }
      if (p.index_of.size() < number) p.index_of.resize(number, 0);
      p.index_of[number - 1] = index;
    }
    auto [pos, inserted] = cache_.emplace(std::string(sql), p);
    return &pos->second;
  }

  sqlite3* db_;
  std::shared_ptr<std::mutex> writer_;
  std::unique_lock<std::mutex> write_lock_;  // held from Begin(true) to the end of the transaction
  std::unordered_map<std::string, Prepared> cache_;
};

// What the connections of one store share.
struct Shared {
  std::mutex writer;
  WalCheckpointer checkpointer;
  explicit Shared(const std::string& path) : checkpointer(path, writer, WalCheckpointSettings{}) {}
};

StatusOr<std::unique_ptr<SqlConnection>> Connect(const SqliteOptions& options,
                                                 const std::shared_ptr<Shared>& shared) {
  sqlite3* db = nullptr;
  // WalWriteVfsName() is null only if the VFS could not be registered: the default one works too.
  int rc = sqlite3_open_v2(options.path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           WalWriteVfsName());
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return UnavailableError("cannot open SQLite database " + options.path + ": " + message);
  }
  // The connection keeps `shared` alive: the checkpointer must outlive every hook pointing at it.
  auto conn = std::make_unique<SqliteConnection>(db, std::shared_ptr<std::mutex>(shared, &shared->writer));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::string pragmas = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
                        "PRAGMA synchronous = " + options.synchronous + ";"
                        // 16 MiB of page cache per connection keeps the hot index pages.
                        "PRAGMA cache_size = -16384;"
                        // Not MEMORY: see ConfigureSqliteOnce.
                        "PRAGMA temp_store = FILE;";
  AUTHGENT_RETURN_IF_ERROR(conn->Script(pragmas));
  shared->checkpointer.Watch(db);
  return std::unique_ptr<SqlConnection>(std::move(conn));
}

// Process-wide settings, which must be made before SQLite initialises; if something initialised
// it earlier, the calls fail harmlessly.
// - Memory statistics off: nothing reads them, and they take one process-wide mutex on every
//   allocation, which every connection's thread shares.
// - Statement journals in memory up to 1 MiB. Each job of a write batch runs in a SAVEPOINT, and
//   SQLite copies every page a savepoint or statement first changes into this journal. With
//   `temp_store = MEMORY` the journal grows in chunks of about 1 KiB: 84 `sqlite3_malloc` calls
//   per code exchange, each paying a memory barrier in `sqlite3_initialize` (4.5% of the batch
//   writer's time). With `temp_store = FILE` a chunk is the spill size, and below it the journal
//   stays in memory: SQLite's default of 64 KiB still sent a savepoint to a temporary file every
//   few commits, 1 MiB does not.
constexpr int kStatementJournalInMemory = 1 << 20;

void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, kStatementJournalInMemory);
  });
}

// The readiness write probe: reserves kProbeBytes in a scratch file beside the database and
// removes it. A full disk fails here (ENOSPC) even while SQLite could still reuse pages its WAL
// already holds, so /readyz turns 503 before writes start failing, not after.
constexpr off_t kProbeBytes = 64 * 1024;
Status ProbeDiskSpace(const std::string& database_path) {
  std::string path = database_path + "-probe";
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return UnavailableError("cannot write beside the database: " + std::string(std::strerror(errno)));
  int err = ::posix_fallocate(fd, 0, kProbeBytes);
  ::close(fd);
  ::unlink(path.c_str());
  if (err != 0) return UnavailableError("disk cannot take writes: " + std::string(std::strerror(err)));
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  ConfigureSqliteOnce();
  if (options.synchronous != "normal" && options.synchronous != "full") {
    return InvalidArgumentError("synchronous must be normal or full");
  }
  std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return UnavailableError("cannot create " + parent.string() + ": " + ec.message());
  }
  // Open one connection now so that a bad path fails at start-up, not at the first request.
  auto shared = std::make_shared<Shared>(options.path);
  AUTHGENT_ASSIGN_OR_RETURN(std::unique_ptr<SqlConnection> probe, Connect(options, shared));
  probe.reset();
  SqliteOptions copy = options;
  auto store = std::make_unique<sql::SqlStore>([copy, shared]() { return Connect(copy, shared); },
                                               options.pool_size, 1, sql::WriteBatcherOptions{},
                                               sql::SqlDialect::kSqlite);
  store->SetWriteProbe([path = options.path]() { return ProbeDiskSpace(path); });
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace authgent::storage
