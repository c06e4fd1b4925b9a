// http/wire: the conversion between Beast's messages and the Request and Response values that
// handlers see. It is apart from http/server so that it can be fuzzed without the coroutines
// (fuzz/http_request_fuzzer): what a client sends reaches the handlers only through FromWire, and
// what they answer reaches the client only through ToWire. Requests are parsed by Beast; answers
// are written here as text, one status line and header block, without Beast's serializer (which
// cost about 3% of the server's CPU per small answer).
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string>

#include "http/message.h"

namespace authgent::http {

using WireRequest = boost::beast::http::request<boost::beast::http::string_body>;

// An answer as it goes out: the status line and the headers, ending with the empty line, then the
// body (sent together, in one write).
struct WireResponse {
  std::string head;
  std::string body;
};

// A fresh request id: 32 hex digits.
std::string NewRequestId();

// A request that Beast parsed but that must not be served, as its answer (the connection is then
// closed): a Transfer-Encoding other than exactly `chunked` (RFC 9112 §6.3: the body's end is
// unknown, and the bytes behind it could be served as a second request, which is request
// smuggling), a repeated Transfer-Encoding, a missing Host in HTTP/1.1 or a repeated one
// (RFC 9112 §3.2: 400), and a request line plus headers larger than `header_limit` in total
// (431; Beast's own limit let many small headers through).
std::optional<Response> FramingRefusal(const WireRequest& in, size_t header_limit);

// The request as handlers see it: the target split at the first '?', header names lower-cased,
// and the client's X-Request-Id kept only when it is 1-128 characters of [A-Za-z0-9._:-]
// (it is echoed in a response header and logged), else a fresh one.
Request FromWire(const WireRequest& in, const std::string& remote);

// The response to `request` (whose request_id must be set): the handler's headers, then
// Cache-Control: no-store unless the handler chose one, nosniff, X-Request-Id, Connection: close
// unless keep_alive, and the length. The headers the server owns (X-Request-Id,
// X-Content-Type-Options, Connection, Content-Length, Transfer-Encoding) are its own even when a
// handler set them. A header whose name is not an RFC 9110 token, or whose value holds CR, LF
// or NUL, would let a handler's data end the header block: the whole answer becomes a 500 (and
// is logged). A HEAD request gets the length of the body it would have had, and no body.
WireResponse ToWire(Response response, const Request& request, bool keep_alive);

}  // namespace authgent::http
