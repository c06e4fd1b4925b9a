// storage/sqlite: the embedded backend. One database file in WAL mode (readers never block the
// writer), foreign keys on, a busy timeout so concurrent writers queue instead of failing, and
// write transactions that take the lock up front (BEGIN IMMEDIATE).
#pragma once

#include <memory>
#include <string>

#include "storage/store.h"

namespace authgent::storage {

struct SqliteOptions {
  std::string path;             // the database file; its directory is created if missing
  int pool_size = 4;            // connections (one writes at a time, the others read)
  int busy_timeout_ms = 10000;  // how long a writer waits for the lock before kUnavailable
  // PRAGMA synchronous: "normal" (default; in WAL mode no committed transaction is lost when the
  // process crashes, the last ones may be lost on power failure) or "full" (fsync every commit).
  std::string synchronous = "normal";
};

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace authgent::storage
