#include "crypto/jwt.h"

#include "authgent/verify/jwt.h"
#include "core/base64.h"
#include "core/json_writer.h"
#include "crypto/es256.h"

namespace authgent::crypto {

StatusOr<std::string> SignJwt(const EcKey& key, std::string_view kid, std::string_view typ,
                              std::string_view claims_json) {
  std::string header;
  JsonObjectWriter(header).String("alg", "ES256").String("kid", kid).String("typ", typ).Close();
  std::string input = Base64UrlEncode(header);
  input += '.';
  input += Base64UrlEncode(claims_json);
  AUTHGENT_ASSIGN_OR_RETURN(std::string signature, Es256Sign(key, input));
  input += '.';
  input += Base64UrlEncode(signature);
  return input;
}

StatusOr<std::string> SignJwt(const EcKey& key, std::string_view kid, std::string_view typ,
                              const nlohmann::json& claims) {
  return SignJwt(key, kid, typ, std::string_view(claims.dump()));
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
