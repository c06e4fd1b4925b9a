// federation/http_fetcher: outgoing HTTP for talking to an upstream identity provider.
//
// An interface so tests (and other HTTP stacks) can stand in; CurlFetcher is libcurl with the
// limits an authorization server needs against a slow or hostile peer: a total timeout on every
// call, no redirects followed, a cap on the response size, http and https only.
#pragma once

#include <map>
#include <string>

#include "core/status.h"

namespace authgent::federation {

struct FetchResponse {
  long status = 0;
  std::string body;
  std::string content_type;
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  virtual StatusOr<FetchResponse> Get(const std::string& url) = 0;
  // POST with an application/x-www-form-urlencoded body and extra request headers.
  virtual StatusOr<FetchResponse> PostForm(const std::string& url, const std::string& body,
                                           const std::map<std::string, std::string>& headers) = 0;
};

struct FetchLimits {
  long timeout_ms = 5000;
  size_t max_body_bytes = 1 << 20;
};

// kUnavailable for network failures and timeouts; any HTTP status is returned as a response.
class CurlFetcher final : public HttpFetcher {
 public:
  explicit CurlFetcher(FetchLimits limits = {});
  StatusOr<FetchResponse> Get(const std::string& url) override;
  StatusOr<FetchResponse> PostForm(const std::string& url, const std::string& body,
                                   const std::map<std::string, std::string>& headers) override;

 private:
  StatusOr<FetchResponse> Perform(const std::string& url, const std::string* post_body,
                                  const std::map<std::string, std::string>& headers);
  FetchLimits limits_;
};

}  // namespace authgent::federation
