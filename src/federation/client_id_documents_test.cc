// Client ID metadata documents: fetch, cache in a real SQLite store, refetch and stale use, with
// a fake fetcher (the guarded fetch itself: http_fetcher_test.cc).
#include "federation/client_id_documents.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/temp_dir.h"
#include "federation/testing/tls_document_server.h"
#include "oauth/cimd.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent::federation {
namespace {

const std::string kUrl = "https://app.example.com/oauth/client.json";
const std::string kCallback = "https://app.example.com/callback";

std::string Document(const std::string& name, std::vector<std::string> redirects = {kCallback}) {
  return nlohmann::json{{"client_id", kUrl}, {"client_name", name}, {"redirect_uris", redirects}}
      .dump();
}

class ScriptedFetcher : public HttpFetcher {
 public:
  StatusOr<FetchResponse> Get(const std::string& url) override {
    ++calls;
    if (gate) gate->get();  // blocks until the test lets the fetch finish
    if (!next.ok()) return next.status();
    EXPECT_EQ(url, kUrl);
    return *next;
  }
  StatusOr<FetchResponse> PostForm(const std::string&, const std::string&,
                                   const std::map<std::string, std::string>&) override {
    return InternalError("not used");
  }
  void Serve(std::string body, std::string cache_control = "",
             std::string type = "application/json") {
    FetchResponse r(200, std::move(body), std::move(type));
    r.cache_control = std::move(cache_control);
    next = r;
  }
  StatusOr<FetchResponse> next = UnavailableError("nothing served");
  std::atomic<int> calls{0};
  std::shared_future<void>* gate = nullptr;
};

class ClientIdDocumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions o;
    o.path = MakeTempDir("authgent-cimd") + "/t.db";
    store_ = std::move(storage::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    documents_ = std::make_unique<ClientIdDocuments>(fetcher_, *store_, clock_);
  }
  std::string Resolved(const std::string& redirect = kCallback) {
    auto r = documents_->Resolve(kUrl, redirect);
    if (auto* refusal = std::get_if<DocumentRefusal>(&r)) return "refused: " + refusal->reason;
    return std::get<storage::Client>(r).client_name;
  }
  std::unique_ptr<storage::Store> store_;
  FakeClock clock_{1'800'000'000};
  ScriptedFetcher fetcher_;
  std::unique_ptr<ClientIdDocuments> documents_;
};

TEST_F(ClientIdDocumentsTest, FetchesOnceThenUsesTheStoredCopyForItsLifetime) {
  fetcher_.Serve(Document("App"), "max-age=600");
  EXPECT_EQ(Resolved(), "App");
  auto stored = store_->GetClient(kUrl);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->source, "cimd");
  EXPECT_EQ(stored->document_fetched_at, clock_.Now());
  EXPECT_EQ(stored->document_expires_at, clock_.Now() + 600);
  fetcher_.Serve(Document("App v2"), "max-age=600");
  clock_.Advance(599);
  EXPECT_EQ(Resolved(), "App");
  EXPECT_EQ(fetcher_.calls, 1);
  clock_.Advance(1);
  EXPECT_EQ(Resolved(), "App v2");
  EXPECT_EQ(fetcher_.calls, 2);
}

TEST_F(ClientIdDocumentsTest, AFailedRefetchServesTheStaleCopy) {
  fetcher_.Serve(Document("App"), "max-age=60");
  EXPECT_EQ(Resolved(), "App");
  clock_.Advance(61);
  fetcher_.next = UnavailableError("Couldn't connect to server");
  EXPECT_EQ(Resolved(), "App");
  fetcher_.Serve("<html>", "", "text/html");
  EXPECT_EQ(Resolved(), "App");
  EXPECT_EQ(fetcher_.calls, 3);
}

TEST_F(ClientIdDocumentsTest, AnUnlistedRedirectRefetchesAtOnceButAtMostOncePerMinute) {
  fetcher_.Serve(Document("App"), "max-age=3600");
  EXPECT_EQ(Resolved(), "App");
  const std::string added = "https://app.example.com/new-callback";
  fetcher_.Serve(Document("App", {kCallback, added}), "max-age=3600");
  clock_.Advance(30);
  EXPECT_EQ(Resolved(added), "App");  // the stored copy: fetched less than a minute ago
  EXPECT_EQ(fetcher_.calls, 1);
  clock_.Advance(30);
  EXPECT_EQ(Resolved(added), "App");
  EXPECT_EQ(fetcher_.calls, 2);
  EXPECT_EQ(store_->GetClient(kUrl)->redirect_uris, (std::vector<std::string>{kCallback, added}));
}

TEST_F(ClientIdDocumentsTest, EachRefusalSaysWhy) {
  EXPECT_EQ(Resolved(),
            "refused: the client's metadata document could not be fetched: "
            "nothing served");
  fetcher_.next = FetchResponse(404, "", "text/plain");
  EXPECT_EQ(Resolved(), "refused: the client's metadata document answered HTTP 404 instead of 200");
  fetcher_.Serve(Document("App"), "", "text/html");
  EXPECT_EQ(Resolved(), "refused: the client's metadata document is not JSON");
  fetcher_.Serve(nlohmann::json{{"client_id", kUrl + "?x"}, {"redirect_uris", {kCallback}}}.dump());
  EXPECT_EQ(Resolved(), "refused: the document's client_id must equal the URL it was fetched from");
  EXPECT_EQ(store_->GetClient(kUrl).status().code(), StatusCode::kNotFound);
  auto bad = documents_->Resolve("https://app.example.com/", kCallback);
  ASSERT_TRUE(std::holds_alternative<DocumentRefusal>(bad));
  EXPECT_EQ(std::get<DocumentRefusal>(bad).reason, "client ID URL needs a path");
  EXPECT_EQ(fetcher_.calls, 4);
}

