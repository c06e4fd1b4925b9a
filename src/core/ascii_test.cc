#include "core/ascii.h"

#include <gtest/gtest.h>

namespace authgent {
namespace {

TEST(AsciiLower, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("HTTPS://Claude.AI/Path-_09"), "https://claude.ai/path-_09");
  EXPECT_EQ(AsciiLower(""), "");
  // Bytes of UTF-8 text (here "É" and "ß") are left as they are, whatever the locale.
  EXPECT_EQ(AsciiLower("\xC3\x89\xC3\x9F"), "\xC3\x89\xC3\x9F");
  EXPECT_EQ(AsciiLower('@'), '@');  // just below 'A'
  EXPECT_EQ(AsciiLower('['), '[');  // just after 'Z'
  EXPECT_EQ(AsciiLower('Z'), 'z');
}

}  // namespace
}  // namespace authgent
