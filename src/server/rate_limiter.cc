#include "server/rate_limiter.h"

namespace authgent::server {

RateDecision LocalRateLimiter::Hit(const std::string& key, int64_t limit, int64_t window_seconds) {
  if (limit <= 0) return {};
  int64_t now = clock_.Now();
  int64_t start = now - now % window_seconds;
  std::lock_guard lock(mu_);
  if (now - last_sweep_ >= window_seconds) {
    // Forget finished windows so the map does not grow with every client ever seen.
    std::erase_if(windows_, [&](const auto& item) { return item.second.start + window_seconds <= now; });
    last_sweep_ = now;
  }
  Window& w = windows_[key];
  if (w.start != start) w = {start, 0};
  ++w.count;
  if (w.count > limit) return {false, start + window_seconds - now};
  return {};
}

StatusOr<RateDecision> SharedRateLimiter::Hit(const std::string& key, int64_t limit,
                                              int64_t window_seconds) {
  if (limit <= 0) return RateDecision{};
  int64_t now = clock_.Now();
  int64_t start = now - now % window_seconds;
  AUTHGENT_ASSIGN_OR_RETURN(int64_t count,
                            store_.IncrementCounter(key + "@" + std::to_string(start),
                                                    start + window_seconds, now));
  if (count > limit) return RateDecision{false, start + window_seconds - now};
  return RateDecision{};
}

StatusOr<RateDecision> SharedRateLimiter::Check(const std::string& key, int64_t limit,
                                                int64_t window_seconds) {
  if (limit <= 0) return RateDecision{};
  int64_t now = clock_.Now();
  int64_t start = now - now % window_seconds;
  AUTHGENT_ASSIGN_OR_RETURN(int64_t count,
                            store_.GetCounter(key + "@" + std::to_string(start), now));
  if (count >= limit) return RateDecision{false, start + window_seconds - now};
  return RateDecision{};
}

}  // namespace authgent::server
