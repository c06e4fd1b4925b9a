#include "core/random.h"

#include <gtest/gtest.h>

#include <set>

#include "core/base64.h"

namespace authgent {
namespace {

TEST(Random, NewTokenIs256BitsOfBase64Url) {
  std::string token = SecureRandom::Instance().NewToken();
  EXPECT_EQ(token.size(), 43u);
  auto raw = Base64UrlDecode(token);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 32u);
}

TEST(Random, TokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(SecureRandom::Instance().NewToken()).second);
}

TEST(Random, SeededRandomIsDeterministicPerSeed) {
  SeededRandom a(7), b(7), c(8);
  EXPECT_EQ(a.Hex(40), b.Hex(40));
  EXPECT_NE(SeededRandom(7).Hex(40), c.Hex(40));
}

}  // namespace
}  // namespace authgent
