#include "oauth/client_assertion.h"

#include <nlohmann/json.hpp>

#include "authgent/verify/jwt.h"

namespace authgent::oauth {
namespace {

AssertionFailure Refused(std::string why, bool unknown_key = false) {
  return {InvalidClient("client assertion: " + std::move(why)), unknown_key};
}

bool IsString(const nlohmann::json& claims, const char* name) {
  return claims.contains(name) && claims[name].is_string();
}

}  // namespace

ClientKeySource KeySourceOf(const storage::Client& client) {
  ClientKeySource source;
  nlohmann::json metadata = nlohmann::json::parse(client.metadata_json, nullptr, false);
  if (!metadata.is_object()) return source;
  if (metadata.contains("jwks") && metadata["jwks"].is_object()) {
    source.jwks_json = metadata["jwks"].dump();
  } else if (metadata.contains("jwks_uri") && metadata["jwks_uri"].is_string()) {
    source.jwks_uri = metadata["jwks_uri"].get<std::string>();
  }
  return source;
}

std::string AssertionSubject(std::string_view assertion) {
  auto decoded = verify::DecodeJwt(assertion, kMaxAssertionBytes);
  if (auto* jwt = std::get_if<verify::DecodedJwt>(&decoded)) {
    if (IsString(jwt->claims, "sub")) return jwt->claims["sub"].get<std::string>();
  }
  return "";
}

std::variant<VerifiedAssertion, AssertionFailure> VerifyClientAssertion(
    std::string_view assertion, const std::string& client_id, const verify::Jwks& keys,
    const AssertionAudience& audience, int64_t now) {
  auto decoded = verify::DecodeJwt(assertion, kMaxAssertionBytes);
  if (auto* e = std::get_if<verify::VerifyError>(&decoded)) {
    return Refused(std::string(verify::VerifyErrorName(*e)));
  }
  const verify::DecodedJwt& jwt = std::get<verify::DecodedJwt>(decoded);
  verify::VerifyError signature =
      verify::VerifyWithJwks(jwt, keys, {verify::Algorithm::kES256, verify::Algorithm::kRS256});
  if (signature != verify::VerifyError::kOk) {
    return Refused(std::string(verify::VerifyErrorName(signature)),
                   signature == verify::VerifyError::kUnknownKey);
  }
  const nlohmann::json& claims = jwt.claims;
  // RFC 7523 §3: iss and sub are the client; the issuer is the client_id of a client assertion.
  if (!IsString(claims, "iss") || claims["iss"] != client_id)
    return Refused("iss is not the client");
  if (!IsString(claims, "sub") || claims["sub"] != client_id)
    return Refused("sub is not the client");
  verify::ClaimRequirements required;
  required.now = now;
  required.leeway = kAssertionLeeway;
  required.audiences = {audience.issuer, audience.token_endpoint};
  verify::VerifyError checked = verify::CheckClaims(claims, required);
  if (checked != verify::VerifyError::kOk) {
    return Refused(std::string(verify::VerifyErrorName(checked)));
  }
  // CheckClaims found exp present, numeric and not past; compared as a double first, so that a
  // huge value cannot wrap around when converted.
  double exp_value = claims["exp"].get<double>();
  if (exp_value > static_cast<double>(now + kMaxAssertionLifetime + kAssertionLeeway)) {
    return Refused("exp is more than " + std::to_string(kMaxAssertionLifetime) + " s ahead");
  }
  int64_t exp = static_cast<int64_t>(exp_value);
  if (!IsString(claims, "jti") || claims["jti"].get_ref<const std::string&>().empty() ||
      claims["jti"].get_ref<const std::string&>().size() > kMaxJtiLength) {
    return Refused("jti is required (a string of at most 256 bytes)");
  }
  return VerifiedAssertion{claims["jti"].get<std::string>(), exp};
}

}  // namespace authgent::oauth
