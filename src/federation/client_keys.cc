#include "federation/client_keys.h"

#include "oauth/client_assertion.h"

namespace authgent::federation {
namespace {

// verify::JwksCache fetches through this: the guarded HttpFetcher underneath.
class GuardedJwksFetcher final : public verify::JwksFetcher {
 public:
  explicit GuardedJwksFetcher(HttpFetcher& fetcher) : fetcher_(fetcher) {}
  verify::JwksFetchResult Fetch(const std::string& url) override {
    verify::JwksFetchResult result;
    StatusOr<FetchResponse> response = fetcher_.Get(url);
    if (!response.ok()) {
      result.error = response.status().message();
      return result;
    }
    result.ok = true;
    result.status = response->status;
    result.body = std::move(response->body);
    result.cache_control = std::move(response->cache_control);
    return result;
  }

 private:
  HttpFetcher& fetcher_;
};

}  // namespace

ClientKeys::ClientKeys(HttpFetcher& fetcher, const Clock& clock, size_t max_urls)
    : fetcher_(std::make_shared<GuardedJwksFetcher>(fetcher)), clock_(clock), max_urls_(max_urls) {}

std::variant<std::shared_ptr<const verify::Jwks>, std::string> ClientKeys::For(
    const storage::Client& client, bool unknown_kid) {
  oauth::ClientKeySource source = oauth::KeySourceOf(client);
  if (!source.jwks_json.empty()) {
    auto keys = verify::Jwks::Parse(source.jwks_json);
    if (!keys || keys->keys().empty()) return std::string("the client's jwks holds no usable key");
    return std::make_shared<const verify::Jwks>(std::move(*keys));
  }
  if (source.jwks_uri.empty()) return std::string("the client registered no keys");
  std::shared_ptr<verify::JwksCache> cache = CacheFor(source.jwks_uri);
  std::shared_ptr<const verify::Jwks> keys =
      unknown_kid ? cache->RefreshForUnknownKid() : cache->Get();
  if (!keys) {
    std::string error = cache->last_error();
    if (error.empty()) return std::string("the client's keys are being fetched; try again shortly");
    return "the client's jwks_uri could not be fetched: " + error;
  }
  return keys;
}

std::shared_ptr<verify::JwksCache> ClientKeys::CacheFor(const std::string& url) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = caches_.find(url);
  if (it != caches_.end()) return it->second;
  if (caches_.size() >= max_urls_) caches_.clear();  // callers keep the ones they hold
  verify::JwksCacheOptions options;
  options.wait_for_first_fetch = false;  // a stranger's slow host must not hold workers
  auto cache =
      std::make_shared<verify::JwksCache>(url, fetcher_, options, [this] { return clock_.Now(); });
  caches_.emplace(url, cache);
  return cache;
}

}  // namespace authgent::federation
