#include "core/sortable_token.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/base64.h"
#include "core/bytes.h"

namespace authgent {
namespace {

constexpr size_t kTimeBytes = 6;
constexpr size_t kSecretBytes = 32;
// base64url of 38 bytes without padding; the first 8 characters carry exactly the 6 time bytes.
constexpr size_t kTokenChars = 51;
constexpr size_t kTimeChars = 8;

void PutMillis(int64_t unix_millis, uint8_t* out) {
  uint64_t v = static_cast<uint64_t>(unix_millis < 0 ? 0 : unix_millis);
  for (size_t i = 0; i < kTimeBytes; ++i) {
    out[i] = static_cast<uint8_t>(v >> (8 * (kTimeBytes - 1 - i)));
  }
}

std::string_view AsChars(const uint8_t* bytes, size_t n) {
  return std::string_view(reinterpret_cast<const char*>(bytes), n);
}

}  // namespace

std::string NewSortableToken(Random& random, int64_t unix_millis) {
  uint8_t raw[kTimeBytes + kSecretBytes];
  PutMillis(unix_millis, raw);
  random.Fill(raw + kTimeBytes, kSecretBytes);
  return Base64UrlEncode(AsChars(raw, sizeof raw));
}

std::string SortableTokenOf(int64_t unix_millis, std::string_view secret) {
  if (secret.size() != kSecretBytes) return std::string();
  uint8_t raw[kTimeBytes + kSecretBytes];
  PutMillis(unix_millis, raw);
  std::copy(secret.begin(), secret.end(), raw + kTimeBytes);
  return Base64UrlEncode(AsChars(raw, sizeof raw));
}

int64_t SortableKeyMillis(std::string_view key) {
  // 12 hex digits, then TokenHash (43 characters); a plain TokenHash is 43 characters alone.
  if (key.size() != 2 * kTimeBytes + 43) return -1;
  int64_t millis = 0;
  for (char c : key.substr(0, 2 * kTimeBytes)) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return -1;
    millis = millis * 16 + digit;
  }
  return millis;
}

std::string SortableTokenKey(std::string_view token) {
  if (token.size() != kTokenChars) return TokenHash(token);
  std::optional<std::string> time = Base64UrlDecode(token.substr(0, kTimeChars));
  if (!time || time->size() != kTimeBytes) return TokenHash(token);
  return HexEncode(*time) + TokenHash(token);
}

std::string NewSortableId(Random& random, int64_t unix_millis) {
  uint8_t raw[kTimeBytes + 10];
  PutMillis(unix_millis, raw);
  random.Fill(raw + kTimeBytes, sizeof raw - kTimeBytes);
  return HexEncode(AsChars(raw, sizeof raw));
}

}  // namespace authgent
