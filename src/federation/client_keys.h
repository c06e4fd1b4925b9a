// federation/client_keys: the public keys a private_key_jwt client signs its assertions with
// (oauth/client_assertion): the key set in its metadata, or the one at its jwks_uri, fetched with
// the address guard (federation/http_fetcher: a stranger may have chosen the URL) and kept in a
// verify::JwksCache per URL: its Cache-Control is honoured within bounds, an unknown kid
// refetches at most once a minute, a failed refetch keeps the last good set, a failed fetch is
// not repeated for 30 s, and while the first fetch of a URL is in flight other requests are
// refused at once rather than made to wait. At most
// `max_urls` sets are kept; past that the cache starts over (a stranger registering many key
// URLs cannot grow memory without bound).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>

#include "authgent/verify/jwks_cache.h"
#include "core/clock.h"
#include "federation/http_fetcher.h"
#include "storage/records.h"

namespace authgent::federation {

class ClientKeys {
 public:
  ClientKeys(HttpFetcher& fetcher, const Clock& clock, size_t max_urls = 1000);

  // The client's key set, or why there is none (client-safe). `unknown_kid`: the last set lacked
  // the assertion's kid, so a jwks_uri may be refetched (rate-limited by the cache).
  std::variant<std::shared_ptr<const verify::Jwks>, std::string> For(const storage::Client& client,
                                                                     bool unknown_kid = false);

 private:
  std::shared_ptr<verify::JwksCache> CacheFor(const std::string& url);

  std::shared_ptr<verify::JwksFetcher> fetcher_;
  const Clock& clock_;
  const size_t max_urls_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<verify::JwksCache>> caches_;  // guarded by mu_
};

}  // namespace authgent::federation
