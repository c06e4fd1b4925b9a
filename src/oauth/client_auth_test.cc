#include "oauth/client_auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/bytes.h"

namespace authgent::oauth {
namespace {

PresentedCredentials Extract(const std::string& header, const std::string& form) {
  auto r = ExtractClientCredentials(header, Params::Parse(form));
  if (auto* e = std::get_if<OAuthError>(&r)) return {"error", e->code, "", e->description};
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

// An assertion's shape (not signed: extraction reads `sub` without checking anything).
std::string AssertionFrom(const std::string& sub) {
  return Base64UrlEncode(R"({"alg":"ES256"})") + "." +
         Base64UrlEncode(nlohmann::json{{"sub", sub}}.dump()) + ".c2ln";
}

std::string AssertionForm(const std::string& sub, const std::string& extra = "") {
  return "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
         "&client_assertion=" +
         AssertionFrom(sub) + extra;
}

TEST(ClientAuth, AnAssertionNamesItsClient) {
  auto presented = Extract("", AssertionForm("c1"));
  EXPECT_EQ(presented.method, "private_key_jwt");
  EXPECT_EQ(presented.client_id, "c1");
  EXPECT_EQ(presented.client_assertion, AssertionFrom("c1"));
  EXPECT_EQ(Extract("", AssertionForm("c1", "&client_id=c1")).client_id, "c1");
  EXPECT_EQ(Extract("", AssertionForm("c1", "&client_id=c2")).client_secret, "invalid_client");
  EXPECT_EQ(Extract("", AssertionForm("c1", "&client_secret=s")).client_secret, "invalid_request");
  EXPECT_EQ(Extract("Basic " + Base64Encode("c1:s"), AssertionForm("c1")).client_secret,
            "invalid_request");
  EXPECT_EQ(
      Extract("", "client_assertion_type=other&client_assertion=x&client_id=c1").client_secret,
      "invalid_client");
  EXPECT_EQ(Extract("", "client_assertion=" + AssertionFrom("c1")).client_secret, "invalid_client");
  EXPECT_EQ(Extract("", AssertionForm("")).client_secret, "invalid_client");
}

TEST(ClientAuth, AnAssertionIsCheckedOnlyForAPrivateKeyJwtClient) {
  storage::Client keyed;
  keyed.client_id = "c1";
  keyed.token_endpoint_auth_method = "private_key_jwt";
  storage::Client secret = keyed;
  secret.token_endpoint_auth_method = "client_secret_basic";
  secret.secret_hash = TokenHash("s");
  PresentedCredentials assertion{"c1", "", "token", "private_key_jwt"};
  int checks = 0;
  AssertionCheck accept = [&](const storage::Client& c, const std::string& a) {
    ++checks;
    EXPECT_EQ(c.client_id, "c1");
    EXPECT_EQ(a, "token");
    return std::optional<OAuthError>();
  };
  AssertionCheck refuse = [](const storage::Client&, const std::string&) {
    return std::optional<OAuthError>(InvalidClient("client assertion: expired"));
  };
  auto code = [](const std::variant<storage::Client, OAuthError>& r) {
    return std::holds_alternative<OAuthError>(r) ? std::get<OAuthError>(r).debug : "ok";
  };
  EXPECT_EQ(code(CheckClientCredentials(keyed, assertion, 0, accept)), "ok");
  EXPECT_EQ(checks, 1);
  EXPECT_EQ(code(CheckClientCredentials(keyed, assertion, 0, refuse)), "client assertion: expired");
  EXPECT_EQ(code(CheckClientCredentials(keyed, assertion, 0, nullptr)),
            "client assertions are not accepted here");
  EXPECT_EQ(code(CheckClientCredentials(keyed, {"c1", "", "", "none"}, 0, accept)),
            "registered private_key_jwt, presented none");
  EXPECT_EQ(code(CheckClientCredentials(keyed, {"c1", "s", "", "client_secret_post"}, 0, accept)),
            "registered private_key_jwt, presented client_secret_post");
  EXPECT_EQ(code(CheckClientCredentials(secret, assertion, 0, accept)),
            "registered client_secret_basic, presented private_key_jwt");
  EXPECT_EQ(checks, 1);
}

}  // namespace
}  // namespace authgent::oauth
