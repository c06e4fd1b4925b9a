#include "core/sortable_token.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/bytes.h"

namespace authgent {
namespace {

constexpr int64_t kMillis = 1'795'000'000'123;  // 0x01a1ee565e7b

TEST(SortableToken, Is51Base64UrlCharsCarryingTheMillisAnd256RandomBits) {
  std::string token = NewSortableToken(SecureRandom::Instance(), kMillis);
  ASSERT_EQ(token.size(), 51u);
  std::optional<std::string> raw = Base64UrlDecode(token);
  ASSERT_TRUE(raw.has_value());
  ASSERT_EQ(raw->size(), 38u);
  EXPECT_EQ(HexEncode(raw->substr(0, 6)), "01a1ee565e7b");
  EXPECT_NE(NewSortableToken(SecureRandom::Instance(), kMillis), token);
}

TEST(SortableToken, KeyIsTheHexMillisThenTheTokenHash) {
  std::string token = NewSortableToken(SecureRandom::Instance(), kMillis);
  EXPECT_EQ(SortableTokenKey(token), "01a1ee565e7b" + TokenHash(token));
}

TEST(SortableToken, KeysSortByIssueTime) {
  SeededRandom random(7);
  std::string previous;
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{255}, int64_t{256}, kMillis, kMillis + 1,
                    int64_t{1} << 47}) {
    std::string key = SortableTokenKey(NewSortableToken(random, t));
    EXPECT_LT(previous, key) << t;
    previous = key;
  }
}

TEST(SortableToken, OtherStringsKeyAsTheirPlainHash) {
  // Tokens issued before this format (43 characters) must still be found after an upgrade.
  std::string legacy = SecureRandom::Instance().NewToken();
  EXPECT_EQ(SortableTokenKey(legacy), TokenHash(legacy));
  EXPECT_EQ(SortableTokenKey(""), TokenHash(""));
  std::string bad_prefix(51, 'A');
  bad_prefix[3] = '*';
  EXPECT_EQ(SortableTokenKey(bad_prefix), TokenHash(bad_prefix));
  std::string too_long = NewSortableToken(SecureRandom::Instance(), kMillis) + "A";
  EXPECT_EQ(SortableTokenKey(too_long), TokenHash(too_long));
}

TEST(SortableToken, IdIs32HexDigitsStartingWithTheMillis) {
  std::string id = NewSortableId(SecureRandom::Instance(), kMillis);
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(id.substr(0, 12), "01a1ee565e7b");
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(NewSortableId(SecureRandom::Instance(), kMillis), id);
  Random& random = SecureRandom::Instance();
  EXPECT_LT(NewSortableId(random, kMillis), NewSortableId(random, kMillis + 1));
}

TEST(SortableToken, NegativeMillisClampToZero) {
  EXPECT_EQ(NewSortableId(SecureRandom::Instance(), -5).substr(0, 12), "000000000000");
}

TEST(SortableToken, ADerivedTokenIsRebuiltFromItsKeyAndSecret) {
  const std::string secret(32, '\x5a');
  std::string token = SortableTokenOf(1'800'000'000'123, secret);
  ASSERT_EQ(token.size(), 51u);
  std::string key = SortableTokenKey(token);
  EXPECT_EQ(SortableKeyMillis(key), 1'800'000'000'123);
  EXPECT_EQ(SortableTokenOf(SortableKeyMillis(key), secret), token);
  EXPECT_EQ(SortableTokenOf(1, "short"), "");
  EXPECT_EQ(SortableKeyMillis(TokenHash("legacy")), -1);
  EXPECT_EQ(SortableKeyMillis("zz" + key.substr(2)), -1);
}

}  // namespace
}  // namespace authgent
