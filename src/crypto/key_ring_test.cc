#include "crypto/key_ring.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <latch>
#include <thread>
#include <vector>

#include "core/temp_dir.h"
#include "core/thread_role.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent::crypto {
namespace {

class KeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = MakeTempDir("authgent-ring") + "/keys.db";
    store_ = OpenStore();
  }
  std::unique_ptr<storage::Store> OpenStore() {
    auto store = storage::OpenSqliteStore({path_});
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE((*store)->Migrate().ok());
    return std::move(store).value();
  }
  KeyRing MakeRing(storage::Store& store, std::string kek = std::string(32, 'k')) {
    return KeyRing(store, clock_, SecureRandom::Instance(), std::move(kek), options_);
  }
  static std::vector<std::string> Kids(const KeySnapshot& s) {
    std::vector<std::string> kids;
    nlohmann::json jwks = nlohmann::json::parse(s.jwks_json);
    for (const auto& k : jwks["keys"]) kids.push_back(k["kid"]);
    return kids;
  }

  std::string path_;
  std::unique_ptr<storage::Store> store_;
  FakeClock clock_{1'800'000'000};
  KeyRingOptions options_{.publish_delay = 600, .token_lifetime = 3600, .retire_grace = 300,
                          .reload_interval = 30};
};

TEST_F(KeyRingTest, BootstrapCreatesOneActiveKeyPublishedAsJwk) {
  KeyRing ring = MakeRing(*store_);
  ASSERT_TRUE(ring.Bootstrap(std::nullopt).ok());
  auto snap = *ring.Current();
  ASSERT_EQ(snap->keys.size(), 1u);
  EXPECT_EQ(snap->keys[0].state, KeyState::kActive);
  auto jwks = nlohmann::json::parse(snap->jwks_json);
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const auto& jwk = jwks["keys"][0];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_EQ(jwk["kid"], snap->active_kid);
  EXPECT_EQ(snap->active_key->Thumbprint(), snap->active_kid);

  // Another instance bootstrapping the same store finds the key and adds none.
  KeyRing second = MakeRing(*store_);
  ASSERT_TRUE(second.Bootstrap(std::nullopt).ok());
  EXPECT_EQ((*second.Current())->active_kid, snap->active_kid);
  EXPECT_EQ(store_->ListSigningKeys()->size(), 1u);
}

TEST_F(KeyRingTest, RotationPublishesThenActivatesThenRetires) {
  KeyRing ring = MakeRing(*store_);
  ASSERT_TRUE(ring.Bootstrap(std::nullopt).ok());
  std::string old_kid = (*ring.Current())->active_kid;

  auto next = ring.Rotate();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->state, KeyState::kNext);
  EXPECT_EQ(next->activate_at, clock_.Now() + 600);
  auto snap = *ring.Current();
  EXPECT_EQ(snap->active_kid, old_kid);  // still signing with the old key
  EXPECT_EQ(Kids(*snap), (std::vector<std::string>{old_kid, next->kid}));

  EXPECT_FALSE(ring.NeedsReload());
  clock_.Advance(599);
  EXPECT_EQ((*ring.Current())->active_kid, old_kid);
  clock_.Advance(1);
  EXPECT_TRUE(ring.NeedsReload());  // the next key activates now
  clock_.Advance(-1);
  clock_.Advance(1);
  snap = *ring.Current();
  EXPECT_EQ(snap->active_kid, next->kid);
  EXPECT_EQ(snap->keys[0].state, KeyState::kRetiring);
  EXPECT_EQ(snap->keys[0].retire_at, clock_.Now() + 3600 + 300);
  EXPECT_EQ(Kids(*snap).size(), 2u);

  clock_.Advance(3600 + 300 - 1);
  EXPECT_EQ(Kids(**ring.Current()).size(), 2u);
  clock_.Advance(1);
  snap = *ring.Current();
  EXPECT_EQ(snap->keys[0].state, KeyState::kRetired);
  EXPECT_EQ(Kids(*snap), (std::vector<std::string>{next->kid}));
}

TEST_F(KeyRingTest, OtherInstancesSeeARotationWithinTheReloadInterval) {
  auto other_store = OpenStore();
  KeyRing a = MakeRing(*store_), b = MakeRing(*other_store);
  ASSERT_TRUE(a.Bootstrap(std::nullopt).ok());
  ASSERT_TRUE(b.Bootstrap(std::nullopt).ok());
  auto rotated = a.Rotate();
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(Kids(**b.Current()).size(), 1u);  // b's snapshot is still fresh
  clock_.Advance(30);
  EXPECT_EQ(Kids(**b.Current()).size(), 2u);
}

