// The keys of private_key_jwt clients: an inline set, or a jwks_uri fetched once and cached
// (refetched for an unknown kid at most once a minute), with a fake fetcher.
#include "federation/client_keys.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_signer.h"

namespace authgent::federation {
namespace {

constexpr char kJwksUri[] = "https://app.example/jwks.json";

class KeyServer : public HttpFetcher {
 public:
  StatusOr<FetchResponse> Get(const std::string& url) override {
    ++calls;
    EXPECT_EQ(url, kJwksUri);
    if (body.empty()) return UnavailableError("connection refused");
    return FetchResponse(200, body, "application/json");
  }
  StatusOr<FetchResponse> PostForm(const std::string&, const std::string&,
                                   const std::map<std::string, std::string>&) override {
    return InternalError("not used");
  }
  std::string body;
  int calls = 0;
};

storage::Client WithMetadata(const nlohmann::json& metadata) {
  storage::Client c;
  c.client_id = "c1";
  c.token_endpoint_auth_method = "private_key_jwt";
  c.metadata_json = metadata.dump();
  return c;
}

std::string KidsOf(const std::variant<std::shared_ptr<const verify::Jwks>, std::string>& keys) {
  if (auto* why = std::get_if<std::string>(&keys)) return "error: " + *why;
  std::string kids;
  for (const verify::Jwk& k : std::get<std::shared_ptr<const verify::Jwks>>(keys)->keys()) {
    kids += k.kid + ";";
  }
  return kids;
}

class ClientKeysTest : public ::testing::Test {
 protected:
  KeyServer server_;
  FakeClock clock_{1'800'000'000};
  ClientKeys keys_{server_, clock_};
  verify::testing::TestSigner first_{"ES256", "k1"};
  verify::testing::TestSigner second_{"RS256", "k2"};
};

TEST_F(ClientKeysTest, AnInlineSetIsUsedAsRegistered) {
  EXPECT_EQ(KidsOf(keys_.For(WithMetadata({{"jwks", nlohmann::json::parse(first_.JwksJson())}}))),
            "k1;");
  EXPECT_EQ(KidsOf(keys_.For(WithMetadata({{"client_uri", "https://app.example"}}))),
            "error: the client registered no keys");
  EXPECT_EQ(server_.calls, 0);
}

TEST_F(ClientKeysTest, AJwksUriIsFetchedOnceAndRefetchedForANewKid) {
  storage::Client client = WithMetadata({{"jwks_uri", kJwksUri}});
  EXPECT_EQ(KidsOf(keys_.For(client)),
            "error: the client's jwks_uri could not be fetched: fetch "
            "failed: connection refused");
  server_.body = first_.JwksJson();
  clock_.Advance(61);
  EXPECT_EQ(KidsOf(keys_.For(client)), "k1;");
  EXPECT_EQ(KidsOf(keys_.For(client)), "k1;");
  int fetched = server_.calls;
  // The client rotated to k2: an assertion with k2 asks for a refetch, granted once a minute.
  server_.body = second_.JwksJson();
  clock_.Advance(61);
  EXPECT_EQ(KidsOf(keys_.For(client, /*unknown_kid=*/true)), "k2;");
  EXPECT_EQ(KidsOf(keys_.For(client, /*unknown_kid=*/true)), "k2;");
  EXPECT_EQ(server_.calls, fetched + 1);
}

}  // namespace
}  // namespace authgent::federation
