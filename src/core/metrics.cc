#include "core/metrics.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace authgent {

Histogram::Histogram(std::vector<double> bounds, double unit)
    : bounds_(std::move(bounds)),
      unit_(unit),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (double b : bounds_) raw_bounds_.push_back(static_cast<int64_t>(std::llround(b / unit_)));
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(int64_t value) {
  size_t i = 0;
  while (i < raw_bounds_.size() && value > raw_bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = static_cast<double>(sum_.load(std::memory_order_relaxed)) * unit_;
  return s;
}

int64_t MonotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ScopedTimer::ScopedTimer(Histogram* histogram) : histogram_(histogram) {
  if (histogram_) start_us_ = MonotonicMicros();
}

ScopedTimer::~ScopedTimer() {
  if (histogram_) histogram_->Observe(MonotonicMicros() - start_us_);
}

std::vector<double> LatencyBounds() {
  return {0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
}

namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Prometheus' float text: integers without a fraction, +Inf, NaN.
std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

MetricLabels With(MetricLabels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

}  // namespace

std::string RenderLabels(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
  }
  return out + "}";
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& help,
                                                    const std::string& type) {
  for (Family& f : families_) {
    if (f.name != name) continue;
    if (f.type != type || f.help != help) {
      throw std::logic_error("metric " + name + " added twice with another type or help");
    }
    return f;
  }
  families_.push_back(Family{name, help, type, {}, {}, nullptr});
  return families_.back();
}

Counter& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                     MetricLabels labels) {
  std::lock_guard lock(mu_);
  Counter& c = counters_.emplace_back();
  FamilyFor(name, help, "counter").counters.emplace_back(std::move(labels), &c);
  return c;
}

Histogram& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                         std::vector<double> bounds, double unit,
                                         MetricLabels labels) {
  std::lock_guard lock(mu_);
  Histogram& h = histograms_.emplace_back(std::move(bounds), unit);
  FamilyFor(name, help, "histogram").histograms.emplace_back(std::move(labels), &h);
  return h;
}

void MetricsRegistry::AddGauge(const std::string& name, const std::string& help,
                               std::function<std::vector<GaugeSample>()> collect) {
  std::lock_guard lock(mu_);
  FamilyFor(name, help, "gauge").collect = std::move(collect);
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const Family& f : families_) {
    out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& [labels, counter] : f.counters) {
      out += f.name + RenderLabels(labels) + " " + std::to_string(counter->Value()) + "\n";
    }
    for (const auto& [labels, histogram] : f.histograms) {
      Histogram::Snapshot s = histogram->Take();
      const std::vector<double>& bounds = histogram->bounds();
      for (size_t i = 0; i < s.cumulative.size(); ++i) {
        std::string le = i < bounds.size() ? Number(bounds[i]) : "+Inf";
        out += f.name + "_bucket" + RenderLabels(With(labels, "le", le)) + " " +
               std::to_string(s.cumulative[i]) + "\n";
      }
      out += f.name + "_sum" + RenderLabels(labels) + " " + Number(s.sum) + "\n";
      out += f.name + "_count" + RenderLabels(labels) + " " + std::to_string(s.count) + "\n";
    }
    if (f.collect) {
      for (const GaugeSample& g : f.collect()) {
        out += f.name + RenderLabels(g.labels) + " " + Number(g.value) + "\n";
      }
    }
  }
  return out;
}

}  // namespace authgent
