// storage/storage_metrics: where a store reports how long its work takes (core/metrics), for
// the server's /metrics. Every pointer may be null (nothing measured); set before serving.
#pragma once

#include "core/metrics.h"

namespace authgent::storage {

struct StorageMetrics {
  Histogram* read_transaction = nullptr;   // a read on a pooled connection, µs, wait included
  Histogram* write_transaction = nullptr;  // a write transaction (or a shared SQLite batch), µs
  Histogram* pool_wait = nullptr;          // waiting for a pooled connection, µs
  Histogram* batch_size = nullptr;         // writes sharing one commit
};

}  // namespace authgent::storage
