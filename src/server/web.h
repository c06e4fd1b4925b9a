// server/web: the small pieces every route handler shares: reading parameters, the one
// OAuthError -> HTTP writer, HTML pages with their security headers, redirects, cookies, the
// client's IP address.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "http/message.h"
#include "http/router.h"
#include "oauth/errors.h"
#include "oauth/params.h"

namespace authgent::server {

// GET: the query string; POST: the form body (other content types give an invalid Params).
oauth::Params RequestParams(const http::Request& request);
// True for a POST whose Content-Type is application/x-www-form-urlencoded (parameters allowed).
bool IsFormPost(const http::Request& request);
// True for a POST whose Content-Type is application/json (parameters allowed). A browser sends
// that type cross-site only after a CORS preflight, unlike a form's text/plain.
bool IsJsonPost(const http::Request& request);
// The same for another method (PUT of RFC 7592).
bool IsJsonBody(const http::Request& request, std::string_view method);

// Logs a request that failed on our side (`status` 500 or above): at debug level for a 503, an
// outage of storage (logged once when it starts and ends, storage/sql/outage_monitor) or of a
// dependency with its own log line, not one error line per request; as an error otherwise.
void LogFailure(std::string_view message, int status, nlohmann::json fields);

// The single writer of OAuth errors (RFC 6749 §5.2): JSON {"error","error_description"},
// no-store; `debug` goes to the log with the request id, never to the client.
http::Response OAuthErrorResponse(const oauth::OAuthError& error, const http::Request& request);
// RFC 6749 §5.1: token responses (and registration's, which holds a secret) are not cached:
// Cache-Control: no-store and Pragma: no-cache.
http::Response NoStore(http::Response r);
http::Response JsonNoStore(int status, const nlohmann::json& body);
// 429 temporarily_unavailable with Retry-After (at least 1 s).
http::Response TooManyRequests(const http::Request& request, int64_t retry_after,
                               const std::string& description);

// The step of a request that waits for a store call completing on the store's thread
// (storage/completion.h): `start` begins it, handing the store the completion; `then` takes the
// result back on a network thread and returns the next step (the answer, or another wait). So no
// thread sleeps through a commit or a flight, and a request can count, read and write in turn
// without a worker.
template <typename Result>
http::AsyncStep After(std::function<void(std::function<void(Result)>)> start,
                      std::function<http::AsyncStep(Result)> then) {
  return http::Suspended{
      [start = std::move(start), then = std::move(then)](const http::Resume& resume) {
        start([resume, then](Result result) {
          resume([then, result = std::move(result)]() mutable { return then(std::move(result)); });
        });
      }};
}
// After for a write whose status decides the answer: the thread that prepared the write (a
// worker, after its reads) does not sleep through the commit.
http::AsyncStep AfterWrite(std::function<void(std::function<void(Status)>)> write,
                           std::function<http::Response(const Status&)> answer);

// An HTML page with the headers every page needs: no framing (X-Frame-Options and CSP
// frame-ancestors), no referrer, no caching, no scripts.
http::Response HtmlPage(int status, std::string html);
// 302 to `location`, not cached.
http::Response Redirect(const std::string& location);
// 303 See Other (after a form POST, the browser follows with GET).
http::Response SeeOther(const std::string& location);

// True unless the browser says the request comes from another site: `Sec-Fetch-Site` other than
// `same-origin` or `none` (typed or bookmarked), or else an `Origin` other than `issuer`. A
// request with neither (not a browser, or a very old one) passes; CSRF tokens still apply.
bool SameOriginOrUnknown(const http::Request& request, const std::string& issuer);

std::optional<std::string> CookieValue(const http::Request& request, const std::string& name);
// A Set-Cookie value: HttpOnly, SameSite=Lax, Path=/, plus Secure when `secure`.
std::string SetCookie(const std::string& name, const std::string& value, int64_t max_age,
                      bool secure);

// The client's address: the peer, or the right-most untrusted X-Forwarded-For entry when the
// peer is one of `trusted_proxies`.
std::string ClientIp(const http::Request& request, const std::vector<std::string>& trusted_proxies);

// An address or network of TRUSTED_PROXIES: "10.0.0.5", "10.0.0.0/8", "fd00::/8". IPv4 is held
// in its IPv4-mapped IPv6 form, so that "::ffff:10.0.0.5" and "10.0.0.5" are one address.
struct IpRange {
  std::array<unsigned char, 16> address;
  int prefix_bits;  // of the 128
};
std::optional<IpRange> ParseIpRange(const std::string& text);
// Whether `address` is one of `ranges` (addresses or networks; unparsable entries match nothing).
bool InIpRanges(const std::string& address, const std::vector<std::string>& ranges);

// What a per-client rate limit counts for a client IP: an IPv4 address as it is, an IPv6 address
// by its /64 (one subscriber's allocation: counting single IPv6 addresses would let one client
// pass for 2^64 of them). IPv4-mapped IPv6 addresses count as IPv4.
std::string RateLimitAddress(const std::string& ip);
// What a per-network rate limit counts: the IPv4 /24 or the IPv6 /64 ("1.2.3.0/24").
std::string RateLimitNetwork(const std::string& ip);

}  // namespace authgent::server
