// storage/sqlite/wal_checkpointer: moves WAL checkpoints off the request path.
//
// By default SQLite checkpoints inside the COMMIT that pushes the WAL past 1,000 pages: that
// commit copies the pages into the database file and fsyncs it while the requests queued behind
// it wait. Here connections only report the WAL's size after each commit, and a thread of the
// store's own checkpoints once the WAL passes `pages`, at most once per `interval`:
//  - PASSIVE rounds copy the frames into the database file without blocking readers or writers,
//    until a round finds few new frames;
//  - once the WAL passes `restart_pages`, a RESTART checkpoint, holding this process's writer
//    lock, copies the frames committed meanwhile and waits for readers to leave the WAL, so the
//    next commit writes the WAL from its beginning again. Under steady load a WAL is otherwise
//    never reset (some reader is always in it; measured: 1 GB in 6 s of refresh rotations). The
//    RESTART blocks writers for its fsyncs (measured 4-12 ms under load), hence a threshold that
//    makes it rare instead of one per round.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace authgent::storage {

struct WalCheckpointSettings {
  int pages = 1000;            // checkpoint once the WAL has this many frames
  int restart_pages = 16384;   // ...and start it over once it has this many (64 MiB of 4 KiB pages)
  std::chrono::milliseconds interval{100};
};

class WalCheckpointer {
 public:
  // `writer` is the lock the store's connections take to write (see sqlite_store.cc).
  WalCheckpointer(std::string path, std::mutex& writer, WalCheckpointSettings settings);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Installs the commit hook on `db` instead of SQLite's own automatic checkpoints.
  void Watch(sqlite3* db);

  // Commits that woke the thread (for tests and diagnostics).
  uint64_t WakeUps();

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void Loop();
  void Checkpoint(sqlite3*& db);

  const std::string path_;
  std::mutex& writer_;
  const WalCheckpointSettings settings_;
  std::mutex mu_;
  std::condition_variable cv_;
  int wal_pages_ = 0;  // the WAL's size after the latest commit
  // The thread waits for the WAL to grow, and a commit must wake it (not while it pauses between
  // checkpoints: a commit wakes nobody then, and the thread reads wal_pages_ when it resumes).
  bool waiting_ = false;
  uint64_t wake_ups_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace authgent::storage
