#include "oauth/issuer.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

TEST(IsLoopbackHost, AcceptsOnlyLoopbackForms) {
  for (const char* h : {"localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"}) {
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  }
  for (const char* h : {"localhost.evil.com", "127.0.0.1.evil.com", "128.0.0.1", "127.0.0",
                        "127..0.1", "1270.0.0.1", "[::2]", "", "example.com"}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
}

TEST(ValidateIssuer, AcceptsOrigins) {
  EXPECT_TRUE(ValidateIssuer("https://auth.example.com", false).ok());
  EXPECT_TRUE(ValidateIssuer("https://auth.example.com:8443", false).ok());
  EXPECT_TRUE(ValidateIssuer("http://127.0.0.1:8080", false).ok());
  EXPECT_TRUE(ValidateIssuer("http://localhost:8080", false).ok());
  EXPECT_TRUE(ValidateIssuer("http://[::1]:8080", false).ok());
  EXPECT_TRUE(ValidateIssuer("http://auth.internal", true).ok());
}

TEST(ValidateIssuer, SaysWhatIsWrong) {
  EXPECT_EQ(ValidateIssuer("https://a.example/", false).message(),
            "must not end with '/' (got 'https://a.example/')");
  EXPECT_EQ(ValidateIssuer("https://a.example/tenant", false).message(),
            "must not have a path (got 'https://a.example/tenant')");
  EXPECT_EQ(ValidateIssuer("https://a.example?x=1", false).message(),
            "must not have a query (got 'https://a.example?x=1')");
  EXPECT_EQ(ValidateIssuer("https://a.example#f", false).message(),
            "must not have a fragment (got 'https://a.example#f')");
  EXPECT_EQ(ValidateIssuer("ftp://a.example", false).message(),
            "must use http or https, not 'ftp' (got 'ftp://a.example')");
  EXPECT_EQ(ValidateIssuer("http://a.example", false).message(),
            "uses http with a non-loopback host; use https or set ALLOW_INSECURE_ISSUER=true "
            "(got 'http://a.example')");
  EXPECT_EQ(ValidateIssuer("https://u:p@a.example", false).message(),
            "must not contain user information (got 'https://u:p@a.example')");
  EXPECT_EQ(ValidateIssuer("a.example", false).message(),
            "must be an absolute http(s) URL (got 'a.example')");
}

}  // namespace
}  // namespace authgent::oauth
