// Conformance, AccountStore: users, their login sessions, and ending all a user holds.
#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

TEST_P(StoreConformance, UserCrudAndUniqueness) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  EXPECT_EQ(store_->CreateUser(MakeUser("u2", "alice")).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateUser(MakeUser("u1", "bob")).code(), StatusCode::kAlreadyExists);

  // Upstream users have no username: many may coexist, but (issuer, subject) is unique.
  User up1 = MakeUser("u3", ""), up2 = MakeUser("u4", ""), dup = MakeUser("u5", "");
  up1.upstream_issuer = up2.upstream_issuer = dup.upstream_issuer = "https://idp.example";
  up1.upstream_subject = "s1";
  up2.upstream_subject = "s2";
  dup.upstream_subject = "s1";
  ASSERT_TRUE(store_->CreateUser(up1).ok());
  ASSERT_TRUE(store_->CreateUser(up2).ok());
  EXPECT_EQ(store_->CreateUser(dup).code(), StatusCode::kAlreadyExists);

  EXPECT_EQ(store_->GetUserByUsername("alice")->user_id, "u1");
  EXPECT_EQ(store_->GetUserByUpstream("https://idp.example", "s2")->user_id, "u4");
  EXPECT_EQ(store_->GetUserByUpstream("https://idp.example", "s9").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetUserByUsername("").status().code(), StatusCode::kNotFound);

  User alice = *store_->GetUser("u1");
  EXPECT_EQ(alice.username, "alice");
  EXPECT_FALSE(alice.disabled);
  alice.email = "alice@new.example";
  alice.disabled = true;
  alice.updated_at = now_ + 1;
  ASSERT_TRUE(store_->UpdateUser(alice).ok());
  User again = *store_->GetUser("u1");
  EXPECT_EQ(again.email, "alice@new.example");
  EXPECT_TRUE(again.disabled);
  EXPECT_EQ(again.updated_at, now_ + 1);

  EXPECT_EQ(*store_->CountUsers(), 3);
  EXPECT_EQ(store_->ListUsers()->size(), 3u);
  ASSERT_TRUE(store_->DeleteUser("u1").ok());
  EXPECT_EQ(store_->GetUser("u1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteUser("u1").code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, SessionsAreListedPerUserAndEndedTogether) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  LoginSession newer = MakeSession("s2", "u1", now_ + 100);
  newer.created_at = now_ + 5;
  ASSERT_TRUE(store_->CreateSession(MakeSession("s1", "u1", now_ + 100)).ok());
  ASSERT_TRUE(store_->CreateSession(newer).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("s3", "u2", now_ + 100)).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("gone", "u1", now_ + 1)).ok());
  StatusOr<std::vector<LoginSession>> alice = store_->ListSessions("u1", now_ + 10);
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  ASSERT_EQ(alice->size(), 2u);  // not the expired one; newest first
  EXPECT_EQ((*alice)[0].session_hash, "s2");
  EXPECT_EQ((*alice)[0].user_display_name, "alice");
  EXPECT_EQ((*alice)[1].session_hash, "s1");
  EXPECT_EQ(store_->ListSessions("", now_ + 10)->size(), 3u);
  EXPECT_EQ(*store_->DeleteUserSessions("u1"), 3);  // the expired one too
  EXPECT_EQ(store_->ListSessions("u1", now_)->size(), 0u);
  EXPECT_EQ(store_->GetSession("s3", now_)->user_id, "u2");
  EXPECT_EQ(*store_->DeleteUserSessions("nobody"), 0);
}

TEST_P(StoreConformance, SessionsExpireAndNeedAUser) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  LoginSession s = MakeSession("sh", "u1", now_ + 100);
  ASSERT_TRUE(store_->CreateSession(s).ok());
  EXPECT_EQ(store_->CreateSession(s).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetSession("sh", now_ + 99)->user_id, "u1");
  EXPECT_EQ(store_->GetSession("sh", now_ + 99)->user_display_name, "alice");
  EXPECT_EQ(store_->GetSession("sh", now_ + 100).status().code(), StatusCode::kNotFound);

  // A user without a username (from an upstream IdP) is shown by email.
  User upstream = MakeUser("u2", "");
  upstream.upstream_issuer = "https://idp.example";
  upstream.upstream_subject = "sub-2";
  upstream.email = "bob@example.com";
  ASSERT_TRUE(store_->CreateUser(upstream).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh-u2", "u2", now_ + 100)).ok());
  EXPECT_EQ(store_->GetSession("sh-u2", now_)->user_display_name, "bob@example.com");

  LoginSession orphan = MakeSession("sh2", "ghost", now_ + 100);
  EXPECT_EQ(store_->CreateSession(orphan).code(), StatusCode::kForeignKey);

  ASSERT_TRUE(store_->DeleteSession("sh").ok());
  EXPECT_EQ(store_->GetSession("sh", now_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteSession("sh").code(), StatusCode::kNotFound);

  // A disabled user's session is no session.
  User disabled = *store_->GetUser("u2");
  disabled.disabled = true;
  ASSERT_TRUE(store_->UpdateUser(disabled).ok());
  EXPECT_EQ(store_->GetSession("sh-u2", now_).status().code(), StatusCode::kNotFound);

  // Deleting a user ends their sessions.
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh3", "u1", now_ + 100)).ok());
  ASSERT_TRUE(store_->DeleteUser("u1").ok());
  EXPECT_EQ(store_->GetSession("sh3", now_).status().code(), StatusCode::kNotFound);
}

TEST_P(TokenConformance, DeletingAUserDeletesTheirFamiliesAndTokensOnly) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f2", "c1", "u2"), MakeToken("rt2", "j2")).ok());
  ASSERT_TRUE(store_->DeleteUser("u1").ok());
  EXPECT_EQ(store_->GetRefreshToken("rt1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetRefreshToken("rt2").ok());
  // The token's row went, not only its family: a family of the same id does not bring it back.
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt-new", "j3")).ok());
  EXPECT_EQ(store_->GetRefreshToken("rt1").status().code(), StatusCode::kNotFound);
}

TEST_P(TokenConformance, RevokingAUsersAccessEndsSessionsCodesAndFamiliesButNoOneElses) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f2", "c1", "u2"), MakeToken("rt2", "j2")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code1", "c1", "u1")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code2", "c1", "u2")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("s1", "u1", now_ + 100)).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("s2", "u2", now_ + 100)).ok());

  ASSERT_TRUE(store_->RevokeUserAccess("u1", now_ + 5).ok());
  EXPECT_EQ(store_->GetSession("s1", now_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code1", now_ + 6, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, now_ + 5);
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("j1"));
  // The other user keeps everything.
  EXPECT_TRUE(store_->GetSession("s2", now_).ok());
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code2", now_ + 6, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kRedeemed);
  EXPECT_EQ(FamilyOf("rt2")->revoked_at, 0);
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("j2"));
  EXPECT_TRUE(store_->RevokeUserAccess("nobody", now_).ok());
}

}  // namespace
}  // namespace authgent::storage::testing
