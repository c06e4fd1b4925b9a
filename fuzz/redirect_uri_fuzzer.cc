// libFuzzer target: the URI rules a client's input meets (oauth/redirect_uri, oauth/resource,
// oauth/scope): registered and requested redirect URIs, RFC 8707 resource indicators and scope
// strings. Properties: a URI matches itself; a request that matches a valid registered URI is
// itself a valid redirect URI, so the loopback port exemption cannot smuggle in a fragment or
// user information; a resource the catalog accepts is https or loopback http (open catalog) or
// one of the configured resources; a normalised resource normalises again; scopes round-trip.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "oauth/redirect_uri.h"
#include "oauth/resource.h"
#include "oauth/scope.h"

using namespace authgent::oauth;

namespace {

constexpr size_t kMaxUriLength = 2000;  // CheckRedirectUri's limit

void CheckRedirects(const std::string& registered, const std::string& requested) {
  FUZZ_CHECK(RedirectUriMatches(requested, requested));
  bool registered_valid = !CheckRedirectUri(registered);
  if (registered_valid && RedirectUriMatches(registered, requested)) {
    // Only the port may differ, and a port can make the request longer than the limit.
    FUZZ_CHECK(!CheckRedirectUri(requested) || requested.size() > kMaxUriLength);
    FUZZ_CHECK(IsLoopbackRedirect(requested) == IsLoopbackRedirect(registered));
  }
  static const RedirectAllowlist allowlist(RedirectAllowlist::DefaultRules());
  if (allowlist.Allows(requested) && !IsLoopbackRedirect(requested)) {
    const auto rules = RedirectAllowlist::DefaultRules();
    FUZZ_CHECK(std::any_of(rules.begin(), rules.end(), [&](const std::string& rule) {
      return rule == requested || (rule.back() == '*' && requested.starts_with(
                                                             rule.substr(0, rule.size() - 1)));
    }));
  }
}

void CheckResource(const std::string& requested) {
  if (auto normalized = NormalizeResource(requested)) {
    FUZZ_CHECK(NormalizeResource(*normalized).has_value());
  }
  static const ResourceCatalog open("https://auth.example.com", {}, {"mcp"}, {});
  auto audience = open.ResolveAudience(requested);
  if (auto* aud = std::get_if<std::string>(&audience)) {
    if (requested.empty()) {
      FUZZ_CHECK(*aud == "https://auth.example.com");
    } else {
      FUZZ_CHECK(*aud == requested);
      auto normalized = NormalizeResource(*aud);
      FUZZ_CHECK(normalized.has_value());
      FUZZ_CHECK(normalized->starts_with("https://") ||
                 (normalized->starts_with("http://") && IsLoopbackRedirect(*aud)));
    }
  } else {
    FUZZ_CHECK(std::get<OAuthError>(audience).code == "invalid_target");
  }
  static const ResourceCatalog configured(
      "https://auth.example.com",
      {{"https://mcp.example.com/mcp", {}, {}}, {"http://127.0.0.1:8080/mcp", {}, {}}}, {"mcp"},
      {});
  auto configured_audience = configured.ResolveAudience(requested);
  if (auto* aud = std::get_if<std::string>(&configured_audience)) {
    FUZZ_CHECK(*aud == "https://mcp.example.com/mcp" || *aud == "http://127.0.0.1:8080/mcp" ||
               (requested.empty() && *aud == "https://auth.example.com"));
  }
}

void CheckScope(const std::string& text) {
  std::vector<std::string> scopes = SplitScope(text);
  for (const std::string& s : scopes) FUZZ_CHECK(!s.empty() && s.find(' ') == std::string::npos);
  std::string joined = JoinScope(scopes);
  std::vector<std::string> again = SplitScope(joined);
  FUZZ_CHECK(again.size() == scopes.size());
  FUZZ_CHECK(ScopeSubset(again, scopes) && ScopeSubset(scopes, again));
  FUZZ_CHECK(JoinScope(again) == joined);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  std::string registered = input.ConsumeRandomLengthString(4096);
  std::string requested = input.ConsumeRemainingBytesAsString();
  CheckRedirects(registered, requested);
  CheckResource(requested);
  CheckScope(requested);
  return 0;
}
