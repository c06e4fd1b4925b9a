#include "crypto/ec_key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "core/base64.h"
#include "crypto/es256.h"

namespace authgent::crypto {
namespace {

// A P-384 private key as PEM, made at run time (no key material in the repository).
std::string P384Pem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

TEST(EcKey, GeneratedKeyHasP256JwkAndStableThumbprint) {
  auto key = EcKey::Generate();
  ASSERT_TRUE(key.ok());
  nlohmann::json jwk = key->PublicJwk();
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(Base64UrlDecode(jwk["x"].get<std::string>())->size(), 32u);
  EXPECT_EQ(Base64UrlDecode(jwk["y"].get<std::string>())->size(), 32u);
  EXPECT_EQ(key->Thumbprint().size(), 43u);
  EXPECT_EQ(key->Thumbprint(), key->Thumbprint());
}

TEST(EcKey, PemRoundTripKeepsTheKey) {
  auto key = EcKey::Generate();
  auto pem = key->PrivatePem();
  ASSERT_TRUE(pem.ok());
  EXPECT_NE(pem->find("BEGIN PRIVATE KEY"), std::string::npos);
  auto again = EcKey::FromPrivatePem(*pem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Thumbprint(), key->Thumbprint());
  EXPECT_EQ(again->PublicJwk(), key->PublicJwk());
}

TEST(EcKey, RejectsOtherCurvesAndGarbage) {
  EXPECT_EQ(EcKey::FromPrivatePem(P384Pem()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EcKey::FromPrivatePem("not a pem").status().message(), "not a PEM private key");
}

TEST(Es256, SignaturesAre64BytesAndVerify) {
  auto key = EcKey::Generate();
  auto sig = Es256Sign(*key, "header.payload");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(Es256Verify(*key, "header.payload", *sig));
  EXPECT_FALSE(Es256Verify(*key, "header.payloaD", *sig));
  EXPECT_FALSE(Es256Verify(*key, "header.payload", sig->substr(0, 63)));
  auto other = EcKey::Generate();
  EXPECT_FALSE(Es256Verify(*other, "header.payload", *sig));
}

TEST(Es256, EveryBitFlipOfTheSignatureFails) {
  auto key = EcKey::Generate();
  std::string sig = *Es256Sign(*key, "input");
  for (size_t i = 0; i < 512; ++i) {
    std::string bad = sig;
    bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
    EXPECT_FALSE(Es256Verify(*key, "input", bad)) << i;
  }
}

}  // namespace
}  // namespace authgent::crypto

namespace authgent::crypto {
namespace {

TEST(EcKey, PublicJwkRoundTripVerifiesSignatures) {
  auto key = EcKey::Generate();
  auto pub = EcKey::FromPublicJwk(key->PublicJwk());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->Thumbprint(), key->Thumbprint());
  EXPECT_TRUE(Es256Verify(*pub, "m", *Es256Sign(*key, "m")));
}

TEST(EcKey, PublicJwkRejectsOffCurvePointsAndOtherShapes) {
  nlohmann::json jwk = EcKey::Generate()->PublicJwk();
  nlohmann::json off = jwk;
  off["y"] = off["x"];  // (x, x) is not on the curve
  EXPECT_EQ(EcKey::FromPublicJwk(off).status().code(), StatusCode::kInvalidArgument);
  nlohmann::json other = jwk;
  other["crv"] = "P-384";
  EXPECT_EQ(EcKey::FromPublicJwk(other).status().message(), "not a P-256 EC JWK");
  EXPECT_EQ(EcKey::FromPublicJwk(nlohmann::json{{"kty", "EC"}, {"crv", "P-256"}}).status().message(),
            "the JWK is not a valid P-256 public key");
  nlohmann::json shortx = jwk;
  shortx["x"] = "AAAA";
  EXPECT_EQ(EcKey::FromPublicJwk(shortx).status().message(), "the JWK is not a valid P-256 public key");
}

}  // namespace
}  // namespace authgent::crypto
