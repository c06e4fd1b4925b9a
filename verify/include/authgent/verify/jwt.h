// authgent/verify/jwt: decoding a compact JWS and checking its signature and claims.
//
// Nothing here trusts the token: the algorithm comes from the caller's allow-list (the header's
// `alg` must be in it, never the other way round), ES256 signatures must be exactly 64 bytes
// (R || S), and every time comparison takes `now` from the caller.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "authgent/verify/jwks.h"
#include "authgent/verify/verify_error.h"

namespace authgent::verify {

enum class Algorithm { kES256, kRS256 };

struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string alg;
  std::string kid;
  std::string typ;
  std::string signing_input;  // header.payload as sent
  std::string signature;      // raw bytes
};

// Splits and decodes; kTooLarge beyond `max_size` bytes, kMalformed for anything else wrong.
std::variant<DecodedJwt, VerifyError> DecodeJwt(std::string_view token, size_t max_size = 8192);

// Checks `jwt`'s signature with `key`, when the header's alg is in `allowed`.
VerifyError VerifySignature(const DecodedJwt& jwt, const Jwk& key,
                            const std::vector<Algorithm>& allowed);

// ECDSA P-256 + SHA-256 check of a 64-byte R || S signature (the JWS form, RFC 7518 §3.4).
bool VerifyEs256(EVP_PKEY* key, std::string_view input, std::string_view signature);

// Finds the key in `jwks` and verifies; kUnknownKey when none fits.
VerifyError VerifyWithJwks(const DecodedJwt& jwt, const Jwks& jwks,
                           const std::vector<Algorithm>& allowed);

struct ClaimRequirements {
  std::string issuer;                  // exact match required (empty: not checked)
  std::vector<std::string> audiences;  // `aud` (string or array) must contain one (empty: skip)
  int64_t now = 0;
  int64_t leeway = 60;                 // seconds of clock skew tolerated
  bool require_exp = true;
};

// exp (required unless told otherwise), nbf and iat (if present) against now +- leeway; iss; aud.
VerifyError CheckClaims(const nlohmann::json& claims, const ClaimRequirements& required);

// The `aud` claim as a list (a string becomes one element).
std::vector<std::string> Audiences(const nlohmann::json& claims);

}  // namespace authgent::verify
