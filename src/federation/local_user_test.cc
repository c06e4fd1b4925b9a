// The local account behind an upstream identity, against a real SQLite store.
#include "federation/local_user.h"

#include <gtest/gtest.h>

#include "core/temp_dir.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent::federation {
namespace {

constexpr char kIssuer[] = "https://idp.example.com";

class LocalUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions o;
    o.path = MakeTempDir("authgent-lu") + "/t.db";
    store_ = std::move(storage::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
  }
  UpstreamIdentity Ann(const std::string& name = "Ann Example") {
    UpstreamIdentity id;
    id.subject = "idp-user-1";
    id.email = "ann@corp.example";
    id.email_verified = true;
    id.name = name;
    return id;
  }
  std::unique_ptr<storage::Store> store_;
};

TEST_F(LocalUserTest, FirstLoginCreatesARandomIdThenFindsItAgainWithFreshDetails) {
  StatusOr<storage::User> first = LocalUserFor(*store_, SecureRandom::Instance(), kIssuer, Ann(), 100);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->user_id.size(), 32u);
  EXPECT_NE(first->user_id, "idp-user-1");  // never the provider's subject
  EXPECT_EQ(first->upstream_issuer, kIssuer);
  EXPECT_EQ(first->upstream_subject, "idp-user-1");
  EXPECT_EQ(first->email, "ann@corp.example");
  EXPECT_EQ(first->created_at, 100);

  StatusOr<storage::User> again =
      LocalUserFor(*store_, SecureRandom::Instance(), kIssuer, Ann("Ann Renamed"), 200);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->user_id, first->user_id);
  EXPECT_EQ(again->name, "Ann Renamed");
  EXPECT_EQ(store_->GetUserByUpstream(kIssuer, "idp-user-1")->name, "Ann Renamed");
  EXPECT_EQ(store_->GetUserByUpstream(kIssuer, "idp-user-1")->updated_at, 200);
  EXPECT_EQ(store_->GetUserByUpstream(kIssuer, "idp-user-1")->created_at, 100);
}

TEST_F(LocalUserTest, TheSameSubjectAtAnotherIssuerIsAnotherUser) {
  auto here = LocalUserFor(*store_, SecureRandom::Instance(), kIssuer, Ann(), 100);
  auto there =
      LocalUserFor(*store_, SecureRandom::Instance(), "https://other-idp.example", Ann(), 100);
  ASSERT_TRUE(here.ok() && there.ok());
  EXPECT_NE(here->user_id, there->user_id);
}

TEST_F(LocalUserTest, ADisabledUserIsReturnedForTheCallerToRefuse) {
  auto user = LocalUserFor(*store_, SecureRandom::Instance(), kIssuer, Ann(), 100);
  ASSERT_TRUE(user.ok());
  user->disabled = true;
  ASSERT_TRUE(store_->UpdateUser(*user).ok());
  auto again = LocalUserFor(*store_, SecureRandom::Instance(), kIssuer, Ann(), 200);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->disabled);
  EXPECT_EQ(again->user_id, user->user_id);
}

}  // namespace
}  // namespace authgent::federation
