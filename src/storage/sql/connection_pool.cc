#include "storage/sql/connection_pool.h"

#include <algorithm>

#include "core/thread_role.h"

namespace authgent::storage::sql {

// `open_` counts slots: connections idle or leased, and those being opened. A slot freed while
// someone waits passes to that waiter instead of being counted down and up again, so a caller
// arriving meanwhile cannot take it and push the pool over its size.

StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  CheckMayBlock("a database connection");
  // Until a connection is in hand (opening a new one included).
  ScopedTimer waited(wait_histogram_);
  std::unique_lock lock(mu_);
  // Nobody in line: take an idle connection or open one. Otherwise queue behind the others.
  if (waiters_.empty()) {
    while (!idle_.empty()) {
      std::unique_ptr<SqlConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      // One the server ended while it sat here (a restart, a failover) is dropped now, not
      // handed out to fail its caller's read: its slot is free for a new one.
      if (conn->healthy()) return Lease(this, std::move(conn));
      --open_;
    }
    if (open_ < max_size_) {
      ++open_;
      return Open(lock);
    }
  }
  Waiter me;
  waiters_.push_back(&me);
  bool served = me.cv.wait_for(lock, acquire_timeout_, [&] { return me.conn || me.may_open; });
  if (!served) {
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
    return UnavailableError("no database connection free within the timeout");
  }
  if (me.conn) return Lease(this, std::move(me.conn));
  return Open(lock);
}

StatusOr<ConnectionPool::Lease> ConnectionPool::Open(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  // Connect outside the lock: it may take a network round trip.
  StatusOr<std::unique_ptr<SqlConnection>> conn = factory_();
  if (conn.ok()) return Lease(this, std::move(conn).value());
  lock.lock();
  FreeSlot();
  return conn.status();
}

Status ConnectionPool::OpenAll() {
  // Each lease is held until the end, so that the next Acquire() cannot reuse it and must open
  // another; released together, they are all idle.
  std::vector<Lease> held;
  auto full = [this] {
    std::lock_guard lock(mu_);
    return open_ >= max_size_;
  };
  while (!full()) {
    StatusOr<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    held.push_back(std::move(lease).value());
  }
  return Status::Ok();
}

void ConnectionPool::FreeSlot() {
  if (waiters_.empty()) {
    --open_;
    return;
  }
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->may_open = true;
  next->cv.notify_one();
}

void ConnectionPool::Release(std::unique_ptr<SqlConnection> conn) {
  std::lock_guard lock(mu_);
  if (!conn->healthy()) {
    conn.reset();
    FreeSlot();
    return;
  }
  if (waiters_.empty()) {
    idle_.push_back(std::move(conn));
    return;
  }
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->conn = std::move(conn);
  next->cv.notify_one();
}

size_t ConnectionPool::Waiting() {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace authgent::storage::sql
