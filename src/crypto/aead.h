// crypto/aead: AES-256-GCM sealing, used for private signing keys at rest (and, later, sealed
// cookies). A sealed value is nonce (12 bytes) || ciphertext || tag (16 bytes); the nonce is random
// per seal. The associated data binds a ciphertext to its purpose (e.g. the key id), so a sealed
// value moved to another row does not open.
#pragma once

#include <string>
#include <string_view>

#include "core/random.h"
#include "core/status.h"

namespace authgent::crypto {

constexpr size_t kAeadKeySize = 32;

// `key` must be 32 bytes (kInvalidArgument otherwise).
StatusOr<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                               std::string_view associated_data, Random& random);
// kDataLoss when the value was tampered with, sealed under another key or for other data.
StatusOr<std::string> AeadOpen(std::string_view key, std::string_view sealed,
                               std::string_view associated_data);

}  // namespace authgent::crypto
