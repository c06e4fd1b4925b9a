#include "core/base64.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>

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

// Every length 0..99 (each remainder of 3, each padding case) against OpenSSL's encoder.
TEST(Base64, MatchesOpenSslForEveryLength) {
  std::string data;
  for (int i = 0; i < 100; ++i) {
    std::string expected(4 * ((data.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()),
                            reinterpret_cast<const unsigned char*>(data.data()),
                            static_cast<int>(data.size()));
    expected.resize(static_cast<size_t>(n));
    EXPECT_EQ(Base64Encode(data), expected) << i;
    std::string url = expected.substr(0, expected.find('='));
    std::replace(url.begin(), url.end(), '+', '-');
    std::replace(url.begin(), url.end(), '/', '_');
    EXPECT_EQ(Base64UrlEncode(data), url) << i;
    data += static_cast<char>(i * 53 + 7);
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
