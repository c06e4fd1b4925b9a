// libFuzzer target: server/web, the request headers every route reads: Cookie (the session),
// X-Forwarded-For (the client's address for rate limiting, behind trusted proxies) and the
// Content-Type that decides whether a body is a form. Properties: a cookie value never runs into
// the next cookie; the client address is the peer or one whole, trimmed X-Forwarded-For entry,
// and never one of the trusted proxies (in any spelling of its address) while an untrusted entry
// exists; parameters come only from a form body or the query.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "server/web.h"

using namespace authgent;

namespace {

const std::vector<std::string> kTrusted = {"10.0.0.1", "10.0.0.2"};

void CheckCookie(const http::Request& request) {
  if (auto value = server::CookieValue(request, "authgent_session")) {
    FUZZ_CHECK(value->find(';') == std::string::npos);
  }
}

void CheckClientIp(const http::Request& request, const std::string& forwarded) {
  std::string ip = server::ClientIp(request, kTrusted);
  if (ip == request.remote_address) return;
  FUZZ_CHECK(!ip.empty() && ip.find(',') == std::string::npos);
  FUZZ_CHECK(ip.front() != ' ' && ip.back() != ' ');
  FUZZ_CHECK(forwarded.find(ip) != std::string::npos);
  bool any_untrusted = false;
  size_t start = 0;
  while (start <= forwarded.size()) {
    size_t comma = forwarded.find(',', start);
    if (comma == std::string::npos) comma = forwarded.size();
    std::string item = forwarded.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    // Trusted means the same address as a proxy in any spelling (::ffff:10.0.0.1 is 10.0.0.1).
    if (!item.empty() && !server::InIpRanges(item, kTrusted)) any_untrusted = true;
    start = comma + 1;
  }
  if (any_untrusted) FUZZ_CHECK(!server::InIpRanges(ip, kTrusted));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  http::Request request;
  request.method = input.ConsumeBool() ? "POST" : "GET";
  request.remote_address = input.ConsumeBool() ? kTrusted[0] : "203.0.113.9";
  request.headers.emplace_back("cookie", input.ConsumeRandomLengthString(512));
  std::string forwarded = input.ConsumeRandomLengthString(512);
  request.headers.emplace_back("x-forwarded-for", forwarded);
  request.headers.emplace_back("content-type", input.ConsumeRandomLengthString(128));
  request.query = input.ConsumeRandomLengthString(512);
  request.body = input.ConsumeRemainingBytesAsString();

  CheckCookie(request);
  CheckClientIp(request, forwarded);
  oauth::Params params = server::RequestParams(request);
  if (request.method == "GET") {
    FUZZ_CHECK(params.all() == oauth::Params::Parse(request.query).all());
  } else if (!server::IsFormPost(request)) {
    FUZZ_CHECK(!params.valid());
  }
  return 0;
}
