// Tests the group commit over a connection that records what it is asked to run, so each test
// can assert the exact statements a batch becomes.
#include "storage/sql/write_batcher.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace authgent::storage::sql {
namespace {

struct Recorder {
  std::mutex mu;
  std::vector<std::string> log;
  bool fail_commit = false;
  size_t Size() {
    std::lock_guard<std::mutex> lock(mu);
    return log.size();
  }
  void Add(std::string s) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(std::move(s));
  }
};

class RecordingConnection final : public SqlConnection {
 public:
  explicit RecordingConnection(Recorder& r) : r_(r) {}
  StatusOr<SqlResult> Query(std::string_view sql, std::initializer_list<SqlParam>) override {
    r_.Add(std::string(sql));
    return SqlResult{};
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
    batcher.Submit(Writes("INSERT b"), [&](Status s) {
      heard[0] = s;
      r.Add("done b");
    });
    batcher.Submit(Writes("INSERT c", AlreadyExistsError("taken")), [&](Status s) {
      heard[1] = s;
      r.Add("done c");
    });
    while (batcher.Waiting() != 2) std::this_thread::yield();
    release.set_value();
    first.join();
  }  // the destructor runs what is still queued
  EXPECT_TRUE(heard[0].ok());
  EXPECT_EQ(heard[1].code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "BEGIN write", "INSERT first", "COMMIT",
                       "BEGIN write",
                       "SAVEPOINT batched", "INSERT b", "RELEASE batched",
                       "SAVEPOINT batched", "INSERT c", "ROLLBACK TO batched", "RELEASE batched",
                       "COMMIT", "done b", "done c"}));
}

TEST(WriteBatcher, AThrowingCompletionLeavesTheBatcherWorking) {
  Recorder r;
  WriteBatcher batcher(FactoryFor(r));
  std::promise<Status> second;
  batcher.Submit(Writes("INSERT a"), [](Status) { throw std::runtime_error("boom"); });
  batcher.Submit(Writes("INSERT b"), [&](Status s) { second.set_value(s); });
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

}  // namespace
}  // namespace authgent::storage::sql
