// libFuzzer target: what a client's bytes become on their way to a handler and back. The input
// is what one connection sends (one request, or several pipelined); each request goes through
// Beast's parser with the server's limits (8 KiB of headers, a 64 KiB body here), then
// http/wire's FromWire, and the answer through ToWire.
// Properties: the handler's Request is exactly what Beast parsed (target split at the first '?',
// lower-case header names, no CR or LF in a value, a body within the limit); the request id is
// always 1-128 safe characters, and the client's own when it was one; the serialized answer
// parses back as exactly one response, whose X-Request-Id and body are the ones set, so that
// nothing a client sends can add a header or a second response.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/wire.h"

using namespace authgent;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kHeaderLimit = 8 * 1024;
constexpr size_t kBodyLimit = 64 * 1024;

bool SafeIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == ':';
}

bool SafeId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!SafeIdChar(c)) return false;
  }
  return true;
}

// Feeds `rest` to `parser` as Beast's read loop does, all bytes available at once (the header in
// one call, then the body). Returns whether a whole message was parsed; consumes what it used.
template <class Parser>
bool Parse(Parser& parser, std::string_view& rest) {
  boost::system::error_code ec;
  while (!parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec && ec != bhttp::error::need_more) return false;
    ec = {};
    if (used == 0) {  // it needs bytes that will never come: the connection ends here
      parser.put_eof(ec);
      return !ec && parser.is_done();
    }
  }
  return true;
}

void CheckRequest(const http::WireRequest& wire, const http::Request& r) {
  FUZZ_CHECK(!r.method.empty() && r.method == wire.method_string());
  std::string_view target = wire.target();
  FUZZ_CHECK(r.path.find('?') == std::string::npos);
  FUZZ_CHECK(target.substr(0, r.path.size()) == r.path);
  if (target.size() > r.path.size()) {
    FUZZ_CHECK(target[r.path.size()] == '?' && target.substr(r.path.size() + 1) == r.query);
  } else {
    FUZZ_CHECK(r.query.empty());
  }
  size_t fields = 0;
  for (const auto& field : wire) {
    (void)field;
    ++fields;
  }
  FUZZ_CHECK(r.headers.size() == fields);
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(!name.empty());
    for (char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
  }
  FUZZ_CHECK(r.body.size() <= kBodyLimit && r.body == wire.body());
  FUZZ_CHECK(SafeId(r.request_id));
  auto sent = wire.find("x-request-id");
  if (sent != wire.end() && SafeId(sent->value())) FUZZ_CHECK(r.request_id == sent->value());
}

// The answer a handler gives, with a body naming the request's path, serialized and parsed back.
void CheckAnswer(const http::Request& r, bool keep_alive, int status) {
  std::string json = "{\"path_length\":" + std::to_string(r.path.size()) + "}";
  http::Response response = http::Response::JsonText(status, json);
  std::string body = response.body;
  http::WireResponse wire = http::ToWire(std::move(response), r, keep_alive);
  std::string text = wire.head + wire.body;

  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(r.method == "HEAD");  // a HEAD answer names a length but carries no body
  std::string_view rest = text;
  FUZZ_CHECK(Parse(parser, rest));
  FUZZ_CHECK(rest.empty());  // one response, nothing after it
  const auto& back = parser.get();
  FUZZ_CHECK(back.result_int() == static_cast<unsigned>(status));
  FUZZ_CHECK(back.count("X-Request-Id") == 1 && back["X-Request-Id"] == r.request_id);
  FUZZ_CHECK(back.keep_alive() == keep_alive);
  FUZZ_CHECK(back.body() == (r.method == "HEAD" ? std::string() : body));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  static const int kStatuses[] = {200, 201, 302, 400, 401, 404, 429, 500};
  for (int served = 0; served < 8 && !rest.empty(); ++served) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    parser.body_limit(kBodyLimit);
    if (!Parse(parser, rest)) return 0;  // the server answers 400/413/431 and closes
    if (auto refused = http::FramingRefusal(parser.get(), kHeaderLimit)) {
      // Refused and closed: nothing after it is served. The refusal is a well-formed answer.
      FUZZ_CHECK(refused->status == 400 || refused->status == 431);
      return 0;
    }
    // What is served has one Host (HTTP/1.1) and no Transfer-Encoding but chunked.
    FUZZ_CHECK(parser.get().count(bhttp::field::host) <= 1);
    FUZZ_CHECK(parser.get().count(bhttp::field::transfer_encoding) <= 1);
    http::Request request = http::FromWire(parser.get(), "192.0.2.1");
    CheckRequest(parser.get(), request);
    bool keep_alive = parser.get().keep_alive();
    CheckAnswer(request, keep_alive, kStatuses[served]);
    if (!keep_alive) return 0;
  }
  return 0;
}
