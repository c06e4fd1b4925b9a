// storage/sql/write_batcher: group commit. Write transactions that arrive while one is in flight
// share one transaction and one commit, on the batcher's own connection.
//
// A commit costs a WAL append and a flush (SQLite: also a wal-index update and now and then a
// checkpoint; PostgreSQL: a WAL flush and a round trip). Under load, the write transactions that
// concurrent requests start would queue behind each other, one commit each. The batcher runs the
// ones that arrive together in one transaction. Every caller still gets its own result only
// after the commit that made its work durable, and each caller's work is still atomic: it
// commits with the batch or not at all.
//
// How a batch runs depends on the connection:
// - One that runs statements at once (SQLite): the jobs run one after another, each inside its
//   own SAVEPOINT, so a failing one undoes only itself.
// - One that pipelines (PostgreSQL, SqlConnection::CanPipeline): the jobs are coroutines
//   (storage/sql/sql_task.h) run side by side. Each runs until it awaits a statement; the
//   statements of all of them go in one flight, one round trip; each resumes with its result.
//   On PostgreSQL a round trip is two context switches and a wake-up of the backend, which cost
//   more than the statements (docs/performance.md): a batch of n code exchanges takes three
//   flights (BEGIN with the codes' UPDATEs, the families with their tokens, the COMMIT) where
//   one transaction per exchange took four round trips each. Jobs with the same key (the code, the refresh token, the
//   authorization transaction they act on) never run side by side: the later ones run after
//   the others are done, in the same transaction, so each sees the other's writes whole. A
//   statement error breaks a PostgreSQL transaction, and no savepoint can undo a single job of
//   several running side by side: a job that fails rolls the batch back, the other jobs run
//   again as a batch, and it runs alone, where its error is its own.
//
// One thread of its own runs the transactions: under load it goes from one batch to the next
// without sleeping, and each caller is woken alone, once, when its commit is done. (A first
// version had no thread: the first caller led, then handed leadership to a waiting caller. Each
// hand-off woke every waiting caller, and the new leader then waited for a core behind the
// requests being signed: measured, callers spent 1.9 ms on average in Run() for batches that took
// 0.4 ms to execute, and the batcher idled half the time while callers queued.)
//
// Under load, a batch gathers before it starts: when the previous batch had more than one job
// (callers are arriving concurrently) and fewer than `gather_target` jobs wait, the thread waits
// up to `gather_wait` for more, and the caller that brings the queue to the target wakes it. A
// commit's cost is mostly per page written, and concurrent grants append to the same index
// pages, so larger batches write fewer pages per grant. Measured on SQLite, 2 cores, 64
// connections: without gathering a batch held 1.5-2 jobs; with 4 jobs / 100 µs, commits per code
// exchange fell from 0.47 to 0.21 and pwrite calls from 11.3 to 7.2 (refresh: 0.66 -> 0.21,
// 6.6 -> 3.5). A write at rest (previous batch of one) never waits.
//
// Callers that must not block (the network threads) Submit() instead of Run(): the batcher owns
// the work and calls `done` on its own thread once the commit is over.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/sql/connection_pool.h"
#include "storage/sql/sql_task.h"

namespace authgent::storage::sql {

struct WriteBatcherOptions {
  size_t gather_target = 4;
  std::chrono::microseconds gather_wait{100};
  // At most this many jobs per batch (0: no limit). A pipelined flight holds one statement per
  // job, and its replies must fit the socket's buffers while it is being sent.
  size_t max_batch = 0;
  // No transaction around the batch: on a pipelining connection each statement of a flight is a
  // transaction of its own (SqlConnection::SetAutocommitFlights) and a job that fails fails
  // alone. For reads and rate counts, which then share a backend's flights without waiting for
  // any commit but their own.
  bool autocommit = false;
};

class WriteBatcher {
 public:
  // A write that runs straight through, calling SqlConnection::Query.
  using Work = std::function<Status(SqlConnection&)>;
  // A write as a coroutine awaiting SqlConnection::Pipelined: on a pipelining connection it
  // shares flights with the batch's other jobs. It may be run more than once (after another
  // job's failure); only its last run commits.
  using AsyncWork = std::function<SqlTask<Status>(SqlConnection&)>;
  explicit WriteBatcher(ConnectionFactory factory, WriteBatcherOptions options = {});
  // Runs what is queued, then stops the thread.
  ~WriteBatcher();
  WriteBatcher(const WriteBatcher&) = delete;
  WriteBatcher& operator=(const WriteBatcher&) = delete;

