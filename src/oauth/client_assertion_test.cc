#include "oauth/client_assertion.h"

#include <gtest/gtest.h>

#include "test_signer.h"

namespace authgent::oauth {
namespace {

using verify::testing::TestSigner;

constexpr int64_t kNow = 1'800'000'000;
constexpr char kClient[] = "https://app.example/client.json";
const AssertionAudience kAudience{"https://auth.example", "https://auth.example/oauth/token"};

nlohmann::json Claims() {
  return {{"iss", kClient}, {"sub", kClient},   {"aud", kAudience.token_endpoint},
          {"iat", kNow},    {"exp", kNow + 60}, {"jti", "assertion-1"}};
}

verify::Jwks KeysOf(const TestSigner& signer) { return *verify::Jwks::Parse(signer.JwksJson()); }

// "" when accepted, else the failure's debug text.
std::string Outcome(const std::string& assertion, const verify::Jwks& keys) {
  auto r = VerifyClientAssertion(assertion, kClient, keys, kAudience, kNow);
  if (auto* f = std::get_if<AssertionFailure>(&r)) {
    EXPECT_EQ(f->error.code, "invalid_client");
    EXPECT_EQ(f->error.status, 401);
    return f->error.debug;
  }
  return "";
}

TEST(ClientAssertion, AcceptsEs256AndRs256FromTheClientsKeys) {
  for (const char* alg : {"ES256", "RS256"}) {
    TestSigner signer(alg, "k1");
    auto r = VerifyClientAssertion(signer.Sign(Claims()), kClient, KeysOf(signer), kAudience, kNow);
    ASSERT_TRUE(std::holds_alternative<VerifiedAssertion>(r)) << alg;
    EXPECT_EQ(std::get<VerifiedAssertion>(r).jti, "assertion-1");
    EXPECT_EQ(std::get<VerifiedAssertion>(r).expires_at, kNow + 60);
  }
}

TEST(ClientAssertion, TheIssuerAndAnAudienceArrayAreAcceptedAsAud) {
  TestSigner signer("ES256");
  nlohmann::json c = Claims();
  c["aud"] = kAudience.issuer;
  EXPECT_EQ(Outcome(signer.Sign(c), KeysOf(signer)), "");
  c["aud"] = {"https://other.example", kAudience.token_endpoint};
  EXPECT_EQ(Outcome(signer.Sign(c), KeysOf(signer)), "");
}

TEST(ClientAssertion, EveryFlippedSignatureBitIsRefused) {
  TestSigner signer("ES256");
  verify::Jwks keys = KeysOf(signer);
  std::string token = signer.Sign(Claims());
  size_t dot = token.rfind('.');
  std::string head = token.substr(0, dot + 1);
  std::string signature = token.substr(dot + 1);
  // Replacing any one character of the signature with another base64url character changes
  // the decoded bytes (except in the last character's unused low bits, skipped here).
  for (size_t i = 0; i + 1 < signature.size(); ++i) {
    std::string changed = signature;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(Outcome(head + changed, keys), "client assertion: bad_signature") << i;
  }
}

TEST(ClientAssertion, ChangedClaimsBreakTheSignature) {
  TestSigner signer("ES256");
  std::string token = signer.Sign(Claims());
  size_t first = token.find('.'), second = token.rfind('.');
  nlohmann::json c = Claims();
  c["sub"] = "someone-else";
  std::string forged = token.substr(0, first + 1) + verify::testing::Base64UrlEncode(c.dump()) +
                       token.substr(second);
  EXPECT_EQ(Outcome(forged, KeysOf(signer)), "client assertion: bad_signature");
}

TEST(ClientAssertion, OnlyTheClientsOwnKeysAndAllowedAlgorithms) {
  TestSigner signer("ES256", "k1");
  TestSigner stranger("ES256", "k2");
  auto r = VerifyClientAssertion(stranger.Sign(Claims()), kClient, KeysOf(signer), kAudience, kNow);
  ASSERT_TRUE(std::holds_alternative<AssertionFailure>(r));
  EXPECT_TRUE(std::get<AssertionFailure>(r).unknown_key);  // a refetched jwks_uri may have k2
  TestSigner same_kid("ES256", "k1");
  EXPECT_EQ(Outcome(same_kid.Sign(Claims()), KeysOf(signer)), "client assertion: bad_signature");
  EXPECT_EQ(Outcome(verify::testing::SignHs256({{"alg", "HS256"}, {"kid", "k1"}}, Claims(), "s"),
                    KeysOf(signer)),
            "client assertion: unsupported_algorithm");
  std::string none = verify::testing::Base64UrlEncode(R"({"alg":"none"})") + "." +
                     verify::testing::Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_NE(Outcome(none, KeysOf(signer)), "");
  EXPECT_EQ(
      Outcome(signer.SignWithHeader({{"alg", "ES256"}, {"kid", "k1"}, {"crit", {"exp"}}}, Claims()),
              KeysOf(signer)),
      "client assertion: malformed");  // crit: an extension it cannot honour
}

TEST(ClientAssertion, ClaimsMustNameTheClientAndThisServer) {
  TestSigner signer("ES256");
  verify::Jwks keys = KeysOf(signer);
  auto with = [&](const char* name, const nlohmann::json& value) {
    nlohmann::json c = Claims();
    if (value.is_null())
      c.erase(name);
    else
      c[name] = value;
    return Outcome(signer.Sign(c), keys);
  };
  EXPECT_EQ(with("iss", "other"), "client assertion: iss is not the client");
  EXPECT_EQ(with("iss", nullptr), "client assertion: iss is not the client");
  EXPECT_EQ(with("sub", "other"), "client assertion: sub is not the client");
  EXPECT_EQ(with("aud", "https://other.example/token"), "client assertion: wrong_audience");
  EXPECT_EQ(with("aud", nullptr), "client assertion: missing_claim");
  EXPECT_EQ(with("exp", nullptr), "client assertion: missing_claim");
  EXPECT_EQ(with("exp", kNow - 31), "client assertion: expired");
  EXPECT_EQ(with("exp", kNow + 331), "client assertion: exp is more than 300 s ahead");
  EXPECT_EQ(with("exp", 1e300), "client assertion: exp is more than 300 s ahead");
  EXPECT_EQ(with("exp", kNow + 330), "");
  EXPECT_EQ(with("nbf", kNow + 120), "client assertion: not_yet_valid");
  EXPECT_EQ(with("jti", nullptr),
            "client assertion: jti is required (a string of at most 256 bytes)");
  EXPECT_EQ(with("jti", ""), "client assertion: jti is required (a string of at most 256 bytes)");
  EXPECT_EQ(with("jti", std::string(257, 'j')),
            "client assertion: jti is required (a string of at most 256 bytes)");
}

TEST(ClientAssertion, GarbageAndOversizeAreRefused) {
  TestSigner signer("ES256");
  EXPECT_EQ(Outcome("not.a.jwt", KeysOf(signer)), "client assertion: malformed");
  nlohmann::json c = Claims();
  c["padding"] = std::string(9000, 'x');
  EXPECT_EQ(Outcome(signer.Sign(c), KeysOf(signer)), "client assertion: too_large");
}

TEST(ClientAssertion, SubjectIsReadWithoutChecking) {
  TestSigner signer("ES256");
  EXPECT_EQ(AssertionSubject(signer.Sign(Claims())), kClient);
  EXPECT_EQ(AssertionSubject("garbage"), "");
}

TEST(ClientAssertion, KeySourceIsTheKeySetOrItsUrl) {
  storage::Client c;
  c.metadata_json = R"({"jwks":{"keys":[]},"client_uri":"https://x"})";
  EXPECT_EQ(KeySourceOf(c).jwks_json, R"({"keys":[]})");
  c.metadata_json = R"({"jwks_uri":"https://app.example/jwks.json"})";
  EXPECT_EQ(KeySourceOf(c).jwks_uri, "https://app.example/jwks.json");
  EXPECT_EQ(KeySourceOf(c).jwks_json, "");
  c.metadata_json = "{}";
  EXPECT_EQ(KeySourceOf(c).jwks_uri, "");
}

}  // namespace
}  // namespace authgent::oauth
