// core/concurrency_gate: at most `slots` callers inside at once, at most `max_waiting` more
// waiting for a slot (each for a bounded time), everyone else turned away at once. For CPU-heavy
// work a stranger can start (password hashing at login): a flood waits briefly, then is refused,
// instead of occupying every worker thread that token requests need. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace authgent {

class ConcurrencyGate {
 public:
  ConcurrencyGate(int slots, int max_waiting) : slots_(slots), max_waiting_(max_waiting) {}

  // A slot, held until the ticket is destroyed.
  class Ticket {
   public:
    explicit Ticket(ConcurrencyGate* gate) : gate_(gate) {}
    Ticket(Ticket&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    Ticket(const Ticket&) = delete;
    ~Ticket() {
      if (gate_) gate_->Leave();
    }

   private:
    ConcurrencyGate* gate_;
  };

  // A slot now, or after waiting at most `max_wait` in line; nullopt when the line is full or the
  // wait ran out.
  std::optional<Ticket> Enter(std::chrono::milliseconds max_wait);
  // How many callers wait in line now.
  int waiting();

 private:
  void Leave();

  const int slots_;
  const int max_waiting_;
  std::mutex mu_;
  std::condition_variable freed_;
  int inside_ = 0;   // guarded by mu_
  int waiting_ = 0;  // guarded by mu_
};

}  // namespace authgent
