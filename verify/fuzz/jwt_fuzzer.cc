// libFuzzer target: the JWT decoder and the whole verifier on arbitrary bytes. Any input must give
// a VerifyError or a token; never a crash, a hang, an assertion or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "authgent/verify/verifier.h"

using namespace authgent::verify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = DecodeJwt(input);
  if (auto* jwt = std::get_if<DecodedJwt>(&decoded)) {
    (void)CheckClaims(jwt->claims, {"https://auth.example.com", {"https://mcp.example.com/mcp"}, 1800000000, 60, true});
    (void)Audiences(jwt->claims);
    (void)TokenScopes(jwt->claims);
  }
  static const auto keys = KeySource::Static(*Jwks::Parse(
      R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",)"
      R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})"));
  static const Verifier verifier = *Verifier::Create(
      {"https://auth.example.com", "https://mcp.example.com/mcp",
       {Algorithm::kES256, Algorithm::kRS256}},
      keys);
  (void)verifier.Verify(input, {"mcp:read"}, 1800000000);
  return 0;
}
