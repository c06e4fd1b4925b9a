#include "federation/upstream.h"

#include <gtest/gtest.h>

#include <map>

#include "test_signer.h"

namespace authgent::federation {
namespace {

using verify::testing::TestSigner;

// Answers from a table; counts requests per URL.
class FakeFetcher : public HttpFetcher {
 public:
  std::map<std::string, FetchResponse> get;
  FetchResponse token;
  std::map<std::string, int> hits;
  std::string last_post_body;
  std::map<std::string, std::string> last_post_headers;
  StatusOr<FetchResponse> Get(const std::string& url) override {
    ++hits[url];
    auto it = get.find(url);
    if (it == get.end()) return UnavailableError("connection refused");
    return it->second;
  }
  StatusOr<FetchResponse> PostForm(const std::string& url, const std::string& body,
                                   const std::map<std::string, std::string>& headers) override {
    ++hits[url];
    last_post_body = body;
    last_post_headers = headers;
    return token;
  }
};

constexpr char kIssuer[] = "https://idp.example";

class UpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override { Publish({"client_secret_basic", "client_secret_post"}); }
  void Publish(const std::vector<std::string>& auth_methods, const std::string& issuer = kIssuer) {
    fetcher_.get[std::string(kIssuer) + "/.well-known/openid-configuration"] = {
        200,
        nlohmann::json{{"issuer", issuer},
                       {"authorization_endpoint", std::string(kIssuer) + "/authorize"},
                       {"token_endpoint", std::string(kIssuer) + "/token"},
                       {"jwks_uri", std::string(kIssuer) + "/jwks"},
                       {"token_endpoint_auth_methods_supported", auth_methods}}
            .dump(),
        "application/json"};
    fetcher_.get[std::string(kIssuer) + "/jwks"] = {200, rs_.JwksJson(), "application/json"};
  }
  nlohmann::json Claims() {
    return {{"iss", kIssuer}, {"aud", "authgent-client"}, {"sub", "u-123"}, {"nonce", "n-1"},
            {"exp", clock_.Now() + 300}, {"iat", clock_.Now()}, {"email", "ann@corp.example"},
            {"name", "Ann"}};
  }
  UpstreamSettings Settings() {
    UpstreamSettings s;
    s.issuer = kIssuer;
    s.client_id = "authgent-client";
    s.client_secret = "s3cret:+";
    s.redirect_uri = "https://auth.example/oauth/upstream/callback";
    return s;
  }
  std::string Validate(UpstreamProvider& p, const std::string& token, const std::string& nonce = "n-1") {
    auto r = p.ValidateIdToken(token, nonce);
    return r.ok() ? "ok:" + r->subject : r.status().message();
  }

  FakeClock clock_{1'800'000'000};
  FakeFetcher fetcher_;
  TestSigner rs_{"RS256", "rsa-1"};
};

TEST_F(UpstreamTest, DiscoveryThenValidIdTokensInRs256AndEs256) {
  UpstreamProvider p(Settings(), fetcher_, clock_);
  EXPECT_FALSE(p.ready());
  ASSERT_TRUE(p.Discover().ok()) << p.last_error();
  EXPECT_TRUE(p.ready());
  EXPECT_EQ(Validate(p, rs_.Sign(Claims())), "ok:u-123");
  TestSigner es("ES256", "ec-1");
  fetcher_.get[std::string(kIssuer) + "/jwks"] = {200, es.JwksJson(), ""};
  clock_.Advance(61);  // the refetch on an unknown kid is allowed again
  EXPECT_EQ(Validate(p, es.Sign(Claims())), "ok:u-123");
}

TEST_F(UpstreamTest, EveryIdTokenCheck) {
  UpstreamProvider p(Settings(), fetcher_, clock_);
  ASSERT_TRUE(p.Discover().ok());
  std::string good = rs_.Sign(Claims());
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Validate(p, tampered), "id_token signature: bad_signature");
  EXPECT_EQ(Validate(p, good, "other-nonce"), "id_token claims: nonce_mismatch");
  auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json c = Claims();
    c[key] = std::move(value);
    return rs_.Sign(c);
  };
  EXPECT_EQ(Validate(p, with("aud", "someone-else")), "id_token claims: wrong_audience");
  EXPECT_EQ(Validate(p, with("iss", "https://evil.example")), "id_token claims: wrong_issuer");
  EXPECT_EQ(Validate(p, with("exp", clock_.Now() - 200)), "id_token claims: expired");
  EXPECT_EQ(Validate(p, with("iat", clock_.Now() + 600)), "id_token claims: issued_in_future");
  EXPECT_EQ(Validate(p, with("aud", nlohmann::json::array({"authgent-client", "other"}))),
            "id_token claims: azp_mismatch");
  nlohmann::json multi = Claims();
  multi["aud"] = {"authgent-client", "other"};
  multi["azp"] = "authgent-client";
  EXPECT_EQ(Validate(p, rs_.Sign(multi)), "ok:u-123");
  nlohmann::json no_iat = Claims();
  no_iat.erase("iat");
  EXPECT_EQ(Validate(p, rs_.Sign(no_iat)), "id_token claims: missing iat");
  EXPECT_EQ(Validate(p, rs_.Sign(Claims(), "JWT", "HS256")), "id_token signature: unsupported_algorithm");
  nlohmann::json none_header = {{"alg", "none"}};
  EXPECT_EQ(Validate(p, rs_.SignWithHeader(none_header, Claims())), "id_token signature: unsupported_algorithm");
}

