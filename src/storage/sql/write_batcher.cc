#include "storage/sql/write_batcher.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"
#include "core/thread_role.h"

namespace authgent::storage::sql {
namespace {
// A job that throws must not take the batcher's thread with it: every later write would wait
// forever. The throw becomes that job's error (its savepoint rolls back).
Status RunWork(const WriteBatcher::Work& work, SqlConnection& c) {
  try {
    return work(c);
  } catch (const std::exception& e) {
    return InternalError(std::string("write failed: ") + e.what());
  } catch (...) {
    return InternalError("write failed: unknown exception");
  }
}
}  // namespace

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
              std::atomic<uint32_t>::is_always_lock_free);

// The word: 0 while the job runs, 2 once its caller sleeps on it, 1 when the job is done. Only a
// sleeping caller costs a wake-up call.
void WriteBatcher::DoneFlag::Set() {
  if (word_.exchange(1, std::memory_order_release) != 2) return;
  // The caller may see the 1 (a spurious wake-up), return and free the job before this call:
  // FUTEX_WAKE on a private futex only hashes the address and never reads it, and a waiter woken
  // by mistake (another job now at that address) re-checks its word.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
          0);
}

void WriteBatcher::DoneFlag::Wait() {
  uint32_t expected = 0;
  if (!word_.compare_exchange_strong(expected, 2, std::memory_order_acquire)) return;  // done
  while (word_.load(std::memory_order_acquire) == 2) {
    // Sleeps only while the word is still 2 (EAGAIN otherwise); EINTR and spurious wake-ups loop.
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word_), FUTEX_WAIT_PRIVATE, 2, nullptr,
            nullptr, 0);
  }
}

WriteBatcher::WriteBatcher(ConnectionFactory factory, WriteBatcherOptions options)
    : factory_(std::move(factory)), options_(options), thread_([this] { Loop(); }) {}

WriteBatcher::~WriteBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void WriteBatcher::Enqueue(Job* job) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(job);
    wake = idle_ || (gathering_ && queue_.size() >= options_.gather_target);
    if (wake) idle_ = gathering_ = false;  // one wake-up is enough
  }
  if (wake) cv_.notify_one();
}

Status WriteBatcher::Run(const Work& work) {
  CheckMayBlock("a batched commit");
  Job job;
  job.work = &work;
  Enqueue(&job);
  job.done.Wait();
  return job.status;
}

void WriteBatcher::Submit(Work work, std::function<void(Status)> done) {
  auto* job = new Job;
  job->owned_work = std::move(work);
  job->work = &job->owned_work;
  job->on_done = std::move(done);
  Enqueue(job);
}

void WriteBatcher::Release(Job* job) {
  if (!job->on_done) return job->done.Set();
  std::unique_ptr<Job> owned(job);
  try {
    job->on_done(job->status);
  } catch (const std::exception& e) {
    log::Error("a write's completion threw", {{"error", e.what()}});
  } catch (...) {
    log::Error("a write's completion threw");
  }
}

void WriteBatcher::Loop() {
  pthread_setname_np(pthread_self(), "authgent-write");  // for top -H, perf and gdb
  SetThreadRole(ThreadRole::kWriter);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (queue_.empty()) {
      if (stop_) break;
      idle_ = true;
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      idle_ = false;
      continue;
    }
    if (last_batch_ > 1 && queue_.size() < options_.gather_target &&
        options_.gather_wait.count() > 0) {
      gathering_ = true;
      cv_.wait_for(lock, options_.gather_wait, [&] { return stop_ || !gathering_; });
      gathering_ = false;
    }
    std::vector<Job*> batch;
    batch.swap(queue_);
    last_batch_ = batch.size();
    lock.unlock();
    Execute(batch);
    // A released job's caller may return and destroy the job at once: touch none after.
    for (Job* j : batch) Release(j);
    lock.lock();
  }
  lock.unlock();
  conn_.reset();
}

size_t WriteBatcher::Waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void WriteBatcher::Execute(const std::vector<Job*>& batch) {
  if (Histogram* sizes = size_histogram_.load(std::memory_order_relaxed)) {
    sizes->Observe(static_cast<int64_t>(batch.size()));
  }
  ScopedTimer timed(transaction_histogram_.load(std::memory_order_relaxed));
  auto fail_all = [&](const Status& s) {
    for (Job* j : batch) j->status = s;
  };
  if (!conn_ || !conn_->healthy()) {
    conn_.reset();
    StatusOr<std::unique_ptr<SqlConnection>> opened = factory_();
    if (!opened.ok()) return fail_all(opened.status());
    conn_ = std::move(*opened);
  }
  if (Status begun = conn_->Begin(true); !begun.ok()) return fail_all(begun);
  if (batch.size() == 1) {
    batch[0]->status = RunWork(*batch[0]->work, *conn_);
    if (!batch[0]->status.ok()) {
      (void)conn_->Rollback();
      return;
    }
  } else {
    // Query, not Script: the savepoint statements are prepared once and reused (the batch's
    // jobs run one after another, so their per-statement cost is the batch's length).
    for (Job* j : batch) {
      Status s = conn_->Query("SAVEPOINT batched", {}).status();
      if (s.ok()) {
        j->status = RunWork(*j->work, *conn_);
        if (!j->status.ok()) s = conn_->Query("ROLLBACK TO batched", {}).status();
        if (s.ok()) s = conn_->Query("RELEASE batched", {}).status();
      }
      if (!s.ok()) {  // the transaction itself is broken: nothing of the batch stands
        (void)conn_->Rollback();
        return fail_all(s);
      }
    }
  }
  if (Status committed = conn_->Commit(); !committed.ok()) {
    (void)conn_->Rollback();
    for (Job* j : batch) {
      if (j->status.ok()) j->status = committed;
    }
  }
}

}  // namespace authgent::storage::sql
