#include "core/random.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

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

// Small draws come from a per-thread buffer: a forked child must not hand out the bytes its
// parent is about to hand out.
TEST(Random, AForkedChildDrawsOtherBytesThanItsParent) {
  (void)SecureRandom::Instance().Hex(16);  // the parent's buffer now holds unused bytes
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string token = SecureRandom::Instance().Hex(16);
    ssize_t written = write(fds[1], token.data(), token.size());
    _exit(written == static_cast<ssize_t>(token.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string from_child(32, '\0');
  ssize_t got = read(fds[0], from_child.data(), from_child.size());
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(got, 32);
  EXPECT_NE(from_child, SecureRandom::Instance().Hex(16));
}

TEST(Random, SmallAndLargeDrawsAreAllDistinct) {
  std::set<std::string> seen;
  for (size_t n : {1, 8, 16, 32, 64, 65, 200, 16, 8}) {
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(seen.insert(SecureRandom::Instance().Hex(n)).second || n == 1);
  }
}

TEST(Random, SeededRandomIsDeterministicPerSeed) {
  SeededRandom a(7), b(7), c(8);
  EXPECT_EQ(a.Hex(40), b.Hex(40));
  EXPECT_NE(SeededRandom(7).Hex(40), c.Hex(40));
}

}  // namespace
}  // namespace authgent
