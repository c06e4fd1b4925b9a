// crypto/ec_key: a P-256 key pair for ES256, and its JWK form.
//
// Only P-256 exists here: authgent signs with ES256 and nothing else. Keys come from generation, a
// PKCS#8 PEM (SIGNING_KEY_FILE, or the decrypted form stored in the database), and leave as PEM
// (to be encrypted at rest) or as a public JWK with its RFC 7638 thumbprint as `kid`.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace authgent::crypto {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

class EcKey {
 public:
  // A fresh key from the OpenSSL CSPRNG.
  static StatusOr<EcKey> Generate();
  // Reads a private key in PEM (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"). Any other curve or
  // key type is kInvalidArgument.
  static StatusOr<EcKey> FromPrivatePem(std::string_view pem);

  // A public key from a JWK {"kty":"EC","crv":"P-256","x","y"}; the point must be on the curve.
  static StatusOr<EcKey> FromPublicJwk(const nlohmann::json& jwk);

  // PKCS#8 PEM of the private key.
  StatusOr<std::string> PrivatePem() const;
  // {"kty":"EC","crv":"P-256","x":...,"y":...} (no kid/use/alg).
  nlohmann::json PublicJwk() const;
  // RFC 7638 thumbprint of the public JWK: base64url(SHA-256 of the canonical members).
  std::string Thumbprint() const;
  // The uncompressed public point, 0x04 || X || Y (65 bytes).
  const std::string& PublicPoint() const { return public_point_; }

  EVP_PKEY* pkey() const { return pkey_.get(); }
  const std::shared_ptr<EVP_PKEY>& shared_pkey() const { return pkey_; }

 private:
  EcKey(EvpPkeyPtr pkey, std::string public_point)
      : pkey_(std::move(pkey)), public_point_(std::move(public_point)) {}
  static StatusOr<EcKey> Adopt(EvpPkeyPtr pkey);

  std::shared_ptr<EVP_PKEY> pkey_;  // shared: EVP_PKEY is immutable and thread-safe for signing
  std::string public_point_;
};

}  // namespace authgent::crypto
