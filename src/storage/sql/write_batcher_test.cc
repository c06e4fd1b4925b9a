// Tests the group commit over a connection that records what it is asked to run, so each test
// can assert the exact statements a batch becomes.
#include "storage/sql/write_batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>
#include <tuple>

namespace authgent::storage::sql {
namespace {

struct Recorder {
  std::mutex mu;
  std::vector<std::string> log;
  bool fail_commit = false;
  bool pipelines = false;
  size_t Size() {
    std::lock_guard<std::mutex> lock(mu);
    return log.size();
  }
  void Add(std::string s) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(std::move(s));
  }
  bool Logged(const std::string& s) {
    std::lock_guard<std::mutex> lock(mu);
    return std::find(log.begin(), log.end(), s) != log.end();
  }
};

class RecordingConnection final : public SqlConnection {
 public:
  explicit RecordingConnection(Recorder& r) : r_(r) {}
  StatusOr<SqlResult> Execute(std::string_view sql, std::span<const SqlParam>) override {
    r_.Add(std::string(sql));
    if (sql.starts_with("FAIL")) return AlreadyExistsError("duplicate key");
    return SqlResult{};
  }
  // As PostgreSQL's: statements wait for flights (the flight itself runs them in turn).
  bool CanPipeline() const override { return r_.pipelines; }
  std::optional<size_t> SendFlight(const std::vector<DeferredStatement*>& flight) override {
    r_.Add("FLIGHT " + std::to_string(flight.size()));
    return SqlConnection::SendFlight(flight);
  }
  Status Script(std::string_view sql) override {
    r_.Add(std::string(sql));
    return Status::Ok();
  }
  Status Begin(bool write) override {
    r_.Add(write ? "BEGIN write" : "BEGIN read");
    return Status::Ok();
  }
  Status Commit() override {
    r_.Add("COMMIT");
    return r_.fail_commit ? UnavailableError("disk full") : Status::Ok();
  }
  Status Rollback() override {
    r_.Add("ROLLBACK");
    return Status::Ok();
  }
  Status LockForMigration() override { return Status::Ok(); }
  Status LockTable(std::string_view) override { return Status::Ok(); }
  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  bool healthy() const override { return true; }

 private:
  Recorder& r_;
};

ConnectionFactory FactoryFor(Recorder& r) {
  return [&r]() -> StatusOr<std::unique_ptr<SqlConnection>> {
    return std::unique_ptr<SqlConnection>(std::make_unique<RecordingConnection>(r));
  };
}

WriteBatcher::Work Writes(std::string what, Status result = Status::Ok()) {
  return [what, result](SqlConnection& c) {
    (void)c.Query(what, {});
    return result;
  };
}

// A coroutine write of two statements, "<what> 1" and "<what> 2", that then returns `result`.
SqlTask<Status> TwoStatements(SqlConnection& c, std::string what, Status result) {
  AUTHGENT_CO_RETURN_IF_ERROR((co_await c.Pipelined(what + " 1")).status());
  AUTHGENT_CO_RETURN_IF_ERROR((co_await c.Pipelined(what + " 2")).status());
  co_return result;
}
WriteBatcher::AsyncWork AsyncWrites(std::string what, Status result = Status::Ok()) {
  return [what, result](SqlConnection& c) { return TwoStatements(c, what, result); };
}

TEST(WriteBatcher, ALoneWriteIsOneTransactionWithoutSavepoints) {
  Recorder r;
  WriteBatcher batcher(FactoryFor(r));
  EXPECT_TRUE(batcher.Run(Writes("INSERT a")).ok());
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT a", "COMMIT"}));
}

TEST(WriteBatcher, ALoneFailingWriteIsRolledBackAndReportsItsError) {
  Recorder r;
  WriteBatcher batcher(FactoryFor(r));
  Status s = batcher.Run(Writes("INSERT a", AlreadyExistsError("taken")));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT a", "ROLLBACK"}));
}

TEST(WriteBatcher, AThrowingWriteIsItsOwnErrorAndTheNextWriteStillRuns) {
  Recorder r;
  WriteBatcher batcher(FactoryFor(r));
  Status thrown = batcher.Run([](SqlConnection&) -> Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(thrown.code(), StatusCode::kInternal);
  EXPECT_EQ(thrown.message(), "write failed: boom");
  EXPECT_TRUE(batcher.Run(Writes("INSERT a")).ok());
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "ROLLBACK", "BEGIN write", "INSERT a",
                                             "COMMIT"}));
}

