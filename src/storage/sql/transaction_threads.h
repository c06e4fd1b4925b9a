// storage/sql/transaction_threads: the threads on which a store without a batch writer
// (PostgreSQL) runs its completion-style writes (storage/completion.h).
//
// A grant's write is handed here by the thread that received the request (a network thread,
// which must never wait for the database); one of these threads runs the transaction on a
// pooled connection and calls the write's completion. There are as many threads as pooled
// connections: more could only wait for a connection. Work still queued at destruction runs
// before the threads end, so no accepted write is dropped.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace authgent::storage::sql {

class TransactionThreads {
 public:
  explicit TransactionThreads(int threads);
  ~TransactionThreads();
  TransactionThreads(const TransactionThreads&) = delete;
  TransactionThreads& operator=(const TransactionThreads&) = delete;

  // Runs `work` on one of the threads, in arrival order. `work` handles its own errors; an
  // exception it lets escape is logged and the thread goes on.
  void Post(std::function<void()> work);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace authgent::storage::sql
