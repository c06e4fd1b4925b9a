// Runs the storage conformance suite against SQLite files in a temporary directory.
#include "storage/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>

#include "core/temp_dir.h"
#include "storage/sql/sql_store.h"
#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

std::filesystem::path TempDir() {
  static const std::filesystem::path dir = MakeTempDir("authgent-sqlite");
  return dir;
}

std::unique_ptr<Store> OpenSqlite(const std::string& unique) {
  SqliteOptions options;
  options.path = (TempDir() / (unique + ".db")).string();
  auto store = OpenSqliteStore(options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  auto migrated = (*store)->Migrate();
  if (!migrated.ok()) {
    ADD_FAILURE() << migrated.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

AUTHGENT_INSTANTIATE_STORE_CONFORMANCE(Sqlite, (StoreBackend{"sqlite", OpenSqlite}));

TEST(SqliteStore, ReportsAnUnopenablePath) {
  SqliteOptions options;
  options.path = "/proc/authgent-cannot-create/x.db";
  auto store = OpenSqliteStore(options);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStore, MigratesOnceAndKeepsDataAcrossReopen) {
  std::string path = (TempDir() / "reopen.db").string();
  {
    auto store = OpenSqliteStore({path});
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(*(*store)->Migrate(), (*store)->LatestSchemaVersion());
    ASSERT_TRUE((*store)->CreateUser(User{"u1", "alice", "h", "", "", "", "", false, 1, 1}).ok());
  }
  auto store = OpenSqliteStore({path});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->Migrate(), 0);
  EXPECT_EQ((*store)->GetUserByUsername("alice")->user_id, "u1");
}

// Memory statistics cost a process-wide mutex per allocation; the store turns them off. With
// them on, SQLite would report the memory its open connections hold.
TEST(SqliteStore, LeavesSqliteMemoryStatisticsOff) {
  auto store = OpenSqliteStore({(TempDir() / "memstatus.db").string()});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Migrate().ok());
  ASSERT_TRUE((*store)->CreateUser(User{"u1", "alice", "h", "", "", "", "", false, 1, 1}).ok());
  EXPECT_EQ(sqlite3_memory_used(), 0);
}

// With temp_store = MEMORY, SQLite grows each savepoint's journal in 1 KiB chunks, one allocation
// each: 84 per code exchange (see ConfigureSqliteOnce). Every connection of the store uses FILE,
// which keeps journals below the spill size in memory, in one chunk.
TEST(SqliteStore, KeepsStatementJournalsInLargeChunks) {
  auto store = OpenSqliteStore({(TempDir() / "temp-store.db").string(), 2});
  ASSERT_TRUE(store.ok());
  auto* sql_store = dynamic_cast<sql::SqlStore*>(store->get());
  ASSERT_NE(sql_store, nullptr);
  ASSERT_TRUE(sql_store->OpenAllConnections().ok());
  auto first = sql_store->pool()->Acquire();
  ASSERT_TRUE(first.ok());
  auto second = sql_store->pool()->Acquire();  // both connections at once: each is checked
  ASSERT_TRUE(second.ok());
  for (auto* lease : {&*first, &*second}) {
    auto r = (*lease)->Query("PRAGMA temp_store", {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->rows.size(), 1u);
    EXPECT_EQ(sql::Int(r->rows[0], 0), 1) << "1 is FILE, 2 is MEMORY";
  }
}

}  // namespace
}  // namespace authgent::storage::testing
