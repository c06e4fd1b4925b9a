#include "storage/sql/outage_monitor.h"

#include "core/log.h"

namespace authgent::storage::sql {

void OutageMonitor::Record(const Status& status) {
  bool failed = status.code() == StatusCode::kUnavailable;
  if (!failed && !down_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mu_);
  bool down = down_.load(std::memory_order_relaxed);
  if (failed) {
    ++failed_calls_;
    if (down) return;
    down_.store(true, std::memory_order_relaxed);
    since_ = std::chrono::steady_clock::now();
    failed_calls_ = 1;
    log::Error("storage unavailable", {{"database", database_}, {"error", status.message()}});
    return;
  }
  if (!down) return;
  down_.store(false, std::memory_order_relaxed);
  auto lasted = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - since_);
  log::Info("storage recovered", {{"database", database_},
                                  {"outage_ms", static_cast<int64_t>(lasted.count())},
                                  {"failed_calls", failed_calls_}});
}

namespace {

// Forwards every call to the driver's connection and records its outcome.
class ObservedConnection final : public SqlConnection {
 public:
  ObservedConnection(std::unique_ptr<SqlConnection> inner, OutageMonitor& monitor)
      : inner_(std::move(inner)), monitor_(monitor) {}

  StatusOr<SqlResult> Query(std::string_view sql, std::initializer_list<SqlParam> params) override {
    StatusOr<SqlResult> result = inner_->Query(sql, params);
    if (result.ok()) monitor_.RecordAnswer();
    else monitor_.Record(result.status());
    return result;
  }
  Status Script(std::string_view sql) override { return Recorded(inner_->Script(sql)); }
  Status Begin(bool write) override { return Recorded(inner_->Begin(write)); }
  Status Commit() override { return Recorded(inner_->Commit()); }
  Status Rollback() override { return Recorded(inner_->Rollback()); }
  Status LockForMigration() override { return Recorded(inner_->LockForMigration()); }
  Status LockTable(std::string_view table) override { return Recorded(inner_->LockTable(table)); }
  bool healthy() const override { return inner_->healthy(); }

 private:
  Status Recorded(Status status) {
    if (status.ok()) monitor_.RecordAnswer();
    else monitor_.Record(status);
    return status;
  }
  std::unique_ptr<SqlConnection> inner_;
  OutageMonitor& monitor_;
};

}  // namespace

std::unique_ptr<SqlConnection> OutageMonitor::Observe(std::unique_ptr<SqlConnection> connection) {
  return std::make_unique<ObservedConnection>(std::move(connection), *this);
}

}  // namespace authgent::storage::sql

namespace authgent::storage::sql {

ConnectionFactory OutageMonitor::Observed(ConnectionFactory factory,
                                          std::shared_ptr<OutageMonitor> monitor) {
  return [factory = std::move(factory),
          monitor = std::move(monitor)]() -> StatusOr<std::unique_ptr<SqlConnection>> {
    StatusOr<std::unique_ptr<SqlConnection>> opened = factory();
    if (!opened.ok()) {
      monitor->Record(opened.status());
      return opened;
    }
    monitor->RecordAnswer();
    return monitor->Observe(std::move(*opened));
  };
}

}  // namespace authgent::storage::sql
