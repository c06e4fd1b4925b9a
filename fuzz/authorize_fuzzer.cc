// libFuzzer target: oauth/authorize, the query string of GET /oauth/authorize from anyone's
// browser, validated against a registered client. Properties: an accepted request names a
// registered redirect URI, a well-formed S256 challenge and only catalog scopes, and survives the
// JSON it is stored as; an error sent to the client goes only to a registered redirect URI, and
// its query parses back to exactly the error, state and issuer (the state cannot inject
// parameters or a fragment).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "oauth/authorize.h"
#include "oauth/pkce.h"
#include "oauth/redirect_uri.h"
#include "oauth/scope.h"

using namespace authgent;
using namespace authgent::oauth;

namespace {

const char kIssuer[] = "https://auth.example.com";

const storage::Client& TestClient() {
  static const storage::Client client = [] {
    storage::Client c;
    c.client_id = "client-1";
    c.redirect_uris = {"http://127.0.0.1/callback", "https://app.example.com/cb?tenant=1",
                       "cursor://anysphere.cursor-mcp/oauth/callback"};
    c.grant_types = {"authorization_code", "refresh_token"};
    c.response_types = {"code"};
    c.token_endpoint_auth_method = "none";
    return c;
  }();
  return client;
}

bool Registered(const std::string& uri) {
  const auto& uris = TestClient().redirect_uris;
  return std::any_of(uris.begin(), uris.end(),
                     [&](const std::string& r) { return RedirectUriMatches(r, uri); });
}

void CheckAccepted(const AuthorizeRequest& r, const ResourceCatalog& catalog) {
  FUZZ_CHECK(Registered(r.redirect_uri));
  FUZZ_CHECK(IsValidCodeChallenge(r.code_challenge));
  // The resource's scopes (at least one), plus the OpenID Connect ones when asked for.
  std::vector<std::string> resource_scopes;
  for (const std::string& s : r.scopes) {
    if (!IsIdentityScope(s)) resource_scopes.push_back(s);
  }
  FUZZ_CHECK(!resource_scopes.empty());
  FUZZ_CHECK(ScopeSubset(resource_scopes, catalog.ScopesFor(r.resource)));
  FUZZ_CHECK(r.state.size() <= kMaxStateLength && r.nonce.size() <= kMaxNonceLength);
  FUZZ_CHECK(!CheckRedirectUri(r.redirect_uri).has_value());
  FUZZ_CHECK(!(r.force_consent && r.no_prompt));
  auto stored = AuthorizeRequest::FromJson(r.ToJson().dump());
  FUZZ_CHECK(stored.has_value());
  FUZZ_CHECK(stored->ToJson() == r.ToJson());
}

void CheckErrorRedirect(const AuthorizeErrorRedirect& e) {
  FUZZ_CHECK(Registered(e.redirect_uri));
  std::string url = ErrorRedirectUrl(e, kIssuer);
  FUZZ_CHECK(url.starts_with(e.redirect_uri));
  std::string_view added = std::string_view(url).substr(e.redirect_uri.size() + 1);
  FUZZ_CHECK(added.find('#') == std::string_view::npos);
  Params back = Params::Parse(added);
  FUZZ_CHECK(back.valid() && back.duplicate().empty());
  FUZZ_CHECK(back.Get("error") == e.error.code);
  FUZZ_CHECK(back.Get("state") == e.state);
  FUZZ_CHECK(back.Get("iss") == kIssuer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  static const ResourceCatalog catalog(kIssuer, {{"https://mcp.example.com/mcp", {}, {}}},
                                       {"mcp:read", "mcp:write"}, {});
  Params params = Params::Parse(query);
  // As the server does: the client is the one stored under the requested client_id, if any.
  const storage::Client* client =
      params.Get("client_id") == TestClient().client_id ? &TestClient() : nullptr;
  AuthorizeOutcome outcome = ValidateAuthorize(params, client, catalog);
  if (auto* r = std::get_if<AuthorizeRequest>(&outcome)) CheckAccepted(*r, catalog);
  if (auto* e = std::get_if<AuthorizeErrorRedirect>(&outcome)) CheckErrorRedirect(*e);
  return 0;
}
