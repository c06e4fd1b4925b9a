#include "authgent/verify/verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "authgent/verify/resource_server.h"
#include "../testing/test_signer.h"

namespace authgent::verify {
namespace {

using testing::TestSigner;

constexpr int64_t kNow = 1'800'000'000;
constexpr char kIssuer[] = "https://auth.example.com";
constexpr char kAudience[] = "https://mcp.example.com/mcp";

nlohmann::json Claims() {
  return {{"iss", kIssuer}, {"aud", kAudience}, {"sub", "user-1"}, {"client_id", "c1"},
          {"scope", "mcp:read mcp:write"}, {"exp", kNow + 3600}, {"iat", kNow}, {"jti", "j1"}};
}

// A fetcher that serves whatever the test sets, counting calls.
class ScriptedFetcher : public JwksFetcher {
 public:
  JwksFetchResult next;
  int calls = 0;
  JwksFetchResult Fetch(const std::string&) override {
    ++calls;
    return next;
  }
};

class VerifierTest : public ::testing::Test {
 protected:
  Verifier Make(VerifierOptions extra = {}) {
    extra.issuer = kIssuer;
    if (extra.audience.empty()) extra.audience = kAudience;
    return *Verifier::Create(extra, KeySource::Static(*Jwks::Parse(signer_.JwksJson())));
  }
  VerifyError ErrorOf(const Verifier& v, const std::string& token,
                      const std::vector<std::string>& scopes = {}) {
    auto r = v.Verify(token, scopes, kNow);
    return std::holds_alternative<VerifyError>(r) ? std::get<VerifyError>(r) : VerifyError::kOk;
  }
  std::string With(const char* key, nlohmann::json value) {
    nlohmann::json c = Claims();
    if (value.is_null()) c.erase(key);
    else c[key] = std::move(value);
    return signer_.Sign(c, "at+jwt");
  }
  TestSigner signer_{"ES256", "k1"};
};

TEST_F(VerifierTest, RefusesToBeBuiltWithoutIssuerOrAudience) {
  auto keys = KeySource::Static(*Jwks::Parse(signer_.JwksJson()));
  std::string error;
  EXPECT_FALSE(Verifier::Create({.issuer = "", .audience = kAudience}, keys, &error).has_value());
  EXPECT_EQ(error, "the issuer is empty");
  EXPECT_FALSE(Verifier::Create({.issuer = kIssuer, .audience = ""}, keys, &error).has_value());
  EXPECT_EQ(error, "the audience is empty");
  EXPECT_FALSE(
      Verifier::Create({.issuer = kIssuer, .audience = kAudience, .algorithms = {}}, keys, &error));
  EXPECT_EQ(error, "no algorithm is allowed");
  EXPECT_FALSE(Verifier::Create({.issuer = kIssuer, .audience = kAudience}, nullptr, &error));
  EXPECT_EQ(error, "there is no key source");
  EXPECT_TRUE(Verifier::Create({.issuer = kIssuer, .audience = kAudience}, keys).has_value());
}

TEST_F(VerifierTest, AcceptsAValidAccessToken) {
  auto r = Make().Verify(signer_.Sign(Claims(), "at+jwt"), {"mcp:read"}, kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(r));
  const VerifiedToken& t = std::get<VerifiedToken>(r);
  EXPECT_EQ(t.subject, "user-1");
  EXPECT_EQ(t.client_id, "c1");
  EXPECT_EQ(t.scopes, (std::vector<std::string>{"mcp:read", "mcp:write"}));
  EXPECT_EQ(t.expires_at, kNow + 3600);
}

TEST_F(VerifierTest, ExpiresAtSaturatesAndTakesFractionalSeconds) {
  auto expires_at = [&](nlohmann::json exp) {
    auto r = Make().Verify(With("exp", std::move(exp)), {}, kNow);
    return std::holds_alternative<VerifiedToken>(r) ? std::get<VerifiedToken>(r).expires_at : -1;
  };
  EXPECT_EQ(expires_at(18446744073709551615ull), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(expires_at(3.6e22), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(expires_at(kNow + 60.5), kNow + 60);
}

TEST_F(VerifierTest, EachRejectionHasItsPreciseError) {
  Verifier v = Make();
  EXPECT_EQ(ErrorOf(v, With("exp", kNow - 61)), VerifyError::kExpired);
  EXPECT_EQ(ErrorOf(v, With("exp", kNow - 59)), VerifyError::kOk);  // within leeway
  EXPECT_EQ(ErrorOf(v, With("nbf", kNow + 120)), VerifyError::kNotYetValid);
  EXPECT_EQ(ErrorOf(v, With("iss", "https://evil.example.com")), VerifyError::kWrongIssuer);
  EXPECT_EQ(ErrorOf(v, With("aud", "https://other.example.com/mcp")), VerifyError::kWrongAudience);
  EXPECT_EQ(ErrorOf(v, With("aud", nlohmann::json::array({"x", kAudience}))), VerifyError::kOk);
  EXPECT_EQ(ErrorOf(v, With("aud", std::string(kAudience) + "/")), VerifyError::kOk);
  EXPECT_EQ(ErrorOf(v, With("exp", nullptr)), VerifyError::kMissingClaim);
  EXPECT_EQ(ErrorOf(v, With("sub", nullptr)), VerifyError::kMissingClaim);
  EXPECT_EQ(ErrorOf(v, signer_.Sign(Claims(), "at+jwt"), {"admin"}), VerifyError::kInsufficientScope);
  EXPECT_EQ(ErrorOf(v, signer_.Sign(Claims(), "JWT")), VerifyError::kWrongType);
  VerifierOptions plain;
  plain.accept_plain_jwt_type = true;
  EXPECT_EQ(ErrorOf(Make(plain), signer_.Sign(Claims(), "JWT")), VerifyError::kOk);
  EXPECT_EQ(ErrorOf(v, std::string(9000, 'a')), VerifyError::kTooLarge);
  EXPECT_EQ(ErrorOf(v, "not.a.jwt"), VerifyError::kMalformed);
  TestSigner other("ES256", "k2");
  EXPECT_EQ(ErrorOf(v, other.Sign(Claims(), "at+jwt")), VerifyError::kUnknownKey);
  TestSigner rs("RS256", "k1");
  EXPECT_EQ(ErrorOf(v, rs.Sign(Claims(), "at+jwt")), VerifyError::kUnsupportedAlgorithm);
  std::string hs = testing::SignHs256({{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "k1"}}, Claims(),
                                      signer_.PublicJwk().dump());
  EXPECT_EQ(ErrorOf(v, hs), VerifyError::kUnsupportedAlgorithm);
  std::string none = testing::Base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})") + "." +
                     testing::Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_EQ(ErrorOf(v, none), VerifyError::kUnsupportedAlgorithm);
}

TEST_F(VerifierTest, Rs256OnlyWhenEnabled) {
  TestSigner rs("RS256", "r1");
  Verifier v = *Verifier::Create({kIssuer, kAudience, {Algorithm::kES256, Algorithm::kRS256}},
             KeySource::Static(*Jwks::Parse(rs.JwksJson())));
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.Verify(rs.Sign(Claims(), "at+jwt"), {}, kNow)));
}

