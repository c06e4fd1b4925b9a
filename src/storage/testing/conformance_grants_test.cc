// Conformance, GrantStore: single-use codes, refresh rotation with its grace window, their
// races, and revocation.
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/thread_role.h"
#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

using Outcome = Rotation::Outcome;

TEST_P(TokenConformance, RedemptionWritesTheClientUseMarkOnlyWhenAsked) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("plain", "c1", "u1")).ok());
  ASSERT_EQ(RedeemCodeAndWait(*store_, "plain", now_ + 1, IssueFamily("f1", "t1", "j1"), nullptr)->outcome,
            CodeRedemption::Outcome::kRedeemed);
  EXPECT_EQ(store_->GetClient("c1")->last_used_at, 0);

  ASSERT_TRUE(store_->CreateCode(MakeCode("marking", "c1", "u1")).ok());
  IssueForCode family = IssueFamily("f2", "t2", "j2");
  auto marking = [&](const AuthorizationCode& code) {
    std::optional<IssuedFamily> issued = family(code);
    issued->client_used_at = now_ + 2;
    return issued;
  };
  ASSERT_EQ(RedeemCodeAndWait(*store_, "marking", now_ + 2, marking, nullptr)->outcome,
            CodeRedemption::Outcome::kRedeemed);
  EXPECT_EQ(store_->GetClient("c1")->last_used_at, now_ + 2);
  EXPECT_TRUE(FamilyOf("t2").ok());
}

TEST_P(TokenConformance, CodeNeedsItsClientAndUser) {
  EXPECT_EQ(store_->CreateCode(MakeCode("x", "ghost", "u1")).code(), StatusCode::kForeignKey);
  EXPECT_EQ(store_->CreateCode(MakeCode("x", "c1", "ghost")).code(), StatusCode::kForeignKey);
  ASSERT_TRUE(store_->CreateCode(MakeCode("x", "c1", "u1")).ok());
  EXPECT_EQ(store_->CreateCode(MakeCode("x", "c1", "u1")).code(), StatusCode::kAlreadyExists);
}

TEST_P(TokenConformance, CodeRedeemsOnceThenReplays) {
  AuthorizationCode code = MakeCode("code", "c1", "u1");
  ASSERT_TRUE(store_->CreateCode(code).ok());
  auto first = RedeemCodeAndWait(*store_, "code", now_ + 1, nullptr, nullptr);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->outcome, CodeRedemption::Outcome::kRedeemed);
  EXPECT_EQ(first->code.client_id, "c1");
  EXPECT_EQ(first->code.code_challenge, code.code_challenge);
  EXPECT_EQ(first->code.resource, code.resource);
  EXPECT_EQ(first->code.scope, "mcp:read");
  EXPECT_TRUE(first->code.redirect_uri_in_request);
  EXPECT_EQ(first->code.nonce, "n-0S6_WzA2Mj");
  EXPECT_EQ(first->code.consumed_at, now_ + 1);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code", now_ + 2, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kReplayed);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "unknown", now_, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kNotFound);
}

TEST_P(TokenConformance, ExpiredCodeIsNotRedeemed) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code", now_ + 600, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kExpired);
}

TEST_P(TokenConformance, RedeemingCreatesTheFamilyInTheSameTransaction) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  AuthorizationCode seen;
  auto r = RedeemCodeAndWait(*store_, "code", now_, IssueFamily("f1", "rt", "jti1", &seen), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, CodeRedemption::Outcome::kRedeemed);
  EXPECT_TRUE(r->family_issued);
  EXPECT_EQ(r->code.family_id, "f1");
  EXPECT_EQ(seen.client_id, "c1");  // the issuer saw the redeemed code
  EXPECT_EQ(seen.consumed_at, now_);
  EXPECT_EQ(FamilyOf("rt")->client_id, "c1");
  EXPECT_EQ(store_->GetRefreshToken("rt")->second.family_id, "f1");
}

