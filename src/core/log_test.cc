#include "core/log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

namespace authgent::log {
namespace {

// The time every log line and audit event carries: RFC 3339 in UTC with milliseconds, the date
// and time formatted once a second per thread; two calls a second apart must still differ.
TEST(Log, NowRfc3339IsUtcWithMillisecondsAndFollowsTheClock) {
  static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  std::string first = NowRfc3339();
  EXPECT_TRUE(std::regex_match(first, shape)) << first;
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  EXPECT_EQ(first.substr(0, 5), std::to_string(tm.tm_year + 1900) + "-");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::string later = NowRfc3339();
  EXPECT_TRUE(std::regex_match(later, shape)) << later;
  EXPECT_LT(first, later);
  EXPECT_NE(first.substr(0, 19), later.substr(0, 19));  // the cached second moved on
}

}  // namespace
}  // namespace authgent::log
