#include "oauth/client_auth.h"

#include <gtest/gtest.h>

#include "core/base64.h"

namespace authgent::oauth {
namespace {

PresentedCredentials Extract(const std::string& header, const std::string& form) {
  auto r = ExtractClientCredentials(header, Params::Parse(form));
  if (auto* e = std::get_if<OAuthError>(&r)) return {"error", e->code, e->description};
  return std::get<PresentedCredentials>(r);
}

TEST(ClientAuth, BasicIsDecodedLenientlyForEitherSdk) {
  // The Python SDK percent-encodes id and secret; the TypeScript SDK sends them raw.
  auto encoded = Extract("Basic " + Base64Encode("my%20client:s%2Bcret%3A"), "");
  EXPECT_EQ(encoded.client_id, "my client");
  EXPECT_EQ(encoded.client_secret, "s+cret:");
  EXPECT_EQ(encoded.method, "client_secret_basic");
  auto raw = Extract("Basic " + Base64Encode("abc:p%zz:q"), "");  // not valid percent-encoding
  EXPECT_EQ(raw.client_id, "abc");
  EXPECT_EQ(raw.client_secret, "p%zz:q");
  EXPECT_EQ(Extract("basic " + Base64Encode("a:b"), "").client_id, "a");
}

TEST(ClientAuth, FormMethods) {
  auto post = Extract("", "client_id=c1&client_secret=s1");
  EXPECT_EQ(post.method, "client_secret_post");
  EXPECT_EQ(post.client_secret, "s1");
  auto none = Extract("", "client_id=c1");
  EXPECT_EQ(none.method, "none");
}

TEST(ClientAuth, RejectsMixedOrBrokenCredentials) {
  EXPECT_EQ(Extract("", "").client_secret, "invalid_client");
  EXPECT_EQ(Extract("Bearer x", "client_id=c1").client_secret, "invalid_client");
  EXPECT_EQ(Extract("Basic !!!", "").client_secret, "invalid_client");
  EXPECT_EQ(Extract("Basic " + Base64Encode("nocolon"), "").client_secret, "invalid_client");
  EXPECT_EQ(Extract("Basic " + Base64Encode("a:b"), "client_secret=b").client_secret, "invalid_request");
  EXPECT_EQ(Extract("Basic " + Base64Encode("a:b"), "client_id=other").client_secret, "invalid_request");
  EXPECT_EQ(Extract("Basic " + Base64Encode("a:b"), "client_id=a").client_id, "a");
}

}  // namespace
}  // namespace authgent::oauth
