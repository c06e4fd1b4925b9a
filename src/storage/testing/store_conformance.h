// storage/testing/store_conformance: the behaviour every Store backend must show, as one
// parameterised GoogleTest suite. A backend's test instantiates it with a factory:
//
//   AUTHGENT_INSTANTIATE_STORE_CONFORMANCE(Sqlite, (StoreBackend{"sqlite", open}));
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/store.h"
#include "storage/testing/await.h"

namespace authgent::storage::testing {

struct StoreBackend {
  std::string name;
  // Opens a new, empty, migrated store; `unique` differs between calls (file or schema name).
  std::function<std::unique_ptr<Store>(const std::string& unique)> open;
};

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info);

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  // A second handle on the same database (another pool, as another instance would have).
  std::unique_ptr<Store> OpenAgain();

  // Records with valid defaults; tests change what they exercise.
  Client MakeClient(const std::string& id);
  User MakeUser(const std::string& id, const std::string& username);
  // A session that began now_.
  LoginSession MakeSession(const std::string& hash, const std::string& user_id, int64_t expires_at);
  AuthorizationCode MakeCode(const std::string& hash, const std::string& client_id,
                             const std::string& user_id);
  RefreshFamily MakeFamily(const std::string& id, const std::string& client_id,
                           const std::string& user_id);
  RefreshToken MakeToken(const std::string& hash, const std::string& jti);
  // What a token request passes to RedeemCode: create this family for the code (and, when
  // `seen` is set, record the code the store handed over).
  IssueForCode IssueFamily(const std::string& family_id, const std::string& token,
                           const std::string& jti, AuthorizationCode* seen = nullptr);
  // The family of the refresh token `token_hash` (kNotFound when there is no such token).
  StatusOr<RefreshFamily> FamilyOf(const std::string& token_hash);
  // Approves as the consent page does, on session "sh": stores `consent` and `code`. kNotFound
  // when the store found no live transaction or session.
  Status Approve(const std::string& transaction_hash, int64_t now, const Consent& consent,
                 const AuthorizationCode& code);
  // A live transaction of user u1 on session "sh".
  AuthorizationTransaction MakeTransaction(const std::string& hash, int64_t now);

  std::string unique_;
  std::unique_ptr<Store> store_;
  int64_t now_ = 1'800'000'000;
};

// The same, with client "c1" and user "u1" already stored (codes and tokens need both).
class TokenConformance : public StoreConformance {
 protected:
  void SetUp() override;
};

// Instantiates both suites for one backend.
#define AUTHGENT_INSTANTIATE_STORE_CONFORMANCE(prefix, backend)                              \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreConformance, ::testing::Values(backend),             \
                           ::authgent::storage::testing::StoreBackendName);                  \
  INSTANTIATE_TEST_SUITE_P(prefix, TokenConformance, ::testing::Values(backend),             \
                           ::authgent::storage::testing::StoreBackendName)

}  // namespace authgent::storage::testing
