#include "test_signer.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace authgent::verify::testing {

std::string Base64UrlEncode(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
  }
  if (bytes.size() - i == 1) {
    uint32_t v = at(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

namespace {
std::string BnBytes(EVP_PKEY* key, const char* name, size_t pad = 0) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, name, &bn);
  size_t len = pad ? pad : static_cast<size_t>(BN_num_bytes(bn));
  std::string out(len, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(len));
  BN_free(bn);
  return out;
}
}  // namespace

TestSigner::TestSigner(const std::string& alg, std::string kid) : alg_(alg), kid_(std::move(kid)) {
  EVP_PKEY* raw = nullptr;
  if (alg == "ES256") raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  else if (alg == "ES384") raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  else if (alg == "RS256") raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (!raw) throw std::runtime_error("key generation failed for " + alg);
  key_.reset(raw, EVP_PKEY_free);
}

nlohmann::json TestSigner::PublicJwk() const {
  nlohmann::json j = {{"kid", kid_}, {"alg", alg_}, {"use", "sig"}};
  if (alg_ == "RS256") {
    j["kty"] = "RSA";
    j["n"] = Base64UrlEncode(BnBytes(key_.get(), OSSL_PKEY_PARAM_RSA_N));
    j["e"] = Base64UrlEncode(BnBytes(key_.get(), OSSL_PKEY_PARAM_RSA_E));
  } else {
    size_t size = alg_ == "ES256" ? 32 : 48;
    j["kty"] = "EC";
    j["crv"] = alg_ == "ES256" ? "P-256" : "P-384";
    j["x"] = Base64UrlEncode(BnBytes(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, size));
    j["y"] = Base64UrlEncode(BnBytes(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, size));
  }
  return j;
}

std::string TestSigner::JwksJson() const {
  return nlohmann::json{{"keys", nlohmann::json::array({PublicJwk()})}}.dump();
}

std::string TestSigner::Sign(const nlohmann::json& claims, const std::string& typ,
                             const std::string& alg_override) const {
  nlohmann::json header = {{"alg", alg_override.empty() ? alg_ : alg_override}, {"kid", kid_}};
  if (!typ.empty()) header["typ"] = typ;
  return SignWithHeader(header, claims);
}

std::string TestSigner::SignWithHeader(const nlohmann::json& header, const nlohmann::json& claims) const {
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const EVP_MD* md = alg_ == "ES384" ? EVP_sha384() : EVP_sha256();
  size_t len = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get());
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  if (alg_ != "RS256") {  // DER -> R || S
    size_t half = alg_ == "ES256" ? 32 : 48;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(2 * half, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(half));
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + half, static_cast<int>(half));
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + Base64UrlEncode(sig);
}

std::string SignHs256(const nlohmann::json& header, const nlohmann::json& claims,
                      const std::string& secret) {
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
}

}  // namespace authgent::verify::testing