// The code records the family id it was redeemed with (what a replay revokes) in the statement
// that consumes it; the record is corrected when the issuer gives another id, or no family.
TEST_P(TokenConformance, TheCodeRecordsTheFamilyItWasRedeemedWith) {
  auto refuse = [](const AuthorizationCode&) -> std::optional<IssuedFamily> { return std::nullopt; };
  for (const char* code : {"planned", "refused", "other"}) {
    ASSERT_TRUE(store_->CreateCode(MakeCode(code, "c1", "u1")).ok());
  }
  auto planned = RedeemCodeAndWait(*store_, "planned", now_, IssueFamily("f1", "rt1", "j1"),
                                    nullptr, "f1");
  EXPECT_EQ(planned->code.family_id, "f1");
  EXPECT_TRUE(planned->family_issued);
  auto refused = RedeemCodeAndWait(*store_, "refused", now_, refuse, nullptr, "f2");
  EXPECT_EQ(refused->code.family_id, "");
  EXPECT_FALSE(refused->family_issued);
  auto other = RedeemCodeAndWait(*store_, "other", now_, IssueFamily("f3", "rt3", "j3"), nullptr,
                                 "f-planned");
  EXPECT_EQ(other->code.family_id, "f3");

  // A replay finds what was recorded, and revokes that family.
  EXPECT_EQ(RedeemCodeAndWait(*store_, "planned", now_ + 1, nullptr, nullptr)->code.family_id, "f1");
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, now_ + 1);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "refused", now_ + 1, nullptr, nullptr)->code.family_id, "");
  EXPECT_EQ(RedeemCodeAndWait(*store_, "other", now_ + 2, nullptr, nullptr)->code.family_id, "f3");
  EXPECT_EQ(FamilyOf("rt3")->revoked_at, now_ + 2);
}

TEST_P(TokenConformance, ACodeRefusedByTheIssuerIsConsumedWithoutAFamily) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  auto refuse = [](const AuthorizationCode&) -> std::optional<IssuedFamily> { return std::nullopt; };
  auto r = RedeemCodeAndWait(*store_, "code", now_, refuse, nullptr);
  EXPECT_EQ(r->outcome, CodeRedemption::Outcome::kRedeemed);
  EXPECT_FALSE(r->family_issued);
  EXPECT_EQ(RedeemCodeAndWait(*store_, "code", now_ + 1, nullptr, nullptr)->outcome, CodeRedemption::Outcome::kReplayed);
}

TEST_P(TokenConformance, ACodePresentedAgainAsARetryRevokesNothing) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  ASSERT_EQ(RedeemCodeAndWait(*store_, "code", now_, IssueFamily("f1", "rt", "jti1"), nullptr)->outcome,
            CodeRedemption::Outcome::kRedeemed);
  AuthorizationCode seen;
  auto retry = RedeemCodeAndWait(*store_, "code", now_ + 5, IssueFamily("f2", "rt-other", "jti2"),
                                  [&](const AuthorizationCode& c) {
                                    seen = c;
                                    return true;
                                  });
  EXPECT_EQ(retry->outcome, CodeRedemption::Outcome::kRetried);
  EXPECT_FALSE(retry->family_issued);
  EXPECT_EQ(retry->code.family_id, "f1");
  EXPECT_EQ(seen.client_id, "c1");  // the check saw the consumed code
  EXPECT_EQ(seen.consumed_at, now_);
  EXPECT_EQ(FamilyOf("rt")->revoked_at, 0);
  EXPECT_EQ(FamilyOf("rt-other").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("jti1"));
  // The check is asked only about consumed codes: a fresh one redeems without it.
  ASSERT_TRUE(store_->CreateCode(MakeCode("fresh", "c1", "u1")).ok());
  bool asked = false;
  EXPECT_EQ(RedeemCodeAndWait(*store_, "fresh", now_, nullptr,
                               [&](const AuthorizationCode&) { return asked = true; })
                ->outcome,
            CodeRedemption::Outcome::kRedeemed);
  EXPECT_FALSE(asked);
  // A check that says no makes it a replay, which revokes.
  auto replay = RedeemCodeAndWait(*store_, "code", now_ + 6, nullptr,
                                   [](const AuthorizationCode&) { return false; });
  EXPECT_EQ(replay->outcome, CodeRedemption::Outcome::kReplayed);
  EXPECT_EQ(FamilyOf("rt")->revoked_at, now_ + 6);
}

