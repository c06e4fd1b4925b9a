#include "http/wire.h"

#include <cctype>

#include "core/random.h"

namespace authgent::http {
namespace bhttp = boost::beast::http;
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

}  // namespace

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
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = in.body();
  out.remote_address = remote;
  std::optional<std::string_view> id = out.Header("x-request-id");
  out.request_id = (id && SaneRequestId(*id)) ? std::string(*id) : NewRequestId();
  return out;
}

WireResponse ToWire(Response response, const Request& request, bool keep_alive) {
  WireResponse out;
  out.version(11);
  out.result(static_cast<unsigned>(response.status));
  out.reason(ReasonPhrase(response.status));
  for (auto& [name, value] : response.headers) out.insert(name, value);
  if (!response.Has("Cache-Control")) out.set(bhttp::field::cache_control, "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  out.set("X-Request-Id", request.request_id);
  bool head = request.method == "HEAD";
  size_t length = response.body.size();
  out.body() = head ? std::string() : std::move(response.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head) out.content_length(length);
  return out;
}

}  // namespace authgent::http
