#include "authgent/verify/jwks.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "base64url.h"

namespace authgent::verify {
namespace {

constexpr int kMinRsaBits = 2048;

using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

std::shared_ptr<EVP_PKEY> FromData(const char* type, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

// Keys come from the network: take them by value so a missing member reads as null (the const
// operator[] of nlohmann::json asserts instead).
std::shared_ptr<EVP_PKEY> EcKey(nlohmann::json j) {
  // A comparison, not value("crv", ""): that throws when "crv" is there but not a string.
  if (j["crv"] != "P-256" || !j["x"].is_string() || !j["y"].is_string()) return nullptr;
  auto x = internal::Base64UrlDecode(j["x"].get<std::string>());
  auto y = internal::Base64UrlDecode(j["y"].get<std::string>());
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  return FromData("EC", params);
}

std::shared_ptr<EVP_PKEY> RsaKey(nlohmann::json j) {
  if (!j["n"].is_string() || !j["e"].is_string()) return nullptr;
  auto n = internal::Base64UrlDecode(j["n"].get<std::string>());
  auto e = internal::Base64UrlDecode(j["e"].get<std::string>());
  if (!n || !e || n->empty() || e->empty() || n->size() > 2048 || e->size() > 8) return nullptr;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr),
      BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr),
      BN_free);
  if (!bn_n || !bn_e || BN_num_bits(bn_n.get()) < kMinRsaBits) return nullptr;
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  if (!params) return nullptr;
  return FromData("RSA", params.get());
}

std::optional<Jwk> FromJson(nlohmann::json j) {
  if (!j.is_object() || !j["kty"].is_string()) return std::nullopt;
  // Only signature keys: "use" absent or "sig".
  if (j.contains("use") && j["use"] != "sig") return std::nullopt;
  Jwk jwk;
  jwk.kty = j["kty"].get<std::string>();
  if (j.contains("kid")) {
    if (!j["kid"].is_string()) return std::nullopt;
    jwk.kid = j["kid"].get<std::string>();
  }
  if (j.contains("alg")) {
    if (!j["alg"].is_string()) return std::nullopt;
    jwk.alg = j["alg"].get<std::string>();
  }
  if (jwk.kty == "EC") jwk.key = EcKey(j);
  else if (jwk.kty == "RSA") jwk.key = RsaKey(j);
  if (!jwk.key) return std::nullopt;
  return jwk;
}

}  // namespace

std::optional<Jwk> ParseJwk(std::string_view json) {
  return FromJson(nlohmann::json::parse(json, nullptr, false));
}

std::optional<Jwks> Jwks::Parse(std::string_view json, std::string* error) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  if (!doc.is_object() || !doc["keys"].is_array()) {
    if (error) *error = "not a JWK set: a JSON object with a \"keys\" array is required";
    return std::nullopt;
  }
  Jwks set;
  for (const auto& entry : doc["keys"]) {
    if (std::optional<Jwk> jwk = FromJson(entry)) set.keys_.push_back(std::move(*jwk));
  }
  return set;
}

const Jwk* Jwks::Find(std::string_view kid, std::string_view kty) const {
  if (!kid.empty()) {
    for (const Jwk& k : keys_) {
      if (k.kid == kid) return &k;
    }
    return nullptr;
  }
  // Without a kid, guessing among several keys would be the lenient selection we refuse.
  const Jwk* only = nullptr;
  for (const Jwk& k : keys_) {
    if (k.kty != kty) continue;
    if (only) return nullptr;
    only = &k;
  }
  return only;
}

}  // namespace authgent::verify
