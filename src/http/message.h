// http/message: the request and response values handlers see. Handlers never touch Beast: the
// server converts to and from these, so oauth/ and server/ stay free of Beast headers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authgent::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target up to '?', as sent (not percent-decoded)
  std::string query;   // after '?', raw; empty when absent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;  // the peer's IP address
  std::string request_id;

  // The first header with this (lower-case) name, or nullopt.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Replaces the header of that name (case-insensitive), or adds it.
  Response& Set(std::string name, std::string value);
  // Adds one more header line of that name (for Set-Cookie, which cannot be combined).
  Response& Add(std::string name, std::string value);
  bool Has(std::string_view name) const;  // case-insensitive
  std::optional<std::string_view> Get(std::string_view name) const;

  // A JSON body with Content-Type application/json. Never emits `null` members that the
  // caller did not put there; dump() replaces invalid UTF-8 instead of throwing.
  static Response Json(int status, const nlohmann::json& body);
  // A pre-serialised JSON body (for documents built once and served many times).
  static Response JsonText(int status, std::string body);
  // {"error": code, "error_description": description} with Cache-Control: no-store.
  static Response Error(int status, std::string_view code, std::string_view description);
};

// Standard reason phrase for the status line.
std::string_view ReasonPhrase(int status);

}  // namespace authgent::http
