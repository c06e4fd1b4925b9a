// Client ID metadata documents over real HTTP: a client whose client_id is the https URL of its
// metadata document, served by the test's own HTTPS server on 127.0.0.1 (a CA made at start-up,
// trusted through CIMD_CA_FILE; loopback admitted through CIMD_ALLOW_LOOPBACK).
#include <gtest/gtest.h>

#include "federation/testing/tls_document_server.h"
#include "flow_helpers.h"

namespace authgent::testing {
namespace {

constexpr char kRedirect[] = "http://127.0.0.1:3000/callback";

class ClientIdDocumentFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    AddUser(server_, "alice", "correct horse battery");
    client_id_ = documents_.Url("/oauth/client.json");
    documents_.Serve("/oauth/client.json",
                     {200,
                      {{"Content-Type", "application/json"}, {"Cache-Control", "max-age=300"}},
                      nlohmann::json{{"client_id", client_id_},
                                     {"client_name", "Local Agent"},
                                     {"redirect_uris", {kRedirect}}}
                          .dump(),
                      0});
  }
  federation::testing::TlsDocumentServer documents_;
  TestServer server_{[this](server::RawConfig& raw) {
    raw.issuer = "http://127.0.0.1:9";
    raw.cimd_ca_file = documents_.ca_file();
    raw.cimd_allow_loopback = "true";
  }};
  FlowDriver flow_{server_};
  std::string client_id_;
  Pkce pkce_ = Pkce::Make();
};

TEST_F(ClientIdDocumentFlow, MetadataAdvertisesIt) {
  HttpResult r = flow_.Visit("/.well-known/oauth-authorization-server");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["client_id_metadata_document_supported"], true);
  EXPECT_EQ(r.Json()["token_endpoint_auth_methods_supported"][0], "none");
}

TEST_F(ClientIdDocumentFlow, TheWholeFlowWithAUrlAsClientId) {
  HttpResult start = flow_.Authorize(flow_.AuthorizeParams(client_id_, kRedirect, pkce_));
  ASSERT_EQ(start.status, 303) << start.body;
  HttpResult login = flow_.Login(start.Header("location"), "alice", "correct horse battery");
  ASSERT_EQ(login.status, 303) << login.body;
  HttpResult consent = flow_.ConsentPage(login.Header("location"));
  ASSERT_EQ(consent.status, 200);
  EXPECT_NE(consent.body.find("<strong>localhost</strong> wants to access your account"),
            std::string::npos)
      << consent.body;
  EXPECT_NE(consent.body.find("Allow Local Agent <span class=\"tag\">(name supplied by the "
                              "application)</span>"),
            std::string::npos);
  EXPECT_NE(consent.body.find("any program on it could present itself as localhost"),
            std::string::npos);
  HttpResult done = flow_.Decide(consent, "approve");
  ASSERT_EQ(done.status, 302);
  auto q = QueryOf(done.Header("location"));
  HttpResult token = flow_.ExchangeCode(client_id_, q["code"], pkce_.verifier, kRedirect);
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(JwtPart(token.Json()["access_token"], 1)["client_id"], client_id_);
  HttpResult refreshed = flow_.Refresh(client_id_, token.Json()["refresh_token"]);
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;
  // Fetched once: the authorize request and the grants use the stored copy.
  EXPECT_EQ(documents_.Requests("/oauth/client.json"), 1);
}

