#include "core/concurrency_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace authgent {
namespace {

using std::chrono::milliseconds;

TEST(ConcurrencyGate, AdmitsSlotsThenQueuesThenRefuses) {
  ConcurrencyGate gate(1, 1);
  auto first = gate.Enter(milliseconds(0));
  ASSERT_TRUE(first.has_value());
  // One may wait: it times out while the slot is held.
  EXPECT_FALSE(gate.Enter(milliseconds(20)).has_value());
  // While one waits, a third is refused at once.
  std::atomic<bool> waiter_got{false};
  std::thread waiter([&] { waiter_got = gate.Enter(milliseconds(5000)).has_value(); });
  while (gate.waiting() == 0) std::this_thread::yield();  // until the waiter is in line
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(gate.Enter(milliseconds(5000)).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  first.reset();  // the slot frees: the waiter gets it
  waiter.join();
  EXPECT_TRUE(waiter_got.load());
  EXPECT_TRUE(gate.Enter(milliseconds(0)).has_value());
}

TEST(ConcurrencyGate, NeverMoreThanSlotsInside) {
  ConcurrencyGate gate(2, 100);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        auto ticket = gate.Enter(milliseconds(10000));
        ASSERT_TRUE(ticket.has_value());
        int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);
}

}  // namespace
}  // namespace authgent
