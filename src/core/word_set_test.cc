#include "core/word_set.h"

#include <gtest/gtest.h>

namespace authgent {
namespace {

TEST(WordSet, SplitsOnSpacesKeepingFirstSeenOrderOnce) {
  EXPECT_EQ(SplitWordSet("b a  b c "), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(SplitWordSet("").empty());
  EXPECT_TRUE(SplitWordSet("   ").empty());
}

TEST(WordSet, JoinsSortedOnce) {
  EXPECT_EQ(JoinWordSet({"mcp:write", "admin", "mcp:write"}), "admin mcp:write");
  EXPECT_EQ(JoinWordSet({}), "");
}

TEST(WordSet, UnionIsCanonical) {
  EXPECT_EQ(WordSetUnion("mcp:read", "mcp:write admin"), "admin mcp:read mcp:write");
  EXPECT_EQ(WordSetUnion("b a", "a"), "a b");
  EXPECT_EQ(WordSetUnion("", ""), "");
  EXPECT_EQ(WordSetUnion("x", ""), "x");
}

}  // namespace
}  // namespace authgent
