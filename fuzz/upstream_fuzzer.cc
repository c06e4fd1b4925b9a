// libFuzzer target: federation/upstream, what an upstream OpenID provider sends back: the
// discovery document, the JWKS and the token response, and the claims of the id_token in it.
// The input's last byte picks a mode. Raw: the three bodies come from the input as they are.
// Token: discovery and JWKS are fixed and valid, the token endpoint's status and body come from
// the input (raw discovery documents rarely get that far). Signed: discovery and JWKS are fixed,
// and the input's JSON is signed by the harness as an ES256 id_token, so the claim checks behind
// the signature run too.
// Properties: a discovered provider only ever sends the browser to an http(s) authorization
// endpoint; an accepted identity has a subject; an identity let in by the allow-lists has an
// allowed email domain or hosted domain and an allowed group.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "core/clock.h"
#include "federation/upstream.h"
#include "fuzz_check.h"
#include "test_signer.h"

using namespace authgent;
using namespace authgent::federation;

namespace {

constexpr char kIssuer[] = "https://idp.example";
constexpr int64_t kNow = 1'800'000'000;

// Answers the discovery URL with `discovery`, every other GET (the jwks_uri) with `jwks`, and
// every POST (the token endpoint) with `token`.
class FuzzFetcher final : public HttpFetcher {
 public:
  FetchResponse discovery, jwks, token;
  StatusOr<FetchResponse> Get(const std::string& url) override {
    return url == std::string(kIssuer) + "/.well-known/openid-configuration" ? discovery : jwks;
  }
  StatusOr<FetchResponse> PostForm(const std::string&, const std::string&,
                                   const std::map<std::string, std::string>&) override {
    return token;
  }
};

UpstreamSettings Settings() {
  UpstreamSettings s;
  s.issuer = kIssuer;
  s.client_id = "authgent-client";
  s.client_secret = "secret";
  s.redirect_uri = "https://auth.example/oauth/upstream/callback";
  s.allowed_domains = {"Corp.Example"};
  s.allowed_groups = {"admins"};
  return s;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void CheckIdentity(const UpstreamProvider& provider, const UpstreamIdentity& id) {
  FUZZ_CHECK(!id.subject.empty());
  if (!provider.CheckAllowed(id).ok()) return;
  size_t at = id.email.rfind('@');
  std::string domain = at == std::string::npos ? "" : Lower(id.email.substr(at + 1));
  FUZZ_CHECK(domain == "corp.example" || Lower(id.hosted_domain) == "corp.example");
  FUZZ_CHECK(std::find(id.groups.begin(), id.groups.end(), "admins") != id.groups.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const verify::testing::TestSigner signer("ES256", "idp-key");
  static const FakeClock clock(kNow);
  FuzzedDataProvider input(data, size);
  FuzzFetcher fetcher;
  enum class Mode { kRaw, kToken, kSigned };
  Mode mode = static_cast<Mode>(input.ConsumeIntegralInRange(0, 2));
  if (mode == Mode::kRaw) {
    fetcher.discovery = {200, input.ConsumeRandomLengthString(4096), "application/json"};
    fetcher.jwks = {200, input.ConsumeRandomLengthString(4096), "application/json"};
    fetcher.token = {input.ConsumeBool() ? 200 : 400, input.ConsumeRemainingBytesAsString(), ""};
  } else {
    nlohmann::json discovery = {{"issuer", kIssuer},
                                {"authorization_endpoint", std::string(kIssuer) + "/authorize"},
                                {"token_endpoint", std::string(kIssuer) + "/token"},
                                {"jwks_uri", std::string(kIssuer) + "/jwks"}};
    fetcher.discovery = {200, discovery.dump(), "application/json"};
    fetcher.jwks = {200, signer.JwksJson(), "application/json"};
  }
  if (mode == Mode::kToken) {
    fetcher.token = {input.ConsumeBool() ? 200 : 400, input.ConsumeRemainingBytesAsString(), ""};
  } else if (mode == Mode::kSigned) {
    nlohmann::json claims =
        nlohmann::json::parse(input.ConsumeRemainingBytesAsString(), nullptr, false);
    if (!claims.is_object()) return 0;
    nlohmann::json answer = {{"id_token", signer.Sign(claims)}};
    std::string body = answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    fetcher.token = {200, std::move(body), ""};
  }

  UpstreamProvider provider(Settings(), fetcher, clock);
  if (!provider.Discover().ok()) return 0;
  FUZZ_CHECK(provider.ready());
  StatusOr<std::string> url = provider.AuthorizationUrl("state-1", "n-1", "challenge");
  FUZZ_CHECK(url.ok());
  std::string scheme = Lower(url->substr(0, url->find(':') + 1));  // schemes ignore case
  FUZZ_CHECK((scheme == "https:" || scheme == "http:") && url->find("://") == scheme.size() - 1);
  StatusOr<UpstreamIdentity> identity = provider.Redeem("code-1", "verifier-1", "n-1");
  if (identity.ok()) CheckIdentity(provider, *identity);
  return 0;
}