// Current() keeps the snapshot per thread; two rings used from one thread must never see each
// other's keys, and a reload must show at once.
TEST_F(KeyRingTest, RingsOnOneThreadKeepTheirOwnSnapshots) {
  std::string other_path = MakeTempDir("authgent-ring") + "/other.db";
  auto other_store = storage::OpenSqliteStore({other_path});
  ASSERT_TRUE(other_store.ok());
  ASSERT_TRUE((*other_store)->Migrate().ok());
  KeyRing a = MakeRing(*store_), b = MakeRing(**other_store);
  EXPECT_TRUE(a.NeedsReload());
  ASSERT_TRUE(a.Bootstrap(std::nullopt).ok());
  ASSERT_TRUE(b.Bootstrap(std::nullopt).ok());
  std::string kid_a = (*a.Current())->active_kid, kid_b = (*b.Current())->active_kid;
  ASSERT_NE(kid_a, kid_b);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*a.Current())->active_kid, kid_a);
    EXPECT_EQ((*b.Current())->active_kid, kid_b);
  }
  EXPECT_FALSE(a.NeedsReload());
  auto rotated = a.Rotate();
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(Kids(**a.Current()).size(), 2u);  // Rotate reloads: no stale per-thread copy
  EXPECT_EQ(Kids(**b.Current()).size(), 1u);
  clock_.Advance(30);
  EXPECT_TRUE(a.NeedsReload());
  EXPECT_EQ((*a.Current())->active_kid, kid_a);  // the new key signs only after publish_delay
  EXPECT_FALSE(a.NeedsReload());
}

TEST_F(KeyRingTest, OperatorKeyIsImportedAndSigns) {
  auto key = EcKey::Generate();
  KeyRing ring = MakeRing(*store_);
  ASSERT_TRUE(ring.Bootstrap(*key).ok());
  EXPECT_EQ((*ring.Current())->active_kid, key->Thumbprint());
  ASSERT_TRUE(ring.Bootstrap(*key).ok());  // a restart imports nothing twice
  EXPECT_EQ(store_->ListSigningKeys()->size(), 1u);
}

TEST_F(KeyRingTest, WrongKeyEncryptionKeyIsDataLoss) {
  KeyRing ring = MakeRing(*store_);
  ASSERT_TRUE(ring.Bootstrap(std::nullopt).ok());
  KeyRing wrong = MakeRing(*store_, std::string(32, 'x'));
  auto snap = wrong.Current();
  EXPECT_EQ(snap.status().code(), StatusCode::kDataLoss);
  // The private key is stored sealed, never as PEM.
  EXPECT_EQ((*store_->ListSigningKeys())[0].sealed_private_key.find("PRIVATE"), std::string::npos);
}

// When the snapshot falls due, one caller reloads; callers arriving meanwhile keep the previous
// snapshot instead of each reloading in turn (which, on a loaded database, stalled every worker).
TEST_F(KeyRingTest, ADueSnapshotIsReloadedOnceHoweverManyAskAtOnce) {
  KeyRing ring = MakeRing(*store_);
  ASSERT_TRUE(ring.Bootstrap(std::nullopt).ok());
  std::shared_ptr<const KeySnapshot> before = *ring.Current();
  clock_.Advance(31);  // past reload_interval
  ASSERT_TRUE(ring.NeedsReload());
  constexpr int kThreads = 8;
  std::vector<std::shared_ptr<const KeySnapshot>> seen(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      for (int round = 0; round < 20; ++round) {
        auto got = ring.Current();
        ASSERT_TRUE(got.ok());
        if (*got != before) seen[i] = *got;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::shared_ptr<const KeySnapshot> after = *ring.Current();
  EXPECT_NE(after, before);
  EXPECT_FALSE(ring.NeedsReload());
  for (int i = 0; i < kThreads; ++i) {
    // Each thread saw the old snapshot or the one reload's, never a reload of its own.
    if (seen[i]) {
      EXPECT_EQ(seen[i], after) << i;
    }
  }
  EXPECT_EQ(after->active_kid, before->active_kid);
}

// A snapshot that fell due while a request waited (its signature comes after a commit, on a
// network thread) is used as it is there; the store is read on the next worker that asks.
TEST_F(KeyRingTest, ANetworkThreadSignsWithTheSnapshotItHasAndNeverReloads) {
  KeyRing ring = MakeRing(*store_);
  ASSERT_TRUE(ring.Bootstrap(std::nullopt).ok());
  std::shared_ptr<const KeySnapshot> before = *ring.Current();
  ASSERT_TRUE(ring.Rotate().ok());  // a reload would now publish a second key
  std::shared_ptr<const KeySnapshot> rotated = *ring.Current();
  ASSERT_EQ(Kids(*rotated).size(), 2u);
  clock_.Advance(31);  // past reload_interval
  ASSERT_TRUE(ring.NeedsReload());
  std::thread([&] {
    SetThreadRole(ThreadRole::kNetwork);
    auto got = ring.Current();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, rotated);  // the same snapshot, not a reload
    EXPECT_TRUE(ring.NeedsReload());
  }).join();
  std::thread([&] {
    SetThreadRole(ThreadRole::kWorker);
    auto got = ring.Current();
    ASSERT_TRUE(got.ok());
    EXPECT_NE(*got, rotated);
    EXPECT_FALSE(ring.NeedsReload());
  }).join();
  EXPECT_NE(before, rotated);
}

}  // namespace
}  // namespace authgent::crypto
