#include "crypto/password.h"

#include <gtest/gtest.h>

namespace authgent::crypto {
namespace {

TEST(Password, HashIsArgon2idAndVerifies) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horsE", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse", ""));
  EXPECT_NE(*HashPassword("correct horse"), *hash);  // salted
}

TEST(Password, GeneratedPasswordsUseTheReadableAlphabet) {
  std::string p = GeneratePassword(20);
  EXPECT_EQ(p.size(), 20u);
  EXPECT_EQ(p.find_first_of("0O1lI"), std::string::npos);
  EXPECT_NE(GeneratePassword(20), p);
}

}  // namespace
}  // namespace authgent::crypto
