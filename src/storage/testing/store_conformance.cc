#include "storage/testing/store_conformance.h"

#include <atomic>
#include <random>
#include <set>
#include <thread>

namespace authgent::storage::testing {

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreConformance::SetUp() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  unique_ = "t" + std::to_string(rd()) + "_" + std::to_string(counter++);
  store_ = GetParam().open(unique_);
  ASSERT_NE(store_, nullptr);
}

void TokenConformance::SetUp() {
  StoreConformance::SetUp();
  if (HasFatalFailure()) return;  // no store (already reported): stop before using it
  ASSERT_TRUE(CreateClientAndWait(*store_, MakeClient("c1")).ok());
  ASSERT_TRUE(store_->CreateUser(MakeUser("u1", "alice")).ok());
}

std::unique_ptr<Store> StoreConformance::OpenAgain() { return GetParam().open(unique_); }

Client StoreConformance::MakeClient(const std::string& id) {
  Client c;
  c.client_id = id;
  c.client_name = "Client " + id + " (test)";
  c.redirect_uris = {"https://app.example/cb", "http://127.0.0.1/cb"};
  c.grant_types = {"authorization_code", "refresh_token"};
  c.response_types = {"code"};
  c.token_endpoint_auth_method = "none";
  c.application_type = "native";
  c.source = "dcr";
  c.metadata_json = "{}";
  c.created_at = now_;
  return c;
}

User StoreConformance::MakeUser(const std::string& id, const std::string& username) {
  User u;
  u.user_id = id;
  u.username = username;
  u.password_hash = username.empty() ? "" : "$argon2id$v=19$fake";
  u.email = id + "@example.com";
  u.name = "User " + id;
  u.created_at = u.updated_at = now_;
  return u;
}

LoginSession StoreConformance::MakeSession(const std::string& hash, const std::string& user_id,
                                           int64_t expires_at) {
  LoginSession s;
  s.session_hash = hash;
  s.user_id = user_id;
  s.auth_time = s.created_at = now_;
  s.expires_at = expires_at;
  return s;
}

AuthorizationCode StoreConformance::MakeCode(const std::string& hash, const std::string& client_id,
                                             const std::string& user_id) {
  AuthorizationCode c;
  c.code_hash = hash;
  c.client_id = client_id;
  c.user_id = user_id;
  c.redirect_uri = "https://app.example/cb";
  c.redirect_uri_in_request = true;
  c.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  c.resource = "https://mcp.example/mcp";
  c.scope = "mcp:read";
  c.auth_time = now_;
  c.created_at = now_;
  c.expires_at = now_ + 600;
  c.nonce = "n-0S6_WzA2Mj";
  return c;
}

RefreshFamily StoreConformance::MakeFamily(const std::string& id, const std::string& client_id,
                                           const std::string& user_id) {
  RefreshFamily f;
  f.family_id = id;
  f.client_id = client_id;
  f.user_id = user_id;
  f.resource = "https://mcp.example/mcp";
  f.scope = "mcp:read mcp:write";
  f.auth_time = now_;
  f.created_at = now_;
  f.expires_at = now_ + 30 * 86400;
  return f;
}

IssueForCode StoreConformance::IssueFamily(const std::string& family_id, const std::string& token,
                                           const std::string& jti, AuthorizationCode* seen) {
  RefreshToken first = MakeToken(token, jti);
  RefreshFamily family = MakeFamily(family_id, "", "");
  return [=](const AuthorizationCode& code) -> std::optional<IssuedFamily> {
    if (seen) *seen = code;
    RefreshFamily f = family;
    f.client_id = code.client_id;
    f.user_id = code.user_id;
    return IssuedFamily{f, first};
  };
}

RefreshToken StoreConformance::MakeToken(const std::string& hash, const std::string& jti) {
  RefreshToken t;
  t.token_hash = hash;
  t.access_jti = jti;
  t.access_expires_at = now_ + 3600;
  t.created_at = now_;
  t.idle_expires_at = now_ + 7 * 86400;
  return t;
}

StatusOr<RefreshFamily> StoreConformance::FamilyOf(const std::string& token_hash) {
  auto found = store_->GetRefreshToken(token_hash);
  if (!found.ok()) return found.status();
  return found->second;
}

AuthorizationTransaction StoreConformance::MakeTransaction(const std::string& hash, int64_t now) {
  AuthorizationTransaction t;
  t.transaction_hash = hash;
  t.request_json = R"({"client_id":"c1"})";
  t.session_hash = "sh";
  t.user_id = "u1";
  t.csrf_hash = "csrf";
  t.created_at = now;
  t.expires_at = now + 600;
  return t;
}

Status StoreConformance::Approve(const std::string& transaction_hash, int64_t now,
                                 const Consent& consent, const AuthorizationCode& code) {
  StatusOr<ApprovalOutcome> r = ApproveAndWait(
      *store_, 
      transaction_hash, "sh", now, [&](const AuthorizationTransaction&, const LoginSession&) {
        return std::optional<Approval>(Approval{consent, code});
      });
  if (!r.ok()) return r.status();
  if (*r != ApprovalOutcome::kApproved) return NotFoundError("approval");
  return Status::Ok();
}

}  // namespace authgent::storage::testing
