// crypto/password: Argon2id password hashes for local users (libsodium crypto_pwhash_str, the
// "interactive" cost: about 64 MiB and a few tens of milliseconds per check).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace authgent::crypto {

StatusOr<std::string> HashPassword(std::string_view password);
// Constant in time with respect to where a wrong password differs.
bool VerifyPassword(std::string_view password, const std::string& hash);
// Spends the time of one verification without a hash (for unknown users: no timing oracle).
void BurnPasswordCheck(std::string_view password);
// A random password of `length` characters that is easy to read and type.
std::string GeneratePassword(size_t length);

}  // namespace authgent::crypto