TEST_P(TokenConformance, CodeReplayRevokesTheFamilyIssuedFromIt) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  ASSERT_EQ(RedeemCodeAndWait(*store_, "code", now_, IssueFamily("f1", "rt", "jti1"), nullptr)->outcome,
            CodeRedemption::Outcome::kRedeemed);
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("jti1"));

  auto replay = RedeemCodeAndWait(*store_, "code", now_ + 5, IssueFamily("f2", "rt-other", "jti2"), nullptr);
  EXPECT_EQ(replay->outcome, CodeRedemption::Outcome::kReplayed);
  EXPECT_FALSE(replay->family_issued);
  EXPECT_EQ(replay->code.family_id, "f1");
  EXPECT_EQ(FamilyOf("rt")->revoked_at, now_ + 5);
  EXPECT_EQ(FamilyOf("rt-other").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("jti1"));
  EXPECT_EQ(RotateAndWait(*store_, "rt", MakeToken("rt2", "jti2"), now_ + 6, 60, nullptr)->outcome,
            Outcome::kRevoked);
}

// A grant's write answers once, after its commit, on a thread of the store's own (never the
// caller's: a network thread hands it over and parks nothing), and a rotation writes its client's
// use mark in the same commit when asked, only when it rotates.
TEST_P(TokenConformance, GrantWritesCompleteOnTheStoresOwnThread) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  std::promise<std::pair<std::thread::id, ThreadRole>> where;
  std::atomic<int> answers{0};
  store_->RedeemCode("code", now_, "f1", IssueFamily("f1", "rt1", "j1"), nullptr,
                     [&](StatusOr<CodeRedemption> r) {
                       EXPECT_EQ(r->outcome, CodeRedemption::Outcome::kRedeemed);
                       if (answers.fetch_add(1) == 0) {
                         where.set_value({std::this_thread::get_id(), CurrentThreadRole()});
                       }
                     });
  auto [thread, role] = where.get_future().get();
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_EQ(role, ThreadRole::kWriter);

  const int64_t client_mark = store_->GetClient("c1")->last_used_at;
  auto refuse = [](const RefreshFamily&) { return false; };
  EXPECT_EQ(RotateAndWait(*store_, "rt1", MakeToken("rt2", "j2"), now_ + 10, 60, refuse,
                          now_ + 10)->outcome,
            Outcome::kRejected);
  EXPECT_EQ(store_->GetClient("c1")->last_used_at, client_mark);
  EXPECT_EQ(RotateAndWait(*store_, "rt1", MakeToken("rt3", "j3"), now_ + 11, 60, nullptr,
                          now_ + 11)->outcome,
            Outcome::kRotated);
  EXPECT_EQ(store_->GetClient("c1")->last_used_at, now_ + 11);
  EXPECT_EQ(store_->GetRefreshToken("rt3")->first.family_id, "f1");
  EXPECT_EQ(answers.load(), 1);
}

