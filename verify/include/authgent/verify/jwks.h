// authgent/verify/jwks: a JSON Web Key Set (RFC 7517) of public signature keys.
//
// Parsing is strict about what it keeps and lenient about what it skips: keys that are not
// signature keys, have unknown types, or are malformed are left out (a provider may publish
// encryption keys or new key types beside the ones we can use), but the document itself must be a
// JSON object with a "keys" array. Accepted: EC P-256 (ES256) and RSA >= 2048 bits (RS256).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authgent::verify {

struct Jwk {
  std::string kid;        // may be empty
  std::string kty;        // "EC" or "RSA"
  std::string alg;        // as published; may be empty
  std::shared_ptr<EVP_PKEY> key;  // the public key
};

class Jwks {
 public:
  // nullopt (with `error` set when given) when `json` is not a key set at all.
  static std::optional<Jwks> Parse(std::string_view json, std::string* error = nullptr);

  // The key with this kid; with an empty kid, the only key of type `kty` if there is one.
  const Jwk* Find(std::string_view kid, std::string_view kty) const;
  const std::vector<Jwk>& keys() const { return keys_; }

 private:
  std::vector<Jwk> keys_;
};

// One JWK object -> key; nullopt when unusable. Exposed for tests and for callers that hold a
// single static key.
std::optional<Jwk> ParseJwk(std::string_view json);

}  // namespace authgent::verify
