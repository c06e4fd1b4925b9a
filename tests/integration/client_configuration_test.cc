// RFC 7592 over real HTTP: a dynamically registered client reads, updates and deletes its
// registration with the registration access token it got; every other caller gets the same
// 401 invalid_token.
#include <gtest/gtest.h>

#include "flow_helpers.h"
#include "http_client.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kIssuer[] = "http://127.0.0.1:9";

class ClientConfiguration : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpResult r = PostJson(
        server_.port(), "/oauth/register",
        {{"redirect_uris", {kRedirect}}, {"client_name", "Agent"}, {"application_type", "web"}});
    ASSERT_EQ(r.status, 201) << r.body;
    registration_ = r.Json();
    client_id_ = registration_["client_id"];
    token_ = registration_["registration_access_token"];
    path_ = std::string(registration_["registration_client_uri"]).substr(std::strlen(kIssuer));
  }
  HttpResult Call(const std::string& method, const std::string& token, const std::string& body = "",
                  const std::string& type = "application/json") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!body.empty()) headers["Content-Type"] = type;
    return Request(server_.port(), method, path_, body, headers);
  }
  static void ExpectInvalidToken(const HttpResult& r) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
    EXPECT_EQ(r.Json()["error"], "invalid_token");
  }

  TestServer server_{[](server::RawConfig& raw) { raw.issuer = kIssuer; }};
  nlohmann::json registration_;
  std::string client_id_, token_, path_;
};

TEST_F(ClientConfiguration, TheRegistrationNamesItsConfigurationEndpointAndToken) {
  EXPECT_EQ(registration_["registration_client_uri"],
            std::string(kIssuer) + "/oauth/register/client?client_id=" + client_id_);
  EXPECT_EQ(std::string(registration_["registration_access_token"]).size(), 43u);
  EXPECT_EQ(registration_["application_type"], "web");
  HttpResult read = Call("GET", token_);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Header("cache-control"), "no-store");
  EXPECT_EQ(read.Json()["client_id"], client_id_);
  EXPECT_EQ(read.Json()["client_name"], "Agent");
  EXPECT_EQ(read.Json()["registration_client_uri"], registration_["registration_client_uri"]);
  EXPECT_EQ(read.Json()["registration_access_token"], token_);
  EXPECT_FALSE(read.Json().contains("client_secret"));  // shown once, at registration
}

TEST_F(ClientConfiguration, OnlyItsOwnTokenOpensIt) {
  ExpectInvalidToken(Call("GET", ""));
  ExpectInvalidToken(Call("GET", token_ + "x"));
  HttpResult other = PostJson(server_.port(), "/oauth/register", {{"redirect_uris", {kRedirect}}});
  ExpectInvalidToken(Call("GET", other.Json()["registration_access_token"]));
  ExpectInvalidToken(Call("DELETE", "wrong"));
  EXPECT_EQ(Call("GET", token_).status, 200);  // the failed attempts changed nothing
}

TEST_F(ClientConfiguration, AnUpdateIsValidatedLikeARegistration) {
  nlohmann::json update = {{"client_id", client_id_},
                           {"client_name", "Agent v2"},
                           {"redirect_uris", {kRedirect, "https://app.example/other"}}};
  HttpResult updated = Call("PUT", token_, update.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["client_name"], "Agent v2");
  EXPECT_EQ(updated.Json()["redirect_uris"].size(), 2u);
  EXPECT_EQ(Call("GET", token_).Json()["client_name"], "Agent v2");
  EXPECT_EQ(updated.Json()["token_endpoint_auth_method"], "client_secret_basic");

  auto refused = [&](nlohmann::json body) {
    HttpResult r = Call("PUT", token_, body.dump());
    EXPECT_EQ(r.status, 400) << r.body;
    return std::string(r.Json()["error"]) + ": " + std::string(r.Json()["error_description"]);
  };
  nlohmann::json other_id = update;
  other_id["client_id"] = "someone-else";
  EXPECT_EQ(refused(other_id),
            "invalid_client_metadata: the update must name this client's client_id");
  nlohmann::json bad_redirect = update;
  bad_redirect["redirect_uris"] = {"http://evil.example/cb"};
  EXPECT_EQ(refused(bad_redirect).rfind("invalid_redirect_uri: ", 0), 0u);
  nlohmann::json public_now = update;
  public_now["token_endpoint_auth_method"] = "none";
  EXPECT_EQ(refused(public_now),
            "invalid_client_metadata: token_endpoint_auth_method cannot change; register a new "
            "client");
  nlohmann::json wrong_secret = update;
  wrong_secret["client_secret"] = "guess";
  EXPECT_EQ(refused(wrong_secret),
            "invalid_client_metadata: client_secret is not this client's secret");
  nlohmann::json right_secret = update;
  right_secret["client_secret"] = registration_["client_secret"];
  EXPECT_EQ(Call("PUT", token_, right_secret.dump()).status, 200);
  EXPECT_EQ(Call("PUT", token_, update.dump(), "text/plain").status, 400);
}

