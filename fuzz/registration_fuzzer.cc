// libFuzzer target: oauth/registration, dynamic client registration bodies (RFC 7591) as anyone on
// the network may send them. Properties for every accepted registration, under the open and the
// constrained policy: each redirect URI passes the redirect-URI rules (and the allow-list when
// constrained), a secret exists exactly for clients of the two secret methods (none for public
// and private_key_jwt clients), and the 201 body serialises (valid UTF-8) and equals
// ClientToJson of the stored client plus the secret. The same bodies as RFC 7592 updates of a
// registered client: its identity, secret and auth method never change.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/random.h"
#include "fuzz_check.h"
#include "oauth/registration.h"

using namespace authgent;
using namespace authgent::oauth;

namespace {

void CheckAccepted(const Registration& reg, const RegistrationPolicy& policy) {
  const storage::Client& c = reg.client;
  for (const std::string& uri : c.redirect_uris) {
    FUZZ_CHECK(!CheckRedirectUri(uri));
    if (policy.mode == DcrMode::kConstrained) FUZZ_CHECK(policy.allowlist.Allows(uri));
  }
  bool secret_method = c.token_endpoint_auth_method == "client_secret_basic" ||
                       c.token_endpoint_auth_method == "client_secret_post";
  FUZZ_CHECK(secret_method == !reg.client_secret.empty());
  FUZZ_CHECK(reg.client_secret.empty() == c.secret_hash.empty());
  nlohmann::json expected = ClientToJson(c);
  if (!reg.client_secret.empty()) {
    expected["client_secret"] = reg.client_secret;
    expected["client_secret_expires_at"] = 0;
  }
  FUZZ_CHECK(expected == reg.response);
  try {
    (void)reg.response.dump();
    (void)nlohmann::json::parse(c.metadata_json).dump();
  } catch (const nlohmann::json::exception&) {
    FUZZ_CHECK(!"the registration answer does not serialise");
  }
}

// RFC 7592 updates of an existing public client with the same body: an accepted update keeps
// the client's identity, secret and auth method; a refused one is a 400 of the registration codes.
void CheckUpdate(std::string_view body, const RegistrationPolicy& policy) {
  storage::Client current;
  current.client_id = "0123456789abcdef0123456789abcdef";
  current.token_endpoint_auth_method = "none";
  current.source = "dcr";
  current.created_at = 1800000000;
  current.registration_token_hash = "hash";
  auto result = UpdateRegistration(current, body, policy);
  if (auto* updated = std::get_if<storage::Client>(&result)) {
    FUZZ_CHECK(updated->client_id == current.client_id);
    FUZZ_CHECK(updated->token_endpoint_auth_method == "none");
    FUZZ_CHECK(updated->secret_hash.empty());
    FUZZ_CHECK(updated->registration_token_hash == "hash" && updated->source == "dcr");
    return;
  }
  const OAuthError& e = std::get<OAuthError>(result);
  FUZZ_CHECK(e.code == "invalid_client_metadata" || e.code == "invalid_redirect_uri");
  FUZZ_CHECK(e.status == 400);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  static SeededRandom random(1);
  static const FakeClock clock(1800000000);
  RegistrationPolicy open;
  RegistrationPolicy constrained;
  constrained.mode = DcrMode::kConstrained;
  for (const RegistrationPolicy* policy : {&open, &constrained}) {
    auto result = RegisterClient(body, *policy, clock, random);
    if (auto* reg = std::get_if<Registration>(&result)) {
      CheckAccepted(*reg, *policy);
    } else {
      const OAuthError& e = std::get<OAuthError>(result);
      FUZZ_CHECK(e.code == "invalid_client_metadata" || e.code == "invalid_redirect_uri");
      FUZZ_CHECK(e.status == 400);
    }
    CheckUpdate(body, *policy);
  }
  return 0;
}