// Holds the first write open until `n` more callers wait, then lets them all through: the waiting
// ones must share the next transaction.
struct Batch {
  explicit Batch(WriteBatcherOptions options = {}) : batcher(FactoryFor(r), options) {}
  Recorder r;
  WriteBatcher batcher;
  std::promise<void> release;
  std::vector<std::thread> threads;
  std::vector<Status> results;

  void RunBatch(const std::vector<std::pair<std::string, Status>>& writes) {
    results.resize(writes.size() + 1);
    std::shared_future<void> go = release.get_future().share();
    threads.emplace_back([&, go] {
      results[0] = batcher.Run([&, go](SqlConnection& c) {
        (void)c.Query("INSERT first", {});
        go.wait();
        return Status::Ok();
      });
    });
    while (batcher.Waiting() != 0 || r.Size() < 2) std::this_thread::yield();
    for (size_t i = 0; i < writes.size(); ++i) {
      size_t expected = i + 1;
      threads.emplace_back([&, i] { results[i + 1] = batcher.Run(Writes(writes[i].first, writes[i].second)); });
      while (batcher.Waiting() != expected) std::this_thread::yield();
    }
    release.set_value();
    for (auto& t : threads) t.join();
  }
};

TEST(WriteBatcher, WritesArrivingTogetherShareOneCommitEachInItsSavepoint) {
  Batch b;
  b.RunBatch({{"INSERT b", Status::Ok()},
              {"INSERT c", AlreadyExistsError("taken")},
              {"INSERT d", Status::Ok()}});
  EXPECT_TRUE(b.results[0].ok());
  EXPECT_TRUE(b.results[1].ok());
  EXPECT_EQ(b.results[2].code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(b.results[3].ok());
  EXPECT_EQ(b.r.log, (std::vector<std::string>{
                         "BEGIN write", "INSERT first", "COMMIT",  // the first, alone
                         "BEGIN write",                            // the three that waited
                         "SAVEPOINT batched", "INSERT b", "RELEASE batched",
                         "SAVEPOINT batched", "INSERT c", "ROLLBACK TO batched", "RELEASE batched",
                         "SAVEPOINT batched", "INSERT d", "RELEASE batched",
                         "COMMIT"}));
}

TEST(WriteBatcher, AFailedSharedCommitIsEveryoneElsesError) {
  Batch b;
  b.r.fail_commit = true;
  b.RunBatch({{"INSERT b", Status::Ok()}, {"INSERT c", AlreadyExistsError("taken")}});
  EXPECT_EQ(b.results[0].code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.results[1].code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.results[1].message(), "disk full");
  EXPECT_EQ(b.results[2].code(), StatusCode::kAlreadyExists);  // its own error comes first
  EXPECT_EQ(b.r.log.back(), "ROLLBACK");
}

// A submitted write's caller hears its own status on the batcher's thread, after the commit.
TEST(WriteBatcher, SubmittedWritesShareTheBatchAndHearTheirOwnStatusAfterTheCommit) {
  Recorder r;
  std::vector<Status> heard(2);
  {
    WriteBatcher batcher(FactoryFor(r));
    std::promise<void> release;
    std::shared_future<void> go = release.get_future().share();
    std::thread first([&, go] {
      EXPECT_TRUE(batcher.Run([&, go](SqlConnection& c) {
        (void)c.Query("INSERT first", {});
        go.wait();
        return Status::Ok();
      }).ok());
    });
    while (r.Size() < 2) std::this_thread::yield();
    batcher.Submit(AsyncWrites("INSERT b"), [&](Status s) {
      heard[0] = s;
      r.Add("done b");
    });
    batcher.Submit(AsyncWrites("INSERT c", AlreadyExistsError("taken")), [&](Status s) {
      heard[1] = s;
      r.Add("done c");
    });
    while (batcher.Waiting() != 2) std::this_thread::yield();
    release.set_value();
    first.join();
  }  // the destructor runs what is still queued
  EXPECT_TRUE(heard[0].ok());
  EXPECT_EQ(heard[1].code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT first", "COMMIT", "BEGIN write",
                                             "SAVEPOINT batched", "INSERT b 1", "INSERT b 2",
                                             "RELEASE batched", "SAVEPOINT batched", "INSERT c 1",
                                             "INSERT c 2", "ROLLBACK TO batched", "RELEASE batched",
                                             "COMMIT", "done b", "done c"}));
}

