// libFuzzer target: what the token, revocation and introspection endpoints read from a request
// before touching the store: the Authorization header and the form body (oauth/client_auth,
// oauth/params), the store keys of presented codes and refresh tokens (core/sortable_token) and
// the PKCE verifier (oauth/pkce). Properties: credentials come from exactly one place and name the
// method they came by; every failure is invalid_client (401) or invalid_request (400); a token's
// key ends in its hash; a valid verifier verifies against its own challenge.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/sortable_token.h"
#include "fuzz_check.h"
#include "oauth/client_auth.h"
#include "oauth/params.h"
#include "oauth/pkce.h"

using namespace authgent;
using namespace authgent::oauth;

namespace {

void CheckCredentials(const std::string& authorization, const Params& params) {
  auto result = ExtractClientCredentials(authorization, params);
  if (auto* c = std::get_if<PresentedCredentials>(&result)) {
    if (!authorization.empty()) {
      FUZZ_CHECK(c->method == "client_secret_basic");
      FUZZ_CHECK(!params.Has("client_secret"));
    } else {
      FUZZ_CHECK(c->method == (params.Has("client_secret") ? "client_secret_post" : "none"));
      FUZZ_CHECK(!c->client_id.empty() && c->client_id == params.Get("client_id"));
      FUZZ_CHECK(c->client_secret == params.Get("client_secret"));
    }
    return;
  }
  const OAuthError& e = std::get<OAuthError>(result);
  FUZZ_CHECK((e.code == "invalid_client" && e.status == 401) ||
             (e.code == "invalid_request" && e.status == 400));
}

void CheckTokenKey(const std::string& token) {
  std::string key = SortableTokenKey(token);
  std::string hash = TokenHash(token);
  FUZZ_CHECK(key.ends_with(hash));
  FUZZ_CHECK(key.size() == hash.size() || key.size() == hash.size() + 12);
  FUZZ_CHECK(key == SortableTokenKey(token));
}

void CheckPkce(const std::string& verifier, const std::string& challenge) {
  (void)VerifyS256(verifier, challenge);
  (void)IsValidCodeChallenge(challenge);
  if (IsValidCodeVerifier(verifier)) {
    std::string own = S256Challenge(verifier);
    FUZZ_CHECK(IsValidCodeChallenge(own));
    FUZZ_CHECK(VerifyS256(verifier, own));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  std::string authorization = input.ConsumeRandomLengthString(1024);
  Params params = Params::Parse(input.ConsumeRemainingBytesAsString());
  CheckCredentials(authorization, params);
  CheckTokenKey(params.Get("code"));
  CheckTokenKey(params.Get("refresh_token"));
  CheckPkce(params.Get("code_verifier"), params.Get("code_challenge"));
  return 0;
}
