#include "authgent/verify/jwt.h"

#include <openssl/ecdsa.h>

#include <algorithm>

#include "base64url.h"
#include "numeric_date.h"

namespace authgent::verify {
namespace {

const EVP_MD* Sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

bool DigestVerify(EVP_PKEY* key, std::string_view input, const unsigned char* sig, size_t sig_len) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, Sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), sig, sig_len, reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

}  // namespace

bool VerifyEs256(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  if (signature.size() != 64) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(raw, 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  bool ok = DigestVerify(key, input, der, static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return ok;
}

namespace {

bool IsEcP256(EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1 &&
         std::string_view(group) == "prime256v1";
}

std::optional<Algorithm> ParseAlg(std::string_view alg) {
  if (alg == "ES256") return Algorithm::kES256;
  if (alg == "RS256") return Algorithm::kRS256;
  return std::nullopt;
}

}  // namespace

std::variant<DecodedJwt, VerifyError> DecodeJwt(std::string_view token, size_t max_size) {
  if (token.size() > max_size) return VerifyError::kTooLarge;
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return VerifyError::kMalformed;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return VerifyError::kMalformed;
  }
  auto header = internal::Base64UrlDecode(token.substr(0, dot1));
  auto payload = internal::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = internal::Base64UrlDecode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return VerifyError::kMalformed;
  DecodedJwt jwt;
  jwt.header = nlohmann::json::parse(*header, nullptr, false);
  jwt.claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!jwt.header.is_object() || !jwt.claims.is_object()) return VerifyError::kMalformed;
  if (!jwt.header["alg"].is_string()) return VerifyError::kMalformed;
  jwt.alg = jwt.header["alg"].get<std::string>();
  if (jwt.header.contains("kid")) {
    if (!jwt.header["kid"].is_string()) return VerifyError::kMalformed;
    jwt.kid = jwt.header["kid"].get<std::string>();
  }
  if (jwt.header.contains("typ")) {
    if (!jwt.header["typ"].is_string()) return VerifyError::kMalformed;
    jwt.typ = jwt.header["typ"].get<std::string>();
  }
  // Critical extensions we do not understand must fail (RFC 7515 §4.1.11).
  if (jwt.header.contains("crit")) return VerifyError::kMalformed;
  jwt.signing_input = std::string(token.substr(0, dot2));
  jwt.signature = std::move(*signature);
  return jwt;
}

VerifyError VerifySignature(const DecodedJwt& jwt, const Jwk& key,
                            const std::vector<Algorithm>& allowed) {
  std::optional<Algorithm> alg = ParseAlg(jwt.alg);
  if (!alg || std::find(allowed.begin(), allowed.end(), *alg) == allowed.end()) {
    return VerifyError::kUnsupportedAlgorithm;
  }
  if (!key.alg.empty() && key.alg != jwt.alg) return VerifyError::kKeyMismatch;
  if (*alg == Algorithm::kES256) {
    if (key.kty != "EC" || !IsEcP256(key.key.get())) return VerifyError::kKeyMismatch;
    return VerifyEs256(key.key.get(), jwt.signing_input, jwt.signature) ? VerifyError::kOk
                                                                         : VerifyError::kBadSignature;
  }
  if (key.kty != "RSA" || EVP_PKEY_get_base_id(key.key.get()) != EVP_PKEY_RSA) {
    return VerifyError::kKeyMismatch;
  }
  if (jwt.signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key.key.get()))) {
    return VerifyError::kBadSignature;
  }
  return DigestVerify(key.key.get(), jwt.signing_input,
                      reinterpret_cast<const unsigned char*>(jwt.signature.data()),
                      jwt.signature.size())
             ? VerifyError::kOk
             : VerifyError::kBadSignature;
}

VerifyError VerifyWithJwks(const DecodedJwt& jwt, const Jwks& jwks,
                           const std::vector<Algorithm>& allowed) {
  std::optional<Algorithm> alg = ParseAlg(jwt.alg);
  if (!alg || std::find(allowed.begin(), allowed.end(), *alg) == allowed.end()) {
    return VerifyError::kUnsupportedAlgorithm;
  }
  const Jwk* key = jwks.Find(jwt.kid, *alg == Algorithm::kES256 ? "EC" : "RSA");
  if (!key) return VerifyError::kUnknownKey;
  return VerifySignature(jwt, *key, allowed);
}

std::vector<std::string> Audiences(const nlohmann::json& claims) {
  std::vector<std::string> out;
  auto it = claims.find("aud");
  if (it == claims.end()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_string()) out.push_back(a.get<std::string>());
    }
  }
  return out;
}

VerifyError CheckClaims(const nlohmann::json& claims, const ClaimRequirements& r) {
  auto time_claim = [&](const char* name, int64_t* out) {
    auto it = claims.find(name);
    if (it == claims.end()) return false;
    if (!it->is_number()) return false;
    *out = SaturatedSeconds(*it);
    return true;
  };
  int64_t exp = 0, nbf = 0, iat = 0;
  if (claims.contains("exp") && !time_claim("exp", &exp)) return VerifyError::kMissingClaim;
  if (!claims.contains("exp") && r.require_exp) return VerifyError::kMissingClaim;
  if (claims.contains("exp") && r.now - r.leeway >= exp) return VerifyError::kExpired;
  if (claims.contains("nbf")) {
    if (!time_claim("nbf", &nbf)) return VerifyError::kMissingClaim;
    if (nbf > r.now + r.leeway) return VerifyError::kNotYetValid;
  }
  if (claims.contains("iat")) {
    if (!time_claim("iat", &iat)) return VerifyError::kMissingClaim;
    if (iat > r.now + r.leeway) return VerifyError::kIssuedInFuture;
  }
  if (!r.issuer.empty()) {
    if (!claims.contains("iss") || !claims["iss"].is_string()) return VerifyError::kMissingClaim;
    if (claims["iss"].get<std::string>() != r.issuer) return VerifyError::kWrongIssuer;
  }
  if (!r.audiences.empty()) {
    std::vector<std::string> aud = Audiences(claims);
    if (aud.empty()) return VerifyError::kMissingClaim;
    bool match = std::any_of(aud.begin(), aud.end(), [&](const std::string& a) {
      return std::find(r.audiences.begin(), r.audiences.end(), a) != r.audiences.end();
    });
    if (!match) return VerifyError::kWrongAudience;
  }
  return VerifyError::kOk;
}

}  // namespace authgent::verify
