// oauth/access_token_cache: the claims of access tokens this server has already verified.
//
// A resource server that introspects sends the same token for every request of a session, and
// verifying an ES256 signature is the most expensive thing introspection does (~90 us, three
// times a signature). A token's signature and claims never change, so once verified under a
// key snapshot they are kept until the token expires, the snapshot changes (rotation: verify
// again against the new set) or the cache is full (then it starts over). Revocation is not
// cached: introspection still asks the store whether the jti is denied.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "crypto/key_ring.h"

namespace authgent::oauth {

class AccessTokenCache {
 public:
  explicit AccessTokenCache(size_t capacity = 10000) : capacity_(capacity) {}

  // The claims `token` had when it was verified under `keys`, if it has not expired at `now`.
  std::optional<nlohmann::json> Find(const std::string& token,
                                     const std::shared_ptr<const crypto::KeySnapshot>& keys,
                                     int64_t now);
  // Remembers claims verified under `keys`; `expires_at` is the token's exp.
  void Insert(const std::string& token, const std::shared_ptr<const crypto::KeySnapshot>& keys,
              nlohmann::json claims, int64_t expires_at, int64_t now);
  size_t size();

 private:
  struct Entry {
    nlohmann::json claims;
    int64_t expires_at = 0;
  };
  void ForgetIfKeysChanged(const std::shared_ptr<const crypto::KeySnapshot>& keys);

  const size_t capacity_;
  std::mutex mu_;
  // Held, not just compared, so a later snapshot can never reuse its address.
  std::shared_ptr<const crypto::KeySnapshot> keys_;
  std::unordered_map<std::string, Entry> entries_;  // by SHA-256 of the token: bounded keys
};

}  // namespace authgent::oauth
