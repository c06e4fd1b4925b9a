#include "storage/sql/outage_monitor.h"

#include "core/log.h"

namespace authgent::storage::sql {

void OutageMonitor::Record(const Status& status, Clock::time_point started) {
  bool failed = status.code() == StatusCode::kUnavailable;
  if (!failed && !down_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mu_);
  bool down = down_.load(std::memory_order_relaxed);
  if (failed) {
    if (down) {
      ++failed_calls_;
      return;
    }
    if (started < recovered_at_) return;  // a straggler of the outage that already ended
    down_.store(true, std::memory_order_relaxed);
    since_ = Clock::now();
    failed_calls_ = 1;
    log::Error("storage unavailable", {{"database", database_}, {"error", status.message()}});
    return;
  }
  if (!down) return;
  if (started < since_) return;  // answered before the database went away
  down_.store(false, std::memory_order_relaxed);
  recovered_at_ = Clock::now();
  auto lasted = std::chrono::duration_cast<std::chrono::milliseconds>(recovered_at_ - since_);
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

  StatusOr<SqlResult> Execute(std::string_view sql, std::span<const SqlParam> params) override {
    auto started = OutageMonitor::Clock::now();
    StatusOr<SqlResult> result = inner_->Execute(sql, params);
    if (result.ok()) monitor_.RecordAnswer(started);
    else monitor_.Record(result.status(), started);
    return result;
  }
  Status Script(std::string_view sql) override {
    return Recorded([&] { return inner_->Script(sql); });
  }
  // Only a failed BEGIN says something: PostgreSQL's waits to travel with the first statement,
  // so its success is no answer from the database.
  Status Begin(bool write) override {
    auto started = OutageMonitor::Clock::now();
    Status status = inner_->Begin(write);
    if (!status.ok()) monitor_.Record(status, started);
    return status;
  }
  Status Commit() override {
    return Recorded([&] { return inner_->Commit(); });
  }
  Status Rollback() override {
    return Recorded([&] { return inner_->Rollback(); });
  }
  Status LockForMigration() override {
    return Recorded([&] { return inner_->LockForMigration(); });
  }
  Status LockTable(std::string_view table) override {
    return Recorded([&] { return inner_->LockTable(table); });
  }
  bool healthy() const override { return inner_->healthy(); }
  SqlDialect dialect() const override { return inner_->dialect(); }
  bool CanPipeline() const override { return inner_->CanPipeline(); }
  void SetAutocommitFlights() override {
    SqlConnection::SetAutocommitFlights();
    inner_->SetAutocommitFlights();
  }
  std::optional<size_t> SendFlight(const std::vector<DeferredStatement*>& flight) override {
    auto started = OutageMonitor::Clock::now();
    std::optional<size_t> failed = inner_->SendFlight(flight);
    if (!failed)
      monitor_.RecordAnswer(started);
    else
      monitor_.Record(flight[*failed]->result->status(), started);
    return failed;
  }

 private:
  template <typename Call>
  Status Recorded(Call call) {
    auto started = OutageMonitor::Clock::now();
    Status status = call();
    if (status.ok()) monitor_.RecordAnswer(started);
    else monitor_.Record(status, started);
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
    auto started = Clock::now();
    StatusOr<std::unique_ptr<SqlConnection>> opened = factory();
    if (!opened.ok()) {
      monitor->Record(opened.status(), started);
      return opened;
    }
    monitor->RecordAnswer(started);
    return monitor->Observe(std::move(*opened));
  };
}

}  // namespace authgent::storage::sql
