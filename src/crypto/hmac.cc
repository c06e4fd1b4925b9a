#include "crypto/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace authgent::crypto {

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot HMAC cannot fail with SHA-256 and in-memory inputs; an empty result would make every
  // comparison against it fail rather than pass.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length) ==
      nullptr) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace authgent::crypto
