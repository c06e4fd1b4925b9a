// storage/testing/await: the completion-style store writes (storage/completion.h) as blocking
// calls, for tests and tools that have a thread to spare. Never call these on a network thread.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <utility>

#include "storage/store.h"

namespace authgent::storage::testing {

inline StatusOr<CodeRedemption> RedeemCodeAndWait(GrantStore& store, std::string code_hash,
                                                  int64_t now, IssueForCode issue,
                                                  IsRetryOfCode is_retry,
                                                  std::string family_id = "") {
  return Await<StatusOr<CodeRedemption>>([&](Completion<CodeRedemption> done) {
    store.RedeemCode(std::move(code_hash), now, std::move(family_id), std::move(issue),
                     std::move(is_retry), std::move(done));
  });
}

inline StatusOr<Rotation> RotateAndWait(GrantStore& store, std::string token_hash,
                                        RefreshToken successor, int64_t now,
                                        int64_t grace_seconds, AcceptFamily accept,
                                        int64_t client_used_at = 0) {
  RefreshPresentation presented{std::move(token_hash), std::move(successor), now, grace_seconds,
                                client_used_at};
  return Await<StatusOr<Rotation>>([&](Completion<Rotation> done) {
    store.RotateRefreshToken(std::move(presented), std::move(accept), std::move(done));
  });
}

inline StatusOr<ApprovalOutcome> ApproveAndWait(AuthorizationFlowStore& store,
                                                std::string transaction_hash,
                                                std::string session_hash, int64_t now,
                                                DecideApproval decide) {
  return Await<StatusOr<ApprovalOutcome>>([&](Completion<ApprovalOutcome> done) {
    store.ApproveTransaction(std::move(transaction_hash), std::move(session_hash), now,
                             std::move(decide), std::move(done));
  });
}

inline Status TouchClientAndWait(ClientStore& store, std::string client_id, int64_t now) {
  return Await<Status>([&](StatusCompletion done) {
    store.TouchClient(std::move(client_id), now, std::move(done));
  });
}

}  // namespace authgent::storage::testing
