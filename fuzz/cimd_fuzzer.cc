// libFuzzer target: oauth/cimd, what a stranger controls when a client ID is a URL: the URL
// itself, the document served there and the response's Cache-Control. Properties: an accepted
// URL has a host and is no longer than the cap; a document is accepted only for the URL it names,
// and then describes a public or private_key_jwt code client with valid redirect URIs and no
// secret; a document's lifetime is always within the bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "oauth/cimd.h"
#include "oauth/redirect_uri.h"

using namespace authgent;
using namespace authgent::oauth;

namespace {

void CheckDocument(std::string_view url, std::string_view document) {
  auto result = ClientFromDocument(url, document, 1800000000);
  if (auto* e = std::get_if<OAuthError>(&result)) {
    FUZZ_CHECK(e->code == "invalid_client_metadata" || e->code == "invalid_redirect_uri");
    FUZZ_CHECK(e->status == 400);
    return;
  }
  const storage::Client& c = std::get<storage::Client>(result);
  FUZZ_CHECK(c.client_id == url);
  FUZZ_CHECK(c.source == "cimd");
  FUZZ_CHECK(c.secret_hash.empty());
  FUZZ_CHECK(c.token_endpoint_auth_method == "none" ||
             c.token_endpoint_auth_method == "private_key_jwt");
  FUZZ_CHECK(!c.redirect_uris.empty());
  for (const std::string& uri : c.redirect_uris) FUZZ_CHECK(!CheckRedirectUri(uri));
  for (const std::string& g : c.grant_types) {
    FUZZ_CHECK(g == "authorization_code" || g == "refresh_token");
  }
}

}  // namespace

// Input: URL, a NUL, the document, a NUL, Cache-Control (any part may be missing).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t first = input.find('\0');
  std::string_view url = input.substr(0, first);
  std::string_view rest = first == std::string_view::npos ? "" : input.substr(first + 1);
  size_t second = rest.find('\0');
  std::string_view document = rest.substr(0, second);
  std::string_view cache_control = second == std::string_view::npos ? "" : rest.substr(second + 1);

  if (!CheckClientIdUrl(url)) {
    FUZZ_CHECK(IsClientIdUrl(url));
    FUZZ_CHECK(url.size() <= kMaxClientIdUrlLength);
    FUZZ_CHECK(!ClientIdUrlHost(url).empty());
  }
  CheckDocument(url, document);
  int64_t lifetime = DocumentLifetime(cache_control, static_cast<int64_t>(size) * 97, 1000);
  FUZZ_CHECK(lifetime >= kMinDocumentLifetime && lifetime <= kMaxDocumentLifetime);
  return 0;
}
