// The browser's cookies and tokens, against a real SQLite store for the login session.
#include "server/browser.h"

#include <gtest/gtest.h>

#include "core/bytes.h"
#include "core/temp_dir.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent::server {
namespace {

http::Request WithCookie(const std::string& cookie) {
  http::Request r;
  r.method = "GET";
  r.path = "/oauth/login";
  if (!cookie.empty()) r.headers.emplace_back("cookie", cookie);
  return r;
}

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::SqliteOptions o;
    o.path = MakeTempDir("authgent-browser") + "/t.db";
    store_ = std::move(storage::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
  }
  Browser Make(const std::string& issuer, const std::string& key = "sign-out key") {
    return Browser({issuer, "authgent", 3600, key}, *store_, clock_, SecureRandom::Instance());
  }
  std::unique_ptr<storage::Store> store_;
  FakeClock clock_{1'800'000'000};
};

TEST_F(BrowserTest, CookiesAreHostPrefixedAndSecureOnlyBehindHttps) {
  std::string token(43, 'a');
  EXPECT_EQ(Make("https://auth.example.com").SessionCookie(token),
            "__Host-authgent_session=" + token +
                "; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure");
  EXPECT_EQ(Make("http://localhost:8080").SessionCookie(token),
            "authgent_session=" + token + "; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
  EXPECT_EQ(Make("http://localhost:8080").ClearedSessionCookie(),
            "authgent_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  EXPECT_EQ(Make("https://auth.example.com").TransactionCookie(token),
            "__Host-authgent_txn=" + token +
                "; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure");
}

// A transaction belongs to the browser whose cookie hashes to its browser_hash; a missing,
// malformed or other cookie is another browser.
TEST_F(BrowserTest, ATransactionIsRecognisedOnlyInTheBrowserThatStartedIt) {
  Browser browser = Make("http://localhost:8080");
  std::string token = browser.TransactionToken(WithCookie(""));
  ASSERT_EQ(token.size(), 43u);
  http::Request same = WithCookie("authgent_txn=" + token);
  EXPECT_EQ(browser.TransactionToken(same), token);  // other tabs share it
  storage::AuthorizationTransaction txn;
  txn.browser_hash = TokenHash(token);
  EXPECT_TRUE(browser.SameBrowser(same, txn));
  EXPECT_FALSE(browser.SameBrowser(WithCookie(""), txn));
  EXPECT_FALSE(browser.SameBrowser(WithCookie("authgent_txn=" + std::string(43, 'b')), txn));
  EXPECT_FALSE(browser.SameBrowser(WithCookie("authgent_txn=" + token + "x"), txn));
  txn.browser_hash.clear();  // a transaction with no browser matches none
  EXPECT_FALSE(browser.SameBrowser(same, txn));
  EXPECT_NE(browser.TransactionToken(WithCookie("authgent_txn=short")), "short");
}

TEST_F(BrowserTest, TheSessionCookieFindsOnlyALiveStoredSession) {
  Browser browser = Make("http://localhost:8080");
  std::string token(43, 'c');
  EXPECT_FALSE(browser.CurrentSession(WithCookie("authgent_session=" + token)));
  storage::User user;
  user.user_id = "u1";
  user.username = "alice";
  ASSERT_TRUE(store_->CreateUser(user).ok());
  storage::LoginSession session;
  session.session_hash = TokenHash(token);
  session.user_id = "u1";
  session.created_at = session.auth_time = clock_.Now();
  session.expires_at = clock_.Now() + 60;
  ASSERT_TRUE(store_->CreateSession(session).ok());
  auto found = browser.CurrentSession(WithCookie("authgent_session=" + token));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user_id, "u1");
  EXPECT_FALSE(browser.SessionHashOf(WithCookie("authgent_session=" + token.substr(1))));
  clock_.Advance(60);
  EXPECT_FALSE(browser.CurrentSession(WithCookie("authgent_session=" + token)));
}

TEST_F(BrowserTest, SignOutTokensDependOnTheSessionAndTheKey) {
  storage::LoginSession a, b;
  a.session_hash = "hash-a";
  b.session_hash = "hash-b";
  Browser browser = Make("http://localhost:8080");
  EXPECT_EQ(browser.SignOutToken(a), browser.SignOutToken(a));
  EXPECT_NE(browser.SignOutToken(a), browser.SignOutToken(b));
  EXPECT_NE(browser.SignOutToken(a), Make("http://localhost:8080", "other key").SignOutToken(a));
}

}  // namespace
}  // namespace authgent::server
