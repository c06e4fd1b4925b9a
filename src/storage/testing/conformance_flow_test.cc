// Conformance, AuthorizationFlowStore: transactions, the approval that ends one, and consents.
#include <future>
#include <thread>

#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

using Outcome = Rotation::Outcome;

TEST_P(StoreConformance, TransactionsAreSingleUse) {
  AuthorizationTransaction t;
  t.transaction_hash = "th";
  t.request_json = R"({"client_id":"c1"})";
  t.browser_hash = "bh";
  t.created_at = now_;
  t.expires_at = now_ + 600;
  ASSERT_TRUE(CreateTransactionAndWait(*store_, t).ok());
  EXPECT_EQ(CreateTransactionAndWait(*store_, t).code(), StatusCode::kAlreadyExists);

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
  ASSERT_TRUE(CreateTransactionAndWait(*store_, t).ok());
  AuthorizationTransaction other = t;
  other.transaction_hash = "th2";
  EXPECT_EQ(CreateTransactionAndWait(*store_, other).code(), StatusCode::kAlreadyExists);
  // Two transactions without upstream state do not collide.
  AuthorizationTransaction a = t, b = t;
  a.transaction_hash = "a";
  b.transaction_hash = "b";
  a.upstream_state_hash = b.upstream_state_hash = "";
  ASSERT_TRUE(CreateTransactionAndWait(*store_, a).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, b).ok());

  EXPECT_EQ(store_->ConsumeTransactionByUpstreamState("state", now_ + 600).status().code(),
            StatusCode::kNotFound);
  auto got = store_->ConsumeTransactionByUpstreamState("state", now_ + 10);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->upstream_nonce, "nonce");
  EXPECT_EQ(got->upstream_code_verifier, "verifier");
  EXPECT_EQ(store_->ConsumeTransactionByUpstreamState("state", now_ + 11).status().code(),
            StatusCode::kNotFound);
}

TEST_P(TokenConformance, ApprovingATransactionConsumesItAndStoresConsentAndCodeOnce) {
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  Consent consent{"u1", "c1", "https://mcp.example/mcp", "mcp:read", now_, now_ + 1};
  ASSERT_TRUE(Approve("th", now_ + 1, consent, MakeCode("k1", "c1", "u1")).ok());
  EXPECT_EQ(store_->GetTransaction("th", now_ + 1).status().code(), StatusCode::kNotFound);
  auto stored = store_->GetConsent("u1", "c1", "https://mcp.example/mcp");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->scope, "mcp:read");
  EXPECT_EQ(stored->updated_at, now_ + 1);

  // A second approval of the same page (a double submit, a replay) writes nothing.
  consent.scope = "mcp:read mcp:write";
  EXPECT_EQ(Approve("th", now_ + 2, consent, MakeCode("k2", "c1", "u1")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "https://mcp.example/mcp")->scope, "mcp:read");
  EXPECT_EQ(RedeemCodeAndWait(*store_, "k2", now_ + 3, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "k1", now_ + 3, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kRedeemed);

  // An approval over a standing consent adds its scopes to the standing ones (a union, sorted,
  // each once) and keeps when the consent was first given.
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th2", now_)).ok());
  consent.scope = "mcp:write admin";
  consent.created_at = now_ + 5;
  consent.updated_at = now_ + 5;
  ASSERT_TRUE(Approve("th2", now_ + 5, consent, MakeCode("k4", "c1", "u1")).ok());
  stored = store_->GetConsent("u1", "c1", "https://mcp.example/mcp");
  EXPECT_EQ(stored->scope, "admin mcp:read mcp:write");
  EXPECT_EQ(stored->created_at, now_);
  EXPECT_EQ(stored->updated_at, now_ + 5);

  // Approving less than the standing consent narrows nothing; an empty scope adds nothing.
  for (std::string scope : {"mcp:read", ""}) {
    ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th3" + scope, now_)).ok());
    consent.scope = scope;
    ASSERT_TRUE(Approve("th3" + scope, now_ + 6, consent,
                                           MakeCode("k5" + scope, "c1", "u1"))
                    .ok());
    EXPECT_EQ(store_->GetConsent("u1", "c1", "https://mcp.example/mcp")->scope,
              "admin mcp:read mcp:write");
  }
}

