// private_key_jwt (RFC 7523 §2.2) over real HTTP: operator clients with an inline key set or a
// jwks_uri (served by the test's HTTPS server on 127.0.0.1) get client_credentials tokens with
// ES256 and RS256 assertions; a replayed, misdirected or wrongly signed assertion is 401
// invalid_client; a metadata document's client with keys completes the code flow by signing
// its code exchange.
#include <gtest/gtest.h>

#include "federation/testing/tls_document_server.h"
#include "flow_helpers.h"
#include "test_signer.h"

namespace authgent::testing {
namespace {

using verify::testing::TestSigner;

constexpr char kResource[] = "https://mcp.example.com/mcp";
constexpr char kIssuer[] = "http://127.0.0.1:9";
constexpr char kAssertionType[] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class PrivateKeyJwt : public ::testing::Test {
 protected:
  std::string Assertion(const TestSigner& signer, const std::string& client_id,
                        const std::string& jti,
                        const std::string& aud = std::string(kIssuer) + "/oauth/token") {
    int64_t now = server_.clock().Now();
    return signer.Sign({{"iss", client_id},
                        {"sub", client_id},
                        {"aud", aud},
                        {"iat", now},
                        {"exp", now + 60},
                        {"jti", jti}});
  }
  HttpResult MachineToken(const std::string& client_id, const std::string& assertion) {
    return PostForm(server_.port(), "/oauth/token",
                    {{"grant_type", "client_credentials"},
                     {"resource", kResource},
                     {"client_assertion_type", kAssertionType},
                     {"client_assertion", assertion}});
  }

  federation::testing::TlsDocumentServer documents_;
  TestServer server_{[this](server::RawConfig& raw) {
    raw.issuer = kIssuer;
    raw.cimd_ca_file = documents_.ca_file();
    raw.cimd_allow_loopback = "true";
  }};
  TestSigner es256_{"ES256", "es-key"};
  TestSigner rs256_{"RS256", "rs-key"};
};

TEST_F(PrivateKeyJwt, AnOperatorClientWithAnInlineKeySetGetsMachineTokens) {
  auto [client_id, secret] = AddOperatorClient(
      server_, {.resources = {kResource}, .jwks = nlohmann::json::parse(es256_.JwksJson())});
  EXPECT_EQ(secret, "");
  HttpResult r = MachineToken(client_id, Assertion(es256_, client_id, "a1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JwtPart(r.Json()["access_token"], 1)["client_id"], client_id);
  EXPECT_EQ(JwtPart(r.Json()["access_token"], 1)["aud"], kResource);

  // The same assertion again: its jti was used (remembered in the store until it expires).
  HttpResult replay = MachineToken(client_id, Assertion(es256_, client_id, "a1"));
  EXPECT_EQ(replay.status, 401);
  EXPECT_EQ(replay.Json()["error"], "invalid_client");
  // The issuer is an accepted audience too; another server's is not.
  EXPECT_EQ(MachineToken(client_id, Assertion(es256_, client_id, "a2", kIssuer)).status, 200);
  EXPECT_EQ(
      MachineToken(client_id, Assertion(es256_, client_id, "a3", "https://other.example")).status,
      401);
  // Signed by a key that is not the client's, or naming another client.
  EXPECT_EQ(MachineToken(client_id, Assertion(rs256_, client_id, "a4")).status, 401);
  EXPECT_EQ(MachineToken(client_id, Assertion(es256_, "someone-else", "a5")).status, 401);
  // A secret is not accepted in place of the assertion.
  HttpResult with_secret = PostForm(
      server_.port(), "/oauth/token",
      {{"grant_type", "client_credentials"}, {"client_id", client_id}, {"client_secret", "guess"}});
  EXPECT_EQ(with_secret.status, 401);
}

TEST_F(PrivateKeyJwt, KeysAreFetchedFromTheJwksUriOnceAndRs256Works) {
  documents_.Serve("/jwks.json",
                   {200,
                    {{"Content-Type", "application/json"}, {"Cache-Control", "max-age=600"}},
                    rs256_.JwksJson(),
                    0});
  auto [client_id, secret] = AddOperatorClient(
      server_, {.resources = {kResource}, .jwks_uri = documents_.Url("/jwks.json")});
  for (const char* jti : {"r1", "r2", "r3"}) {
    HttpResult r = MachineToken(client_id, Assertion(rs256_, client_id, jti));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(documents_.Requests("/jwks.json"), 1);
}

TEST_F(PrivateKeyJwt, MetadataAdvertisesItAndItsAlgorithms) {
  HttpResult r = FlowDriver(server_).Visit("/.well-known/oauth-authorization-server");
  EXPECT_EQ(r.Json()["token_endpoint_auth_methods_supported"][3], "private_key_jwt");
  EXPECT_EQ(r.Json()["token_endpoint_auth_signing_alg_values_supported"],
            nlohmann::json::array({"ES256", "RS256"}));
}

TEST_F(PrivateKeyJwt, AMetadataDocumentsClientSignsItsCodeExchange) {
  constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";
  AddUser(server_, "alice", "correct horse battery");
  std::string client_id = documents_.Url("/agent.json");
  documents_.Serve("/agent.json",
                   {200,
                    {{"Content-Type", "application/json"}},
                    nlohmann::json{{"client_id", client_id},
                                   {"client_name", "Signed Agent"},
                                   {"redirect_uris", {kRedirect}},
                                   {"token_endpoint_auth_method", "private_key_jwt"},
                                   {"jwks", nlohmann::json::parse(es256_.JwksJson())}}
                        .dump(),
                    0});
  FlowDriver flow(server_);
  Pkce pkce = Pkce::Make();
  std::string location = flow.AuthorizeAndApprove(flow.AuthorizeParams(client_id, kRedirect, pkce),
                                                  "alice", "correct horse battery");
  std::string code = QueryOf(location)["code"];
  ASSERT_FALSE(code.empty()) << location;
  Form exchange = {{"grant_type", "authorization_code"},
                   {"code", code},
                   {"code_verifier", pkce.verifier},
                   {"redirect_uri", kRedirect}};
  // Without an assertion the client is not authenticated, and the code stays unused.
  HttpResult unsigned_exchange = PostForm(server_.port(), "/oauth/token", [&] {
    Form f = exchange;
    f.push_back({"client_id", client_id});
    return f;
  }());
  EXPECT_EQ(unsigned_exchange.status, 401);
  EXPECT_EQ(unsigned_exchange.Json()["error"], "invalid_client");
  exchange.push_back({"client_assertion_type", kAssertionType});
  exchange.push_back({"client_assertion", Assertion(es256_, client_id, "c1")});
  HttpResult token = PostForm(server_.port(), "/oauth/token", exchange);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(JwtPart(token.Json()["access_token"], 1)["client_id"], client_id);
}

}  // namespace
}  // namespace authgent::testing
