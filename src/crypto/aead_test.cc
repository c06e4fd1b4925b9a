#include "crypto/aead.h"

#include <gtest/gtest.h>

namespace authgent::crypto {
namespace {

const std::string kKey(32, 'k');

TEST(Aead, SealOpenRoundTrip) {
  auto sealed = AeadSeal(kKey, "private key", "kid-1", SecureRandom::Instance());
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 12 + 11 + 16u);
  auto opened = AeadOpen(kKey, *sealed, "kid-1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "private key");
}

TEST(Aead, NoncesDifferSoEqualPlaintextsDoNotLeak) {
  EXPECT_NE(*AeadSeal(kKey, "x", "", SecureRandom::Instance()),
            *AeadSeal(kKey, "x", "", SecureRandom::Instance()));
}

TEST(Aead, EveryBitFlipWrongKeyOrWrongDataIsDataLoss) {
  std::string sealed = *AeadSeal(kKey, "secret", "kid-1", SecureRandom::Instance());
  for (size_t i = 0; i < sealed.size() * 8; ++i) {
    std::string bad = sealed;
    bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
    EXPECT_EQ(AeadOpen(kKey, bad, "kid-1").status().code(), StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(AeadOpen(std::string(32, 'x'), sealed, "kid-1").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, sealed, "kid-2").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, sealed.substr(0, 20), "kid-1").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen("short", sealed, "kid-1").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace authgent::crypto
