#include "core/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/base64.h"
#include "core/bytes.h"

namespace authgent {

std::vector<uint8_t> Random::Bytes(size_t n) {
  std::vector<uint8_t> out(n);
  Fill(out.data(), n);
  return out;
}

std::string Random::NewToken() {
  uint8_t raw[32];
  Fill(raw, sizeof raw);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

std::string Random::Hex(size_t n) {
  std::vector<uint8_t> raw = Bytes(n);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

void SecureRandom::Fill(uint8_t* out, size_t n) {
  if (n == 0) return;
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    std::fputs("fatal: the OpenSSL random generator failed\n", stderr);
    std::abort();
  }
}

SecureRandom& SecureRandom::Instance() {
  static SecureRandom instance;
  return instance;
}

void SeededRandom::Fill(uint8_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    std::string block = std::to_string(seed_) + ":" + std::to_string(counter_++);
    std::string digest = Sha256(block);
    size_t take = std::min(n - done, digest.size());
    std::memcpy(out + done, digest.data(), take);
    done += take;
  }
}

}  // namespace authgent
