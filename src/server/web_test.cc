#include "server/web.h"

#include <gtest/gtest.h>

namespace authgent::server {
namespace {

http::Request WithHeaders(std::vector<std::pair<std::string, std::string>> headers,
                          std::string remote = "10.0.0.5") {
  http::Request r;
  r.headers = std::move(headers);
  r.remote_address = std::move(remote);
  return r;
}

TEST(Web, TrustedProxiesMayBeNetworks) {
  std::vector<std::string> ranges = {"10.0.0.0/8", "fd00::/8", "192.0.2.7"};
  EXPECT_TRUE(InIpRanges("10.1.2.3", ranges));
  EXPECT_TRUE(InIpRanges("::ffff:10.1.2.3", ranges));  // the same address, IPv4-mapped
  EXPECT_FALSE(InIpRanges("11.0.0.1", ranges));
  EXPECT_TRUE(InIpRanges("fd12::1", ranges));
  EXPECT_FALSE(InIpRanges("fe80::1", ranges));
  EXPECT_TRUE(InIpRanges("192.0.2.7", ranges));
  EXPECT_FALSE(InIpRanges("192.0.2.8", ranges));
  EXPECT_TRUE(InIpRanges("172.30.77.200", {"172.30.77.0/25", "172.30.77.128/25"}));
  EXPECT_FALSE(InIpRanges("172.30.78.1", {"172.30.77.0/24"}));
  EXPECT_TRUE(InIpRanges("203.0.113.1", {"0.0.0.0/0"}));
  EXPECT_FALSE(InIpRanges("not-an-ip", ranges));
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/8x", "proxy/8"}) {
    EXPECT_FALSE(ParseIpRange(bad).has_value()) << bad;
  }
  http::Request r = WithHeaders({{"x-forwarded-for", "198.51.100.7"}});
  r.remote_address = "172.30.77.10";
  EXPECT_EQ(ClientIp(r, {"172.16.0.0/12"}), "198.51.100.7");
}

TEST(Web, ClientIpBelievesForwardedForOnlyFromTrustedProxies) {
  auto r = WithHeaders({{"x-forwarded-for", "198.51.100.7, 203.0.113.9"}});
  EXPECT_EQ(ClientIp(r, {}), "10.0.0.5");
  EXPECT_EQ(ClientIp(r, {"10.0.0.5"}), "203.0.113.9");
  // A client cannot spoof through a chain of trusted proxies: the right-most untrusted entry wins.
  EXPECT_EQ(ClientIp(r, {"10.0.0.5", "203.0.113.9"}), "198.51.100.7");
  EXPECT_EQ(ClientIp(WithHeaders({}), {"10.0.0.5"}), "10.0.0.5");
  // A proxy that writes its own address IPv4-mapped is still that proxy, not the client.
  auto mapped = WithHeaders({{"x-forwarded-for", "198.51.100.7, ::ffff:10.0.0.6"}});
  EXPECT_EQ(ClientIp(mapped, {"10.0.0.5", "10.0.0.6"}), "198.51.100.7");
}

TEST(Web, CrossSitePostsAreToldApartByFetchMetadataThenOrigin) {
  const std::string issuer = "https://auth.example.com";
  EXPECT_TRUE(SameOriginOrUnknown(WithHeaders({}), issuer));
  EXPECT_TRUE(SameOriginOrUnknown(WithHeaders({{"sec-fetch-site", "same-origin"}}), issuer));
  EXPECT_TRUE(SameOriginOrUnknown(WithHeaders({{"sec-fetch-site", "none"}}), issuer));
  EXPECT_FALSE(SameOriginOrUnknown(WithHeaders({{"sec-fetch-site", "cross-site"}}), issuer));
  EXPECT_FALSE(SameOriginOrUnknown(WithHeaders({{"sec-fetch-site", "same-site"}}), issuer));
  EXPECT_TRUE(SameOriginOrUnknown(WithHeaders({{"origin", issuer}}), issuer));
  EXPECT_FALSE(SameOriginOrUnknown(WithHeaders({{"origin", "https://evil.example"}}), issuer));
  EXPECT_FALSE(SameOriginOrUnknown(WithHeaders({{"origin", "null"}}), issuer));
  // Fetch metadata wins: a same-origin request from a browser that also sends Origin.
  EXPECT_TRUE(SameOriginOrUnknown(
      WithHeaders({{"sec-fetch-site", "same-origin"}, {"origin", issuer}}), issuer));
}

TEST(Web, RateLimitsCountIpv6ByItsSlash64AndNetworksBySlash24) {
  EXPECT_EQ(RateLimitAddress("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(RateLimitAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimitAddress("2001:db8:1:2::1"), RateLimitAddress("2001:db8:1:2:ffff::9"));
  EXPECT_EQ(RateLimitAddress("::ffff:203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(RateLimitNetwork("203.0.113.9"), "203.0.113.0/24");
  EXPECT_EQ(RateLimitNetwork("::ffff:203.0.113.200"), "203.0.113.0/24");
  EXPECT_EQ(RateLimitNetwork("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimitAddress("not an ip"), "not an ip");
}

TEST(Web, CookiesAreReadAndWrittenSafely) {
  auto r = WithHeaders({{"cookie", "a=1; authgent_session=tok; b=2"}});
  EXPECT_EQ(CookieValue(r, "authgent_session"), "tok");
  EXPECT_EQ(CookieValue(r, "missing"), std::nullopt);
  EXPECT_EQ(SetCookie("__Host-s", "v", 60, true),
            "__Host-s=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
}

TEST(Web, HtmlPagesCarryTheAntiFramingHeaders) {
  http::Response page = HtmlPage(200, "<p>x</p>");
  EXPECT_EQ(page.Get("X-Frame-Options"), "DENY");
  EXPECT_NE(page.Get("Content-Security-Policy")->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.Get("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page.Get("Cache-Control"), "no-store");
}

}  // namespace
}  // namespace authgent::server
