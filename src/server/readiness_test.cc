// Tests that /readyz's probe answers within its deadline, runs one check at a time however many
// callers wait, and reports the finished check's verdict.
#include "server/readiness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace authgent::server {
namespace {

using std::chrono::milliseconds;

TEST(ReadinessProbe, ReportsTheCheck) {
  int calls = 0;
  ReadinessProbe probe(
      [&] {
        ++calls;
        return calls == 1 ? Readiness{} : Readiness{false, "signing_key", "none active"};
      },
      milliseconds(5000));
  EXPECT_TRUE(probe.Probe().ready);
  Readiness second = probe.Probe();
  EXPECT_FALSE(second.ready);
  EXPECT_EQ(second.reason, "signing_key");
  EXPECT_EQ(calls, 2);
}

TEST(ReadinessProbe, AStalledCheckAnswersStorageAtTheDeadlineAndRunsOnce) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  ReadinessProbe probe(
      [&] {
        ++calls;
        released.wait();
        return Readiness{};
      },
      milliseconds(50));
  Readiness late = probe.Probe();
  EXPECT_FALSE(late.ready);
  EXPECT_EQ(late.reason, "storage");
  EXPECT_EQ(late.detail, "no answer within 50 ms");
  // Later callers wait on the same check: no second thread while the first is stuck.
  EXPECT_EQ(probe.Probe().reason, "storage");
  EXPECT_EQ(probe.Probe().reason, "storage");
  EXPECT_EQ(calls.load(), 1);
  release.set_value();
  // The stuck check finishes and its verdict is the answer; the caller after starts a new check.
  Readiness verdict;
  for (int i = 0; i < 100 && !(verdict = probe.Probe()).ready; ++i) {
  }
  EXPECT_TRUE(verdict.ready);
  EXPECT_TRUE(probe.Probe().ready);
  EXPECT_GE(calls.load(), 2);
}

}  // namespace
}  // namespace authgent::server
