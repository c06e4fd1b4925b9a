// authgent/verify/curl_fetcher: a JwksFetcher on libcurl (the optional authgent::verify_curl
// target), with a timeout, no redirects, http(s) only and a 1 MiB cap on the document.
#pragma once

#include "authgent/verify/jwks_cache.h"

namespace authgent::verify {

class CurlJwksFetcher final : public JwksFetcher {
 public:
  explicit CurlJwksFetcher(long timeout_ms = 5000);
  JwksFetchResult Fetch(const std::string& url) override;

 private:
  long timeout_ms_;
};

}  // namespace authgent::verify