TEST_F(UpstreamTest, UnknownKidRefetchIsRateLimited) {
  UpstreamProvider p(Settings(), fetcher_, clock_);
  ASSERT_TRUE(p.Discover().ok());
  TestSigner stranger("RS256", "unknown");
  std::string jwks_url = std::string(kIssuer) + "/jwks";
  EXPECT_EQ(fetcher_.hits[jwks_url], 1);
  clock_.Advance(60);
  EXPECT_EQ(Validate(p, stranger.Sign(Claims())), "id_token signature: unknown_key");
  EXPECT_EQ(Validate(p, stranger.Sign(Claims())), "id_token signature: unknown_key");
  EXPECT_EQ(fetcher_.hits[jwks_url], 2);  // one refetch, not two
}

TEST_F(UpstreamTest, DiscoveryRefusesAMismatchedIssuerAndReportsFailures) {
  Publish({"client_secret_basic"}, "https://other.example");
  UpstreamProvider p(Settings(), fetcher_, clock_);
  EXPECT_FALSE(p.Discover().ok());
  EXPECT_FALSE(p.ready());
  EXPECT_EQ(p.last_error(),
            "upstream discovery issuer https://other.example differs from UPSTREAM_ISSUER https://idp.example");
  fetcher_.get.clear();
  EXPECT_EQ(p.Discover().message(), "connection refused");
}

// The browser is sent to the authorization endpoint, so it must be an http(s) URL; found by
// fuzz/upstream_fuzzer (a javascript: endpoint was accepted).
TEST_F(UpstreamTest, DiscoveryRefusesEndpointsThatAreNotHttpUrls) {
  const std::string discovery_url = std::string(kIssuer) + "/.well-known/openid-configuration";
  for (const char* field : {"authorization_endpoint", "token_endpoint", "jwks_uri"}) {
    for (const char* bad : {"javascript:alert(1)//", "data:text/html,x", "/authorize",
                            "https://idp.example/authorize#f"}) {
      Publish({"client_secret_basic"});
      nlohmann::json doc = nlohmann::json::parse(fetcher_.get[discovery_url].body);
      doc[field] = bad;
      fetcher_.get[discovery_url].body = doc.dump();
      UpstreamProvider p(Settings(), fetcher_, clock_);
      EXPECT_EQ(p.Discover().message(), std::string("upstream discovery ") + field +
                                            " is not an http(s) URL")
          << bad;
      EXPECT_FALSE(p.ready());
    }
  }
  Publish({"client_secret_basic"});
  UpstreamProvider p(Settings(), fetcher_, clock_);
  EXPECT_TRUE(p.Discover().ok()) << p.last_error();
}

TEST_F(UpstreamTest, AnIssuerWithATrailingSlashIsDiscoveredWithoutADoubleSlash) {
  Publish({"client_secret_basic"}, std::string(kIssuer) + "/");
  UpstreamSettings s = Settings();
  s.issuer = std::string(kIssuer) + "/";
  UpstreamProvider p(s, fetcher_, clock_);
  EXPECT_TRUE(p.Discover().ok()) << p.last_error();
  EXPECT_EQ(fetcher_.hits[std::string(kIssuer) + "/.well-known/openid-configuration"], 1);
}

