#include "oauth/cimd.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace authgent::oauth {
namespace {

const std::string kUrl = "https://app.example.com/oauth/client.json";

std::string Document(nlohmann::json overrides = nlohmann::json::object()) {
  nlohmann::json doc = {{"client_id", kUrl},
                        {"client_name", "Example App"},
                        {"redirect_uris", {"https://app.example.com/callback"}}};
  for (auto& [k, v] : overrides.items()) {
    if (v.is_null())
      doc.erase(k);
    else
      doc[k] = v;
  }
  return doc.dump();
}

std::string ErrorOf(const std::variant<storage::Client, OAuthError>& r) {
  const auto* e = std::get_if<OAuthError>(&r);
  return e ? e->code + ": " + e->description : "";
}

TEST(ClientIdUrl, OnlyHttpsUrlsNameADocument) {
  EXPECT_TRUE(IsClientIdUrl(kUrl));
  EXPECT_FALSE(IsClientIdUrl("0193b2c4d5e6f7a8b9c0d1e2"));
  EXPECT_FALSE(IsClientIdUrl("http://app.example.com/client.json"));
  EXPECT_FALSE(IsClientIdUrl("HTTPS://app.example.com/client.json"));
}

TEST(ClientIdUrl, AcceptsAHttpsUrlWithAPathQueryAndPort) {
  EXPECT_EQ(CheckClientIdUrl(kUrl), std::nullopt);
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com:8443/c?v=2"), std::nullopt);
  EXPECT_EQ(CheckClientIdUrl("https://localhost/client"), std::nullopt);
}

TEST(ClientIdUrl, RefusesEachBrokenRuleWithItsReason) {
  EXPECT_EQ(CheckClientIdUrl("http://app.example.com/c"), "client ID URL must use https");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com"), "client ID URL needs a path");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com/"), "client ID URL needs a path");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com/c#x"),
            "client ID URL must not contain a fragment");
  EXPECT_EQ(CheckClientIdUrl("https://me@app.example.com/c"),
            "client ID URL must not contain user information");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com/a/../c"),
            "client ID URL must not contain dot segments");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com/./c"),
            "client ID URL must not contain dot segments");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com/a/%2e%2E/c"),
            "client ID URL must not contain dot segments");
  EXPECT_EQ(CheckClientIdUrl("https://127.0.0.1/c"), "client ID URL needs a host name");
  EXPECT_EQ(CheckClientIdUrl("https://[::1]/c"), "client ID URL needs a host name");
  EXPECT_EQ(CheckClientIdUrl("https:///c"), "client ID URL needs a host name");
  EXPECT_EQ(CheckClientIdUrl("not a url"), "client ID is not an absolute URL");
  EXPECT_EQ(CheckClientIdUrl("https://app.example.com/" + std::string(kMaxClientIdUrlLength, 'a')),
            "client ID URL too long");
}

TEST(ClientIdUrl, HostIsLowerCased) {
  EXPECT_EQ(ClientIdUrlHost("https://Claude.AI/oauth/client"), "claude.ai");
}

TEST(ClientFromDocument, BuildsAPublicCodeClient) {
  auto r = ClientFromDocument(kUrl, Document(), 1700000000);
  ASSERT_EQ(ErrorOf(r), "");
  const auto& c = std::get<storage::Client>(r);
  EXPECT_EQ(c.client_id, kUrl);
  EXPECT_EQ(c.source, "cimd");
  EXPECT_EQ(c.client_name, "Example App");
  EXPECT_EQ(c.token_endpoint_auth_method, "none");
  EXPECT_EQ(c.secret_hash, "");
  EXPECT_EQ(c.grant_types, (std::vector<std::string>{"authorization_code", "refresh_token"}));
  EXPECT_EQ(c.response_types, (std::vector<std::string>{"code"}));
  EXPECT_EQ(c.redirect_uris, (std::vector<std::string>{"https://app.example.com/callback"}));
  EXPECT_EQ(c.created_at, 1700000000);
}

TEST(ClientFromDocument, IgnoresUnknownFields) {
  auto r = ClientFromDocument(kUrl,
                              Document({{"x_vendor", {{"a", 1}}}, {"logo_uri", "https://a/l"}}), 1);
  ASSERT_EQ(ErrorOf(r), "");
  EXPECT_EQ(nlohmann::json::parse(std::get<storage::Client>(r).metadata_json),
            (nlohmann::json{{"logo_uri", "https://a/l"}}));
}

TEST(ClientFromDocument, TheClientIdMustBeTheUrlExactly) {
  const std::string expected =
      "invalid_client_metadata: the document's client_id must equal the URL it was fetched from";
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document({{"client_id", nullptr}}), 1)), expected);
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document({{"client_id", kUrl + "/"}}), 1)), expected);
  EXPECT_EQ(ErrorOf(ClientFromDocument(
                kUrl, Document({{"client_id", "https://APP.example.com/oauth/client.json"}}), 1)),
            expected);
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document({{"client_id", 7}}), 1)), expected);
}

