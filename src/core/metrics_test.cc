#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace authgent {
namespace {

TEST(Metrics, RendersCountersOfOneFamilyTogether) {
  MetricsRegistry registry;
  Counter& code = registry.AddCounter("t_tokens_total", "Tokens issued.", {{"grant", "code"}});
  Counter& cc = registry.AddCounter("t_tokens_total", "Tokens issued.", {{"grant", "cc"}});
  registry.AddCounter("t_other_total", "Other.").Add(7);
  code.Add();
  code.Add(2);
  cc.Add();
  EXPECT_EQ(registry.Render(),
            "# HELP t_tokens_total Tokens issued.\n# TYPE t_tokens_total counter\n"
            "t_tokens_total{grant=\"code\"} 3\nt_tokens_total{grant=\"cc\"} 1\n"
            "# HELP t_other_total Other.\n# TYPE t_other_total counter\nt_other_total 7\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndTheSumIsInRenderedUnits) {
  MetricsRegistry registry;
  Histogram& h =
      registry.AddHistogram("t_seconds", "Latency.", {0.001, 0.01}, 1e-6, {{"route", "/x"}});
  h.Observe(500);     // 0.5 ms
  h.Observe(1000);    // exactly the first bound: counted in it
  h.Observe(5000);    // 5 ms
  h.Observe(200000);  // 200 ms: only +Inf
  EXPECT_EQ(registry.Render(),
            "# HELP t_seconds Latency.\n# TYPE t_seconds histogram\n"
            "t_seconds_bucket{route=\"/x\",le=\"0.001\"} 2\n"
            "t_seconds_bucket{route=\"/x\",le=\"0.01\"} 3\n"
            "t_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "t_seconds_sum{route=\"/x\"} 0.2065\n"
            "t_seconds_count{route=\"/x\"} 4\n");
}

TEST(Metrics, GaugesAreCollectedAtRenderAndLabelValuesEscaped) {
  MetricsRegistry registry;
  int calls = 0;
  registry.AddGauge("t_info", "Info.", [&] {
    ++calls;
    return std::vector<GaugeSample>{{{{"v", "a\"b\\c\nd"}}, 1}, {{{"v", "x"}}, 2.5}};
  });
  EXPECT_EQ(registry.Render(),
            "# HELP t_info Info.\n# TYPE t_info gauge\nt_info{v=\"a\\\"b\\\\c\\nd\"} 1\n"
            "t_info{v=\"x\"} 2.5\n");
  registry.Render();
  EXPECT_EQ(calls, 2);
}

TEST(Metrics, OneNameCannotChangeItsType) {
  MetricsRegistry registry;
  registry.AddCounter("t_x", "X.");
  EXPECT_THROW(registry.AddHistogram("t_x", "X.", {1}, 1), std::logic_error);
}

TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry registry;
  Counter& c = registry.AddCounter("t_total", "T.");
  Histogram& h = registry.AddHistogram("t_h", "H.", LatencyBounds(), 1e-6);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Add();
        h.Observe(i);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), 40000u);
  EXPECT_EQ(h.Take().count, 40000u);
  EXPECT_EQ(h.Take().cumulative.back(), 40000u);
}

}  // namespace
}  // namespace authgent
