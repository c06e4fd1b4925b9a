#include "server/readiness.h"

#include "core/log.h"

namespace authgent::server {

ReadinessProbe::~ReadinessProbe() {
  std::unique_lock lock(mu_);
  done_.wait(lock, [&] { return !running_; });
  lock.unlock();
  if (worker_.joinable()) worker_.join();
}

Readiness ReadinessProbe::Probe() {
  std::unique_lock lock(mu_);
  if (!running_) {
    if (worker_.joinable()) worker_.join();  // finished: running_ is false
    running_ = true;
    ++started_;
    worker_ = std::thread([this] {
      Readiness verdict = check_();
      std::lock_guard guard(mu_);
      last_ = std::move(verdict);
      ++finished_;
      running_ = false;
      Logged(last_);
      done_.notify_all();
    });
  }
  uint64_t wanted = started_;
  if (!done_.wait_for(lock, timeout_, [&] { return finished_ >= wanted; })) {
    Readiness late{false, "storage",
                   "no answer within " + std::to_string(timeout_.count()) + " ms"};
    Logged(late);
    return late;
  }
  return last_;
}

void ReadinessProbe::Logged(const Readiness& verdict) {
  if (verdict.ready == logged_ready_ && verdict.reason == logged_reason_) return;
  logged_ready_ = verdict.ready;
  logged_reason_ = verdict.reason;
  if (verdict.ready) {
    log::Info("ready again");
  } else {
    log::Warn("not ready", {{"reason", verdict.reason}, {"detail", verdict.detail}});
  }
}

}  // namespace authgent::server