TEST(JwksCache, HonoursMaxAgeRefetchesUnknownKidsRarelyAndKeepsTheLastGoodSet) {
  TestSigner a("ES256", "a"), b("ES256", "b");
  auto fetcher = std::make_shared<ScriptedFetcher>();
  fetcher->next = {true, 200, a.JwksJson(), "public, max-age=120", ""};
  int64_t now = kNow;
  auto cache = std::make_shared<JwksCache>("https://auth/jwks", fetcher, JwksCacheOptions{},
                                           [&] { return now; });
  Verifier v = *Verifier::Create({kIssuer, kAudience}, KeySource::Remote(cache));
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.Verify(a.Sign(Claims(), "at+jwt"), {}, kNow)));
  EXPECT_EQ(fetcher->calls, 1);
  // A new key appears. Its kid is unknown, but the set was fetched a moment ago: no refetch yet.
  fetcher->next.body = nlohmann::json{{"keys", {a.PublicJwk(), b.PublicJwk()}}}.dump();
  EXPECT_EQ(std::get<VerifyError>(v.Verify(b.Sign(Claims(), "at+jwt"), {}, kNow)), VerifyError::kUnknownKey);
  EXPECT_EQ(fetcher->calls, 1);
  // A minute later the unknown kid triggers one refetch, and the token verifies.
  now += 60;
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.Verify(b.Sign(Claims(), "at+jwt"), {}, kNow)));
  EXPECT_EQ(fetcher->calls, 2);
  // Garbage kids do not cause a fetch each.
  TestSigner stranger("ES256", "zzz");
  for (int i = 0; i < 5; ++i) (void)v.Verify(stranger.Sign(Claims(), "at+jwt"), {}, kNow);
  EXPECT_EQ(fetcher->calls, 2);
  // The server goes down after max-age: the last good set keeps working.
  now += 121;
  fetcher->next = {false, 0, "", "", "connection refused"};
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.Verify(a.Sign(Claims(), "at+jwt"), {}, kNow)));
  EXPECT_EQ(cache->last_error(), "fetch failed: connection refused");
}

// A fetcher whose second fetch waits until the test releases it.
class StallingFetcher : public JwksFetcher {
 public:
  std::string body;
  std::promise<void> entered, release;
  std::atomic<int> calls{0};
  JwksFetchResult Fetch(const std::string&) override {
    if (++calls == 2) {
      entered.set_value();
      release.get_future().wait();
    }
    return {true, 200, body, "max-age=60", ""};
  }
};

