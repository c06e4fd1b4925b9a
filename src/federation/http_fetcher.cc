#include "federation/http_fetcher.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <mutex>

#include "core/ascii.h"
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

// The response headers authgent uses for caching; names compared without case.
size_t Header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<FetchResponse*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = AsciiLower(line.substr(0, colon));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (name == "cache-control") response->cache_control = std::string(value);
  if (name == "expires") {
    time_t t = curl_getdate(std::string(value).c_str(), nullptr);
    response->expires = t >= 0 ? std::optional<int64_t>(t) : std::nullopt;
  }
  return n;
}

// The address guard: called by libcurl for each socket it is about to connect, with the address
// it will connect to. A refused address gets no socket; the first refusal is kept for the error.
struct Guard {
  AddressPolicy policy;
  std::string refused;  // "127.0.0.1 (loopback)", or empty
};

curl_socket_t OpenCheckedSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* guard = static_cast<Guard*>(user);
  char text[INET6_ADDRSTRLEN] = {};
  if (address->family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&address->addr)->sin_addr, text, sizeof text);
  } else if (address->family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&address->addr)->sin6_addr, text,
              sizeof text);
  }
  std::optional<AddressClass> cls = ClassifyAddress(text);
  if (purpose != CURLSOCKTYPE_IPCXN || !cls || !guard->policy.Allows(*cls)) {
    if (guard->refused.empty()) {
      guard->refused = std::string(*text ? text : "an unknown address") + " (" +
                       std::string(cls ? AddressClassName(*cls) : "not an IP address") + ")";
    }
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
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
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, Header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response);
  if (!limits_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, limits_.ca_file.c_str());
  Guard guard;
  if (limits_.addresses) {
    guard.policy = *limits_.addresses;
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // a proxy would be the address checked, not the host
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  }
  if (post_body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (!guard.refused.empty()) {
    return InvalidArgumentError("refused to connect to " + guard.refused + " for " + url);
  }
  if (rc == CURLE_UNSUPPORTED_PROTOCOL && limits_.addresses) {
    return InvalidArgumentError("only https URLs may be fetched: " + url);
  }
  if (sink.overflow) return UnavailableError("response from " + url + " exceeds the size limit");
  if (rc != CURLE_OK) return UnavailableError(std::string(curl_easy_strerror(rc)) + " (" + url + ")");
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
  if (type) response.content_type = type;
  return response;
}

}  // namespace authgent::federation
