#include "core/base64.h"

#include <gtest/gtest.h>

namespace authgent {
namespace {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    std::string enc = Base64UrlEncode(data);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = Base64UrlDecode(enc);
    ASSERT_TRUE(dec.has_value()) << i;
    EXPECT_EQ(*dec, data);
    data += static_cast<char>(i * 37 + 250);
  }
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndBadLengths) {
  EXPECT_FALSE(Base64UrlDecode("Zm8=").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm+v").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm9vY").has_value());
  EXPECT_EQ(*Base64UrlDecode("Zm8"), "fo");
  // "Zm9" would also read as "fo" but leaves non-zero bits: only the canonical text decodes.
  EXPECT_FALSE(Base64UrlDecode("Zm9").has_value());
  EXPECT_FALSE(Base64UrlDecode("Zm-").has_value());
}

TEST(Base64, StandardWithAndWithoutPadding) {
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_EQ(*Base64Decode("Zm8"), "fo");
  EXPECT_FALSE(Base64Decode("Zm_v").has_value());
}

}  // namespace
}  // namespace authgent
