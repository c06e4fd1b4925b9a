// libFuzzer target: what the token, revocation and introspection endpoints read from a request
// before touching the store: the Authorization header and the form body (oauth/client_auth,
// oauth/params), the store keys of presented codes and refresh tokens (core/sortable_token) and
// the PKCE verifier (oauth/pkce), and a client assertion's checks (oauth/client_assertion) against
// a fixed key set. Properties: credentials come from exactly one place and name the method they
// came by; every failure is invalid_client (401) or invalid_request (400); an assertion is never
// accepted without the private key (the fuzzer has none); a token's key ends in its hash; a valid
// verifier verifies against its own challenge.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/sortable_token.h"
#include "fuzz_check.h"
#include "oauth/client_assertion.h"
#include "oauth/client_auth.h"
#include "oauth/params.h"
#include "oauth/pkce.h"

using namespace authgent;
using namespace authgent::oauth;

namespace {

void CheckCredentials(const std::string& authorization, const Params& params) {
  auto result = ExtractClientCredentials(authorization, params);
  if (auto* c = std::get_if<PresentedCredentials>(&result)) {
    if (params.Has("client_assertion") || params.Has("client_assertion_type")) {
      FUZZ_CHECK(c->method == "private_key_jwt");
      FUZZ_CHECK(authorization.empty() && !params.Has("client_secret"));
      FUZZ_CHECK(c->client_assertion == params.Get("client_assertion"));
      FUZZ_CHECK(!c->client_id.empty() && c->client_id == AssertionSubject(c->client_assertion));
    } else if (!authorization.empty()) {
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

// A public key whose private half nobody has: no input can carry a valid signature for it.
const verify::Jwks& UnmatchedKeys() {
  static const verify::Jwks keys =
      *verify::Jwks::Parse(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1",)"
                           R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                           R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})");
  return keys;
}

void CheckAssertion(const std::string& assertion, const std::string& client_id) {
  (void)AssertionSubject(assertion);
  auto r = VerifyClientAssertion(assertion, client_id, UnmatchedKeys(),
                                 {"https://as.example", "https://as.example/oauth/token"},
                                 1'800'000'000);
  FUZZ_CHECK(std::holds_alternative<AssertionFailure>(r));
  const OAuthError& e = std::get<AssertionFailure>(r).error;
  FUZZ_CHECK(e.code == "invalid_client" && e.status == 401);
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
  CheckAssertion(params.Get("client_assertion"), params.Get("client_id"));
  CheckTokenKey(params.Get("code"));
  CheckTokenKey(params.Get("refresh_token"));
  CheckPkce(params.Get("code_verifier"), params.Get("code_challenge"));
  return 0;
}
