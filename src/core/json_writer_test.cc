#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace authgent {
namespace {

std::string Quoted(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

TEST(JsonWriter, EscapesLikeNlohmann) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("mcp:read mcp:write"), R"("mcp:read mcp:write")");
  EXPECT_EQ(Quoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(Quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\x91\"");
}

TEST(JsonWriter, ReplacesEachByteThatIsNotValidUtf8) {
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Quoted("a\xFF" "b"), "\"a" + kFffd + "b\"");
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"" + kFffd + kFffd + "\"");          // overlong '/'
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"" + kFffd + kFffd + kFffd + "\"");  // a surrogate
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"), "\"" + kFffd + kFffd + kFffd + kFffd + "\"");  // > U+10FFFF
  EXPECT_EQ(Quoted("\xE2\x82"), "\"" + kFffd + kFffd + "\"");  // cut short at the end
}

// Random strings of code points from every class that matters (controls, the two escaped
// characters, ASCII, two-, three- and four-byte sequences) come out as nlohmann writes them.
TEST(JsonWriter, MatchesNlohmannOnRandomValidUtf8) {
  std::mt19937 rng(20261127);
  const uint32_t kStarts[] = {0x00, 0x20, 0x22, 0x5C, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000,
                              0xFFFD, 0x10000, 0x10FFFF};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    int length = static_cast<int>(rng() % 12);
    for (int i = 0; i < length; ++i) {
      uint32_t cp = kStarts[rng() % std::size(kStarts)] + rng() % 3;
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 'x';
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    ASSERT_EQ(Quoted(s), nlohmann::json(s).dump()) << round;
  }
}

// Any bytes at all give a string that a strict JSON parser (which checks UTF-8) accepts.
TEST(JsonWriter, AnyBytesGiveValidJson) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 10, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    nlohmann::json back = nlohmann::json::parse(Quoted(s), nullptr, false);
    ASSERT_TRUE(back.is_string()) << round;
  }
}

TEST(JsonWriter, WritesAnObjectInTheOrderGiven) {
  std::string out = "prefix:";
  JsonObjectWriter(out)
      .String("access_token", "a.b.c")
      .String("token_type", "Bearer")
      .Int("expires_in", 3600)
      .Int("negative", -42)
      .String("quote\"key", "v")
      .Close();
  nlohmann::ordered_json expected = {{"access_token", "a.b.c"}, {"token_type", "Bearer"},
                                     {"expires_in", 3600}, {"negative", -42}, {"quote\"key", "v"}};
  EXPECT_EQ(out, "prefix:" + expected.dump());
  std::string empty;
  JsonObjectWriter(empty).Close();
  EXPECT_EQ(empty, "{}");
}

}  // namespace
}  // namespace authgent