TEST_F(ClientIdDocumentFlow, AnUnusableDocumentIsAClearErrorPage) {
  documents_.Serve("/oauth/other.json", {302, {{"Location", client_id_}}, "", 0});
  HttpResult r =
      flow_.Authorize(flow_.AuthorizeParams(documents_.Url("/oauth/other.json"), kRedirect, pkce_));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("This application could not be identified"), std::string::npos);
  EXPECT_NE(r.body.find("the client&apos;s metadata document answered HTTP 302 instead of 200"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(documents_.Requests("/oauth/client.json"), 0);  // the redirect was not followed
}

TEST_F(ClientIdDocumentFlow, OversizeSlowAndNonJsonDocumentsAreRefused) {
  struct Case {
    const char* path;
    federation::testing::ScriptedAnswer answer;
    const char* reason;
  };
  const std::string big(6000, ' ');
  const Case cases[] = {
      {"/oversize.json",
       {200, {{"Content-Type", "application/json"}}, "{\"client_id\": 1}" + big, 0},
       "exceeds the size limit"},
      {"/slow.json",
       {200, {{"Content-Type", "application/json"}}, "{}", 5000},
       "the client&apos;s metadata document could not be fetched: Timeout was reached"},
      {"/page.json",
       {200, {{"Content-Type", "text/html"}}, "{}", 0},
       "the client&apos;s metadata document is not JSON"},
  };
  for (const Case& c : cases) {
    documents_.Serve(c.path, c.answer);
    HttpResult r = flow_.Authorize(flow_.AuthorizeParams(documents_.Url(c.path), kRedirect, pkce_));
    EXPECT_EQ(r.status, 400) << c.path;
    EXPECT_NE(r.body.find(c.reason), std::string::npos) << c.path << ": " << r.body;
  }
}

TEST(ClientIdDocumentSettings, DocumentFetchesCountAgainstTheAuthorizeRateLimit) {
  federation::testing::TlsDocumentServer documents;
  TestServer server([&](server::RawConfig& raw) {
    raw.cimd_ca_file = documents.ca_file();
    raw.cimd_allow_loopback = "true";
    raw.authorize_rate_limit = "2";
  });
  FlowDriver flow(server);
  Pkce pkce = Pkce::Make();
  auto authorize = [&](const std::string& path) {
    std::string url = documents.Url(path);
    documents.Serve(path,
                    {200,
                     {{"Content-Type", "application/json"}},
                     nlohmann::json{{"client_id", url}, {"redirect_uris", {kRedirect}}}.dump(),
                     0});
    return flow.Authorize(flow.AuthorizeParams(url, kRedirect, pkce));
  };
  // Each new URL is a fetch and a stored client: the third from this address within the minute
  // is refused before anything is fetched.
  EXPECT_EQ(authorize("/a.json").status, 303);
  EXPECT_EQ(authorize("/b.json").status, 303);
  HttpResult refused = authorize("/c.json");
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(refused.Header("retry-after").empty());
  EXPECT_NE(refused.body.find("too many applications were looked up from your network"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(documents.Requests("/c.json"), 0);
}

TEST(ClientIdDocumentSettings, WithoutLoopbackAdmittedTheDocumentIsNeverFetched) {
  federation::testing::TlsDocumentServer documents;
  TestServer server([&](server::RawConfig& raw) { raw.cimd_ca_file = documents.ca_file(); });
  FlowDriver flow(server);
  Pkce pkce = Pkce::Make();
  HttpResult r =
      flow.Authorize(flow.AuthorizeParams(documents.Url("/oauth/client.json"), kRedirect, pkce));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("refused to connect to 127.0.0.1 (loopback)"), std::string::npos) << r.body;
  EXPECT_EQ(documents.Requests("/oauth/client.json"), 0);
}

TEST(ClientIdDocumentSettings, DisabledMeansNotAdvertisedAndAnUnknownClient) {
  federation::testing::TlsDocumentServer documents;
  TestServer server([&](server::RawConfig& raw) {
    raw.cimd = "disabled";
    raw.cimd_ca_file = documents.ca_file();
    raw.cimd_allow_loopback = "true";
  });
  FlowDriver flow(server);
  EXPECT_FALSE(flow.Visit("/.well-known/oauth-authorization-server")
                   .Json()
                   .contains("client_id_metadata_document_supported"));
  Pkce pkce = Pkce::Make();
  HttpResult r =
      flow.Authorize(flow.AuthorizeParams(documents.Url("/oauth/client.json"), kRedirect, pkce));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(documents.Requests("/oauth/client.json"), 0);
}

}  // namespace
}  // namespace authgent::testing
