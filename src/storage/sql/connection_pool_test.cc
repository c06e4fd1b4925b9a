// Tests the pool's bound, its timeout, and that waiters are served first come, first served.
#include "storage/sql/connection_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace authgent::storage::sql {
namespace {

// Counts the connections alive, so a test can check the pool never exceeds its size.
struct Counts {
  std::atomic<int> alive{0};
  std::atomic<int> opened{0};
  std::atomic<bool> fail_next_open{false};
  // The server ends every connection numbered up to this one (1 is the first opened).
  std::atomic<int> ended_up_to{0};
};

class FakeConnection final : public SqlConnection {
 public:
  explicit FakeConnection(Counts& c) : c_(c), number_(c.opened) { ++c_.alive; }
  ~FakeConnection() override { --c_.alive; }
  StatusOr<SqlResult> Execute(std::string_view, std::span<const SqlParam>) override {
    return SqlResult{};
  }
  Status Script(std::string_view) override { return Status::Ok(); }
  Status Begin(bool) override { return Status::Ok(); }
  Status Commit() override { return Status::Ok(); }
  Status Rollback() override { return Status::Ok(); }
  Status LockForMigration() override { return Status::Ok(); }
  Status LockTable(std::string_view) override { return Status::Ok(); }
  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  bool healthy() const override { return !broken && number_ > c_.ended_up_to; }
  bool broken = false;

 private:
  Counts& c_;
  int number_;
};

ConnectionFactory FactoryFor(Counts& c) {
  return [&c]() -> StatusOr<std::unique_ptr<SqlConnection>> {
    if (c.fail_next_open.exchange(false)) return UnavailableError("connection refused");
    ++c.opened;
    return std::unique_ptr<SqlConnection>(std::make_unique<FakeConnection>(c));
  };
}

void WaitForWaiters(ConnectionPool& pool, size_t n) {
  while (pool.Waiting() != n) std::this_thread::yield();
}

TEST(ConnectionPool, ReusesAConnectionAndOpensNoMoreThanItsSize) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 2, std::chrono::seconds(5));
  { auto a = pool.Acquire(); ASSERT_TRUE(a.ok()); }
  { auto b = pool.Acquire(); ASSERT_TRUE(b.ok()); }
  EXPECT_EQ(c.opened, 1);  // the released one was reused
  auto x = pool.Acquire();
  auto y = pool.Acquire();
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(c.opened, 2);
  EXPECT_EQ(c.alive, 2);
}

TEST(ConnectionPool, OpenAllOpensEveryConnectionUpFrontAndKeepsThemIdle) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 3, std::chrono::seconds(5));
  { auto warm = pool.Acquire(); ASSERT_TRUE(warm.ok()); }  // one already idle
  ASSERT_TRUE(pool.OpenAll().ok());
  EXPECT_EQ(c.opened, 3);
  EXPECT_EQ(c.alive, 3);
  // Three callers at once are served without opening anything more.
  auto a = pool.Acquire(), b = pool.Acquire(), d = pool.Acquire();
  ASSERT_TRUE(a.ok() && b.ok() && d.ok());
  EXPECT_EQ(c.opened, 3);
}

TEST(ConnectionPool, OpenAllReportsAFailedOpen) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 2, std::chrono::seconds(5));
  c.fail_next_open = true;
  EXPECT_EQ(pool.OpenAll().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(pool.OpenAll().ok());  // the failed slot was freed: a second try fills the pool
  EXPECT_EQ(c.alive, 2);
}

TEST(ConnectionPool, AWaiterGivesUpAfterTheTimeout) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 1, std::chrono::milliseconds(50));
  auto held = pool.Acquire();
  ASSERT_TRUE(held.ok());
  auto second = pool.Acquire();
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(), "no database connection free within the timeout");
  EXPECT_EQ(pool.Waiting(), 0u);
}

// The connection a caller releases goes to those already waiting, in their order, even when the
// releasing caller asks again at once.
TEST(ConnectionPool, WaitersAreServedInTheOrderTheyArrived) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 1, std::chrono::seconds(5));
  std::mutex mu;
  std::vector<std::string> order;
  auto take = [&](std::string name) {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok());
    std::lock_guard lock(mu);
    order.push_back(std::move(name));
  };
  std::optional<StatusOr<ConnectionPool::Lease>> held(pool.Acquire());
  ASSERT_TRUE(held->ok());
  std::thread b([&] { take("b"); });
  WaitForWaiters(pool, 1);
  std::thread c2([&] { take("c"); });
  WaitForWaiters(pool, 2);
  held.reset();   // released: "b" is served, not whoever locks the pool first
  take("again");  // the releasing caller, at once: queues behind "c"
  b.join();
  c2.join();
  EXPECT_EQ(order, (std::vector<std::string>{"b", "c", "again"}));
  EXPECT_EQ(c.opened, 1);
}

TEST(ConnectionPool, ABrokenConnectionLeavesItsSlotToTheNextWaiter) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 1, std::chrono::seconds(5));
  std::optional<StatusOr<ConnectionPool::Lease>> held(pool.Acquire());
  ASSERT_TRUE(held->ok());
  std::thread waiter([&] {
    auto lease = pool.Acquire();
    EXPECT_TRUE(lease.ok());
    EXPECT_EQ(c.alive, 1);  // the broken one is gone before the new one opens
  });
  WaitForWaiters(pool, 1);
  static_cast<FakeConnection&>(***held).broken = true;
  held.reset();
  waiter.join();
  EXPECT_EQ(c.opened, 2);
}

// Connections the server ended while they sat idle (a restart) are dropped when taken, not
// handed out to fail a read; their slots count as free, and the pool keeps its size.
TEST(ConnectionPool, IdleConnectionsTheServerEndedAreReplacedWhenTaken) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 2, std::chrono::milliseconds(50));
  {
    auto a = pool.Acquire(), b = pool.Acquire();
    ASSERT_TRUE(a.ok() && b.ok());
  }
  ASSERT_EQ(c.alive, 2);
  c.ended_up_to = 2;
  auto first = pool.Acquire();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE((**first).healthy());
  EXPECT_EQ(c.opened, 3);
  EXPECT_EQ(c.alive, 1);  // both ended ones were dropped
  auto second = pool.Acquire();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(c.alive, 2);
  EXPECT_EQ(pool.Acquire().status().code(), StatusCode::kUnavailable);  // still two at most
}

TEST(ConnectionPool, AFailedOpenFreesTheSlotForTheNextCaller) {
  Counts c;
  ConnectionPool pool(FactoryFor(c), 1, std::chrono::seconds(5));
  c.fail_next_open = true;
  auto failed = pool.Acquire();
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().message(), "connection refused");
  auto next = pool.Acquire();  // the slot was given back: this one opens
  EXPECT_TRUE(next.ok());
  EXPECT_EQ(c.opened, 1);
}

}  // namespace
}  // namespace authgent::storage::sql