TEST(WriteBatcher, AThrowingCompletionLeavesTheBatcherWorking) {
  Recorder r;
  WriteBatcher batcher(FactoryFor(r));
  std::promise<Status> second;
  batcher.Submit(AsyncWrites("INSERT a"), [](Status) { throw std::runtime_error("boom"); });
  batcher.Submit(AsyncWrites("INSERT b"), [&](Status s) { second.set_value(s); });
  EXPECT_TRUE(second.get_future().get().ok());
  EXPECT_TRUE(batcher.Run(Writes("INSERT c")).ok());
}

// A gather wait that would hang the test if it were ever waited out.
constexpr WriteBatcherOptions kGatherForever{.gather_target = 2,
                                             .gather_wait = std::chrono::hours(1)};

TEST(WriteBatcher, AWriteAtRestDoesNotWaitToGather) {
  Recorder r;
  WriteBatcher batcher(FactoryFor(r), kGatherForever);
  EXPECT_TRUE(batcher.Run(Writes("INSERT a")).ok());
  EXPECT_TRUE(batcher.Run(Writes("INSERT b")).ok());
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT a", "COMMIT", "BEGIN write",
                                             "INSERT b", "COMMIT"}));
}

// After a batch of several (callers arrive concurrently), a lone job waits for company, and the
// caller that brings the queue to the target starts the batch at once.
TEST(WriteBatcher, UnderLoadABatchGathersUntilTheTargetArrives) {
  Batch b(kGatherForever);
  b.RunBatch({{"INSERT b", Status::Ok()}, {"INSERT c", Status::Ok()}});
  size_t before = b.r.Size();
  Status d_result;
  std::thread d([&] { d_result = b.batcher.Run(Writes("INSERT d")); });
  while (b.batcher.Waiting() != 1) std::this_thread::yield();
  // Not a timing assertion: without gathering, d would run during this pause; with it, d waits.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(b.r.Size(), before);
  EXPECT_TRUE(b.batcher.Run(Writes("INSERT e")).ok());
  d.join();
  EXPECT_TRUE(d_result.ok());
  std::vector<std::string> last(b.r.log.begin() + static_cast<long>(before), b.r.log.end());
  EXPECT_EQ(last, (std::vector<std::string>{"BEGIN write", "SAVEPOINT batched", "INSERT d",
                                            "RELEASE batched", "SAVEPOINT batched", "INSERT e",
                                            "RELEASE batched", "COMMIT"}));
}

// A first write ("INSERT first") that runs and stays open until Release(): the writes queued
// meanwhile then run as one batch.
class FirstWriteHeldOpen {
 public:
  FirstWriteHeldOpen(WriteBatcher& batcher, Recorder& r)
      : thread_([&batcher, go = release_.get_future().share()] {
          EXPECT_TRUE(batcher
                          .Run([go](SqlConnection& c) {
                            (void)c.Query("INSERT first", {});
                            go.wait();
                            return Status::Ok();
                          })
                          .ok());
        }) {
    while (!r.Logged("INSERT first")) std::this_thread::yield();
  }
  ~FirstWriteHeldOpen() {
    if (thread_.joinable()) Release();
  }
  void Release() {
    release_.set_value();
    thread_.join();
  }

