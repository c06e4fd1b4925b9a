#include "server/rate_limiter.h"

#include <algorithm>

#include "server/web.h"

namespace authgent::server {

RateDecision LocalRateLimiter::Hit(const std::string& key, int64_t limit, int64_t window_seconds) {
  return Count(key, limit, window_seconds, true);
}

RateDecision LocalRateLimiter::Check(const std::string& key, int64_t limit,
                                     int64_t window_seconds) {
  return Count(key, limit, window_seconds, false);
}

RateDecision LocalRateLimiter::Count(const std::string& key, int64_t limit, int64_t window_seconds,
                                     bool increment) {
  if (limit <= 0) return {};
  int64_t now = clock_.Now();
  int64_t start = now - now % window_seconds;
  std::lock_guard lock(mu_);
  if (now - last_sweep_ >= window_seconds) {
    // Forget finished windows so the map does not grow with every client ever seen.
    std::erase_if(windows_, [&](const auto& item) { return item.second.start + window_seconds <= now; });
    last_sweep_ = now;
  }
  if (!increment) {
    auto it = windows_.find(key);
    if (it != windows_.end() && it->second.start == start && it->second.count >= limit) {
      return {false, start + window_seconds - now};
    }
    return {};
  }
  Window& w = windows_[key];
  if (w.start != start) w = {start, 0};
  ++w.count;
  if (w.count > limit) return {false, start + window_seconds - now};
  return {};
}

namespace {
// One counter per key and window; the window's start is part of the key.
std::string WindowKey(const std::string& key, int64_t start) {
  return key + "@" + std::to_string(start);
}
}  // namespace

StatusOr<RateDecision> SharedRateLimiter::HitAll(const std::vector<SharedLimit>& limits,
                                                 int64_t window_seconds, size_t* refused_by) {
  StatusOr<RateDecision> decision = storage::Await<StatusOr<RateDecision>>(
      [&](storage::Completion<RateDecision> done) { HitAll(limits, window_seconds, done); });
  if (decision.ok() && !decision->allowed && refused_by) *refused_by = decision->refused_by;
  return decision;
}

void SharedRateLimiter::HitAll(const std::vector<SharedLimit>& limits, int64_t window_seconds,
                               storage::Completion<RateDecision> done) {
  int64_t now = clock_.Now();
  int64_t start = now - now % window_seconds;
  std::vector<storage::RateCount> counts;
  std::vector<size_t> index;  // of each count in `limits`
  for (size_t i = 0; i < limits.size(); ++i) {
    if (limits[i].limit <= 0) continue;
    counts.push_back({WindowKey(limits[i].key, start), limits[i].limit, start + window_seconds});
    index.push_back(i);
  }
  if (counts.empty()) return done(RateDecision{});
  std::vector<int64_t> caps;  // each count's limit, for the decision
  for (const storage::RateCount& c : counts) caps.push_back(c.limit);
  int64_t retry_after = start + window_seconds - now;
  store_.AddToRateCounters(std::move(counts), now,
                           [caps = std::move(caps), index = std::move(index), retry_after,
                            done = std::move(done)](StatusOr<std::vector<int64_t>> values) {
                             if (!values.ok()) return done(values.status());
                             for (size_t i = 0; i < values->size(); ++i) {
                               if ((*values)[i] > caps[i])
                                 return done(RateDecision{false, retry_after, index[i]});
                             }
                             if (values->size() != caps.size()) {
                               return done(InternalError("rate counters stopped within limits"));
                             }
                             done(RateDecision{});
                           });
}

StatusOr<RateDecision> SharedRateLimiter::Count(const std::string& key, int64_t limit,
                                                int64_t window_seconds, int64_t delta) {
  if (limit <= 0) return RateDecision{};
  int64_t now = clock_.Now();
  int64_t start = now - now % window_seconds;
  std::string window_key = WindowKey(key, start);
  AUTHGENT_ASSIGN_OR_RETURN(
      int64_t count, delta != 0
                         ? store_.AddToRateCounter(window_key, delta, start + window_seconds, now)
                         : store_.GetCounter(window_key, now));
  // Hit counts this event (refused beyond `limit`); Check refuses once `limit` were counted.
  bool over = delta > 0 ? count > limit : count >= limit;
  if (over) return RateDecision{false, start + window_seconds - now};
  return RateDecision{};
}

StatusOr<RateDecision> SharedRateLimiter::Hit(const std::string& key, int64_t limit,
                                              int64_t window_seconds) {
  return Count(key, limit, window_seconds, 1);
}

StatusOr<RateDecision> SharedRateLimiter::Check(const std::string& key, int64_t limit,
                                                int64_t window_seconds) {
  return Count(key, limit, window_seconds, 0);
}

Status SharedRateLimiter::Refund(const std::string& key, int64_t limit, int64_t window_seconds) {
  return Count(key, limit, window_seconds, -1).status();
}

http::AsyncStep CountThen(
    SharedRateLimiter& limiter, std::vector<SharedLimit> limits, int64_t window_seconds,
    std::function<std::optional<http::Response>(const StatusOr<RateDecision>&)> refusal,
    std::function<http::AsyncStep()> next) {
  if (std::none_of(limits.begin(), limits.end(),
                   [](const SharedLimit& l) { return l.limit > 0; })) {
    return next();  // nothing to count: no wait
  }
  return After<StatusOr<RateDecision>>(
      [&limiter, limits = std::move(limits),
       window_seconds](storage::Completion<RateDecision> done) {
        limiter.HitAll(limits, window_seconds, std::move(done));
      },
      [refusal = std::move(refusal), next = std::move(next)](StatusOr<RateDecision> decision) {
        if (std::optional<http::Response> refused = refusal(decision)) {
          return http::AsyncStep(std::move(*refused));
        }
        return next();
      });
}

}  // namespace authgent::server
