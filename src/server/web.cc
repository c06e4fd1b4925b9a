#include "server/web.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "core/ascii.h"
#include "core/log.h"

namespace authgent::server {

namespace {
// True for a request whose Content-Type is `media_type` (parameters such as charset allowed).
bool Carries(const http::Request& request, std::string_view media_type) {
  auto type = request.Header("content-type");
  if (!type) return false;
  std::string lower = AsciiLower(*type);
  if (lower.rfind(media_type, 0) != 0) return false;
  return lower.size() == media_type.size() || lower[media_type.size()] == ';' ||
         lower[media_type.size()] == ' ';
}
}  // namespace

bool IsFormPost(const http::Request& request) {
  return request.method == "POST" && Carries(request, "application/x-www-form-urlencoded");
}

bool IsJsonPost(const http::Request& request) { return IsJsonBody(request, "POST"); }

bool IsJsonBody(const http::Request& request, std::string_view method) {
  return request.method == method && Carries(request, "application/json");
}

oauth::Params RequestParams(const http::Request& request) {
  if (request.method == "GET" || request.method == "HEAD") return oauth::Params::Parse(request.query);
  if (IsFormPost(request)) return oauth::Params::Parse(request.body);
  return oauth::Params::Parse("%");  // invalid: callers answer invalid_request
}

void LogFailure(std::string_view message, int status, nlohmann::json fields) {
  if (status == 503) log::Debug(message, std::move(fields));
  else log::Error(message, std::move(fields));
}

http::Response OAuthErrorResponse(const oauth::OAuthError& error, const http::Request& request) {
  nlohmann::json fields = {{"request_id", request.request_id}, {"path", request.path},
                           {"error", error.code}};
  if (!error.debug.empty()) fields["debug"] = error.debug;
  if (error.status >= 500) LogFailure("request failed", error.status, std::move(fields));
  else log::Info("request rejected", fields);
  http::Response r = http::Response::Error(error.status, error.code, error.description);
  r.Set("Pragma", "no-cache");
  if (error.status == 503) r.Set("Retry-After", "2");  // a storage outage, or a busy server
  return r;
}

http::AsyncStep AfterWrite(std::function<void(std::function<void(Status)>)> write,
                           std::function<http::Response(const Status&)> answer) {
  return After<Status>(std::move(write), [answer = std::move(answer)](Status status) {
    return http::AsyncStep(answer(status));
  });
}

http::Response HtmlPage(int status, std::string html) {
  http::Response r;
  r.status = status;
  r.body = std::move(html);
  r.Set("Content-Type", "text/html; charset=utf-8");
  r.Set("Cache-Control", "no-store");
  r.Set("X-Frame-Options", "DENY");
  // No form-action: after consent the server redirects to the client's own URI (any origin or
  // custom scheme), which form-action would make the browser block.
  r.Set("Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'");
  r.Set("Referrer-Policy", "no-referrer");
  return r;
}

http::Response Redirect(const std::string& location) {
  http::Response r;
  r.status = 302;
  r.Set("Location", location);
  r.Set("Cache-Control", "no-store");
  r.Set("Referrer-Policy", "no-referrer");
  return r;
}

http::Response SeeOther(const std::string& location) {
  http::Response r = Redirect(location);
  r.status = 303;
  return r;
}

bool SameOriginOrUnknown(const http::Request& request, const std::string& issuer) {
  if (auto site = request.Header("sec-fetch-site")) return *site == "same-origin" || *site == "none";
  if (auto origin = request.Header("origin")) return *origin == issuer;
  return true;
}

std::optional<std::string> CookieValue(const http::Request& request, const std::string& name) {
  for (const auto& [header, value] : request.headers) {
    if (header != "cookie") continue;
    std::string_view rest(value);
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return std::nullopt;
}

std::string SetCookie(const std::string& name, const std::string& value, int64_t max_age,
                      bool secure) {
  std::string c = name + "=" + value + "; Path=/; Max-Age=" + std::to_string(max_age) +
                  "; HttpOnly; SameSite=Lax";
  if (secure) c += "; Secure";
  return c;
}

namespace {
// `text` as 16 bytes (IPv4 as its IPv4-mapped IPv6 form, so both spellings of one address
// match), or nullopt.
std::optional<std::array<unsigned char, 16>> Ip16(const std::string& text) {
  std::array<unsigned char, 16> out{};
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) return out;
  out = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (inet_pton(AF_INET, text.c_str(), out.data() + 12) == 1) return out;
  return std::nullopt;
}
}  // namespace

std::optional<IpRange> ParseIpRange(const std::string& text) {
  size_t slash = text.find('/');
  std::string address = text.substr(0, slash);
  auto ip = Ip16(address);
  if (!ip) return std::nullopt;
  bool v4 = address.find(':') == std::string::npos;
  int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string::npos) {
    std::string_view digits = std::string_view(text).substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || bits < 0 ||
        bits > max_bits) {
      return std::nullopt;
    }
  }
  return IpRange{*ip, v4 ? bits + 96 : bits};
}

