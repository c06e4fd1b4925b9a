#include "core/display_text.h"

#include <gtest/gtest.h>

namespace authgent {
namespace {

TEST(DisplayText, OrdinaryNamesInAnyScriptPass) {
  for (const char* name : {"Claude (claude.ai)", "Cursor", "ünïcode — test", "日本語のクライアント",
                           "עברית", "emoji 🚀 client", "a\u00A0b"}) {
    EXPECT_EQ(DisplayTextProblem(name), std::nullopt) << name;
  }
}

TEST(DisplayText, EachHidingCharacterIsNamed) {
  EXPECT_EQ(DisplayTextProblem("Claude\x07"),
            "the text contains an invisible or control character (U+0007)");
  EXPECT_EQ(DisplayTextProblem("tab\there"),
            "the text contains an invisible or control character (U+0009)");
  EXPECT_EQ(DisplayTextProblem("Claude\u202Eevil"),
            "the text contains an invisible or control character (U+202E)");
  EXPECT_EQ(DisplayTextProblem("Cl\u200Baude"),
            "the text contains an invisible or control character (U+200B)");
  EXPECT_EQ(DisplayTextProblem("\uFEFFClaude"),
            "the text contains an invisible or control character (U+FEFF)");
  EXPECT_EQ(DisplayTextProblem("x\u2066y"),
            "the text contains an invisible or control character (U+2066)");
  EXPECT_EQ(DisplayTextProblem("x\u0085y"),
            "the text contains an invisible or control character (U+0085)");
  EXPECT_EQ(DisplayTextProblem("x\u3164y"),
            "the text contains an invisible or control character (U+3164)");
  EXPECT_EQ(DisplayTextProblem(std::string("a\0b", 3)),
            "the text contains an invisible or control character (U+0000)");
  EXPECT_EQ(DisplayTextProblem("\xC0\xAF"), "the text is not valid UTF-8");
}

}  // namespace
}  // namespace authgent
