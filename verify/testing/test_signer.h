// authgent/verify testing: key pairs that sign JWTs, for tests of anything that verifies them
// (the verifier itself, upstream id_token validation, fake identity providers).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace authgent::verify::testing {

class TestSigner {
 public:
  // "ES256" (P-256), "ES384" (P-384, for wrong-curve tests) or "RS256" (RSA 2048).
  explicit TestSigner(const std::string& alg, std::string kid = "test-key");

  // The public JWK (with kid, alg, use "sig").
  nlohmann::json PublicJwk() const;
  // {"keys":[PublicJwk()]}
  std::string JwksJson() const;
  // header {"alg": alg_override or alg, "kid": kid, "typ": typ (omitted when empty)} + claims.
  std::string Sign(const nlohmann::json& claims, const std::string& typ = "JWT",
                   const std::string& alg_override = "") const;
  // The same with an explicit header (nothing added).
  std::string SignWithHeader(const nlohmann::json& header, const nlohmann::json& claims) const;
  const std::string& kid() const { return kid_; }

 private:
  std::string alg_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;
};

std::string Base64UrlEncode(const std::string& bytes);
// An HS256 token signed with `secret` (for key-confusion tests).
std::string SignHs256(const nlohmann::json& header, const nlohmann::json& claims,
                      const std::string& secret);

}  // namespace authgent::verify::testing