// Grants submitted together share a batch (storage/sql/write_batcher: on PostgreSQL their
// statements travel in the same flights); each still gets exactly its own result, beside a
// replay, an unknown code and a second presentation of a refresh token in the same batch.
TEST_P(TokenConformance, GrantsSubmittedTogetherEachGetTheirOwnResult) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c2")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  constexpr size_t kCodes = 16;
  auto name = [](const char* prefix, size_t i) { return prefix + std::to_string(i); };
  auto owner = [](size_t i) {  // client and user of code i
    return std::pair<std::string, std::string>(i % 2 ? "c2" : "c1", i % 2 ? "u2" : "u1");
  };
  for (size_t i = 0; i < kCodes; ++i) {
    ASSERT_TRUE(store_->CreateCode(MakeCode(name("code", i), owner(i).first, owner(i).second)).ok());
  }
  ASSERT_TRUE(store_->CreateCode(MakeCode("spent", "c1", "u1")).ok());
  ASSERT_EQ(RedeemCodeAndWait(*store_, "spent", now_, nullptr, nullptr)->outcome,
            CodeRedemption::Outcome::kRedeemed);

  std::vector<std::promise<StatusOr<CodeRedemption>>> redeemed(kCodes + 2);
  auto redeem = [&](const std::string& code, size_t slot, IssueForCode issue, std::string family) {
    store_->RedeemCode(code, now_ + 1, std::move(family), std::move(issue), nullptr,
                       [&redeemed, slot](StatusOr<CodeRedemption> r) {
                         redeemed[slot].set_value(std::move(r));
                       });
  };
  for (size_t i = 0; i < kCodes; ++i) {
    redeem(name("code", i), i, IssueFamily(name("f", i), name("rt", i), name("j", i)), name("f", i));
  }
  redeem("spent", kCodes, nullptr, "");
  redeem("unknown", kCodes + 1, nullptr, "");
  // Every answer is in before any assertion may return: the store's completions point here.
  std::vector<StatusOr<CodeRedemption>> redemptions;
  for (auto& answer : redeemed) redemptions.push_back(answer.get_future().get());
  for (size_t i = 0; i < kCodes; ++i) {
    const StatusOr<CodeRedemption>& r = redemptions[i];
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->outcome, CodeRedemption::Outcome::kRedeemed);
    EXPECT_EQ(r->code.code_hash, name("code", i));
    EXPECT_EQ(r->code.client_id, owner(i).first);
    EXPECT_EQ(r->code.consumed_at, now_ + 1);
    EXPECT_EQ(r->code.family_id, name("f", i));
    EXPECT_TRUE(r->family_issued);
    StatusOr<RefreshFamily> family = FamilyOf(name("rt", i));
    ASSERT_TRUE(family.ok());
    EXPECT_EQ(family->family_id, name("f", i));
    EXPECT_EQ(family->user_id, owner(i).second);
  }
  EXPECT_EQ(redemptions[kCodes]->outcome, CodeRedemption::Outcome::kReplayed);
  EXPECT_EQ(redemptions[kCodes + 1]->outcome, CodeRedemption::Outcome::kNotFound);

  // Every family's first token rotated together, the first one presented twice: the second
  // presentation runs after the first (same key) and gets its successor again.
  std::vector<std::promise<StatusOr<Rotation>>> rotated(kCodes + 1);
  for (size_t i = 0; i <= kCodes; ++i) {
    size_t family = i == kCodes ? 0 : i;
    RefreshPresentation presented{name("rt", family), MakeToken(name("next", i), name("jn", i)),
                                  now_ + 2, 60, 0};
    store_->RotateRefreshToken(std::move(presented), nullptr,
                               [&rotated, i](StatusOr<Rotation> r) {
                                 rotated[i].set_value(std::move(r));
                               });
  }
  std::vector<StatusOr<Rotation>> rotations;
  for (auto& answer : rotated) rotations.push_back(answer.get_future().get());
  for (size_t i = 0; i < kCodes; ++i) {
    const StatusOr<Rotation>& r = rotations[i];
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->outcome, Outcome::kRotated);
    EXPECT_EQ(r->family.family_id, name("f", i));
    auto successor = store_->GetRefreshToken(name("next", i));
    ASSERT_TRUE(successor.ok());
    EXPECT_EQ(successor->second.family_id, name("f", i));
    EXPECT_EQ(successor->first.access_jti, name("jn", i));
  }
  const StatusOr<Rotation>& again = rotations[kCodes];
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, Outcome::kGraceReissued);
  EXPECT_EQ(again->successor.token_hash, name("next", 0));
  EXPECT_FALSE(store_->GetRefreshToken(name("next", kCodes)).ok());
}

