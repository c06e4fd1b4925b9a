#include "core/concurrency_gate.h"

namespace authgent {

std::optional<ConcurrencyGate::Ticket> ConcurrencyGate::Enter(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mu_);
  if (inside_ >= slots_) {
    if (waiting_ >= max_waiting_) return std::nullopt;
    ++waiting_;
    bool got = freed_.wait_for(lock, max_wait, [this] { return inside_ < slots_; });
    --waiting_;
    if (!got) return std::nullopt;
  }
  ++inside_;
  return Ticket(this);
}

int ConcurrencyGate::waiting() {
  std::lock_guard lock(mu_);
  return waiting_;
}

void ConcurrencyGate::Leave() {
  {
    std::lock_guard lock(mu_);
    --inside_;
  }
  freed_.notify_one();
}

}  // namespace authgent
