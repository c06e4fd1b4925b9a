#include "storage/sql/write_batcher.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <unordered_set>

#include "core/log.h"
#include "core/thread_role.h"

namespace authgent::storage::sql {
namespace {
// A job that throws must not take the batcher's thread with it: every later write would wait
// forever. The throw becomes that job's error (its work is rolled back).
Status Outcome(SqlTask<Status>& task) {
  try {
    return task.Take();
  } catch (const std::exception& e) {
    return InternalError(std::string("write failed: ") + e.what());
  } catch (...) {
    return InternalError("write failed: unknown exception");
  }
}

// Run()'s plain function as a task: it never suspends, so it runs whole between two flights.
SqlTask<Status> Straight(const WriteBatcher::Work& work, SqlConnection& c) { co_return work(c); }

// A job on a connection that runs every statement at once: started, it runs to its end.
Status RunToEnd(SqlTask<Status> task) {
  try {
    task.Start();
  } catch (...) {  // thrown before the coroutine's body (its frame's allocation)
    return InternalError("write failed: could not start");
  }
  if (!task.done()) return InternalError("a write waited for a flight on a connection without one");
  return Outcome(task);
}
}  // namespace

SqlTask<Status> WriteBatcher::Job::Start(SqlConnection& c) const {
  if (work != nullptr) return Straight(*work, c);
  return blocking_async != nullptr ? (*blocking_async)(c) : async_work(c);
}

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
  Job job;
  job.work = &work;
  return EnqueueAndWait(job);
}

Status WriteBatcher::RunPipelined(const AsyncWork& work) {
  Job job;
  job.blocking_async = &work;
  return EnqueueAndWait(job);
}

Status WriteBatcher::EnqueueAndWait(Job& job) {
  CheckMayBlock("a batched commit");
  Enqueue(&job);
  job.done.Wait();
  return job.status;
}

void WriteBatcher::Submit(AsyncWork work, std::function<void(Status)> done, std::string key) {
  auto* job = new Job;
  job->async_work = std::move(work);
  job->on_done = std::move(done);
  job->key = std::move(key);
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
    if (options_.max_batch == 0 || queue_.size() <= options_.max_batch) {
      batch.swap(queue_);
    } else {
      auto end = queue_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
      batch.assign(queue_.begin(), end);
      queue_.erase(queue_.begin(), end);
    }
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
  if (!conn_ || !conn_->healthy()) {
    conn_.reset();
    StatusOr<std::unique_ptr<SqlConnection>> opened = factory_();
    if (!opened.ok()) {
      for (Job* j : batch) j->status = opened.status();
      return;
    }
    conn_ = std::move(*opened);
    if (options_.autocommit) conn_->SetAutocommitFlights();
  }
  if (options_.autocommit) return ExecuteAutocommit(*conn_, batch);
  if (conn_->CanPipeline()) return ExecuteSideBySide(*conn_, batch);
  ExecuteInTurn(*conn_, batch);
}

void WriteBatcher::ExecuteAutocommit(SqlConnection& c, const std::vector<Job*>& batch) {
  if (!c.CanPipeline()) {  // one job after another, each statement committed as it runs
    for (Job* j : batch) j->status = RunToEnd(j->Start(c));
    return;
  }
  // Jobs with the same key wait for the round before, as in a transaction's batch.
  std::vector<Job*> pending = batch;
  while (!pending.empty()) {
    std::vector<Job*> round, later;
    SplitByKey(pending, round, later);
    (void)RunRound(c, round, /*alone=*/true);  // each job's failure is its own
    pending.swap(later);
  }
}

void WriteBatcher::SplitByKey(const std::vector<Job*>& pending, std::vector<Job*>& round,
                              std::vector<Job*>& later) {
  std::unordered_set<std::string_view> keys;
  for (Job* j : pending) {
    if (!j->key.empty() && !keys.insert(j->key).second)
      later.push_back(j);
    else
      round.push_back(j);
  }
}

