#include "crypto/ec_key.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

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

// Each thread keeps a signing context for the last key it used (es256.cc): switching keys,
// replacing a key, a key that cannot sign and many threads must each still sign with the key
// asked for, with a fresh nonce every time.
TEST(Es256, KeysTakeTurnsOnOneThreadAndAcrossThreads) {
  auto a = EcKey::Generate();
  auto b = EcKey::Generate();
  for (int round = 0; round < 3; ++round) {
    for (const EcKey* key : {&*a, &*b, &*a}) {
      std::string sig = *Es256Sign(*key, "input");
      EXPECT_TRUE(Es256Verify(*key, "input", sig));
      EXPECT_FALSE(Es256Verify(key == &*a ? *b : *a, "input", sig));
    }
  }
  EXPECT_NE(*Es256Sign(*a, "input"), *Es256Sign(*a, "input"));  // ECDSA: a new nonce each time

  // A key replaced by a new one (possibly at the same address) signs as the new key.
  for (int i = 0; i < 3; ++i) {
    auto replaced = std::make_unique<EcKey>(*EcKey::Generate());
    std::string sig = *Es256Sign(*replaced, "input");
    EXPECT_TRUE(Es256Verify(*replaced, "input", sig)) << i;
  }
  auto public_only = EcKey::FromPublicJwk(a->PublicJwk());
  EXPECT_EQ(Es256Sign(*public_only, "input").status().code(), StatusCode::kInternal);
  EXPECT_TRUE(Es256Verify(*a, "input", *Es256Sign(*a, "input")));

  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const EcKey& key = t % 2 ? *a : *b;
      for (int i = 0; i < 25; ++i) {
        std::string input = "thread " + std::to_string(t) + " " + std::to_string(i);
        auto sig = Es256Sign(key, input);
        if (sig.ok() && Es256Verify(key, input, *sig)) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 100);
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
  nlohmann::json numeric = jwk;
  numeric["crv"] = 4444;  // not a string: refused, not thrown
  EXPECT_EQ(EcKey::FromPublicJwk(numeric).status().message(), "not a P-256 EC JWK");
  EXPECT_EQ(EcKey::FromPublicJwk(nlohmann::json{{"kty", "EC"}, {"crv", "P-256"}}).status().message(),
            "the JWK is not a valid P-256 public key");
  nlohmann::json shortx = jwk;
  shortx["x"] = "AAAA";
  EXPECT_EQ(EcKey::FromPublicJwk(shortx).status().message(), "the JWK is not a valid P-256 public key");
}

}  // namespace
}  // namespace authgent::crypto
