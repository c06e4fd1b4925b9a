// Conformance: create/read/update/delete of every record, constraints, expiry, housekeeping.
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

TEST_P(StoreConformance, ClientCrud) {
  Client c = MakeClient("c1");
  c.secret_hash = "hash";
  c.scope = "mcp:read";
  c.metadata_json = R"({"logo_uri":"https://app.example/logo.png"})";
  ASSERT_TRUE(store_->CreateClient(c).ok());
  EXPECT_EQ(store_->CreateClient(c).code(), StatusCode::kAlreadyExists);

  auto got = store_->GetClient("c1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->client_name, "Client c1 (test)");
  EXPECT_EQ(got->redirect_uris, c.redirect_uris);
  EXPECT_EQ(got->grant_types, c.grant_types);
  EXPECT_EQ(got->response_types, c.response_types);
  EXPECT_EQ(got->secret_hash, "hash");
  EXPECT_EQ(got->scope, "mcp:read");
  EXPECT_EQ(got->metadata_json, c.metadata_json);
  EXPECT_EQ(got->created_at, now_);
  EXPECT_TRUE(got->resources.empty());
  EXPECT_FALSE(got->may_introspect);

  Client privileged = MakeClient("c2");
  privileged.resources = {"https://mcp.example.com/mcp", "https://other.example.com/"};
  privileged.may_introspect = true;
  privileged.redirect_uris = {"cursor://anysphere.cursor-mcp/oauth/callback"};
  ASSERT_TRUE(store_->CreateClient(privileged).ok());
  EXPECT_EQ(store_->GetClient("c2")->redirect_uris, privileged.redirect_uris);
  EXPECT_EQ(store_->GetClient("c2")->resources, privileged.resources);
  EXPECT_TRUE(store_->GetClient("c2")->may_introspect);
  ASSERT_TRUE(store_->TouchClient("c1", now_ + 5).ok());
  EXPECT_EQ(store_->GetClient("c1")->last_used_at, now_ + 5);
  EXPECT_EQ(store_->TouchClient("nope", now_).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->DeleteClient("c1").ok());
  EXPECT_EQ(store_->GetClient("c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteClient("c1").code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, ClientListPagesInIdOrder) {
  for (const char* id : {"b", "a", "d", "c"}) ASSERT_TRUE(store_->CreateClient(MakeClient(id)).ok());
  auto first = store_->ListClients("", 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ((*first)[0].client_id, "a");
  EXPECT_EQ((*first)[2].client_id, "c");
  auto rest = store_->ListClients("c", 3);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].client_id, "d");
}

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

TEST_P(StoreConformance, TransactionsAreSingleUse) {
  AuthorizationTransaction t;
  t.transaction_hash = "th";
  t.request_json = R"({"client_id":"c1"})";
  t.browser_hash = "bh";
  t.created_at = now_;
  t.expires_at = now_ + 600;
  ASSERT_TRUE(store_->CreateTransaction(t).ok());
  EXPECT_EQ(store_->CreateTransaction(t).code(), StatusCode::kAlreadyExists);

  t.user_id = "u1";
  t.csrf_hash = "csrf";
  t.session_hash = "sh";
  ASSERT_TRUE(store_->UpdateTransaction(t).ok());
  auto got = store_->GetTransaction("th", now_);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->user_id, "u1");
  EXPECT_EQ(got->csrf_hash, "csrf");
  EXPECT_EQ(got->request_json, t.request_json);
  EXPECT_EQ(got->browser_hash, "bh");
  EXPECT_EQ(store_->GetTransaction("th", now_ + 600).status().code(), StatusCode::kNotFound);

  auto consumed = store_->ConsumeTransaction("th", now_ + 1);
  ASSERT_TRUE(consumed.ok());
  EXPECT_EQ(consumed->consumed_at, now_ + 1);
  EXPECT_EQ(consumed->browser_hash, "bh");
  EXPECT_EQ(store_->ConsumeTransaction("th", now_ + 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTransaction("th", now_ + 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateTransaction(t).code(), StatusCode::kNotFound);
}

TEST_P(StoreConformance, TransactionsFoundByUpstreamStateOnceAndNotAfterExpiry) {
  AuthorizationTransaction t;
  t.transaction_hash = "th";
  t.request_json = "{}";
  t.upstream_state_hash = "state";
  t.upstream_nonce = "nonce";
  t.upstream_code_verifier = "verifier";
  t.created_at = now_;
  t.expires_at = now_ + 600;
  ASSERT_TRUE(store_->CreateTransaction(t).ok());
  AuthorizationTransaction other = t;
  other.transaction_hash = "th2";
  EXPECT_EQ(store_->CreateTransaction(other).code(), StatusCode::kAlreadyExists);
  // Two transactions without upstream state do not collide.
  AuthorizationTransaction a = t, b = t;
  a.transaction_hash = "a";
  b.transaction_hash = "b";
  a.upstream_state_hash = b.upstream_state_hash = "";
  ASSERT_TRUE(store_->CreateTransaction(a).ok());
  ASSERT_TRUE(store_->CreateTransaction(b).ok());

  EXPECT_EQ(store_->ConsumeTransactionByUpstreamState("state", now_ + 600).status().code(),
            StatusCode::kNotFound);
  auto got = store_->ConsumeTransactionByUpstreamState("state", now_ + 10);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->upstream_nonce, "nonce");
  EXPECT_EQ(got->upstream_code_verifier, "verifier");
  EXPECT_EQ(store_->ConsumeTransactionByUpstreamState("state", now_ + 11).status().code(),
            StatusCode::kNotFound);
}

// Consents are written only by approvals (TokenConformance covers the merge); here: found per
// user, client and resource, listed per user, and only for clients that exist.
TEST_P(StoreConformance, ConsentsAreFoundAndListedPerUser) {
  ASSERT_TRUE(store_->CreateClient(MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateClient(MakeClient("c2")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  for (const char* client : {"c1", "c2"}) {
    std::string txn = std::string("th-") + client;
    ASSERT_TRUE(store_->CreateTransaction(MakeTransaction(txn, now_)).ok());
    Consent c{"u1", client, "https://mcp.example/mcp", "mcp:read", now_, now_};
    ASSERT_TRUE(Approve(txn, now_, c, MakeCode(std::string("k-") + client, client, "u1")).ok());
  }
  auto got = store_->GetConsent("u1", "c1", "https://mcp.example/mcp");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->scope, "mcp:read");
  EXPECT_EQ(got->created_at, now_);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "https://other.example").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ListConsents("u1")->size(), 2u);
  EXPECT_TRUE(store_->ListConsents("u2")->empty());
  ASSERT_TRUE(store_->CreateTransaction(MakeTransaction("th-ghost", now_)).ok());
  EXPECT_EQ(Approve("th-ghost", now_, {"u1", "ghost", "r", "s", now_, now_},
                    MakeCode("k-ghost", "c1", "u1"))
                .code(),
            StatusCode::kForeignKey);
}

TEST_P(StoreConformance, DeletingAClientCascadesToItsGrants) {
  ASSERT_TRUE(store_->CreateClient(MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt", "j1")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  ASSERT_TRUE(store_->CreateTransaction(MakeTransaction("th", now_)).ok());
  ASSERT_TRUE(Approve("th", now_, {"u1", "c1", "r", "s", now_, now_}, MakeCode("k", "c1", "u1")).ok());
  ASSERT_TRUE(store_->DeleteClient("c1").ok());
  EXPECT_EQ(store_->RedeemCode("code", now_, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(store_->GetRefreshToken("rt").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "r").status().code(), StatusCode::kNotFound);
}

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

TEST_P(StoreConformance, PurgeExpiredRemovesOnlyDeadRows) {
  ASSERT_TRUE(store_->CreateClient(MakeClient("c1")).ok());
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

TEST_P(StoreConformance, ReapingRemovesOnlyAbandonedDynamicClients) {
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  Client never_used = MakeClient("never-used");
  Client idle = MakeClient("idle");
  idle.last_used_at = now_ - 100 * 86400;
  Client fresh = MakeClient("fresh");
  fresh.created_at = now_;
  Client operator_added = MakeClient("cli");
  operator_added.source = "cli";
  Client with_grant = MakeClient("with-grant");
  for (Client* c : {&never_used, &idle, &operator_added, &with_grant}) c->created_at = now_ - 100 * 86400;
  for (const Client& c : {never_used, idle, fresh, operator_added, with_grant}) {
    ASSERT_TRUE(store_->CreateClient(c).ok());
  }
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f", "with-grant", "u1"), MakeToken("rt", "j")).ok());
  auto reaped = store_->ReapClients(now_ - 86400, now_ - 30 * 86400, now_);
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(*reaped, 2);
  EXPECT_EQ(store_->GetClient("never-used").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetClient("idle").status().code(), StatusCode::kNotFound);
  for (const char* kept : {"fresh", "cli", "with-grant"}) EXPECT_TRUE(store_->GetClient(kept).ok()) << kept;
}

}  // namespace
}  // namespace authgent::storage::testing
