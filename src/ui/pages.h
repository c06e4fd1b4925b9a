// ui/pages: the server-rendered HTML pages (login, consent, messages). Logic-less mustache
// templates with inline CSS: no JavaScript, readable on a phone, every value HTML-escaped.
#pragma once

#include <string>
#include <vector>

namespace authgent::ui {

struct LoginPage {
  std::string service_name;
  std::string client_name;  // who asks, as the client registered it
  std::string transaction;  // hidden field carrying the pending authorization
  std::string username;     // pre-filled after a failed attempt
  std::string error;        // a generic message, or empty
};

struct ScopeLine {
  std::string name;
  std::string description;
};

struct ConsentPage {
  std::string service_name;
  std::string user_name;
  std::string client_name;
  std::string client_id;
  std::string redirect_host;
  std::string resource;
  std::vector<ScopeLine> scopes;
  std::string transaction;
  std::string csrf_token;
};

struct MessagePage {
  std::string service_name;
  std::string title;
  std::string message;
};

std::string RenderLogin(const LoginPage& page);
std::string RenderConsent(const ConsentPage& page);
std::string RenderMessage(const MessagePage& page);

}  // namespace authgent::ui
