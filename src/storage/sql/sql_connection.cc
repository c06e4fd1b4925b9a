// SqlConnection: the awaitable statement and the flight of a connection that pipelines.
#include "storage/sql/sql_connection.h"

namespace authgent::storage::sql {

bool StatementAwait::Ready(std::span<const SqlParam> params) {
  if (c_.flight_ == nullptr) {
    ran_ = c_.Execute(sql_, params);
    return true;
  }
  deferred_.sql.assign(sql_);
  deferred_.params.reserve(params.size());
  for (const SqlParam& p : params) {
    switch (p.kind) {
      case SqlParam::Kind::kNull:
        deferred_.params.emplace_back();
        break;
      case SqlParam::Kind::kInt:
        deferred_.params.emplace_back(std::to_string(p.integer));
        break;
      case SqlParam::Kind::kText:
        deferred_.params.emplace_back(std::string(p.text));
        break;
    }
  }
  return false;
}

void StatementAwait::Suspend(std::coroutine_handle<> waiter) {
  deferred_.waiter = waiter;
  deferred_.owner = c_.owner_;
  c_.flight_->push_back(&deferred_);
}

StatusOr<SqlResult> StatementAwait::Resume() {
  if (ran_) return std::move(*ran_);
  if (!deferred_.result) return InternalError("a pipelined statement resumed before its flight");
  return std::move(*deferred_.result);
}

Status SqlConnection::RunNow(SqlTask<Status> task) {
  std::vector<DeferredStatement*>* collecting = std::exchange(flight_, nullptr);
  task.Start();
  flight_ = collecting;
  if (!task.done()) return InternalError("a statement waited for a flight in RunNow");
  return task.Take();
}

// One statement after another: what a flight means, for a connection (a test's) that says it
// pipelines without a protocol of its own. Integers travel as text, as they do to PostgreSQL.
std::optional<size_t> SqlConnection::SendFlight(const std::vector<DeferredStatement*>& flight) {
  std::optional<size_t> failed;
  for (size_t i = 0; i < flight.size(); ++i) {
    DeferredStatement& d = *flight[i];
    std::vector<SqlParam> params;
    params.reserve(d.params.size());
    for (const std::optional<std::string>& p : d.params) {
      params.push_back(p ? SqlParam(*p) : SqlParam(nullptr));
    }
    d.result = Execute(d.sql, params);
    if (d.result->ok() || failed) continue;
    failed = i;
    if (!autocommit_flights_) return failed;  // the transaction is broken: nothing after it runs
  }
  return failed;
}

}  // namespace authgent::storage::sql
