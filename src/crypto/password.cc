#include "crypto/password.h"

#include <sodium.h>

#include <mutex>

#include "core/random.h"

namespace authgent::crypto {
namespace {
void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no safe way to continue without the library
  });
}
}  // namespace

StatusOr<std::string> HashPassword(std::string_view password) {
  InitSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return InternalError("password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  InitSodium();
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void BurnPasswordCheck(std::string_view password) {
  static const std::string dummy = *HashPassword("authgent-timing-equaliser");
  (void)VerifyPassword(password, dummy);
}

std::string GeneratePassword(size_t length) {
  // No 0/O, 1/l/I: the admin password is read off a terminal and typed.
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  constexpr size_t kSize = sizeof(kAlphabet) - 1;
  std::string out;
  while (out.size() < length) {
    uint8_t b;
    SecureRandom::Instance().Fill(&b, 1);
    if (b < 256 - (256 % kSize)) out += kAlphabet[b % kSize];  // no modulo bias
  }
  return out;
}

}  // namespace authgent::crypto
