// storage/sql/connection_pool: a bounded pool of database connections, opened lazily.
//
// Acquire() blocks while every connection is in use, up to a timeout (then kUnavailable), so a
// burst of requests queues instead of opening unbounded connections. Broken connections are
// dropped on release and replaced on demand.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/sql/sql_connection.h"

namespace authgent::storage::sql {

using ConnectionFactory = std::function<StatusOr<std::unique_ptr<SqlConnection>>()>;

class ConnectionPool {
 public:
  ConnectionPool(ConnectionFactory factory, int max_size, std::chrono::milliseconds acquire_timeout)
      : factory_(std::move(factory)), max_size_(max_size), acquire_timeout_(acquire_timeout) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ && conn_) pool_->Release(std::move(conn_));
    }
    SqlConnection& operator*() { return *conn_; }
    SqlConnection* operator->() { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> conn_;
  };

  StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<SqlConnection> conn);

  ConnectionFactory factory_;
  const int max_size_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  int open_ = 0;  // connections in existence (idle or leased)
};

}  // namespace authgent::storage::sql
