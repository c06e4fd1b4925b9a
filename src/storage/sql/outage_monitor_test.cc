// Tests that an outage starts on kUnavailable only, ends on any answer to a call begun after it, and that observed
// connections and factories report every outcome.
#include "storage/sql/outage_monitor.h"

#include <gtest/gtest.h>

namespace authgent::storage::sql {
namespace {

// A connection whose every call returns `next`.
class ScriptedConnection final : public SqlConnection {
 public:
  explicit ScriptedConnection(Status& next) : next_(next) {}
  StatusOr<SqlResult> Execute(std::string_view, std::span<const SqlParam>) override {
    if (!next_.ok()) return next_;
    return SqlResult{};
  }
  Status Script(std::string_view) override { return next_; }
  Status Begin(bool) override { return next_; }
  Status Commit() override { return next_; }
  Status Rollback() override { return next_; }
  Status LockForMigration() override { return next_; }
  Status LockTable(std::string_view) override { return next_; }
  SqlDialect dialect() const override { return SqlDialect::kSqlite; }
  bool healthy() const override { return true; }

 private:
  Status& next_;
};

TEST(OutageMonitor, OnlyUnavailableStartsAnOutageAndAnyAnswerEndsIt) {
  OutageMonitor monitor("test");
  monitor.Record(NotFoundError("no such row"));
  monitor.Record(AlreadyExistsError("duplicate"));
  EXPECT_FALSE(monitor.in_outage());
  monitor.Record(UnavailableError("connection refused"));
  EXPECT_TRUE(monitor.in_outage());
  monitor.Record(UnavailableError("connection refused"));
  EXPECT_TRUE(monitor.in_outage());
  monitor.Record(NotFoundError("the database answered"));
  EXPECT_FALSE(monitor.in_outage());
  monitor.Record(UnavailableError("timed out"));
  monitor.RecordAnswer();
  EXPECT_FALSE(monitor.in_outage());
}

TEST(OutageMonitor, ALateFailureOfACallBegunDuringTheOutageStartsNoNewOne) {
  OutageMonitor monitor("test");
  auto begun_during_outage = OutageMonitor::Clock::now();
  monitor.Record(UnavailableError("connection refused"), begun_during_outage);
  EXPECT_TRUE(monitor.in_outage());
  monitor.RecordAnswer();
  EXPECT_FALSE(monitor.in_outage());
  // A call stuck since before the recovery times out now: the outage it saw has ended.
  monitor.Record(UnavailableError("timed out"), begun_during_outage);
  EXPECT_FALSE(monitor.in_outage());
  // A call begun after the recovery that fails is a new outage.
  monitor.Record(UnavailableError("connection refused"));
  EXPECT_TRUE(monitor.in_outage());
}

TEST(OutageMonitor, ALateAnswerToACallBegunBeforeTheOutageDoesNotEndIt) {
  OutageMonitor monitor("test");
  auto begun_before_outage = OutageMonitor::Clock::now();
  // The database terminates one connection while another call on a second one is in flight.
  monitor.Record(UnavailableError("terminating connection due to administrator command"));
  ASSERT_TRUE(monitor.in_outage());
  // That call's answer arrives now: it was given before the database went away.
  monitor.RecordAnswer(begun_before_outage);
  EXPECT_TRUE(monitor.in_outage());
  monitor.Record(Status::Ok(), begun_before_outage);
  EXPECT_TRUE(monitor.in_outage());
  // The first answer to a call begun after the outage was noticed ends it.
  monitor.RecordAnswer();
  EXPECT_FALSE(monitor.in_outage());
}

TEST(OutageMonitor, ObservedConnectionReportsEveryCall) {
  auto monitor = std::make_shared<OutageMonitor>("test");
  Status next = Status::Ok();
  std::unique_ptr<SqlConnection> conn =
      monitor->Observe(std::make_unique<ScriptedConnection>(next));
  next = UnavailableError("gone");
  EXPECT_EQ(conn->Query("SELECT 1", {}).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(monitor->in_outage());
  next = Status::Ok();
  EXPECT_TRUE(conn->Commit().ok());
  EXPECT_FALSE(monitor->in_outage());
  next = UnavailableError("gone");
  EXPECT_FALSE(conn->Begin(true).ok());
  EXPECT_TRUE(monitor->in_outage());
  next = Status::Ok();
  EXPECT_TRUE(conn->Query("SELECT 1", {}).ok());
  EXPECT_FALSE(monitor->in_outage());
}

TEST(OutageMonitor, ObservedFactoryReportsFailedConnects) {
  auto monitor = std::make_shared<OutageMonitor>("test");
  Status next = Status::Ok();
  bool refuse = true;
  ConnectionFactory factory = OutageMonitor::Observed(
      [&]() -> StatusOr<std::unique_ptr<SqlConnection>> {
        if (refuse) return UnavailableError("cannot connect");
        return std::unique_ptr<SqlConnection>(std::make_unique<ScriptedConnection>(next));
      },
      monitor);
  EXPECT_FALSE(factory().ok());
  EXPECT_TRUE(monitor->in_outage());
  refuse = false;
  auto opened = factory();
  ASSERT_TRUE(opened.ok());
  EXPECT_FALSE(monitor->in_outage());
  next = UnavailableError("dropped");
  EXPECT_FALSE((*opened)->Script("SELECT 1").ok());
  EXPECT_TRUE(monitor->in_outage());
}

}  // namespace
}  // namespace authgent::storage::sql
