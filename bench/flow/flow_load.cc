// bench/flow: load generator for scenario (8), a new MCP client's whole first connection with a
// logged-in user: register -> authorize (consent page) -> approve -> code exchange. wrk cannot
// chain requests that depend on each other's answers, so this drives the flow itself: one
// coroutine per connection, each on its own keep-alive connection, running flows back to back,
// all on one thread with one event loop (as wrk -t1 does), so that the load generator's own CPU,
// which shares this machine with the server, stays small.
//
//   flow_load PORT SECONDS CONNECTIONS USERNAME PASSWORD
//
// Logs in once (the user is already logged in for every measured flow, as the scenario says),
// then prints one line:
//   FLOWS flows=N seconds=S rate=R p50_us=.. p99_us=.. errors=E requests=Q
// Every step checks its exact status; a flow with any unexpected answer counts as an error and
// its connection is opened again.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/random.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Response = http::response<http::string_body>;

constexpr char kRedirect[] = "http://127.0.0.1/callback";

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += k + '=';
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
  }
  return out;
}

std::string InputValue(const std::string& html, const std::string& name) {
  std::string marker = "name=\"" + name + "\" value=\"";
  size_t at = html.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return html.substr(at, html.find('"', at) - at);
}

// The value of `name` in the query of `url` (codes and states are base64url: no decoding needed).
std::string QueryValue(const std::string& url, const std::string& name) {
  size_t at = url.find("?" + name + "=");
  if (at == std::string::npos) at = url.find("&" + name + "=");
  if (at == std::string::npos) return "";
  at += name.size() + 2;
  return url.substr(at, url.find('&', at) - at);
}

// The value of a top-level string member in a small JSON object we produced ourselves (the
// registration answer): enough here, and cheaper than a JSON parser in the load generator.
std::string JsonString(const std::string& json, const std::string& name) {
  std::string marker = "\"" + name + "\":\"";
  size_t at = json.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return json.substr(at, json.find('"', at) - at);
}

struct Failure {
  std::string what;
};

class Connection {
 public:
  explicit Connection(int port) : port_(port) {}

  // Parameters by value: a coroutine must own what it uses after suspending.
  awaitable<Response> Send(http::verb verb, std::string target, std::string body,
                           const char* content_type, std::string cookie) {
    if (!open_) {
      beast::error_code ignored;
      socket_.close(ignored);
      buffer_.clear();
      co_await socket_.async_connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)),
          use_awaitable);
      socket_.set_option(tcp::no_delay(true));
      open_ = true;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    if (content_type != nullptr) req.set(http::field::content_type, content_type);
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    req.body() = std::move(body);
    req.prepare_payload();
    req.keep_alive(true);
    open_ = false;  // until the answer has been read whole
    co_await http::async_write(socket_, req, use_awaitable);
    Response res;
    co_await http::async_read(socket_, buffer_, res, use_awaitable);
    ++requests;
    open_ = res.keep_alive();
    co_return res;
  }
  int64_t requests = 0;

 private:
  int port_;
  std::string host_ = "127.0.0.1:" + std::to_string(port_);
  tcp::socket socket_{io()};
  beast::flat_buffer buffer_;
  bool open_ = false;

 public:
  static asio::io_context& io() {
    static asio::io_context context(1);
    return context;
  }
};

void Expect(const Response& res, int status, const char* step) {
  if (static_cast<int>(res.result_int()) != status) {
    throw Failure{std::string(step) + ": HTTP " + std::to_string(res.result_int()) + " " +
                  res.body().substr(0, 200)};
  }
}

// "name=value" of the (first) cookie a response sets.
std::string CookiePair(const Response& r) {
  std::string set(r[http::field::set_cookie]);
  return set.substr(0, set.find(';'));
}

// The registration every flow sends (the same client metadata each time, as one MCP client
// build would).
const std::string& RegistrationBody() {
  static const std::string body = std::string("{\"redirect_uris\":[\"") + kRedirect +
                                  "\"],\"token_endpoint_auth_method\":\"none\","
                                  "\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                                  "\"client_name\":\"bench flow client\"}";
  return body;
}

// One whole first connection; returns normally only if every step answered as a real client
// expects it to.
awaitable<void> RunFlow(Connection& c, const std::string& cookie) {
  // Each request is built before its co_await (GCC 12 cannot keep braced initialisers alive
  // across a suspension point).
  Response reg = co_await c.Send(http::verb::post, "/oauth/register", RegistrationBody(),
                                 "application/json", "");
  Expect(reg, 201, "register");
  std::string client_id = JsonString(reg.body(), "client_id");

  std::string verifier = authgent::SecureRandom::Instance().NewToken();
  std::string challenge = authgent::Base64UrlEncode(authgent::Sha256(verifier));
  std::string authorize = "/oauth/authorize?" + FormEncode({{"response_type", "code"},
                                                            {"client_id", client_id},
                                                            {"redirect_uri", kRedirect},
                                                            {"code_challenge", challenge},
                                                            {"code_challenge_method", "S256"},
                                                            {"state", "bench"},
                                                            {"scope", "mcp:read"}});
  Response page = co_await c.Send(http::verb::get, authorize, "", nullptr, cookie);
  Expect(page, 200, "authorize (consent page)");
  std::string approval = FormEncode({{"txn", InputValue(page.body(), "txn")},
                                     {"csrf_token", InputValue(page.body(), "csrf_token")},
                                     {"decision", "approve"}});
  // The consent is posted by the browser that started the flow: its transaction cookie too.
  std::string cookies = cookie + "; " + CookiePair(page);
  Response decided = co_await c.Send(http::verb::post, "/oauth/consent", std::move(approval),
                                     "application/x-www-form-urlencoded", cookies);
  Expect(decided, 302, "consent approve");
  std::string location(decided[http::field::location]);
  std::string code = QueryValue(location, "code");
  if (code.empty() || QueryValue(location, "state") != "bench") throw Failure{"no code in " + location};
  std::string exchange = FormEncode({{"grant_type", "authorization_code"},
                                     {"client_id", client_id},
                                     {"code", code},
                                     {"code_verifier", verifier},
                                     {"redirect_uri", kRedirect}});
  Response token = co_await c.Send(http::verb::post, "/oauth/token", std::move(exchange),
                                   "application/x-www-form-urlencoded", "");
  Expect(token, 200, "code exchange");
  if (token.body().find("\"access_token\"") == std::string::npos) throw Failure{"no access_token"};
}

