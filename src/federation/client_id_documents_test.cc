// Client ID metadata documents: fetch, cache in a real SQLite store, refetch and stale use, with
// a fake fetcher (the guarded fetch itself: http_fetcher_test.cc).
#include "federation/client_id_documents.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/temp_dir.h"
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
  EXPECT_EQ(Resolved(), "refused: the client's metadata document could not be fetched: "
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
  EXPECT_EQ(Resolved(), "refused: too many fetches from app.example.com at once; try again shortly");
  release.set_value();
  EXPECT_EQ(first.get(), "App");
  EXPECT_EQ(second.get(), "App");
}

}  // namespace
}  // namespace authgent::federation
