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

// Both ways of adding count alike: durably (AddToCounter) and as a rate (AddToRateCounter).
using Adder = StatusOr<int64_t> (CounterStore::*)(const std::string&, int64_t, int64_t, int64_t);
constexpr std::pair<const char*, Adder> kAdders[] = {{"durable", &CounterStore::AddToCounter},
                                                     {"rate", &CounterStore::AddToRateCounter}};

TEST_P(StoreConformance, CountersCountAndRestartAfterExpiry) {
  for (const auto& [name, add_to] : kAdders) {
    SCOPED_TRACE(name);
    auto add = [&, add_to = add_to](const std::string& key, int64_t delta, int64_t expires_at,
                                    int64_t now) {
      return *(store_.get()->*add_to)(key, delta, expires_at, now);
    };
    std::string a = std::string(name) + ":1.2.3.4", b = std::string(name) + ":5.6.7.8";
    EXPECT_EQ(add(a, 1, now_ + 60, now_), 1);
    EXPECT_EQ(add(a, 1, now_ + 60, now_ + 1), 2);
    EXPECT_EQ(add(b, 1, now_ + 60, now_ + 1), 1);
    EXPECT_EQ(add(a, 1, now_ + 120, now_ + 60), 1);
    EXPECT_EQ(add(a, 1, now_ + 120, now_ + 61), 2);
    EXPECT_EQ(*store_->GetCounter(a, now_ + 61), 2);
    // Taken back (a successful login is not a failure), and more than one at a time.
    EXPECT_EQ(add(a, -1, now_ + 120, now_ + 62), 1);
    EXPECT_EQ(add(a, 5, now_ + 120, now_ + 62), 6);
    EXPECT_EQ(*store_->GetCounter(a, now_ + 120), 0);
  }
  EXPECT_EQ(*store_->GetCounter("never", now_), 0);
}

TEST_P(StoreConformance, CountersAreExactUnderConcurrency) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  // Half the threads add durably, half as a rate, all to the one key: neither way loses one.
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, add_to = kAdders[i % 2].second] {
      for (int j = 0; j < kEach; ++j)
        ASSERT_TRUE((store_.get()->*add_to)("k", 1, now_ + 60, now_).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store_->AddToCounter("k", 1, now_ + 60, now_), kThreads * kEach + 1);
  EXPECT_EQ(*store_->AddToRateCounter("k", 1, now_ + 60, now_), kThreads * kEach + 2);
}

// Registration's limits: per address, per network, overall, counted in that order in one call.
TEST_P(StoreConformance, RateCountsStopAtTheFirstLimitPassed) {
  auto counts = [&](const std::string& address, int64_t expires_at) {
    return std::vector<RateCount>{
        {address, 2, expires_at}, {"net", 3, expires_at}, {"all", 10, expires_at}};
  };
  auto add = [&](const std::string& address, int64_t expires_at, int64_t now) {
    return *AddToRateCountersAndWait(*store_, counts(address, expires_at), now);
  };
  using Values = std::vector<int64_t>;
  EXPECT_EQ(add("a", now_ + 60, now_), (Values{1, 1, 1}));
  EXPECT_EQ(add("a", now_ + 60, now_), (Values{2, 2, 2}));
  // The address passes its limit: neither the network nor the overall count is used up.
  EXPECT_EQ(add("a", now_ + 60, now_ + 1), (Values{3}));
  EXPECT_EQ(*store_->GetCounter("net", now_ + 1), 2);
  EXPECT_EQ(*store_->GetCounter("all", now_ + 1), 2);
  EXPECT_EQ(add("b", now_ + 60, now_ + 1), (Values{1, 3, 3}));
  // The network passes its limit: the overall count stays.
  EXPECT_EQ(add("c", now_ + 60, now_ + 1), (Values{1, 4}));
  EXPECT_EQ(*store_->GetCounter("all", now_ + 1), 3);
  EXPECT_EQ(*store_->GetCounter("c", now_ + 1), 1);
  // A new window starts every count again.
  EXPECT_EQ(add("a", now_ + 120, now_ + 60), (Values{1, 1, 1}));
  EXPECT_EQ(*store_->GetCounter("a", now_ + 60), 1);
  // One count, and none.
  EXPECT_EQ(*AddToRateCountersAndWait(*store_, {{"alone", 0, now_ + 60}}, now_), (Values{1}));
  EXPECT_EQ(*AddToRateCountersAndWait(*store_, {{"alone", 5, now_ + 60}}, now_), (Values{2}));
  EXPECT_TRUE(AddToRateCountersAndWait(*store_, {}, now_)->empty());
}

TEST_P(StoreConformance, RateCountsAreExactUnderConcurrency) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  // Every thread its own address, all sharing the network's and the overall counter, in the
  // one order registration counts them: none is lost and none waits forever on another.
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::vector<RateCount> counts = {{"address" + std::to_string(i), 1000, now_ + 60},
                                       {"net", 1000, now_ + 60},
                                       {"all", 1000, now_ + 60}};
      for (int j = 0; j < kEach; ++j) {
        StatusOr<std::vector<int64_t>> values = AddToRateCountersAndWait(*store_, counts, now_);
        ASSERT_TRUE(values.ok()) << values.status().ToString();
        ASSERT_EQ(values->size(), 3u);
        EXPECT_EQ((*values)[0], j + 1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store_->GetCounter("net", now_), kThreads * kEach);
  EXPECT_EQ(*store_->GetCounter("all", now_), kThreads * kEach);
}

}  // namespace
}  // namespace authgent::storage::testing
