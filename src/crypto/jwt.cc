#include "crypto/jwt.h"

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
  if (token.size() > 8192) return std::nullopt;
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header_text = Base64UrlDecode(token.substr(0, dot1));
  auto payload_text = Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64UrlDecode(token.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature || signature->size() != 64) return std::nullopt;
  nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
  if (!header.is_object() || header.value("alg", "") != "ES256" || !header["kid"].is_string()) {
    return std::nullopt;
  }
  std::string kid = header["kid"].get<std::string>();
  const std::shared_ptr<const EcKey>* key = nullptr;
  for (const auto& [published_kid, published_key] : keys.verification_keys) {
    if (published_kid == kid) key = &published_key;
  }
  if (key == nullptr || !Es256Verify(**key, token.substr(0, dot2), *signature)) return std::nullopt;
  nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  return claims;
}

}  // namespace authgent::crypto
