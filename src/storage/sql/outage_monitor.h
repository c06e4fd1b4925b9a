// storage/sql/outage_monitor: notices when the database stops answering and when it answers
// again, and says so in the log once each, not once per failed request.
//
// Every connection the store opens is wrapped (Observe()), so every statement, transaction and
// connection attempt reports its outcome. kUnavailable (unreachable, restarting, timed out, disk
// full) starts an outage; any other outcome, errors included, means the database answered and
// ends it. Each outcome is judged by when its call began, so that one outage is logged once:
// a failure of a call begun before the outage ended (one stuck on a frozen connection, timing
// out just after another call got through) starts no new outage, and an answer to a call begun
// before the outage was noticed (in flight on one connection while the database terminated
// another) does not end it. The healthy path costs one clock read and one relaxed atomic load
// per call.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "storage/sql/connection_pool.h"
#include "storage/sql/sql_connection.h"

namespace authgent::storage::sql {

class OutageMonitor {
 public:
  explicit OutageMonitor(std::string database) : database_(std::move(database)) {}

  using Clock = std::chrono::steady_clock;

  // Records the outcome of a call that began at `started`. Logs "storage unavailable" on the
  // first failure of an outage and "storage recovered" (with its length and the calls that
  // failed) on the first answer to a call begun after that.
  void Record(const Status& status, Clock::time_point started = Clock::now());
  // Record(Status::Ok(), started) without building a Status: the hot path.
  void RecordAnswer(Clock::time_point started = Clock::now()) {
    if (down_.load(std::memory_order_relaxed)) Record(Status::Ok(), started);
  }
  bool in_outage() const { return down_.load(std::memory_order_relaxed); }

  // Wraps a driver's connection so that every call is recorded here.
  std::unique_ptr<SqlConnection> Observe(std::unique_ptr<SqlConnection> connection);
  // Wraps a connection factory: its failures are recorded, and its connections observed.
  static ConnectionFactory Observed(ConnectionFactory factory,
                                    std::shared_ptr<OutageMonitor> monitor);

 private:
  const std::string database_;
  std::atomic<bool> down_{false};
  std::mutex mu_;
  Clock::time_point since_;  // when the outage was noticed; answers to calls begun before are late
  Clock::time_point recovered_at_;  // the end of the last outage; calls begun before it are late
  int64_t failed_calls_ = 0;
};

}  // namespace authgent::storage::sql
