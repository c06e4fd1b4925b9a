// libFuzzer target: the JWK Set parser on arbitrary bytes (JWKS documents come from the network).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authgent/verify/jwks.h"
#include "authgent/verify/jwks_cache.h"

using namespace authgent::verify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto jwks = Jwks::Parse(input, &error)) {
    for (const Jwk& k : jwks->keys()) (void)jwks->Find(k.kid, k.kty);
    (void)jwks->Find("", "EC");
  }
  (void)ParseJwk(input);
  (void)MaxAge(std::string(input.substr(0, 256)));
  return 0;
}
