// crypto/key_encryption_key: where the AES-256 key that seals private signing keys comes from.
//
// KEY_ENCRYPTION_KEY (base64 of 32 bytes) wins. Without it, a single-instance SQLite deployment
// gets a generated key file (mode 0600) beside its database, created once and reused. Several
// instances on PostgreSQL must share one key, so the caller refuses that case (allow_file=false).
#pragma once

#include <string>

#include "core/random.h"
#include "core/status.h"

namespace authgent::crypto {

// Returns the 32 raw key bytes. `configured` is the base64 value (may be empty). With an empty
// `configured`: reads `file_path` if it exists (else creates it) when `allow_file`, otherwise
// kFailedPrecondition.
StatusOr<std::string> LoadKeyEncryptionKey(const std::string& configured,
                                           const std::string& file_path, bool allow_file,
                                           Random& random);

}  // namespace authgent::crypto
