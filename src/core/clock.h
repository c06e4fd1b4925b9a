// core/clock: injected time. Every expiry, rotation and rate-limit window reads a Clock, so tests
// drive them with FakeClock instead of sleeping.
//
// Time is whole seconds since the Unix epoch (int64): the resolution of JWT claims and of every
// stored expiry. SteadyMillis() is for measuring durations only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace authgent {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual int64_t Now() const = 0;
  // Milliseconds since the Unix epoch (the issue time in sortable tokens: core/sortable_token).
  virtual int64_t NowMillis() const { return Now() * 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t Now() const override;
  int64_t NowMillis() const override;
  // A process-wide instance.
  static const SystemClock& Instance();
};

// A clock that moves only when told; safe to read and advance from several threads.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start = 1'700'000'000) : now_(start) {}
  int64_t Now() const override { return now_.load(); }
  void Set(int64_t t) { now_.store(t); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

// "2026-11-26T06:48:09Z" for Unix seconds `t` (UTC).
std::string FormatRfc3339(int64_t t);

// Monotonic milliseconds, for durations in logs and benchmarks.
int64_t SteadyMillis();
// Monotonic microseconds.
int64_t SteadyMicros();

}  // namespace authgent
