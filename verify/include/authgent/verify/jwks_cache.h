// authgent/verify/jwks_cache: the authorization server's JWKS, fetched and kept fresh.
//
//  - The set is refetched when its Cache-Control max-age has passed (bounded by min/max TTLs).
//  - A token with an unknown `kid` triggers a refetch, at most once per `min_refetch_interval`:
//    new keys are picked up quickly, and a flood of garbage kids cannot flood the server.
//  - A failed fetch keeps the last good set (a brief outage of the authorization server must not
//    take every MCP server down with it).
//  - A fetch runs outside the lock: while it is in flight, other callers get the last good set at
//    once (only before the first successful fetch do they wait for it).
// Fetching goes through JwksFetcher, so any HTTP client can be used (CurlJwksFetcher is provided
// in the optional authgent::verify_curl target). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "authgent/verify/jwks.h"

namespace authgent::verify {

struct JwksFetchResult {
  bool ok = false;             // a response arrived (any status)
  long status = 0;
  std::string body;
  std::string cache_control;   // the response's Cache-Control header, if any
  std::string error;           // why not ok
};

class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  virtual JwksFetchResult Fetch(const std::string& url) = 0;
};

struct JwksCacheOptions {
  int64_t min_refetch_interval = 60;  // seconds between refetches caused by unknown kids
  int64_t default_ttl = 300;          // when the response has no usable max-age
  int64_t min_ttl = 30;
  int64_t max_ttl = 86400;
  // Before any set was fetched, callers wait for a fetch in flight (an MCP server's own
  // authorization server). false: they get nullptr at once instead, for URLs a stranger chose,
  // where waiting would let one slow host hold many threads.
  bool wait_for_first_fetch = true;
};

// Seconds of `max-age` in a Cache-Control value; nullopt when absent or `no-store`/`no-cache`.
std::optional<int64_t> MaxAge(const std::string& cache_control);

class JwksCache {
 public:
  // `now` returns Unix seconds (injected so tests control time).
  JwksCache(std::string url, std::shared_ptr<JwksFetcher> fetcher, JwksCacheOptions options = {},
            std::function<int64_t()> now = nullptr);

  // The current key set, fetching it when there is none or it is stale. nullptr only when no
  // fetch has ever succeeded.
  std::shared_ptr<const Jwks> Get();
  // Called on an unknown kid: refetches unless one happened within min_refetch_interval.
  // Returns the (possibly new) set.
  std::shared_ptr<const Jwks> RefreshForUnknownKid();
  // The last fetch error, empty after a success.
  std::string last_error() const;

 private:
  // Fetches unless a fetch is in flight (then: the last good set, or wait when there is none).
  // `lock` holds mu_ on entry and on return; it is released during the fetch.
  std::shared_ptr<const Jwks> Fetch(std::unique_lock<std::mutex>& lock, int64_t now);
  void Apply(const JwksFetchResult& result, int64_t now);  // mu_ held

  const std::string url_;
  const std::shared_ptr<JwksFetcher> fetcher_;
  const JwksCacheOptions options_;
  const std::function<int64_t()> now_;
  mutable std::mutex mu_;
  std::condition_variable fetched_;
  bool fetching_ = false;
  std::shared_ptr<const Jwks> jwks_;
  int64_t expires_at_ = 0;
  int64_t last_fetch_ = 0;
  bool fetched_once_ = false;
  std::string last_error_;
};

}  // namespace authgent::verify
