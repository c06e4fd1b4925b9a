#include "http/wire.h"

#include <strings.h>

#include <cctype>

#include "core/ascii.h"
#include "core/log.h"
#include "core/random.h"

namespace authgent::http {
namespace {

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 9110 5.1: a field name is a token.
bool HeaderToken(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// RFC 9110 5.5: CR, LF and NUL never appear in a field value.
bool HeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Headers that ToWire writes itself, whatever the handler set.
bool ServerOwned(std::string_view name) {
  for (std::string_view own : {"X-Request-Id", "X-Content-Type-Options", "Connection",
                               "Content-Length", "Transfer-Encoding"}) {
    if (EqualsIgnoringCase(name, own)) return true;
  }
  return false;
}

void AppendHeader(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(": ").append(value).append("\r\n");
}

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Response> FramingRefusal(const WireRequest& in, size_t header_limit) {
  namespace bhttp = boost::beast::http;
  size_t header_bytes = in.method_string().size() + in.target().size() + 12;  // the request line
  for (const auto& field : in) header_bytes += field.name_string().size() + field.value().size() + 4;
  if (header_bytes > header_limit) {
    return Response::Error(431, "request_header_fields_too_large",
                           "the request headers exceed 8 KiB");
  }
  size_t encodings = in.count(bhttp::field::transfer_encoding);
  if (encodings > 1 ||
      (encodings == 1 &&
       !EqualsIgnoringCase(Trimmed(in[bhttp::field::transfer_encoding]), "chunked"))) {
    return Response::Error(400, "invalid_request",
                           "Transfer-Encoding must be chunked (or absent, with Content-Length)");
  }
  size_t hosts = in.count(bhttp::field::host);
  if (hosts > 1 || (hosts == 0 && in.version() >= 11)) {
    return Response::Error(400, "invalid_request", "the request needs exactly one Host header");
  }
  return std::nullopt;
}

std::string NewRequestId() {
  return SecureRandom::Instance().Hex(16);
}

Request FromWire(const WireRequest& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  std::string_view target = in.target();
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.headers.reserve(8);
  for (const auto& field : in) {
    std::string name = AsciiLower(field.name_string());
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = in.body();
  out.remote_address = remote;
  std::optional<std::string_view> id = out.Header("x-request-id");
  out.request_id = (id && SaneRequestId(*id)) ? std::string(*id) : NewRequestId();
  return out;
}

WireResponse ToWire(Response response, const Request& request, bool keep_alive) {
  for (const auto& [name, value] : response.headers) {
    if (!HeaderToken(name) || !HeaderValue(value)) {
      log::Error("a handler's answer has a header that would break the header block; answered 500",
                 {{"path", request.path}, {"header", HeaderToken(name) ? name : "(not a token)"}});
      response = Response::Error(500, "server_error", "internal error");
      break;
    }
  }
  WireResponse out;
  std::string& head = out.head;
  head.reserve(256);
  head.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  head.append(ReasonPhrase(response.status)).append("\r\n");
  bool cache_control = false;
  for (const auto& [name, value] : response.headers) {
    if (ServerOwned(name)) continue;
    cache_control = cache_control || EqualsIgnoringCase(name, "Cache-Control");
    AppendHeader(head, name, value);
  }
  if (!cache_control) AppendHeader(head, "Cache-Control", "no-store");
  AppendHeader(head, "X-Content-Type-Options", "nosniff");
  AppendHeader(head, "X-Request-Id", request.request_id);
  if (!keep_alive) AppendHeader(head, "Connection", "close");
  AppendHeader(head, "Content-Length", std::to_string(response.body.size()));
  head.append("\r\n");
  if (request.method != "HEAD") out.body = std::move(response.body);
  return out;
}

}  // namespace authgent::http
