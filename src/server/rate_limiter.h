// server/rate_limiter: fixed-window request counting.
//
// LocalRateLimiter counts in this process (token requests: cheap, no database write per request;
// with N instances the effective limit is N times the setting). SharedRateLimiter counts in the
// store, so every instance sees the same numbers (registration spam, login guessing).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "http/router.h"
#include "storage/counter_store.h"

namespace authgent::server {

struct RateDecision {
  bool allowed = true;
  int64_t retry_after = 0;  // seconds until the window ends, when not allowed
  size_t refused_by = 0;    // SharedRateLimiter::HitAll: the index in its limits that refused
};

class LocalRateLimiter {
 public:
  explicit LocalRateLimiter(const Clock& clock) : clock_(clock) {}
  // Counts one event for `key`; refuses once more than `limit` happened in the current window.
  // limit 0 means unlimited.
  RateDecision Hit(const std::string& key, int64_t limit, int64_t window_seconds);
  // Whether `key` already had `limit` events in the current window, without counting one (for
  // limits that count only what turned out to be genuine, after the fact).
  RateDecision Check(const std::string& key, int64_t limit, int64_t window_seconds);

 private:
  RateDecision Count(const std::string& key, int64_t limit, int64_t window_seconds, bool increment);
  struct Window {
    int64_t start = 0;
    int64_t count = 0;
  };
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
  int64_t last_sweep_ = 0;
};

// One limit of SharedRateLimiter::HitAll: at most `limit` events a window for `key` (0: off).
struct SharedLimit {
  std::string key;
  int64_t limit = 0;
};

class SharedRateLimiter {
 public:
  SharedRateLimiter(storage::CounterStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  // Counts one event for `key` in the store. A store fault is returned (the caller decides).
  StatusOr<RateDecision> Hit(const std::string& key, int64_t limit, int64_t window_seconds);
  // Hit for each of `limits` in order (those off skipped), in one store call: the first that
  // refuses ends the counting, and the later ones are not counted. `refused_by`, when given, is
  // set to the index in `limits` of the one that refused.
  StatusOr<RateDecision> HitAll(const std::vector<SharedLimit>& limits, int64_t window_seconds,
                                size_t* refused_by = nullptr);
  // The same for a caller that must not block (a network thread): `done` gets the decision on
  // the store's thread (storage/completion.h), or at once when every limit is off.
  void HitAll(const std::vector<SharedLimit>& limits, int64_t window_seconds,
              storage::Completion<RateDecision> done);
  // Whether `key` is already over `limit` in the current window, without counting.
  StatusOr<RateDecision> Check(const std::string& key, int64_t limit, int64_t window_seconds);
  // Takes back one event Hit counted in the current window (it turned out not to be one).
  Status Refund(const std::string& key, int64_t limit, int64_t window_seconds);

 private:
  StatusOr<RateDecision> Count(const std::string& key, int64_t limit, int64_t window_seconds,
                               int64_t delta);
  storage::CounterStore& store_;
  const Clock& clock_;
};

// The step that counts `limits` (those off skipped) on the store's thread without a waiting
// thread, then goes on with `next`; or answers what `refusal` makes of a decision that refuses
// or could not be made (nothing from it: go on). With every limit off, `next` at once.
http::AsyncStep CountThen(
    SharedRateLimiter& limiter, std::vector<SharedLimit> limits, int64_t window_seconds,
    std::function<std::optional<http::Response>(const StatusOr<RateDecision>&)> refusal,
    std::function<http::AsyncStep()> next);

}  // namespace authgent::server
