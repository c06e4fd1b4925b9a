#include "core/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>

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

namespace {

void DrawOrAbort(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    std::fputs("fatal: the OpenSSL random generator failed\n", stderr);
    std::abort();
  }
}

// Incremented in a forked child, so that a child never hands out bytes its parent drew.
std::atomic<uint64_t> fork_generation{0};

// OpenSSL 3's RAND_bytes costs about as much for 16 bytes as for 512 (each call is a DRBG
// generate that re-keys the generator; measured 3.8% of a client_credentials request's CPU for
// its one jti), and a token request draws two to four small values. So each thread draws 512
// bytes at a time and hands them out; every handed-out byte is wiped from the buffer at once.
struct RandomPool {
  uint8_t bytes[512];
  size_t next = sizeof bytes;  // empty
  uint64_t generation = 0;
  ~RandomPool() { OPENSSL_cleanse(bytes, sizeof bytes); }
};

}  // namespace

void SecureRandom::Fill(uint8_t* out, size_t n) {
  static const bool fork_handler_installed = [] {
    return pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); }) == 0;
  }();
  thread_local RandomPool pool;
  if (n == 0) return;
  if (n > 64 || !fork_handler_installed) return DrawOrAbort(out, n);
  uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation || sizeof pool.bytes - pool.next < n) {
    DrawOrAbort(pool.bytes, sizeof pool.bytes);
    pool.next = 0;
    pool.generation = generation;
  }
  std::memcpy(out, pool.bytes + pool.next, n);
  OPENSSL_cleanse(pool.bytes + pool.next, n);
  pool.next += n;
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