TEST_F(ClientIdDocumentsTest, OnlyAllowedHostsAreFetched) {
  ClientIdDocuments allowing_other(fetcher_, *store_, clock_, {"claude.ai", "vscode.dev"});
  fetcher_.Serve(Document("App"));
  auto r = allowing_other.Resolve(kUrl, kCallback);
  ASSERT_TRUE(std::holds_alternative<DocumentRefusal>(r));
  EXPECT_EQ(std::get<DocumentRefusal>(r).reason,
            "this server does not accept applications identified by app.example.com");
  EXPECT_EQ(fetcher_.calls, 0);
  ClientIdDocuments allowing_it(fetcher_, *store_, clock_, {"app.example.com"});
  EXPECT_TRUE(std::holds_alternative<storage::Client>(allowing_it.Resolve(kUrl, kCallback)));
}

TEST_F(ClientIdDocumentsTest, AcceptsJsonContentTypesWithParametersAndSuffixes) {
  fetcher_.Serve(Document("App"), "", "Application/JSON; charset=utf-8");
  EXPECT_EQ(Resolved(), "App");
  clock_.Advance(oauth::kDefaultDocumentLifetime);
  fetcher_.Serve(Document("App 2"), "", "application/vnd.example+json");
  EXPECT_EQ(Resolved(), "App 2");
}

TEST_F(ClientIdDocumentsTest, FetchesPerHostAreCapped) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  fetcher_.gate = &gate;
  fetcher_.Serve(Document("App"));
  auto first = std::async(std::launch::async, [&] { return Resolved(); });
  auto second = std::async(std::launch::async, [&] { return Resolved(); });
  while (fetcher_.calls < 2) std::this_thread::yield();
  EXPECT_EQ(Resolved(),
            "refused: too many fetches from app.example.com at once; try again shortly");
  release.set_value();
  EXPECT_EQ(first.get(), "App");
  EXPECT_EQ(second.get(), "App");
}

// The resolver with the real guarded fetcher and the test's HTTPS server: what a refusal says
// for each way a stranger's server can answer wrongly.
class ClientIdDocumentsOverHttps : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions o;
    o.path = MakeTempDir("authgent-cimd") + "/t.db";
    store_ = std::move(storage::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
  }
  std::string Resolved(const std::string& path, bool allow_loopback = true) {
    FetchLimits limits;
    limits.timeout_ms = 1500;
    limits.max_body_bytes = oauth::kMaxClientIdDocumentBytes;
    limits.addresses = AddressPolicy{.allow_loopback = allow_loopback};
    limits.ca_file = server_.ca_file();
    CurlFetcher fetcher(limits);
    ClientIdDocuments documents(fetcher, *store_, clock_);
    auto r = documents.Resolve(server_.Url(path), "");
    if (auto* refusal = std::get_if<DocumentRefusal>(&r)) return "refused: " + refusal->reason;
    return std::get<storage::Client>(r).client_name;
  }
  void ServeDocument(const std::string& path, const std::string& type = "application/json") {
    server_.Serve(path, {200,
                         {{"Content-Type", type}},
                         nlohmann::json{{"client_id", server_.Url(path)},
                                        {"client_name", "Local App"},
                                        {"redirect_uris", {"http://127.0.0.1/callback"}}}
                             .dump(),
                         0});
  }
  testing::TlsDocumentServer server_;
  std::unique_ptr<storage::Store> store_;
  FakeClock clock_{1'800'000'000};
};

TEST_F(ClientIdDocumentsOverHttps, ResolvesADocumentServedOverHttps) {
  ServeDocument("/client.json");
  EXPECT_EQ(Resolved("/client.json"), "Local App");
  EXPECT_TRUE(oauth::AllRedirectsLoopback(*store_->GetClient(server_.Url("/client.json"))));
}

TEST_F(ClientIdDocumentsOverHttps, RefusesLoopbackRedirectsOversizeSlowAndNonJson) {
  ServeDocument("/client.json");
  EXPECT_EQ(Resolved("/client.json", false),
            "refused: the client's metadata document could not be fetched: refused to connect "
            "to 127.0.0.1 (loopback) for " +
                server_.Url("/client.json"));
  EXPECT_EQ(server_.Requests("/client.json"), 0);

  server_.Serve("/moved", {302, {{"Location", server_.Url("/client.json")}}, "", 0});
  EXPECT_EQ(Resolved("/moved"),
            "refused: the client's metadata document answered HTTP 302 instead of 200");
  EXPECT_EQ(server_.Requests("/client.json"), 0);

  server_.Serve("/big", {200,
                         {{"Content-Type", "application/json"}},
                         std::string(oauth::kMaxClientIdDocumentBytes + 1, ' '),
                         0});
  EXPECT_EQ(Resolved("/big"),
            "refused: the client's metadata document could not be fetched: "
            "response from " +
                server_.Url("/big") + " exceeds the size limit");

  server_.Serve("/slow", {200, {{"Content-Type", "application/json"}}, "{}", 4000});
  EXPECT_EQ(Resolved("/slow").rfind("refused: the client's metadata document could not be fetched: "
                                    "Timeout was reached",
                                    0),
            0u);

  ServeDocument("/page", "text/html");
  EXPECT_EQ(Resolved("/page"), "refused: the client's metadata document is not JSON");
}

}  // namespace
}  // namespace authgent::federation
