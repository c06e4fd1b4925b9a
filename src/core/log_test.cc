#include "core/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace authgent::log {
namespace {

// The time every log line and audit event carries: RFC 3339 in UTC with milliseconds, the date
// and time formatted once a second per thread; two calls a second apart must still differ.
TEST(Log, NowRfc3339IsUtcWithMillisecondsAndFollowsTheClock) {
  // GoogleTest's regular expressions (POSIX on Linux), not <regex>: a fraction of the compile time.
  const auto shape =
      ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z");
  std::string first = NowRfc3339();
  EXPECT_THAT(first, shape);
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  EXPECT_EQ(first.substr(0, 5), std::to_string(tm.tm_year + 1900) + "-");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::string later = NowRfc3339();
  EXPECT_THAT(later, shape);
  EXPECT_LT(first, later);
  EXPECT_NE(first.substr(0, 19), later.substr(0, 19));  // the cached second moved on
}

}  // namespace
}  // namespace authgent::log
