#include "oauth/params.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

TEST(Params, DecodesPercentAndPlus) {
  Params p = Params::Parse("a=1&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcb&name=My+App&empty=");
  ASSERT_TRUE(p.valid());
  EXPECT_EQ(p.Get("a"), "1");
  EXPECT_EQ(p.Get("redirect_uri"), "http://127.0.0.1:3000/cb");
  EXPECT_EQ(p.Get("name"), "My App");
  EXPECT_FALSE(p.Has("empty"));  // empty counts as omitted
  EXPECT_EQ(p.Get("missing"), "");
}

TEST(Params, FlagsDuplicatesAndMalformedEscapes) {
  EXPECT_EQ(Params::Parse("scope=a&scope=b").duplicate(), "scope");
  // An empty copy is a copy all the same, before or after the one with a value.
  EXPECT_EQ(Params::Parse("grant_type=&grant_type=client_credentials").duplicate(), "grant_type");
  EXPECT_EQ(Params::Parse("grant_type=x&grant_type").duplicate(), "grant_type");
  EXPECT_EQ(Params::Parse("a=&a=").duplicate(), "a");
  EXPECT_EQ(Params::Parse("a=&b=1").duplicate(), "");
  EXPECT_EQ(Params::Parse("a=&b=1").Get("a"), "");
  EXPECT_FALSE(Params::Parse("a=%zz").valid());
  EXPECT_FALSE(Params::Parse("a=%4").valid());
  EXPECT_TRUE(Params::Parse("").valid());
  EXPECT_TRUE(Params::Parse("&&a=1&&").valid());
}

TEST(PercentEncode, EncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("a b/c?d=e&f~g"), "a%20b%2Fc%3Fd%3De%26f~g");
  EXPECT_EQ(*PercentDecode(PercentEncode("x:y@z"), false), "x:y@z");
}

}  // namespace
}  // namespace authgent::oauth