TEST_F(ClientConfiguration, DeletingEndsTheClient) {
  HttpResult gone = Call("DELETE", token_);
  EXPECT_EQ(gone.status, 204);
  EXPECT_EQ(gone.body, "");
  ExpectInvalidToken(Call("GET", token_));
  HttpResult token =
      PostForm(server_.port(), "/oauth/token", {{"grant_type", "client_credentials"}},
               {{"Authorization", Basic(client_id_, registration_["client_secret"])}});
  EXPECT_EQ(token.status, 401);
  EXPECT_EQ(token.Json()["error"], "invalid_client");
}

// The registration above is confidential (client_secret_basic, RFC 7591's default): the code
// flow works with its secret, and not without.
TEST_F(ClientConfiguration, AConfidentialSelfRegisteredClientRedeemsItsCodeWithItsSecret) {
  AddUser(server_, "alice", "correct horse battery");
  FlowDriver flow(server_);
  Pkce pkce = Pkce::Make();
  std::string location = flow.AuthorizeAndApprove(flow.AuthorizeParams(client_id_, kRedirect, pkce),
                                                  "alice", "correct horse battery");
  std::string code = QueryOf(location)["code"];
  ASSERT_FALSE(code.empty()) << location;
  Form exchange = {{"grant_type", "authorization_code"},
                   {"code", code},
                   {"code_verifier", pkce.verifier},
                   {"redirect_uri", kRedirect}};
  Form without_secret = exchange;
  without_secret.push_back({"client_id", client_id_});
  EXPECT_EQ(PostForm(server_.port(), "/oauth/token", without_secret).status, 401);
  HttpResult token =
      PostForm(server_.port(), "/oauth/token", exchange,
               {{"Authorization", Basic(client_id_, registration_["client_secret"])}});
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(JwtPart(token.Json()["access_token"], 1)["client_id"], client_id_);
}

TEST(ClientConfigurationLimits, ChangesCountAgainstTheRegistrationRateLimitPerClient) {
  TestServer server([](server::RawConfig& raw) {
    raw.issuer = kIssuer;
    raw.registration_rate_limit = "2";
  });
  HttpResult r = PostJson(server.port(), "/oauth/register", {{"redirect_uris", {kRedirect}}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string path = std::string(r.Json()["registration_client_uri"]).substr(std::strlen(kIssuer));
  std::map<std::string, std::string> headers = {
      {"Authorization", "Bearer " + std::string(r.Json()["registration_access_token"])},
      {"Content-Type", "application/json"}};
  std::string update =
      nlohmann::json{{"client_id", r.Json()["client_id"]}, {"redirect_uris", {kRedirect}}}.dump();
  EXPECT_EQ(Request(server.port(), "PUT", path, update, headers).status, 200);
  EXPECT_EQ(Request(server.port(), "PUT", path, update, headers).status, 200);
  HttpResult third = Request(server.port(), "PUT", path, update, headers);
  EXPECT_EQ(third.status, 429);
  EXPECT_FALSE(third.Header("retry-after").empty());
  EXPECT_EQ(Request(server.port(), "GET", path, "", headers).status, 200);  // reads are free
}

TEST_F(ClientConfiguration, AClientTheOperatorAddedHasNoConfigurationAccess) {
  auto [id, secret] = AddOperatorClient(server_, {.resources = {"https://mcp.example.com/mcp"}});
  path_ = "/oauth/register/client?client_id=" + id;
  ExpectInvalidToken(Call("GET", ""));
  ExpectInvalidToken(Call("GET", secret));
}

}  // namespace
}  // namespace authgent::testing
