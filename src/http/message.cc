#include "http/message.h"

#include <strings.h>

namespace authgent::http {

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

Response& Response::Set(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response& Response::Add(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

bool Response::Has(std::string_view name) const { return Get(name).has_value(); }

std::optional<std::string_view> Response::Get(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

Response Response::Json(int status, const nlohmann::json& body) {
  return JsonText(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response Response::JsonText(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

Response Response::Error(int status, std::string_view code, std::string_view description) {
  Response r = Json(status, {{"error", code}, {"error_description", description}});
  r.Set("Cache-Control", "no-store");
  return r;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "";
  }
}

}  // namespace authgent::http