// Logs in through the real login page once, as a browser would; returns the session cookie.
awaitable<std::string> LogIn(int port, std::string username, std::string password) {
  Connection c(port);
  Response reg = co_await c.Send(http::verb::post, "/oauth/register", RegistrationBody(),
                                 "application/json", "");
  Expect(reg, 201, "register (login)");
  std::string client_id = JsonString(reg.body(), "client_id");
  std::string challenge = authgent::Base64UrlEncode(authgent::Sha256("login-verifier-0123456789-0123456789-0123456789"));
  std::string authorize = "/oauth/authorize?" + FormEncode({{"response_type", "code"},
                                                            {"client_id", client_id},
                                                            {"redirect_uri", kRedirect},
                                                            {"code_challenge", challenge},
                                                            {"code_challenge_method", "S256"}});
  Response to_login = co_await c.Send(http::verb::get, authorize, "", nullptr, "");
  Expect(to_login, 303, "authorize (to login)");
  std::string login_location(to_login[http::field::location]);
  std::string browser = CookiePair(to_login);  // the transaction cookie binds the flow
  Response login_page = co_await c.Send(http::verb::get, login_location, "", nullptr, browser);
  Expect(login_page, 200, "login page");
  std::string credentials = FormEncode({{"txn", InputValue(login_page.body(), "txn")},
                                        {"username", username},
                                        {"password", password}});
  Response logged_in = co_await c.Send(http::verb::post, "/oauth/login", std::move(credentials),
                                       "application/x-www-form-urlencoded", browser);
  Expect(logged_in, 303, "login");
  co_return CookiePair(logged_in);
}

struct Totals {
  int64_t errors = 0, requests = 0;
  std::vector<int64_t> latencies_us;
  std::string first_error;
  void Fail(const std::string& what) {
    ++errors;
    if (first_error.empty()) first_error = what;
  }
};

// One connection's share of the run: flows back to back until `end`.
awaitable<void> Drive(int port, std::string cookie, Clock::time_point end, Totals& totals) {
  auto c = std::make_unique<Connection>(port);
  while (Clock::now() < end) {
    Clock::time_point t0 = Clock::now();
    std::string failure;
    try {
      co_await RunFlow(*c, cookie);
      totals.latencies_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
      continue;
    } catch (const Failure& f) {
      failure = f.what;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    totals.Fail(failure);
    totals.requests += c->requests;
    c = std::make_unique<Connection>(port);  // a fresh connection after any failure
  }
  totals.requests += c->requests;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: flow_load PORT SECONDS CONNECTIONS USERNAME PASSWORD\n";
    return 2;
  }
  int port = std::stoi(argv[1]);
  double seconds = std::stod(argv[2]);
  int connections = std::stoi(argv[3]);
  asio::io_context& io = Connection::io();

  std::string cookie, login_error;
  asio::co_spawn(io, LogIn(port, argv[4], argv[5]),
                 [&](std::exception_ptr e, std::string got) {
                   if (!e) { cookie = std::move(got); return; }
                   try {
                     std::rethrow_exception(e);
                   } catch (const Failure& f) {
                     login_error = f.what;
                   } catch (const std::exception& x) {
                     login_error = x.what();
                   }
                 });
  io.run();
  if (cookie.empty()) {
    std::cerr << "flow_load: cannot log in: " << login_error << "\n";
    return 1;
  }

  io.restart();
  Totals totals;
  Clock::time_point start = Clock::now();
  Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; i < connections; ++i) {
    asio::co_spawn(io, Drive(port, cookie, end, totals), asio::detached);
  }
  io.run();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<int64_t>& latencies_us = totals.latencies_us;
  std::sort(latencies_us.begin(), latencies_us.end());
  auto percentile = [&](double p) -> int64_t {
    if (latencies_us.empty()) return 0;
    return latencies_us[std::min(latencies_us.size() - 1, static_cast<size_t>(p * latencies_us.size()))];
  };
  std::printf("FLOWS flows=%zu seconds=%.2f rate=%.1f p50_us=%lld p99_us=%lld errors=%lld requests=%lld\n",
              latencies_us.size(), elapsed, latencies_us.size() / elapsed,
              static_cast<long long>(percentile(0.50)), static_cast<long long>(percentile(0.99)),
              static_cast<long long>(totals.errors), static_cast<long long>(totals.requests));
  if (!totals.first_error.empty()) std::fprintf(stderr, "flow_load: first error: %s\n", totals.first_error.c_str());
  return totals.errors == 0 ? 0 : 1;
}
