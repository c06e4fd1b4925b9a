// storage/counter_store: counters shared by every instance (rate limits). Part of the Store
// (storage/store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/records.h"

namespace authgent::storage {

class CounterStore {
 public:
  virtual ~CounterStore() = default;

  // Adds `delta` to `key` (created at `delta` if absent or expired, expiring at `expires_at`) and
  // returns the new value. A negative delta takes back an earlier addition.
  virtual StatusOr<int64_t> AddToCounter(const std::string& key, int64_t delta, int64_t expires_at,
                                         int64_t now) = 0;
  // The current value of `key` (0 when absent or expired).
  virtual StatusOr<int64_t> GetCounter(const std::string& key, int64_t now) = 0;
};

}  // namespace authgent::storage
