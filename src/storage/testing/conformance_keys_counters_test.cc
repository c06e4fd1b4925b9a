// Conformance, SigningKeyStore and CounterStore: the first key race, the key list, shared counters.
#include <thread>

#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

TEST_P(StoreConformance, SigningKeysFirstKeyOnceThenOrderedList) {
  SigningKey k1{"k1", "{}", "sealed1", now_, now_};
  ASSERT_TRUE(store_->InsertSigningKey(k1, true).ok());
  SigningKey k0{"k0", "{}", "sealed0", now_, now_ + 600};
  EXPECT_EQ(store_->InsertSigningKey(k0, true).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(store_->InsertSigningKey(k0, false).ok());
  EXPECT_EQ(store_->InsertSigningKey(k0, false).code(), StatusCode::kAlreadyExists);
  auto keys = store_->ListSigningKeys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "k1");
  EXPECT_EQ((*keys)[1].kid, "k0");
  EXPECT_EQ((*keys)[1].sealed_private_key, "sealed0");
  EXPECT_EQ((*keys)[1].activate_at, now_ + 600);
}

TEST_P(StoreConformance, FirstSigningKeyRaceHasOneWinnerAcrossInstances) {
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<Store>> instances;
  for (int i = 0; i < kThreads; ++i) instances.push_back(OpenAgain());
  std::atomic<int> wins{0}, losses{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      SigningKey k{"k" + std::to_string(i), "{}", "s", now_, now_};
      Status s = instances[static_cast<size_t>(i)]->InsertSigningKey(k, true);
      if (s.ok()) ++wins;
      else if (s.code() == StatusCode::kAlreadyExists) ++losses;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(losses.load(), kThreads - 1);
  EXPECT_EQ(store_->ListSigningKeys()->size(), 1u);
}

TEST_P(StoreConformance, CountersCountAndRestartAfterExpiry) {
  EXPECT_EQ(*store_->AddToCounter("reg:1.2.3.4", 1, now_ + 60, now_), 1);
  EXPECT_EQ(*store_->AddToCounter("reg:1.2.3.4", 1, now_ + 60, now_ + 1), 2);
  EXPECT_EQ(*store_->AddToCounter("reg:5.6.7.8", 1, now_ + 60, now_ + 1), 1);
  EXPECT_EQ(*store_->AddToCounter("reg:1.2.3.4", 1, now_ + 120, now_ + 60), 1);
  EXPECT_EQ(*store_->AddToCounter("reg:1.2.3.4", 1, now_ + 120, now_ + 61), 2);
  EXPECT_EQ(*store_->GetCounter("reg:1.2.3.4", now_ + 61), 2);
  // Taken back (a successful login is not a failure), and more than one at a time.
  EXPECT_EQ(*store_->AddToCounter("reg:1.2.3.4", -1, now_ + 120, now_ + 62), 1);
  EXPECT_EQ(*store_->AddToCounter("reg:1.2.3.4", 5, now_ + 120, now_ + 62), 6);
  EXPECT_EQ(*store_->GetCounter("reg:1.2.3.4", now_ + 120), 0);
  EXPECT_EQ(*store_->GetCounter("never", now_), 0);
}

TEST_P(StoreConformance, CountersAreExactUnderConcurrency) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kEach; ++j) ASSERT_TRUE(store_->AddToCounter("k", 1, now_ + 60, now_).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store_->AddToCounter("k", 1, now_ + 60, now_), kThreads * kEach + 1);
}

}  // namespace
}  // namespace authgent::storage::testing
