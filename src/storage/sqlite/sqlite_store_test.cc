// Runs the storage conformance suite against SQLite files in a temporary directory.
#include "storage/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>

#include "core/temp_dir.h"
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

}  // namespace
}  // namespace authgent::storage::testing
