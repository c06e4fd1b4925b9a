// storage/sql/write_batcher: group commit for databases with a single writer (SQLite).
//
// SQLite lets one transaction write at a time, and each commit costs a WAL append, a wal-index
// update and now and then a checkpoint. Under load, the write transactions that concurrent
// requests start therefore queue behind each other, one commit each. The batcher runs the write
// transactions that arrive while one is in flight together: one BEGIN, each caller's work inside
// its own SAVEPOINT (so a failing one undoes only itself), one COMMIT. Every caller still gets its
// own result only after the commit that made its work durable, and the work of each caller is
// still atomic and isolated: the work runs one after another on one connection.
//
// No thread of its own: the first caller to find the batcher idle leads, runs everything queued
// up to then, and hands leadership to the next waiting caller, if any.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/sql/connection_pool.h"

namespace authgent::storage::sql {

class WriteBatcher {
 public:
  using Work = std::function<Status(SqlConnection&)>;
  explicit WriteBatcher(ConnectionFactory factory) : factory_(std::move(factory)) {}

  // Runs `work` in a write transaction, possibly shared with other callers' work; returns its
  // status, or the commit's error when the shared commit failed. `work` must not call the store.
  Status Run(const Work& work);

  // Callers waiting for a batch to start (for tests and diagnostics).
  size_t Waiting();

 private:
  struct Job {
    const Work* work = nullptr;
    Status status;
    bool done = false;
    bool lead = false;
  };
  void Execute(const std::vector<Job*>& batch);

  ConnectionFactory factory_;
  std::unique_ptr<SqlConnection> conn_;  // used only by the leader
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job*> queue_;
  bool leading_ = false;
};

}  // namespace authgent::storage::sql