 private:
  std::promise<void> release_;
  std::thread thread_;
};

// On a pipelining connection: holds a first write open, queues `jobs` (what, key, result) behind
// it, then lets them run as one batch. Returns each queued job's status.
std::vector<Status> SideBySide(
    Recorder& r, const std::vector<std::tuple<std::string, std::string, Status>>& jobs,
    WriteBatcherOptions options = {}) {
  r.pipelines = true;
  std::vector<Status> heard(jobs.size());
  {
    WriteBatcher batcher(FactoryFor(r), options);
    FirstWriteHeldOpen first(batcher, r);
    for (size_t i = 0; i < jobs.size(); ++i) {
      const auto& [what, key, result] = jobs[i];
      batcher.Submit(
          AsyncWrites(what, result), [&heard, i](Status s) { heard[i] = s; }, key);
    }
    while (batcher.Waiting() != jobs.size()) std::this_thread::yield();
    first.Release();
  }  // the destructor runs what is still queued
  return heard;
}

TEST(WriteBatcher, OnAPipeliningConnectionTheJobsRunSideBySideOneFlightPerStep) {
  Recorder r;
  std::vector<Status> heard = SideBySide(r, {{"INSERT a", "", Status::Ok()},
                                             {"INSERT b", "", Status::Ok()},
                                             {"INSERT c", "", Status::Ok()}});
  for (const Status& s : heard) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT first", "COMMIT", "BEGIN write",
                                             "FLIGHT 3", "INSERT a 1", "INSERT b 1", "INSERT c 1",
                                             "FLIGHT 3", "INSERT a 2", "INSERT b 2", "INSERT c 2",
                                             "COMMIT"}));
}

// A caller that waits (RunPipelined) shares the batch's flights like a submitted job, where a
// plain Run's statement runs at once, a round trip of its own while the batch waits.
TEST(WriteBatcher, AWaitingCallersCoroutineSharesTheFlightWhereAStraightWriteRunsAtOnce) {
  Recorder r;
  r.pipelines = true;
  std::vector<Status> results(3);
  {
    WriteBatcher batcher(FactoryFor(r));
    FirstWriteHeldOpen first(batcher, r);
    batcher.Submit(AsyncWrites("INSERT a"), [&](Status s) { results[0] = s; });
    std::thread pipelined([&] { results[1] = batcher.RunPipelined(AsyncWrites("INSERT b")); });
    while (batcher.Waiting() != 2) std::this_thread::yield();
    std::thread straight([&] { results[2] = batcher.Run(Writes("INSERT c")); });
    while (batcher.Waiting() != 3) std::this_thread::yield();
    first.Release();
    pipelined.join();
    straight.join();
  }
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT first", "COMMIT", "BEGIN write",
                                             "INSERT c", "FLIGHT 2", "INSERT a 1", "INSERT b 1",
                                             "FLIGHT 2", "INSERT a 2", "INSERT b 2", "COMMIT"}));
}

TEST(WriteBatcher, JobsWithTheSameKeyRunOneAfterTheOtherInTheSameTransaction) {
  Recorder r;
  std::vector<Status> heard = SideBySide(r, {{"INSERT a", "code:x", Status::Ok()},
                                             {"INSERT b", "code:x", Status::Ok()},
                                             {"INSERT c", "code:y", Status::Ok()}});
  for (const Status& s : heard) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.log, (std::vector<std::string>{"BEGIN write", "INSERT first", "COMMIT", "BEGIN write",
                                             "FLIGHT 2", "INSERT a 1", "INSERT c 1", "FLIGHT 2",
                                             "INSERT a 2", "INSERT c 2", "FLIGHT 1", "INSERT b 1",
                                             "FLIGHT 1", "INSERT b 2", "COMMIT"}));
}

