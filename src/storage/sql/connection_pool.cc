#include "storage/sql/connection_pool.h"

namespace authgent::storage::sql {

StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  bool ready = cv_.wait_for(lock, acquire_timeout_,
                            [&] { return !idle_.empty() || open_ < max_size_; });
  if (!ready) return UnavailableError("no database connection free within the timeout");
  if (!idle_.empty()) {
    std::unique_ptr<SqlConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  // Connect outside the lock: it may take a network round trip.
  StatusOr<std::unique_ptr<SqlConnection>> conn = factory_();
  if (!conn.ok()) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

void ConnectionPool::Release(std::unique_ptr<SqlConnection> conn) {
  std::lock_guard lock(mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

}  // namespace authgent::storage::sql
