#include "authgent/verify/jwks_cache.h"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace authgent::verify {

std::optional<int64_t> MaxAge(const std::string& cache_control) {
  std::string lower = cache_control;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.find("no-store") != std::string::npos || lower.find("no-cache") != std::string::npos) {
    return std::nullopt;
  }
  size_t at = lower.find("max-age=");
  if (at == std::string::npos) return std::nullopt;
  at += 8;
  int64_t value = 0;
  size_t digits = 0;
  while (at < lower.size() && std::isdigit(static_cast<unsigned char>(lower[at])) && digits < 10) {
    value = value * 10 + (lower[at] - '0');
    ++at;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return value;
}

JwksCache::JwksCache(std::string url, std::shared_ptr<JwksFetcher> fetcher,
                     JwksCacheOptions options, std::function<int64_t()> now)
    : url_(std::move(url)),
      fetcher_(std::move(fetcher)),
      options_(options),
      now_(now ? std::move(now) : [] {
        return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
      }) {}

void JwksCache::Apply(const JwksFetchResult& r, int64_t now) {
  if (!r.ok) {
    last_error_ = "fetch failed: " + r.error;
  } else if (r.status != 200) {
    last_error_ = "HTTP " + std::to_string(r.status);
  } else {
    std::string error;
    std::optional<Jwks> parsed = Jwks::Parse(r.body, &error);
    if (parsed) {
      jwks_ = std::make_shared<const Jwks>(std::move(*parsed));
      int64_t ttl = MaxAge(r.cache_control).value_or(options_.default_ttl);
      expires_at_ = now + std::clamp(ttl, options_.min_ttl, options_.max_ttl);
      last_error_.clear();
      return;
    }
    last_error_ = error;
  }
  // Keep the last good set; try again after the shortest interval rather than at every request.
  expires_at_ = now + options_.min_ttl;
}

std::shared_ptr<const Jwks> JwksCache::Fetch(std::unique_lock<std::mutex>& lock, int64_t now) {
  if (fetching_) {
    // Someone is fetching: verifications go on with the last good set. Only without one is
    // there nothing to do but wait for that fetch.
    if (!jwks_ && options_.wait_for_first_fetch) {
      fetched_.wait(lock, [this] { return !fetching_; });
    }
    return jwks_;
  }
  fetching_ = true;
  last_fetch_ = now;
  fetched_once_ = true;
  lock.unlock();
  JwksFetchResult r = fetcher_->Fetch(url_);  // network I/O, outside the lock
  lock.lock();
  Apply(r, now);
  fetching_ = false;
  fetched_.notify_all();
  return jwks_;
}

std::shared_ptr<const Jwks> JwksCache::Get() {
  std::unique_lock lock(mu_);
  int64_t now = now_();
  bool due = jwks_ ? now >= expires_at_ : (!fetched_once_ || now >= expires_at_);
  if (!due) return jwks_;
  return Fetch(lock, now);
}

std::shared_ptr<const Jwks> JwksCache::RefreshForUnknownKid() {
  std::unique_lock lock(mu_);
  int64_t now = now_();
  if (fetched_once_ && now - last_fetch_ < options_.min_refetch_interval) return jwks_;
  return Fetch(lock, now);
}

std::string JwksCache::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace authgent::verify
