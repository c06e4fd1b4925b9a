// federation/http_fetcher: outgoing HTTP: to an upstream identity provider, and to URLs a
// stranger chose (a client ID metadata document, a client's jwks_uri).
//
// An interface so tests (and other HTTP stacks) can stand in; CurlFetcher is libcurl with the
// limits an authorization server needs against a slow or hostile peer: a total timeout on every
// call (name resolution included), no redirects followed, a cap on the response size, http and
// https only. For a stranger's URL, FetchLimits::addresses adds the guard against server-side
// request forgery: https only, no proxy, and every address libcurl is about to connect to is
// checked (federation/address_policy) on the socket it opens, so the connection can only reach an
// address that passed, whatever a second DNS answer says.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/status.h"
#include "federation/address_policy.h"

namespace authgent::federation {

struct FetchResponse {
  FetchResponse() = default;
  FetchResponse(long status, std::string body, std::string content_type)
      : status(status), body(std::move(body)), content_type(std::move(content_type)) {}
  long status = 0;
  std::string body;
  std::string content_type;
  std::string cache_control;     // the Cache-Control header, as sent
  std::optional<int64_t> expires;  // the Expires header in Unix seconds, when it is a valid date
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
  // Set for URLs a stranger chose: the addresses a connection may reach (see above). A refused
  // address fails the call with kInvalidArgument naming the address and its class.
  std::optional<AddressPolicy> addresses;
  // A PEM file of CAs trusted instead of the system's (a private PKI, the tests' document
  // server); empty: the system's.
  std::string ca_file;
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
