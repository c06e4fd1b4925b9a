#include "federation/http_fetcher.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace authgent::federation {
namespace {

struct Sink {
  std::string* body;
  size_t limit;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, n);
  return n;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlFetcher::CurlFetcher(FetchLimits limits) : limits_(limits) { GlobalInit(); }

StatusOr<FetchResponse> CurlFetcher::Get(const std::string& url) { return Perform(url, nullptr, {}); }

StatusOr<FetchResponse> CurlFetcher::PostForm(const std::string& url, const std::string& body,
                                              const std::map<std::string, std::string>& headers) {
  return Perform(url, &body, headers);
}

StatusOr<FetchResponse> CurlFetcher::Perform(const std::string& url, const std::string* post_body,
                                             const std::map<std::string, std::string>& headers) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return InternalError("curl_easy_init failed");
  FetchResponse response;
  Sink sink{&response.body, limits_.max_body_bytes};
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Accept: application/json");
  if (post_body) list = curl_slist_append(list, "Content-Type: application/x-www-form-urlencoded");
  for (const auto& [name, value] : headers) list = curl_slist_append(list, (name + ": " + value).c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(list, curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, limits_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, limits_.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "authgent");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  if (post_body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (sink.overflow) return UnavailableError("response from " + url + " exceeds the size limit");
  if (rc != CURLE_OK) return UnavailableError(std::string(curl_easy_strerror(rc)) + " (" + url + ")");
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
  if (type) response.content_type = type;
  return response;
}

}  // namespace authgent::federation