TEST_P(TokenConformance, ApprovalOfAnExpiredTransactionOrAFailedWriteLeavesNothing) {
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("old", now_)).ok());
  Consent consent{"u1", "c1", "https://mcp.example/mcp", "mcp:read", now_, now_};
  EXPECT_EQ(Approve("old", now_ + 600, consent, MakeCode("k3", "c1", "u1")).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "k3", now_ + 600, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kNotFound);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "https://mcp.example/mcp").status().code(),
            StatusCode::kNotFound);

  // The code cannot be stored (its hash is taken): the transaction stays unconsumed and no
  // consent is recorded, so the user can still approve.
  ASSERT_TRUE(store_->CreateCode(MakeCode("taken", "c1", "u1")).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  EXPECT_EQ(Approve("th", now_ + 1, consent, MakeCode("taken", "c1", "u1")).code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE(store_->GetTransaction("th", now_ + 1).ok());
  EXPECT_EQ(store_->GetConsent("u1", "c1", "https://mcp.example/mcp").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Approve("nope", now_ + 1, consent, MakeCode("k5", "c1", "u1")).code(),
            StatusCode::kNotFound);
}

// The decision sees the live transaction and the session presented; a refusal, a missing or
// expired session and an expired transaction change nothing, and the transaction can still be
// approved afterwards.
TEST_P(TokenConformance, ApprovalIsDecidedOnTheLiveTransactionAndSession) {
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 100)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  Consent consent{"u1", "c1", "https://mcp.example/mcp", "mcp:read", now_, now_};
  AuthorizationTransaction seen_txn;
  LoginSession seen_session;
  auto decide = [&](bool approve) -> DecideApproval {
    return [&, approve](const AuthorizationTransaction& t, const LoginSession& s) {
      seen_txn = t;
      seen_session = s;
      return approve ? std::optional<Approval>(Approval{consent, MakeCode("k1", "c1", "u1")})
                     : std::nullopt;
    };
  };
  EXPECT_EQ(*ApproveAndWait(*store_, "th", "sh", now_ + 1, decide(false)),
            ApprovalOutcome::kRefused);
  EXPECT_EQ(seen_txn.csrf_hash, "csrf");
  EXPECT_EQ(seen_txn.request_json, R"({"client_id":"c1"})");
  EXPECT_EQ(seen_session.user_id, "u1");
  EXPECT_EQ(seen_session.auth_time, now_);
  EXPECT_EQ(seen_session.user_display_name, "alice");
  EXPECT_TRUE(store_->GetTransaction("th", now_ + 1).ok());
  EXPECT_EQ(store_->GetConsent("u1", "c1", "https://mcp.example/mcp").status().code(),
            StatusCode::kNotFound);

  EXPECT_EQ(*ApproveAndWait(*store_, "th", "other", now_ + 1, decide(true)),
            ApprovalOutcome::kNotFound);
  EXPECT_EQ(*ApproveAndWait(*store_, "th", "sh", now_ + 100, decide(true)),
            ApprovalOutcome::kNotFound);  // the session expired
  EXPECT_EQ(RedeemCodeAndWait(*store_, "k1", now_ + 2, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kNotFound);

  EXPECT_EQ(*ApproveAndWait(*store_, "th", "sh", now_ + 2, decide(true)),
            ApprovalOutcome::kApproved);
  EXPECT_EQ(store_->GetConsent("u1", "c1", "https://mcp.example/mcp")->scope, "mcp:read");
  EXPECT_EQ(RedeemCodeAndWait(*store_, "k1", now_ + 3, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kRedeemed);
  EXPECT_EQ(*ApproveAndWait(*store_, "th", "sh", now_ + 3, decide(true)),
            ApprovalOutcome::kNotFound);  // consumed
  EXPECT_EQ(*ApproveAndWait(*store_, "th", "sh", now_ + 600, decide(true)),
            ApprovalOutcome::kNotFound);  // and expired
}

// An authorization request of a signed-in browser reads its session and the standing consent
// for its client and resource together: the consent of that client and resource only, none
// when there is none, and nothing at all for a session that is not live.
TEST_P(TokenConformance, ASessionIsReadWithTheConsentForOneClientAndResource) {
  const std::string kResource = "https://mcp.example/mcp";
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 100)).ok());
  StatusOr<SessionAndConsent> before = store_->GetSessionAndConsent("sh", now_, "c1", kResource);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->session.session_hash, "sh");
  EXPECT_EQ(before->session.user_id, "u1");
  EXPECT_EQ(before->session.user_display_name, "alice");
  EXPECT_EQ(before->session.auth_time, now_);
  EXPECT_EQ(before->session.expires_at, now_ + 100);
  EXPECT_FALSE(before->consent.has_value());

  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  Consent consent{"u1", "c1", kResource, "mcp:read", now_, now_ + 1};
  ASSERT_TRUE(Approve("th", now_ + 1, consent, MakeCode("k1", "c1", "u1")).ok());
  StatusOr<SessionAndConsent> after = store_->GetSessionAndConsent("sh", now_ + 2, "c1", kResource);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->session.user_id, "u1");
  ASSERT_TRUE(after->consent.has_value());
  EXPECT_EQ(after->consent->user_id, "u1");
  EXPECT_EQ(after->consent->client_id, "c1");
  EXPECT_EQ(after->consent->resource, kResource);
  EXPECT_EQ(after->consent->scope, "mcp:read");
  EXPECT_EQ(after->consent->created_at, now_);
  EXPECT_EQ(after->consent->updated_at, now_ + 1);

  EXPECT_FALSE(store_->GetSessionAndConsent("sh", now_ + 2, "c1", "https://other.example/mcp")
                   ->consent.has_value());
  EXPECT_FALSE(store_->GetSessionAndConsent("sh", now_ + 2, "c2", kResource)->consent.has_value());
  EXPECT_EQ(store_->GetSessionAndConsent("sh", now_ + 100, "c1", kResource).status().code(),
            StatusCode::kNotFound);  // expired
  EXPECT_EQ(store_->GetSessionAndConsent("nope", now_, "c1", kResource).status().code(),
            StatusCode::kNotFound);
  User alice = *store_->GetUser("u1");
  alice.disabled = true;
  ASSERT_TRUE(store_->UpdateUser(alice).ok());
  EXPECT_EQ(store_->GetSessionAndConsent("sh", now_ + 2, "c1", kResource).status().code(),
            StatusCode::kNotFound);
}

