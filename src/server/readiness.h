// server/readiness: /readyz's verdict within its own deadline, and one log line per change.
//
// The checks (storage reachable and writable, schema current, a signing key, the upstream IdP)
// run on the probe's own thread. The caller waits at most `timeout`: a database that stopped
// answering makes /readyz say 503 `storage` at once instead of hanging the load balancer's
// check. While a check is still running, later callers wait on that same check (never a second
// thread per request), so a stalled database costs one thread, not one per probe.
//
// Load balancers ask every second or two; the log gets a line when the verdict changes (not
// ready, with the reason and its detail; ready again), not one per request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace authgent::server {

struct Readiness {
  bool ready = true;
  std::string reason;  // for strangers: storage, signing_key, upstream
  std::string detail;  // for the log only
};

class ReadinessProbe {
 public:
  using Check = std::function<Readiness()>;
  ReadinessProbe(Check check, std::chrono::milliseconds timeout)
      : check_(std::move(check)), timeout_(timeout) {}
  ~ReadinessProbe();  // waits for a check still running (bounded by the storage timeouts)

  Readiness Probe();

 private:
  void Logged(const Readiness& verdict);  // mu_ held

  const Check check_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable done_;
  std::thread worker_;
  bool running_ = false;
  uint64_t started_ = 0;   // checks started
  uint64_t finished_ = 0;  // checks finished
  Readiness last_;
  bool logged_ready_ = true;
  std::string logged_reason_;
};

}  // namespace authgent::server