  // Runs `work` in a write transaction, possibly shared with other callers' work; returns its
  // status, or the commit's error when the shared commit failed. `work` runs on the batcher's
  // thread and must not call the store.
  Status Run(const Work& work);
  // Runs `work` like Run(), but as a coroutine: on a pipelining connection its statements share
  // the batch's flights instead of taking a round trip each while the batch waits.
  Status RunPipelined(const AsyncWork& work);
  // Queues `work` like Run() and returns at once. `done` gets the same status Run() would return,
  // on the batcher's thread, after the commit (or, for work still queued, from the destructor):
  // it must be quick, must not block and must not call the store. A `done` that throws is logged.
  // `key` (may be empty) names what the work acts on: jobs with the same key never run side by
  // side.
  void Submit(AsyncWork work, std::function<void(Status)> done, std::string key = {});

  // Callers waiting for a batch to start (for tests and diagnostics).
  size_t Waiting();
  // Where each batch reports how long its transaction took (µs) and how many jobs it held.
  void SetMetrics(Histogram* transaction, Histogram* size) {
    transaction_histogram_.store(transaction);
    size_histogram_.store(size);
  }

 private:
  // Set once, by the batcher's thread, when a job's status is final. A Linux futex: the caller
  // sleeps in the kernel at once. (std::binary_semaphore's wait in libstdc++ first spins with
  // sched_yield: on two busy cores, about 6 calls per first connection, and callers that kept
  // the cores busy while the batch they were waiting for ran.)
  class DoneFlag {
   public:
    void Set();
    void Wait();

   private:
    std::atomic<uint32_t> word_{0};
  };
  struct Job {
    const Work* work = nullptr;                 // Run()'s
    const AsyncWork* blocking_async = nullptr;  // RunPipelined()'s
    Status status;
    DoneFlag done;  // Run()'s and RunPipelined()'s caller sleeps on it
    // Submit()'s: the batcher owns the job and its work, and calls `on_done` instead.
    AsyncWork async_work;
    std::function<void(Status)> on_done;
    std::string key;
    SqlTask<Status> Start(SqlConnection& c) const;
  };
  void Enqueue(Job* job);
  // Run()'s and RunPipelined()'s: queues the caller's job and sleeps until its commit is over.
  Status EnqueueAndWait(Job& job);
  // Hands a finished job back: wakes its Run() caller, or calls and frees a submitted one.
  static void Release(Job* job);
  void Loop();
  void Execute(const std::vector<Job*>& batch);
  // Execute() on a connection that runs statements at once: one job after another.
  void ExecuteInTurn(SqlConnection& c, const std::vector<Job*>& batch);
  // Execute() on a pipelining connection: the jobs side by side.
  void ExecuteSideBySide(SqlConnection& c, const std::vector<Job*>& batch);
  // Execute() with WriteBatcherOptions::autocommit: the jobs side by side, no transaction.
  void ExecuteAutocommit(SqlConnection& c, const std::vector<Job*>& batch);
  // Splits `pending` into a round whose keys are distinct and the jobs `later` that share a key
  // with one in it.
  static void SplitByKey(const std::vector<Job*>& pending, std::vector<Job*>& round,
                         std::vector<Job*>& later);
  // Runs `round` (distinct keys) side by side to the end, setting each job's status. Unless the
  // job is `alone` in its batch (or the batch has no transaction: `alone` for every job), a
  // failure stops the round: returns the job that failed (the transaction is then to be rolled
  // back).
  std::optional<size_t> RunRound(SqlConnection& c, const std::vector<Job*>& round, bool alone);

  ConnectionFactory factory_;
  const WriteBatcherOptions options_;
  std::unique_ptr<SqlConnection> conn_;  // used only by the batcher's thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job*> queue_;
  bool idle_ = false;       // the thread waits for work and must be woken
  bool gathering_ = false;  // the thread waits for the queue to reach gather_target
  bool stop_ = false;
  size_t last_batch_ = 0;  // jobs in the batch before; touched only by the batcher's thread
  // Set while the batcher's thread runs (SetMetrics), hence atomic.
  std::atomic<Histogram*> transaction_histogram_{nullptr};
  std::atomic<Histogram*> size_histogram_{nullptr};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace authgent::storage::sql
