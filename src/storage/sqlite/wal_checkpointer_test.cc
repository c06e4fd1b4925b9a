// Tests that checkpoints happen on the checkpointer's thread (the writer never runs one) and that
// the WAL is then written from its start again instead of growing.
#include "storage/sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/temp_dir.h"

namespace authgent::storage {
namespace {

namespace fs = std::filesystem;

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("authgent-wal");
    path_ = (dir_ / "t.db").string();
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);  // as the store's connections have
    Exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x BLOB)");
  }
  void TearDown() override {
    sqlite3_close_v2(db_);  // the directory goes after a green run (core/test_main)
  }
  void Exec(const char* sql) { ASSERT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql; }
  // One transaction per row, each a few KiB: every commit appends frames to the WAL. Like the
  // store's writers, each takes the process's writer lock.
  void WriteRows(int n) {
    for (int i = 0; i < n; ++i) {
      std::lock_guard<std::mutex> lock(writer_);
      Exec("INSERT INTO t VALUES (randomblob(3000))");
    }
  }
  uintmax_t Size(const std::string& suffix) { return fs::file_size(path_ + suffix); }
  // The checkpoint sequence number in the WAL header (bytes 12-15, big-endian): it changes each
  // time the WAL is started over.
  uint32_t WalSequence() {
    std::ifstream wal(path_ + "-wal", std::ios::binary);
    unsigned char header[16] = {};
    wal.read(reinterpret_cast<char*>(header), sizeof header);
    return (uint32_t{header[12]} << 24) | (uint32_t{header[13]} << 16) | (uint32_t{header[14]} << 8) |
           header[15];
  }

  std::mutex writer_;
  fs::path dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST_F(WalCheckpointerTest, CopiesTheWalInTheBackgroundAndThenStartsItOver) {
  WalCheckpointer checkpointer(path_, writer_, {.pages = 50, .restart_pages = 100,
                                               .interval = std::chrono::milliseconds(1)});
  checkpointer.Watch(db_);
  uintmax_t db_before = Size("");
  WriteRows(200);
  // The rows reach the database file without this connection ever checkpointing...
  for (int i = 0; i < 1000 && Size("") < db_before + 200u * 3000u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(Size(""), db_before + 200u * 3000u);
  // ...and after the RESTART the next commit writes the WAL from its start, with a new
  // checkpoint sequence number in the WAL header.
  uint32_t sequence = WalSequence();
  int writes = 0;
  while (WalSequence() == sequence && writes < 200) {
    WriteRows(1);
    ++writes;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(WalSequence(), sequence);
  WriteRows(200 - writes);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM t", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), 400);  // no write was lost or refused meanwhile
  sqlite3_finalize(count);
}

// Between two checkpoints the thread pauses for `interval`; commits meanwhile must not wake it
// (under load they came about 1,400 times a second, each a futex call and a context switch).
TEST_F(WalCheckpointerTest, CommitsDuringThePauseWakeNobody) {
  WalCheckpointer checkpointer(path_, writer_, {.pages = 1, .restart_pages = 1 << 30,
                                               .interval = std::chrono::hours(1)});
  checkpointer.Watch(db_);
  uintmax_t db_before = Size("");
  WriteRows(1);  // past the threshold: the thread checkpoints, then pauses for the hour
  for (int i = 0; i < 1000 && Size("") < db_before + 3000u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(Size(""), db_before + 3000u);
  WriteRows(100);
  // One wake-up for the first commit, or none if the thread found the WAL past the threshold
  // before it waited; never one per commit.
  EXPECT_LE(checkpointer.WakeUps(), 1u);
}  // the destructor ends the pause at once

}  // namespace
}  // namespace authgent::storage