TEST_P(TokenConformance, CodeRaceHasExactlyOneWinnerAcrossInstances) {
  ASSERT_TRUE(store_->CreateCode(MakeCode("code", "c1", "u1")).ok());
  constexpr int kThreads = 12;
  std::vector<std::unique_ptr<Store>> instances;
  for (int i = 0; i < kThreads; ++i) instances.push_back(OpenAgain());
  std::atomic<int> redeemed{0}, replayed{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = RedeemCodeAndWait(*instances[static_cast<size_t>(i)], 
          "code", now_, IssueFamily("f" + std::to_string(i), "rt" + std::to_string(i), "j" + std::to_string(i)), nullptr);
      if (!r.ok()) ++other;
      else if (r->outcome == CodeRedemption::Outcome::kRedeemed) ++redeemed;
      else if (r->outcome == CodeRedemption::Outcome::kReplayed) ++replayed;
      else ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(replayed.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  // The winner's family was created and then revoked by the replays; no loser got one.
  int families = 0;
  for (int i = 0; i < kThreads; ++i) {
    auto f = FamilyOf("rt" + std::to_string(i));
    if (f.ok()) {
      ++families;
      EXPECT_NE(f->revoked_at, 0);
    }
  }
  EXPECT_EQ(families, 1);
}

TEST_P(TokenConformance, RefreshRotatesThenGraceThenReuseRevokesFamily) {
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  auto r1 = RotateAndWait(*store_, "rt1", MakeToken("rt2", "j2"), now_ + 10, 60, nullptr);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->outcome, Outcome::kRotated);
  EXPECT_EQ(r1->family.family_id, "f1");
  EXPECT_EQ(r1->family.scope, "mcp:read mcp:write");
  auto stored = store_->GetRefreshToken("rt2");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->first.family_id, "f1");
  EXPECT_EQ(stored->first.access_jti, "j2");
  EXPECT_EQ(store_->GetRefreshToken("rt1")->first.used_at, now_ + 10);
  EXPECT_EQ(store_->GetRefreshToken("rt1")->first.successor_hash, "rt2");
  EXPECT_EQ(stored->first.successor_hash, "");

  // A parallel refresh with the same token inside the grace window gets the same successor
  // (with its access token's jti), and nothing new is stored: the family does not branch.
  auto r2 = RotateAndWait(*store_, "rt1", MakeToken("rt3", "j3"), now_ + 70, 60, nullptr);
  EXPECT_EQ(r2->outcome, Outcome::kGraceReissued);
  EXPECT_EQ(r2->successor.token_hash, "rt2");
  EXPECT_EQ(r2->successor.access_jti, "j2");
  EXPECT_EQ(r2->successor.family_id, "f1");
  EXPECT_EQ(store_->GetRefreshToken("rt3").status().code(), StatusCode::kNotFound);

  // After the window, reuse is theft: the family and its access tokens die.
  auto r3 = RotateAndWait(*store_, "rt1", MakeToken("rt4", "j4"), now_ + 71, 60, nullptr);
  EXPECT_EQ(r3->outcome, Outcome::kReuseDetected);
  EXPECT_EQ(store_->GetRefreshToken("rt4").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, now_ + 71);
  for (const char* jti : {"j1", "j2"}) EXPECT_TRUE(*store_->IsAccessTokenRevoked(jti)) << jti;
  EXPECT_EQ(RotateAndWait(*store_, "rt2", MakeToken("rt5", "j5"), now_ + 72, 60, nullptr)->outcome,
            Outcome::kRevoked);
}

// Once the successor was used, the legitimate client has moved on: the old token presented
// again, even within the grace window, is a stolen copy.
TEST_P(TokenConformance, ReuseAfterTheSuccessorWasUsedIsTheftEvenWithinGrace) {
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  ASSERT_EQ(RotateAndWait(*store_, "rt1", MakeToken("rt2", "j2"), now_, 60, nullptr)->outcome,
            Outcome::kRotated);
  ASSERT_EQ(RotateAndWait(*store_, "rt2", MakeToken("rt3", "j3"), now_ + 5, 60, nullptr)->outcome,
            Outcome::kRotated);
  auto stolen = RotateAndWait(*store_, "rt1", MakeToken("rt4", "j4"), now_ + 10, 60, nullptr);
  EXPECT_EQ(stolen->outcome, Outcome::kReuseDetected);
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, now_ + 10);
  for (const char* jti : {"j1", "j2", "j3"}) EXPECT_TRUE(*store_->IsAccessTokenRevoked(jti)) << jti;
  EXPECT_EQ(RotateAndWait(*store_, "rt3", MakeToken("rt5", "j5"), now_ + 11, 60, nullptr)->outcome,
            Outcome::kRevoked);
}

TEST_P(TokenConformance, RefreshExpiresByIdleAndAbsoluteLifetime) {
  RefreshFamily f = MakeFamily("f1", "c1", "u1");
  RefreshToken t = MakeToken("rt1", "j1");
  t.idle_expires_at = now_ + 100;
  ASSERT_TRUE(store_->CreateFamily(f, t).ok());
  EXPECT_EQ(RotateAndWait(*store_, "rt1", MakeToken("x", "jx"), now_ + 100, 60, nullptr)->outcome,
            Outcome::kExpired);

  RefreshFamily g = MakeFamily("f2", "c1", "u1");
  g.expires_at = now_ + 50;
  ASSERT_TRUE(store_->CreateFamily(g, MakeToken("rt2", "j2")).ok());
  EXPECT_EQ(RotateAndWait(*store_, "rt2", MakeToken("y", "jy"), now_ + 50, 60, nullptr)->outcome,
            Outcome::kExpired);
  EXPECT_EQ(RotateAndWait(*store_, "nope", MakeToken("z", "jz"), now_, 60, nullptr)->outcome,
            Outcome::kNotFound);
}