TEST(JwksCache, ARefetchInFlightDoesNotHoldVerificationsUp) {
  TestSigner a("ES256", "a");
  auto fetcher = std::make_shared<StallingFetcher>();
  fetcher->body = a.JwksJson();
  std::atomic<int64_t> now{kNow};
  auto cache = std::make_shared<JwksCache>("https://auth/jwks", fetcher, JwksCacheOptions{},
                                           [&] { return now.load(); });
  Verifier v = *Verifier::Create({kIssuer, kAudience}, KeySource::Remote(cache));
  std::string token = a.Sign(Claims(), "at+jwt");
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(v.Verify(token, {}, kNow)));
  now += 61;  // stale: the next verification refetches, and the fetch stalls
  std::thread refetching([&] { (void)v.Verify(token, {}, kNow); });
  fetcher->entered.get_future().wait();
  auto meanwhile = std::async(std::launch::async, [&] { return v.Verify(token, {}, kNow); });
  ASSERT_EQ(meanwhile.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "a verification waited for the JWKS fetch";
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(meanwhile.get()));
  fetcher->release.set_value();
  refetching.join();
  EXPECT_EQ(fetcher->calls.load(), 2);
}

TEST(JwksCache, WithoutWaitingAFirstFetchInFlightAnswersAtOnce) {
  TestSigner a("ES256", "a");
  auto fetcher = std::make_shared<StallingFetcher>();
  fetcher->body = a.JwksJson();
  ++fetcher->calls;  // the first fetch is the one that stalls
  JwksCacheOptions options;
  options.wait_for_first_fetch = false;
  auto cache =
      std::make_shared<JwksCache>("https://stranger/jwks", fetcher, options, [] { return kNow; });
  std::thread fetching([&] { EXPECT_NE(cache->Get(), nullptr); });
  fetcher->entered.get_future().wait();
  auto meanwhile = std::async(std::launch::async, [&] { return cache->Get(); });
  ASSERT_EQ(meanwhile.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "a caller waited for a stranger's first fetch";
  EXPECT_EQ(meanwhile.get(), nullptr);
  fetcher->release.set_value();
  fetching.join();
  EXPECT_NE(cache->Get(), nullptr);
}

TEST(JwksCache, NoSetYetIsUnavailable) {
  auto fetcher = std::make_shared<ScriptedFetcher>();
  fetcher->next = {true, 500, "", "", ""};
  auto cache = std::make_shared<JwksCache>("https://auth/jwks", fetcher);
  Verifier v = *Verifier::Create({kIssuer, kAudience}, KeySource::Remote(cache));
  TestSigner a("ES256", "a");
  auto r = v.Verify(a.Sign(Claims(), "at+jwt"), {}, kNow);
  EXPECT_EQ(std::get<VerifyError>(r), VerifyError::kJwksUnavailable);
  EXPECT_EQ(cache->last_error(), "HTTP 500");
}

TEST(CacheControl, MaxAge) {
  EXPECT_EQ(MaxAge("public, max-age=300"), 300);
  EXPECT_EQ(MaxAge("Max-Age=5"), 5);
  EXPECT_EQ(MaxAge("no-store, max-age=300"), std::nullopt);
  EXPECT_EQ(MaxAge("public"), std::nullopt);
  EXPECT_EQ(MaxAge("max-age=x"), std::nullopt);
}

TEST(ResourceServer, MetadataAndChallenges) {
  EXPECT_EQ(ProtectedResourceMetadataUrl("https://mcp.example.com/mcp"),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(ProtectedResourceMetadataUrl("https://mcp.example.com"),
            "https://mcp.example.com/.well-known/oauth-protected-resource");
  nlohmann::json m = ProtectedResourceMetadata(kAudience, {kIssuer}, {"mcp:read", "mcp:write"});
  EXPECT_EQ(m["resource"], kAudience);
  EXPECT_EQ(m["authorization_servers"], nlohmann::json::array({kIssuer}));
  EXPECT_EQ(m["bearer_methods_supported"], nlohmann::json::array({"header"}));
  std::string prm = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
  EXPECT_EQ(Challenge401(prm, {"mcp:read"}, false),
            "Bearer resource_metadata=\"" + prm + "\", scope=\"mcp:read\"");
  EXPECT_EQ(Challenge401(prm, {"mcp:read"}, true),
            "Bearer resource_metadata=\"" + prm + "\", scope=\"mcp:read\", error=\"invalid_token\"");
  EXPECT_EQ(Challenge403(prm, {"mcp:read", "mcp:write"}),
            "Bearer error=\"insufficient_scope\", scope=\"mcp:read mcp:write\", resource_metadata=\"" +
                prm + "\"");
  EXPECT_EQ(StatusFor(VerifyError::kOk), 200);
  EXPECT_EQ(StatusFor(VerifyError::kInsufficientScope), 403);
  EXPECT_EQ(StatusFor(VerifyError::kExpired), 401);
}

}  // namespace
}  // namespace authgent::verify