// The same read for a caller that must not block: the same answers, handed to the completion,
// on the store's own thread unless the store reads in-process (SQLite).
TEST_P(TokenConformance, ASessionReadWithoutBlockingGivesTheSameAnswers) {
  const std::string kResource = "https://mcp.example/mcp";
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 100)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  Consent consent{"u1", "c1", kResource, "mcp:read", now_, now_ + 1};
  ASSERT_TRUE(Approve("th", now_ + 1, consent, MakeCode("k1", "c1", "u1")).ok());
  std::thread::id completed_on;
  auto read = [&](const std::string& session, int64_t now, const std::string& client) {
    return Await<StatusOr<SessionAndConsent>>([&](Completion<SessionAndConsent> done) {
      store_->ReadSessionAndConsent(session, now, client, kResource,
                                    [&, done](StatusOr<SessionAndConsent> found) {
                                      completed_on = std::this_thread::get_id();
                                      done(std::move(found));
                                    });
    });
  };
  StatusOr<SessionAndConsent> found = read("sh", now_ + 2, "c1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(completed_on == std::this_thread::get_id(), store_->ReadsInProcess());
  EXPECT_EQ(found->session.session_hash, "sh");
  EXPECT_EQ(found->session.user_display_name, "alice");
  EXPECT_EQ(found->session.expires_at, now_ + 100);
  ASSERT_TRUE(found->consent.has_value());
  EXPECT_EQ(found->consent->scope, "mcp:read");
  EXPECT_EQ(found->consent->updated_at, now_ + 1);
  EXPECT_FALSE(read("sh", now_ + 2, "c2")->consent.has_value());
  EXPECT_EQ(read("sh", now_ + 100, "c1").status().code(), StatusCode::kNotFound);  // expired
  EXPECT_EQ(read("nope", now_, "c1").status().code(), StatusCode::kNotFound);
}

// Consents are written only by approvals (TokenConformance covers the merge); here: found per
// user, client and resource, listed per user, and only for clients that exist.
TEST_P(StoreConformance, ConsentsAreFoundAndListedPerUser) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c2")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  for (const char* client : {"c1", "c2"}) {
    std::string txn = std::string("th-") + client;
    ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction(txn, now_)).ok());
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
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th-ghost", now_)).ok());
  EXPECT_EQ(Approve("th-ghost", now_, {"u1", "ghost", "r", "s", now_, now_},
                    MakeCode("k-ghost", "c1", "u1"))
                .code(),
            StatusCode::kForeignKey);
}

}  // namespace
}  // namespace authgent::storage::testing
