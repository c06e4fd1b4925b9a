#include "storage/sql/transaction_threads.h"

#include <algorithm>
#include <exception>

#include "core/log.h"
#include "core/thread_role.h"

namespace authgent::storage::sql {

TransactionThreads::TransactionThreads(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

TransactionThreads::~TransactionThreads() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void TransactionThreads::Post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(work));
  }
  ready_.notify_one();
}

void TransactionThreads::Loop() {
  // The store's own thread: it may wait for the database (core/thread_role.h).
  SetThreadRole(ThreadRole::kWriter);
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything accepted has run
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      work();
    } catch (const std::exception& e) {
      log::Error("a store write's completion threw", {{"error", e.what()}});
    } catch (...) {
      log::Error("a store write's completion threw");
    }
  }
}

}  // namespace authgent::storage::sql
