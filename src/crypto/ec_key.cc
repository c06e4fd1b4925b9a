#include "crypto/ec_key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <cstring>

#include "authgent/verify/jwks.h"
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

StatusOr<EcKey> EcKey::FromPublicJwk(const nlohmann::json& jwk) {
  // One JWK parser for the whole project: the verifier library's (it checks the point is on
  // the curve and the coordinates are 32 bytes).
  // Compared, not read with value(name, ""): that throws when the member is not a string.
  auto member_is = [&](const char* name, const char* want) {
    auto it = jwk.find(name);
    return it != jwk.end() && *it == want;
  };
  if (!jwk.is_object() || !member_is("kty", "EC") || !member_is("crv", "P-256")) {
    return InvalidArgumentError("not a P-256 EC JWK");
  }
  std::optional<verify::Jwk> parsed = verify::ParseJwk(jwk.dump());
  if (!parsed) return InvalidArgumentError("the JWK is not a valid P-256 public key");
  EVP_PKEY_up_ref(parsed->key.get());
  return Adopt(EvpPkeyPtr(parsed->key.get()));
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
