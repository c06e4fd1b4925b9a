// crypto/hmac: HMAC-SHA256 (RFC 2104), for secrets derived from the key-encryption key: values
// every instance must compute alike and no one without the key can (crypto/key_ring:
// DeriveSecret; oauth/token_service: a refresh token's successor).
#pragma once

#include <string>
#include <string_view>

namespace authgent::crypto {

// The 32-byte MAC of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace authgent::crypto