TEST_P(TokenConformance, RejectedRotationChangesNothing) {
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  auto wrong_client = [](const RefreshFamily& f) { return f.client_id == "someone-else"; };
  EXPECT_EQ(RotateAndWait(*store_, "rt1", MakeToken("rt2", "j2"), now_, 60, wrong_client)->outcome,
            Outcome::kRejected);
  EXPECT_EQ(store_->GetRefreshToken("rt1")->first.used_at, 0);
  EXPECT_EQ(store_->GetRefreshToken("rt2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RotateAndWait(*store_, "rt1", MakeToken("rt2", "j2"), now_, 60, nullptr)->outcome,
            Outcome::kRotated);
}

// docs/mcp-clients.md §5: clients fire parallel refreshes with one token. Inside the grace window each
// gets a valid pair, the same one: exactly one rotation, the rest grace reissues of its
// successor, one new token stored, nothing revoked.
TEST_P(TokenConformance, RefreshRaceWithinGraceGivesEveryCallerAValidToken) {
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  constexpr int kThreads = 12;
  std::vector<std::unique_ptr<Store>> instances;
  for (int i = 0; i < kThreads; ++i) instances.push_back(OpenAgain());
  std::atomic<int> rotated{0}, reissued{0}, other{0};
  std::mutex mu;
  std::set<std::string> handed_out;  // the new token of the rotation, the successor of a reissue
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string n = std::to_string(i);
      auto r = RotateAndWait(*instances[static_cast<size_t>(i)], 
          "rt1", MakeToken("new" + n, "jn" + n), now_ + 1, 60, nullptr);
      if (!r.ok()) {
        ++other;
        return;
      }
      std::lock_guard lock(mu);
      if (r->outcome == Outcome::kRotated) ++rotated, handed_out.insert("new" + n);
      else if (r->outcome == Outcome::kGraceReissued) ++reissued, handed_out.insert(r->successor.token_hash);
      else ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(reissued.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(handed_out.size(), 1u);
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, 0);
  int stored = 0;
  for (int i = 0; i < kThreads; ++i) stored += store_->GetRefreshToken("new" + std::to_string(i)).ok();
  EXPECT_EQ(stored, 1);
}

// After the grace window, racing reuses all fail and the family ends revoked.
TEST_P(TokenConformance, RefreshRaceAfterGraceRevokesTheFamily) {
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  ASSERT_EQ(RotateAndWait(*store_, "rt1", MakeToken("rt2", "j2"), now_, 60, nullptr)->outcome,
            Outcome::kRotated);
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<Store>> instances;
  for (int i = 0; i < kThreads; ++i) instances.push_back(OpenAgain());
  std::atomic<int> detected{0}, revoked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::string n = std::to_string(i);
      auto r = RotateAndWait(*instances[static_cast<size_t>(i)], 
          "rt1", MakeToken("late" + n, "jl" + n), now_ + 61, 60, nullptr);
      if (!r.ok()) ++other;
      else if (r->outcome == Outcome::kReuseDetected) ++detected;
      else if (r->outcome == Outcome::kRevoked) ++revoked;
      else ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(detected.load(), 1);
  EXPECT_EQ(detected.load() + revoked.load(), kThreads);
  EXPECT_EQ(other.load(), 0);
  EXPECT_NE(FamilyOf("rt1")->revoked_at, 0);
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("j2"));
}

TEST_P(TokenConformance, RevokeFamilyAndAccessTokens) {
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  EXPECT_EQ(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt9", "j9")).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateFamily(MakeFamily("f2", "ghost", "u1"), MakeToken("rt8", "j8")).code(),
            StatusCode::kForeignKey);
  ASSERT_TRUE(store_->RevokeFamily("f1", now_ + 3).ok());
  ASSERT_TRUE(store_->RevokeFamily("f1", now_ + 4).ok());  // idempotent; keeps the first time
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, now_ + 3);
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("j1"));
  EXPECT_EQ(store_->RevokeFamily("ghost", now_).code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->RevokeAccessToken({"standalone", now_ + 3600}).ok());
  ASSERT_TRUE(store_->RevokeAccessToken({"standalone", now_ + 3600}).ok());
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("standalone"));
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("other"));
}

