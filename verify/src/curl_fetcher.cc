#include "authgent/verify/curl_fetcher.h"

#include <curl/curl.h>
#include <strings.h>

#include <memory>
#include <mutex>

namespace authgent::verify {
namespace {

constexpr size_t kMaxBody = 1 << 20;

struct Received {
  std::string body;
  std::string cache_control;
  bool overflow = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  size_t n = size * count;
  if (r->body.size() + n > kMaxBody) {
    r->overflow = true;
    return 0;
  }
  r->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Received*>(user);
  std::string line(data, size * count);
  constexpr char kName[] = "cache-control:";
  if (line.size() > sizeof(kName) - 1 && strncasecmp(line.c_str(), kName, sizeof(kName) - 1) == 0) {
    std::string value = line.substr(sizeof(kName) - 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r->cache_control = value;
  }
  return size * count;
}

}  // namespace

CurlJwksFetcher::CurlJwksFetcher(long timeout_ms) : timeout_ms_(timeout_ms) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

JwksFetchResult CurlJwksFetcher::Fetch(const std::string& url) {
  JwksFetchResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    result.error = "curl_easy_init failed";
    return result;
  }
  Received received;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &received);
  CURLcode rc = curl_easy_perform(c);
  if (received.overflow) {
    result.error = "JWKS larger than 1 MiB";
    return result;
  }
  if (rc != CURLE_OK) {
    result.error = curl_easy_strerror(rc);
    return result;
  }
  result.ok = true;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  result.body = std::move(received.body);
  result.cache_control = std::move(received.cache_control);
  return result;
}

}  // namespace authgent::verify