// No savepoint can undo one of several jobs run side by side: the batch rolls back, the others
// commit as a batch of their own, and the failing job runs alone and gets its own error.
TEST(WriteBatcher, AFailingJobRollsTheBatchBackAndRunsAloneAfterTheOthers) {
  Recorder r;
  std::vector<Status> heard = SideBySide(r, {{"INSERT a", "", Status::Ok()},
                                             {"INSERT b", "", NotFoundError("gone")},
                                             {"INSERT c", "", Status::Ok()}});
  EXPECT_TRUE(heard[0].ok());
  EXPECT_EQ(heard[1].code(), StatusCode::kNotFound);
  EXPECT_TRUE(heard[2].ok());
  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "BEGIN write", "INSERT first", "COMMIT",     "BEGIN write", "FLIGHT 3",
                       "INSERT a 1",  "INSERT b 1",   "INSERT c 1", "FLIGHT 3",    "INSERT a 2",
                       "INSERT b 2",  "INSERT c 2",   "ROLLBACK",   "BEGIN write", "FLIGHT 2",
                       "INSERT a 1",  "INSERT c 1",   "FLIGHT 2",   "INSERT a 2",  "INSERT c 2",
                       "COMMIT",      "BEGIN write",  "FLIGHT 1",   "INSERT b 1",  "FLIGHT 1",
                       "INSERT b 2",  "ROLLBACK"}));
}

TEST(WriteBatcher, AFailingStatementInAFlightStopsItAndTheOthersRunAgain) {
  Recorder r;
  std::vector<Status> heard = SideBySide(r, {{"INSERT a", "", Status::Ok()},
                                             {"FAIL b", "", Status::Ok()},
                                             {"INSERT c", "", Status::Ok()}});
  EXPECT_TRUE(heard[0].ok());
  EXPECT_EQ(heard[1].code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(heard[1].message(), "duplicate key");
  EXPECT_TRUE(heard[2].ok());
  // The flight stops at the failed statement (a database skips the rest of it).
  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "BEGIN write", "INSERT first", "COMMIT",   "BEGIN write", "FLIGHT 3",
                       "INSERT a 1",  "FAIL b 1",     "ROLLBACK", "BEGIN write", "FLIGHT 2",
                       "INSERT a 1",  "INSERT c 1",   "FLIGHT 2", "INSERT a 2",  "INSERT c 2",
                       "COMMIT",      "BEGIN write",  "FLIGHT 1", "FAIL b 1",    "ROLLBACK"}));
}

// Without transactions (reads, rate counts): no BEGIN, no COMMIT, and a failing statement or
// job fails alone while the flight goes on.
TEST(WriteBatcher, WithoutTransactionsAFailingJobFailsAloneAndNothingIsRolledBack) {
  Recorder r;
  WriteBatcherOptions autocommit;
  autocommit.autocommit = true;
  std::vector<Status> heard = SideBySide(r,
                                         {{"INSERT a", "", Status::Ok()},
                                          {"FAIL b", "", Status::Ok()},
                                          {"INSERT c", "", NotFoundError("gone")},
                                          {"INSERT d", "", Status::Ok()}},
                                         autocommit);
  EXPECT_TRUE(heard[0].ok());
  EXPECT_EQ(heard[1].code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(heard[2].code(), StatusCode::kNotFound);
  EXPECT_TRUE(heard[3].ok());
  EXPECT_EQ(r.log, (std::vector<std::string>{"INSERT first", "FLIGHT 4", "INSERT a 1", "FAIL b 1",
                                             "INSERT c 1", "INSERT d 1", "FLIGHT 3", "INSERT a 2",
                                             "INSERT c 2", "INSERT d 2"}));
}

}  // namespace
}  // namespace authgent::storage::sql
