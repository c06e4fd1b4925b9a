// storage/postgres: the shared backend for several authgent instances. libpq, a bounded pool of
// connections, statements prepared once per connection, and a transaction-scoped advisory lock
// so that instances starting together apply each migration exactly once.
#pragma once

#include <memory>
#include <string>

#include "storage/store.h"

namespace authgent::storage {

struct PostgresOptions {
  std::string conninfo;  // a libpq URI (postgres://...) or key=value string
  std::string password;  // used when conninfo carries none (DATABASE_PASSWORD)
  // Batch writers, each with a thread and a connection of its own (storage/sql/sql_store.h):
  // while one waits for its commit's WAL flush and its round trips, another runs its batch.
  int writers = 2;
  // When set, every connection uses this schema (created if missing): lets tests share one
  // database without seeing each other's tables.
  std::string schema;
  int connect_timeout_seconds = 5;
  // The server ends any statement running longer (statement_timeout), and the client gives up
  // on a connection whose reply is a second later than that (a frozen database): requests fail
  // fast with kUnavailable instead of hanging. The migration transaction is exempt.
  int statement_timeout_ms = 5000;
};

StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

}  // namespace authgent::storage