// A user's grant for a client and resource merges the consent given and the live refresh
// families; revoking it ends both, and the access tokens issued with the families.
TEST_P(TokenConformance, GrantsMergeConsentsAndLiveFamiliesAndRevokeTogether) {
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c2")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u2", "bob")).ok());
  ASSERT_TRUE(store_->CreateSession(MakeSession("sh", "u1", now_ + 3600)).ok());
  ASSERT_TRUE(CreateTransactionAndWait(*store_, MakeTransaction("th", now_)).ok());
  const std::string resource = "https://mcp.example/mcp";
  ASSERT_TRUE(Approve("th", now_, {"u1", "c1", resource, "mcp:read", now_, now_},
                      MakeCode("k1", "c1", "u1"))
                  .ok());
  // u1/c1: the consent and two families (two devices), one refreshed later; u2/c2: a family
  // without a consent (an operator-trusted client); u1/c2: a revoked family only (no grant).
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f1", "c1", "u1"), MakeToken("rt1", "j1")).ok());
  RefreshFamily later = MakeFamily("f2", "c1", "u1");
  later.created_at = now_ + 10;
  RefreshToken later_token = MakeToken("rt2", "j2");
  later_token.created_at = now_ + 50;
  ASSERT_TRUE(store_->CreateFamily(later, later_token).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f3", "c2", "u2"), MakeToken("rt3", "j3")).ok());
  ASSERT_TRUE(store_->CreateFamily(MakeFamily("f4", "c2", "u1"), MakeToken("rt4", "j4")).ok());
  ASSERT_TRUE(store_->RevokeFamily("f4", now_).ok());

  StatusOr<std::vector<Grant>> all = store_->ListGrants({}, now_ + 60);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  const Grant& g1 = (*all)[0];
  EXPECT_EQ(std::tie(g1.user_id, g1.client_id, g1.resource, g1.scope),
            std::tie("u1", "c1", resource, "mcp:read"));
  EXPECT_EQ(g1.granted_at, now_);
  EXPECT_EQ(g1.last_used_at, now_ + 50);
  EXPECT_EQ(g1.live_families, 2);
  const Grant& g2 = (*all)[1];
  EXPECT_EQ(std::tie(g2.user_id, g2.client_id, g2.scope),
            std::tie("u2", "c2", "mcp:read mcp:write"));
  EXPECT_EQ(g2.live_families, 1);
  EXPECT_EQ(store_->ListGrants({.user_id = "u2"}, now_)->size(), 1u);
  EXPECT_EQ(store_->ListGrants({.client_id = "c1"}, now_)->size(), 1u);
  EXPECT_EQ(store_->ListGrants({.user_id = "u1", .client_id = "c2"}, now_)->size(), 0u);
  // A family past its lifetime is no grant.
  EXPECT_EQ(store_->ListGrants({.user_id = "u2"}, now_ + 31 * 86400)->size(), 0u);

  EXPECT_EQ(store_->RevokeGrants({}, now_).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->RevokeGrants({.user_id = "u1", .client_id = "c1"}, now_ + 60).ok());
  EXPECT_EQ(store_->ListGrants({.user_id = "u1"}, now_ + 60)->size(), 0u);
  EXPECT_EQ(FamilyOf("rt1")->revoked_at, now_ + 60);
  EXPECT_EQ(FamilyOf("rt2")->revoked_at, now_ + 60);
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("j1"));
  EXPECT_TRUE(*store_->IsAccessTokenRevoked("j2"));
  EXPECT_EQ(store_->GetConsent("u1", "c1", resource).status().code(), StatusCode::kNotFound);
  // Nothing of anyone else's.
  EXPECT_EQ(FamilyOf("rt3")->revoked_at, 0);
  EXPECT_FALSE(*store_->IsAccessTokenRevoked("j3"));
  ASSERT_TRUE(store_->RevokeGrants({.client_id = "c2"}, now_ + 70).ok());
  EXPECT_EQ(store_->ListGrants({}, now_ + 70)->size(), 0u);
}

}  // namespace
}  // namespace authgent::storage::testing
