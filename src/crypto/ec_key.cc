#include "crypto/ec_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <cstring>

#include "core/base64.h"
#include "core/bytes.h"

namespace authgent::crypto {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

}  // namespace

StatusOr<EcKey> EcKey::Adopt(EvpPkeyPtr pkey) {
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_EC) {
    return InvalidArgumentError("the key is not an EC key");
  }
  char group[64] = {0};
  size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_len) != 1 ||
      (std::strcmp(group, "prime256v1") != 0 && std::strcmp(group, "P-256") != 0)) {
    return InvalidArgumentError(std::string("the EC key is not on P-256 (curve ") + group + ")");
  }
  unsigned char point[65];
  size_t point_len = 0;
  // Ask for the uncompressed form explicitly: a PEM may carry a compressed point.
  EVP_PKEY_set_utf8_string_param(pkey.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                 "uncompressed");
  if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                      &point_len) != 1 ||
      point_len != 65 || point[0] != 0x04) {
    return InvalidArgumentError("cannot read the public point of the key");
  }
  return EcKey(std::move(pkey), std::string(reinterpret_cast<char*>(point), point_len));
}

StatusOr<EcKey> EcKey::Generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) return InternalError("EC P-256 key generation failed");
  return Adopt(EvpPkeyPtr(raw));
}

StatusOr<EcKey> EcKey::FromPrivatePem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return InternalError("BIO_new_mem_buf failed");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return InvalidArgumentError("not a PEM private key");
  return Adopt(EvpPkeyPtr(raw));
}

StatusOr<EcKey> EcKey::FromPublicJwk(const nlohmann::json& published) {
  nlohmann::json jwk = published;  // non-const: a missing member reads as null, never asserts
  if (!jwk.is_object() || jwk.value("kty", "") != "EC" || jwk.value("crv", "") != "P-256" ||
      !jwk["x"].is_string() || !jwk["y"].is_string()) {
    return InvalidArgumentError("not a P-256 EC JWK");
  }
  auto x = Base64UrlDecode(jwk["x"].get<std::string>());
  auto y = Base64UrlDecode(jwk["y"].get<std::string>());
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    return InvalidArgumentError("P-256 coordinates must be 32 bytes");
  }
  std::string point = "\x04" + *x + *y;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("prime256v1"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return InvalidArgumentError("the point is not on P-256");
  }
  EvpPkeyPtr pkey(raw);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr), EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return InvalidArgumentError("the point is not on P-256");
  }
  return Adopt(std::move(pkey));
}

StatusOr<std::string> EcKey::PrivatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return InternalError("cannot encode the private key as PEM");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

nlohmann::json EcKey::PublicJwk() const {
  std::string_view p(public_point_);
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", Base64UrlEncode(p.substr(1, 32))},
          {"y", Base64UrlEncode(p.substr(33, 32))}};
}

std::string EcKey::Thumbprint() const {
  nlohmann::json jwk = PublicJwk();
  // RFC 7638 §3.2: the required members in lexicographic order, no white space.
  std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() +
                          R"(","y":")" + jwk["y"].get<std::string>() + R"("})";
  return Base64UrlEncode(Sha256(canonical));
}

}  // namespace authgent::crypto