TEST(ClientFromDocument, RefusesWhatAPublicIdentityCannotHave) {
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document({{"client_secret", "s"}}), 1)),
            "invalid_client_metadata: a client metadata document must not carry a client secret");
  EXPECT_EQ(ErrorOf(ClientFromDocument(
                kUrl, Document({{"token_endpoint_auth_method", "client_secret_basic"}}), 1)),
            "invalid_client_metadata: unsupported token_endpoint_auth_method; supported: none, "
            "private_key_jwt");
  EXPECT_EQ(
      ErrorOf(ClientFromDocument(kUrl, Document({{"grant_types", {"client_credentials"}}}), 1)),
      "invalid_client_metadata: the client_credentials grant is only for clients the "
      "operator creates; supported: authorization_code, refresh_token");
}

TEST(ClientFromDocument, RedirectUrisAreRequiredAndChecked) {
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document({{"redirect_uris", nullptr}}), 1)),
            "invalid_redirect_uri: redirect_uris is required");
  EXPECT_EQ(
      ErrorOf(ClientFromDocument(kUrl, Document({{"redirect_uris", {"javascript:alert(1)"}}}), 1))
          .rfind("invalid_redirect_uri: ", 0),
      0u);
  EXPECT_EQ(ErrorOf(ClientFromDocument(
                        kUrl, Document({{"redirect_uris", {"http://evil.example/cb"}}}), 1))
                .rfind("invalid_redirect_uri: ", 0),
            0u);
}

TEST(ClientFromDocument, PrivateKeyJwtNeedsExactlyOneKeySource) {
  auto method = nlohmann::json{{"token_endpoint_auth_method", "private_key_jwt"}};
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document(method), 1)),
            "invalid_client_metadata: private_key_jwt needs jwks_uri or jwks");
  auto with_uri = method;
  with_uri["jwks_uri"] = "https://app.example.com/jwks.json";
  auto r = ClientFromDocument(kUrl, Document(with_uri), 1);
  ASSERT_EQ(ErrorOf(r), "");
  EXPECT_EQ(std::get<storage::Client>(r).token_endpoint_auth_method, "private_key_jwt");
  EXPECT_EQ(nlohmann::json::parse(std::get<storage::Client>(r).metadata_json)["jwks_uri"],
            "https://app.example.com/jwks.json");
  auto both = with_uri;
  both["jwks"] = {{"keys", {{{"kty", "EC"}}}}};
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document(both), 1)),
            "invalid_client_metadata: jwks_uri and jwks must not both be present");
  auto plain_http = method;
  plain_http["jwks_uri"] = "http://app.example.com/jwks.json";
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document(plain_http), 1)),
            "invalid_client_metadata: jwks_uri must be an https URL");
  auto empty_set = method;
  empty_set["jwks"] = {{"keys", nlohmann::json::array()}};
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, Document(empty_set), 1)),
            "invalid_client_metadata: jwks must be a JSON Web Key Set with at least one EC P-256 "
            "or RSA (2048 bits or more) signature key, at most 8 KiB");
}

TEST(ClientFromDocument, RefusesOversizeAndNonObjectDocuments) {
  std::string big = Document({{"client_uri", std::string(kMaxClientIdDocumentBytes, 'a')}});
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, big, 1)),
            "invalid_client_metadata: the client metadata document is too large");
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, "[1]", 1)),
            "invalid_client_metadata: the client metadata document must be a JSON object");
  EXPECT_EQ(ErrorOf(ClientFromDocument(kUrl, "{", 1)),
            "invalid_client_metadata: the client metadata document must be a JSON object");
}

TEST(DocumentLifetime, FollowsCacheControlWithinBounds) {
  const int64_t now = 1700000000;
  EXPECT_EQ(DocumentLifetime("max-age=600", std::nullopt, now), 600);
  EXPECT_EQ(DocumentLifetime("public, max-age=600, s-maxage=900", std::nullopt, now), 900);
  EXPECT_EQ(DocumentLifetime("MAX-AGE=\"700\"", std::nullopt, now), 700);
  EXPECT_EQ(DocumentLifetime("max-age=5", std::nullopt, now), kMinDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("max-age=0", std::nullopt, now), kMinDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("max-age=99999999", std::nullopt, now), kMaxDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("max-age=999999999999999999999999", std::nullopt, now),
            kMaxDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("no-store", std::nullopt, now), kMinDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("no-cache, max-age=600", std::nullopt, now), kMinDocumentLifetime);
}

TEST(DocumentLifetime, FallsBackToExpiresThenTheDefault) {
  const int64_t now = 1700000000;
  EXPECT_EQ(DocumentLifetime("", now + 7200, now), 7200);
  EXPECT_EQ(DocumentLifetime("", now - 10, now), kMinDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("max-age=300", now + 7200, now), 300);
  EXPECT_EQ(DocumentLifetime("", std::nullopt, now), kDefaultDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("max-age=abc", std::nullopt, now), kDefaultDocumentLifetime);
  EXPECT_EQ(DocumentLifetime("max-age=-5", std::nullopt, now), kDefaultDocumentLifetime);
}

TEST(AllRedirectsLoopback, OnlyWhenEveryRedirectIsLoopback) {
  storage::Client c;
  EXPECT_FALSE(AllRedirectsLoopback(c));
  c.redirect_uris = {"http://127.0.0.1/cb", "http://localhost:3000/cb"};
  EXPECT_TRUE(AllRedirectsLoopback(c));
  c.redirect_uris.push_back("https://app.example.com/cb");
  EXPECT_FALSE(AllRedirectsLoopback(c));
}

}  // namespace
}  // namespace authgent::oauth