bool InIpRanges(const std::string& address, const std::vector<std::string>& ranges) {
  auto ip = Ip16(address);
  if (!ip) return false;
  for (const std::string& text : ranges) {
    auto range = ParseIpRange(text);
    if (!range) continue;
    int bits = range->prefix_bits;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0 && match; ++i, bits -= 8) {
      unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
      match = ((*ip)[i] & mask) == (range->address[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::string ClientIp(const http::Request& request, const std::vector<std::string>& trusted) {
  auto is_trusted = [&](const std::string& ip) { return InIpRanges(ip, trusted); };
  std::string ip = request.remote_address;
  if (!is_trusted(ip)) return ip;
  auto forwarded = request.Header("x-forwarded-for");
  if (!forwarded) return ip;
  // Walk from the right: the first address not added by one of our proxies is the client.
  std::string_view list = *forwarded;
  while (!list.empty()) {
    size_t comma = list.rfind(',');
    std::string_view item = comma == std::string_view::npos ? list : list.substr(comma + 1);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    ip = std::string(item);
    if (!is_trusted(ip)) return ip;
  }
  return ip;
}

namespace {
// An IPv4 address (or the one an IPv6 address maps) as it is (`v4_prefix` 32) or as its /24
// ("a.b.c.0/24"); any other IPv6 address as its /64; anything else unchanged.
std::string Masked(const std::string& ip, int v4_prefix) {
  unsigned char v6[16];
  unsigned char v4[4];
  char text[INET6_ADDRSTRLEN];
  bool is_v4 = inet_pton(AF_INET, ip.c_str(), v4) == 1;
  if (!is_v4 && inet_pton(AF_INET6, ip.c_str(), v6) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(v6, v6 + 12, kMapped)) {
      std::copy(v6 + 12, v6 + 16, v4);
      is_v4 = true;
    } else {
      std::fill(v6 + 8, v6 + 16, 0);
      inet_ntop(AF_INET6, v6, text, sizeof text);
      return std::string(text) + "/64";
    }
  }
  if (!is_v4) return ip;
  if (v4_prefix == 32) {
    inet_ntop(AF_INET, v4, text, sizeof text);
    return text;
  }
  v4[3] = 0;
  inet_ntop(AF_INET, v4, text, sizeof text);
  return std::string(text) + "/24";
}
}  // namespace

std::string RateLimitAddress(const std::string& ip) { return Masked(ip, 32); }
std::string RateLimitNetwork(const std::string& ip) { return Masked(ip, 24); }

http::Response NoStore(http::Response r) {
  r.Set("Cache-Control", "no-store");
  r.Set("Pragma", "no-cache");
  return r;
}

http::Response JsonNoStore(int status, const nlohmann::json& body) {
  return NoStore(http::Response::Json(status, body));
}

http::Response TooManyRequests(const http::Request& request, int64_t retry_after,
                               const std::string& description) {
  http::Response r = OAuthErrorResponse(
      {"temporarily_unavailable", description, "rate limited", 429}, request);
  r.Set("Retry-After", std::to_string(std::max<int64_t>(1, retry_after)));
  return r;
}

}  // namespace authgent::server
