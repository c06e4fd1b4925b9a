// core/random: injected randomness. Production uses the OpenSSL CSPRNG; tests may inject a
// deterministic source. Every secret authgent hands out is 256 random bits: NewToken() (client
// secrets, CSRF and session tokens; base64url without padding, 43 chars), or for codes and
// refresh tokens the same bits behind their issue time (core/sortable_token).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace authgent {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with `n` random bytes. Aborts the process if the CSPRNG fails: continuing with
  // predictable secrets would be worse than stopping.
  virtual void Fill(uint8_t* out, size_t n) = 0;

  std::vector<uint8_t> Bytes(size_t n);
  // 256-bit token, base64url (43 characters).
  std::string NewToken();
  // `n` random bytes as lower-case hex.
  std::string Hex(size_t n);
};

class SecureRandom final : public Random {
 public:
  void Fill(uint8_t* out, size_t n) override;
  static SecureRandom& Instance();
};

// Deterministic bytes for tests (a counter through SHA-256); never for production secrets.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : seed_(seed) {}
  void Fill(uint8_t* out, size_t n) override;

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

}  // namespace authgent
