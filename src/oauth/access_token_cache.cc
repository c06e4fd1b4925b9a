#include "oauth/access_token_cache.h"

#include "core/bytes.h"

namespace authgent::oauth {

void AccessTokenCache::ForgetIfKeysChanged(const std::shared_ptr<const crypto::KeySnapshot>& keys) {
  if (keys_ != keys) {
    entries_.clear();
    keys_ = keys;
  }
}

std::optional<nlohmann::json> AccessTokenCache::Find(
    const std::string& token, const std::shared_ptr<const crypto::KeySnapshot>& keys, int64_t now) {
  std::string key = Sha256(token);
  std::lock_guard<std::mutex> lock(mu_);
  ForgetIfKeysChanged(keys);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires_at <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.claims;
}

void AccessTokenCache::Insert(const std::string& token,
                              const std::shared_ptr<const crypto::KeySnapshot>& keys,
                              nlohmann::json claims, int64_t expires_at, int64_t now) {
  if (capacity_ == 0 || expires_at <= now) return;
  std::string key = Sha256(token);
  std::lock_guard<std::mutex> lock(mu_);
  ForgetIfKeysChanged(keys);
  if (entries_.size() >= capacity_) {
    std::erase_if(entries_, [&](const auto& e) { return e.second.expires_at <= now; });
    // Still full of live tokens: start over rather than keep an eviction order per lookup.
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_[std::move(key)] = Entry{std::move(claims), expires_at};
}

size_t AccessTokenCache::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace authgent::oauth
