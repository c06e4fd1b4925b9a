// storage/counter_store: counters shared by every instance (rate limits). Part of the Store
// (storage/store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/completion.h"
#include "storage/records.h"

namespace authgent::storage {

// One count of AddToRateCounters: `key` gets one more event, is created (or restarts) expiring at
// `expires_at`, and passes its limit when its new value exceeds `limit`.
struct RateCount {
  std::string key;
  int64_t limit = 0;
  int64_t expires_at = 0;
};

class CounterStore {
 public:
  virtual ~CounterStore() = default;

  // Adds `delta` to `key` (created at `delta` if absent or expired, expiring at `expires_at`) and
  // returns the new value once it is as durable as a grant (a client assertion's jti, which must
  // not be accepted twice). A negative delta takes back an earlier addition.
  virtual StatusOr<int64_t> AddToCounter(const std::string& key, int64_t delta, int64_t expires_at,
                                         int64_t now) = 0;
  // The same addition for a count that only limits a rate (SharedRateLimiter). On PostgreSQL it
  // is a transaction of its own beside the batched writes, committed without waiting for the
  // WAL flush: it never waits behind other writes nor holds its row while a batch commits, and
  // a database crash may forget the last additions (a limit then lets a few more requests
  // through). On SQLite it is AddToCounter.
  virtual StatusOr<int64_t> AddToRateCounter(const std::string& key, int64_t delta,
                                             int64_t expires_at, int64_t now) = 0;
  // Several rate counts at once, for limits that each count one event: adds 1 to each of
  // `counts` in order, as AddToRateCounter does, and stops after the first whose new value passes
  // its limit (the later ones are not counted: one address over its own limit must not use up a
  // limit it shares with others). `done` gets the new values of those counted, in order
  // (storage/completion.h: on the store's thread, so a network thread can count without
  // blocking; at once, on the caller's thread, when `counts` is empty). On PostgreSQL it is one
  // statement (one round trip where each count took one); on SQLite one job of the batch writer
  // with the counts one after another.
  virtual void AddToRateCounters(std::vector<RateCount> counts, int64_t now,
                                 Completion<std::vector<int64_t>> done) = 0;
  // The current value of `key` (0 when absent or expired).
  virtual StatusOr<int64_t> GetCounter(const std::string& key, int64_t now) = 0;
};

// AddToRateCounters waited for, by a thread that may block (a worker, a test).
inline StatusOr<std::vector<int64_t>> AddToRateCountersAndWait(CounterStore& store,
                                                               std::vector<RateCount> counts,
                                                               int64_t now) {
  return Await<StatusOr<std::vector<int64_t>>>([&](Completion<std::vector<int64_t>> done) {
    store.AddToRateCounters(std::move(counts), now, std::move(done));
  });
}

}  // namespace authgent::storage
