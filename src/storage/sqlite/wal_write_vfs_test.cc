// Tests that the WAL written through the VFS is SQLite's own: another connection reads it live,
// and a copy of the files taken mid-WAL recovers every committed row (recovery re-reads every
// frame header and checks its checksum), with synchronous NORMAL and FULL.
#include "storage/sqlite/wal_write_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "core/temp_dir.h"

namespace authgent::storage {
namespace {

namespace fs = std::filesystem;

class WalWriteVfsTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_NE(WalWriteVfsName(), nullptr);
    dir_ = MakeTempDir("authgent-walvfs");
    path_ = (dir_ / "t.db").string();
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              WalWriteVfsName()),
              SQLITE_OK);
    Exec(db_, std::string("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; "
                          "PRAGMA synchronous = ") + GetParam() + "; CREATE TABLE t (x BLOB)");
  }
  void TearDown() override {
    sqlite3_close_v2(db_);  // the directory goes after a green run (core/test_main)
  }
  static void Exec(sqlite3* db, const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  static int64_t Count(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sql;
    int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return n;
  }
  fs::path dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST_P(WalWriteVfsTest, FramesGoDownWholeAndTheWalIsSqlitesOwn) {
  int64_t before = WalFramesWrittenWhole();
  // One commit per row; each row spans pages, so commits write several frames.
  for (int i = 0; i < 120; ++i) Exec(db_, "INSERT INTO t VALUES (randomblob(5000))");
  EXPECT_GE(WalFramesWrittenWhole() - before, 240);

  // Another connection, on the default VFS, reads every row from the live WAL.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &reader), SQLITE_OK);
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), 120);
  sqlite3_close_v2(reader);

  // A copy of the database and its WAL, without the shared-memory index, must rebuild the index
  // from the frame headers: every frame's salt and checksum has to be right.
  fs::path copy = dir_ / "copy";
  fs::create_directory(copy);
  fs::copy_file(path_, copy / "t.db");
  fs::copy_file(path_ + "-wal", copy / "t.db-wal");
  ASSERT_GT(fs::file_size(copy / "t.db-wal"), 120u * 5000u);
  sqlite3* recovered = nullptr;
  ASSERT_EQ(sqlite3_open((copy / "t.db").string().c_str(), &recovered), SQLITE_OK);
  EXPECT_EQ(Count(recovered, "SELECT count(*) FROM t"), 120);
  EXPECT_EQ(Count(recovered, "SELECT count(*) FROM pragma_integrity_check WHERE "
                             "integrity_check = 'ok'"), 1);
  sqlite3_close_v2(recovered);

  // And the writer goes on after a checkpoint restarts the WAL from its beginning.
  Exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  for (int i = 0; i < 10; ++i) Exec(db_, "INSERT INTO t VALUES (randomblob(5000))");
  EXPECT_EQ(Count(db_, "SELECT count(*) FROM t"), 130);
}

INSTANTIATE_TEST_SUITE_P(Synchronous, WalWriteVfsTest, ::testing::Values("NORMAL", "FULL"));

}  // namespace
}  // namespace authgent::storage
