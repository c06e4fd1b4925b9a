// Conformance, the Store as a whole: migrations and the purge of expired rows.
#include <thread>

#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

TEST_P(StoreConformance, MigrateIsIdempotentAndReportsTheLatestVersion) {
  auto applied = store_->Migrate();
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 0);
  auto version = store_->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, store_->LatestSchemaVersion());
  EXPECT_TRUE(store_->Ping().ok());
}

TEST_P(StoreConformance, PurgeExpiredRemovesOnlyDeadRows) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("old", "u1", now_ + 10)).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("new", "u1", now_ + 1000)).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());  // expires now_ + 600
  ASSERT_TRUE(store_->RevokeAccessToken({"jti-old", now_ + 10}).ok());
  ASSERT_TRUE(store_->AddToCounter("k", 1, now_ + 10, now_).ok());
  auto purged = store_->PurgeExpired(now_ + 700);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 4);
  EXPECT_TRUE(store_->GetSession("new", now_ + 700).ok());
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("jti-old"));
}

TEST_P(StoreConformance, PurgeExpiredDeletesExpiredFamiliesWithTheirTokens) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  RefreshFamily expired = MakeFamily("f-old", "c1", "u1");
  expired.expires_at = now_ + 10;
  ASSERT_TRUE(store_->CreateFamily(expired, MakeToken("rt-old", "j1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f-live", "c1", "u1"), MakeToken("rt-live", "j2")).ok());
  auto purged = store_->PurgeExpired(now_ + 700);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 1);  // families count, their tokens do not
  EXPECT_TRUE(store_->GetRefreshToken("rt-live").ok());
  ASSERT_TRUE(store_->CreateFamily(expired, MakeToken("rt-new", "j3")).ok());
  EXPECT_EQ(store_->GetRefreshToken("rt-old").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, PurgeExpiredDeletesMoreRowsThanOneBatch) {
  // The purge deletes in batches of 500: 1,203 expired rows take three batches of one table.
  constexpr int kExpired = 1203;
  for (int i = 0; i < kExpired; ++i) {
    ASSERT_TRUE(store_->RevokeAccessToken({"jti-" + std::to_string(i), now_ + 10}).ok());
  }
  ASSERT_TRUE(store_->RevokeAccessToken({"jti-live", now_ + 1000}).ok());
  auto purged = store_->PurgeExpired(now_ + 700);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, kExpired);
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("jti-0"));
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("jti-1202"));
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("jti-live"));
}

}  // namespace
}  // namespace authgent::storage::testing
