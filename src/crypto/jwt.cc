#include "crypto/jwt.h"

#include "authgent/verify/jwt.h"
#include "core/base64.h"
#include "crypto/es256.h"

namespace authgent::crypto {

StatusOr<std::string> SignJwt(const EcKey& key, const std::string& kid, const std::string& typ,
                              const nlohmann::json& claims) {
  // Members in a fixed order; dump() of a json object sorts keys, which is fine for JOSE.
  nlohmann::json header = {{"alg", "ES256"}, {"typ", typ}, {"kid", kid}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  AUTHGENT_ASSIGN_OR_RETURN(std::string signature, Es256Sign(key, input));
  input += '.';
  input += Base64UrlEncode(signature);
  return input;
}

std::optional<nlohmann::json> VerifyOwnJwt(std::string_view token, const KeySnapshot& keys) {
  // The verifier library's decoding and ES256 check, against our own published keys only.
  auto decoded = verify::DecodeJwt(token);
  if (!std::holds_alternative<verify::DecodedJwt>(decoded)) return std::nullopt;
  const verify::DecodedJwt& jwt = std::get<verify::DecodedJwt>(decoded);
  for (const auto& [kid, key] : keys.verification_keys) {
    if (kid != jwt.kid) continue;
    verify::Jwk jwk{kid, "EC", "ES256", key->shared_pkey()};
    if (verify::VerifySignature(jwt, jwk, {verify::Algorithm::kES256}) != verify::VerifyError::kOk) {
      return std::nullopt;
    }
    return jwt.claims;
  }
  return std::nullopt;
}

}  // namespace authgent::crypto
