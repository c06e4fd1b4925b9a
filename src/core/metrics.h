// core/metrics: counters and histograms in Prometheus' text exposition format (version 0.0.4),
// cheap enough to touch on every request: an update is a relaxed atomic add on the metric's own
// cache line, with no lock and no allocation. Gauges are computed when scraped.
//
// Label sets are fixed when a metric is added, never taken from a request: a label value chosen
// by a stranger would let anyone grow the exposition (and this process's memory) without bound.
// Metrics are added at start-up; Render() may run concurrently with updates at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace authgent {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  alignas(64) std::atomic<uint64_t> value_{0};  // its own cache line: no false sharing
};

// Observations of a duration or a size against fixed upper bounds (cumulative when rendered).
class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending; `unit`: what one observed unit is in the
  // rendered value (1e-6 for durations observed in microseconds and rendered in seconds).
  Histogram(std::vector<double> bounds, double unit);
  // `value` in observed units (microseconds for durations).
  void Observe(int64_t value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;                    // in rendered units
    uint64_t count = 0;
  };
  Snapshot Take() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;  // rendered units
  std::vector<int64_t> raw_bounds_;   // observed units, for Observe's comparisons
  const double unit_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the last is +Inf)
  alignas(64) std::atomic<int64_t> sum_{0};           // observed units
};

// Bucket bounds for request and storage latencies, in seconds: 0.25 ms to 10 s.
std::vector<double> LatencyBounds();

// Observes the microseconds from its construction to its destruction into `histogram`
// (nothing when null).
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram* histogram);
  ~ScopedTimer();
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram* histogram_;
  int64_t start_us_ = 0;
};

// Microseconds on the monotonic clock.
int64_t MonotonicMicros();

struct GaugeSample {
  MetricLabels labels;
  double value = 0;
};

class MetricsRegistry {
 public:
  // Adds a metric; several with one name (a family) must share `help` and differ in labels.
  // The returned reference lives as long as the registry.
  Counter& AddCounter(const std::string& name, const std::string& help, MetricLabels labels = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<double> bounds, double unit, MetricLabels labels = {});
  // A gauge family whose samples `collect` computes at each Render() (key ages, build info).
  void AddGauge(const std::string& name, const std::string& help,
                std::function<std::vector<GaugeSample>()> collect);

  // Every metric in the text format, families in the order they were first added.
  std::string Render() const;

 private:
  struct Family {
    std::string name, help, type;
    std::vector<std::pair<MetricLabels, Counter*>> counters;
    std::vector<std::pair<MetricLabels, Histogram*>> histograms;
    std::function<std::vector<GaugeSample>()> collect;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, const std::string& type);

  mutable std::mutex mu_;
  std::deque<Family> families_;
  std::deque<Counter> counters_;
  std::deque<Histogram> histograms_;
};

// `labels` as Prometheus writes them ({a="x",b="y"}, or nothing when empty), values escaped.
std::string RenderLabels(const MetricLabels& labels);

}  // namespace authgent