void WriteBatcher::ExecuteInTurn(SqlConnection& c, const std::vector<Job*>& batch) {
  auto fail_all = [&](const Status& s) {
    for (Job* j : batch) j->status = s;
  };
  if (Status begun = c.Begin(true); !begun.ok()) return fail_all(begun);
  if (batch.size() == 1) {
    batch[0]->status = RunToEnd(batch[0]->Start(c));
    if (!batch[0]->status.ok()) {
      (void)c.Rollback();
      return;
    }
  } else {
    // Query, not Script: the savepoint statements are prepared once and reused (the batch's
    // jobs run one after another, so their per-statement cost is the batch's length).
    for (Job* j : batch) {
      Status s = c.Query("SAVEPOINT batched", {}).status();
      if (s.ok()) {
        j->status = RunToEnd(j->Start(c));
        if (!j->status.ok()) s = c.Query("ROLLBACK TO batched", {}).status();
        if (s.ok()) s = c.Query("RELEASE batched", {}).status();
      }
      if (!s.ok()) {  // the transaction itself is broken: nothing of the batch stands
        (void)c.Rollback();
        return fail_all(s);
      }
    }
  }
  if (Status committed = c.Commit(); !committed.ok()) {
    (void)c.Rollback();
    for (Job* j : batch) {
      if (j->status.ok()) j->status = committed;
    }
  }
}

void WriteBatcher::ExecuteSideBySide(SqlConnection& c, const std::vector<Job*>& batch) {
  if (Status begun = c.Begin(true); !begun.ok()) {
    for (Job* j : batch) j->status = begun;
    return;
  }
  std::vector<Job*> pending = batch;
  while (!pending.empty()) {
    std::vector<Job*> round, later;
    SplitByKey(pending, round, later);
    if (std::optional<size_t> failed = RunRound(c, round, batch.size() == 1)) {
      (void)c.Rollback();
      // The others again, as a batch of their own; then the failed job alone, where its error
      // is its own (it may have been caused by a job before it, which now commits first).
      Job* culprit = round[*failed];
      std::vector<Job*> others;
      for (Job* j : batch) {
        if (j != culprit) others.push_back(j);
      }
      if (!c.healthy()) {  // the connection broke: no retry on it
        for (Job* j : batch) j->status = culprit->status;
        return;
      }
      ExecuteSideBySide(c, others);
      ExecuteSideBySide(c, {culprit});
      return;
    }
    pending.swap(later);
  }
  bool failed = false;
  for (Job* j : batch) failed = failed || !j->status.ok();
  if (failed) {  // a batch of one whose job failed
    (void)c.Rollback();
    return;
  }
  if (Status committed = c.Commit(); !committed.ok()) {
    (void)c.Rollback();
    for (Job* j : batch) j->status = committed;
  }
}

std::optional<size_t> WriteBatcher::RunRound(SqlConnection& c, const std::vector<Job*>& round,
                                             bool alone) {
  std::vector<SqlTask<Status>> tasks;
  tasks.reserve(round.size());
  std::vector<bool> finished(round.size(), false);
  std::vector<DeferredStatement*> flight, sent;
  c.CollectFlight(&flight);
  struct StopCollecting {
    SqlConnection& c;
    ~StopCollecting() { c.CollectFlight(nullptr); }
  } stop{c};
  // Records the jobs that ended; a failure among several ends the round.
  auto settle = [&]() -> std::optional<size_t> {
    for (size_t i = 0; i < round.size(); ++i) {
      if (finished[i] || !tasks[i].done()) continue;
      finished[i] = true;
      round[i]->status = Outcome(tasks[i]);
      if (!round[i]->status.ok() && !alone) return i;
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < round.size(); ++i) {
    c.SetOwner(i);
    tasks.push_back(round[i]->Start(c));
    tasks.back().Start();
  }
  for (;;) {
    if (std::optional<size_t> failed = settle()) return failed;
    if (flight.empty()) break;
    sent.clear();
    sent.swap(flight);
    std::optional<size_t> failed = c.SendFlight(sent);
    if (failed && !alone) {
      size_t owner = sent[*failed]->owner;
      round[owner]->status = sent[*failed]->result->status();
      return owner;
    }
    for (DeferredStatement* d : sent) {
      if (!d->result) continue;  // after a failed statement of a job alone: never sent
      c.SetOwner(d->owner);
      d->waiter.resume();  // `d` lives in the waiter's frame: not touched after this
    }
  }
  for (size_t i = 0; i < round.size(); ++i) {
    if (!finished[i]) round[i]->status = InternalError("a write stopped before its end");
  }
  return std::nullopt;
}

}  // namespace authgent::storage::sql