TEST_F(UpstreamTest, CodeExchangeUsesTheAuthMethodTheProviderSupports) {
  fetcher_.token = {200, nlohmann::json{{"id_token", rs_.Sign(Claims())}, {"access_token", "x"}}.dump(), ""};
  UpstreamProvider basic(Settings(), fetcher_, clock_);
  ASSERT_TRUE(basic.Discover().ok());
  auto id = basic.Redeem("code-1", "verifier-1", "n-1");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->email, "ann@corp.example");
  EXPECT_EQ(fetcher_.last_post_headers["Authorization"].rfind("Basic ", 0), 0u);
  EXPECT_NE(fetcher_.last_post_body.find("code_verifier=verifier-1"), std::string::npos);
  EXPECT_EQ(fetcher_.last_post_body.find("client_secret"), std::string::npos);

  Publish({"client_secret_post"});
  UpstreamProvider post(Settings(), fetcher_, clock_);
  ASSERT_TRUE(post.Discover().ok());
  ASSERT_TRUE(post.Redeem("code-2", "verifier-2", "n-1").ok());
  EXPECT_NE(fetcher_.last_post_body.find("client_secret=s3cret%3A%2B"), std::string::npos);
  EXPECT_FALSE(fetcher_.last_post_headers.count("Authorization"));

  fetcher_.token = {400, R"({"error":"invalid_grant"})", ""};
  EXPECT_EQ(post.Redeem("bad", "v", "n-1").status().message(),
            "upstream token endpoint answered HTTP 400 invalid_grant");
  // A broken provider's error of another type is left out, not thrown on.
  fetcher_.token = {400, R"({"error":4444})", ""};
  EXPECT_EQ(post.Redeem("bad", "v", "n-1").status().message(),
            "upstream token endpoint answered HTTP 400");
}

TEST_F(UpstreamTest, AllowedDomainsAndGroups) {
  UpstreamSettings s = Settings();
  s.allowed_domains = {"Corp.Example"};
  UpstreamProvider p(s, fetcher_, clock_);
  UpstreamIdentity ann{"u", "ann@corp.example", true, "Ann", "", {}};
  EXPECT_TRUE(p.CheckAllowed(ann).ok());
  UpstreamIdentity eve{"u", "eve@gmail.com", true, "Eve", "", {}};
  EXPECT_EQ(p.CheckAllowed(eve).message(), "email domain not allowed: gmail.com");
  // An unverified address is anyone's claim.
  UpstreamIdentity unverified{"u", "mallory@corp.example", false, "Mallory", "", {}};
  EXPECT_EQ(p.CheckAllowed(unverified).message(),
            "email domain not allowed: corp.example (email not verified)");
  // `hd` means something only from Google: any other provider can put any claim in a token.
  UpstreamIdentity workspace{"u", "bob@alias.example", true, "Bob", "corp.example", {}};
  EXPECT_EQ(p.CheckAllowed(workspace).message(), "email domain not allowed: alias.example");
  UpstreamSettings google = s;
  google.issuer = "https://accounts.google.com";
  UpstreamProvider from_google(google, fetcher_, clock_);
  EXPECT_TRUE(from_google.CheckAllowed(workspace).ok());
  workspace.email_verified = false;
  EXPECT_TRUE(from_google.CheckAllowed(workspace).ok());  // hd alone is Google's own statement
  s.allowed_domains = {};
  s.allowed_groups = {"mcp-users"};
  UpstreamProvider g(s, fetcher_, clock_);
  EXPECT_EQ(g.CheckAllowed(ann).message(), "not a member of an allowed group");
  ann.groups = {"staff", "mcp-users"};
  EXPECT_TRUE(g.CheckAllowed(ann).ok());
}

TEST_F(UpstreamTest, AuthorizationUrlCarriesPkceStateAndNonce) {
  UpstreamProvider p(Settings(), fetcher_, clock_);
  EXPECT_EQ(p.AuthorizationUrl("s", "n", "c").status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(p.Discover().ok());
  EXPECT_EQ(*p.AuthorizationUrl("st", "nn", "ch"),
            "https://idp.example/authorize?response_type=code&client_id=authgent-client"
            "&redirect_uri=https%3A%2F%2Fauth.example%2Foauth%2Fupstream%2Fcallback"
            "&scope=openid%20email%20profile&state=st&nonce=nn&code_challenge=ch"
            "&code_challenge_method=S256");
}

}  // namespace
}  // namespace authgent::federation
