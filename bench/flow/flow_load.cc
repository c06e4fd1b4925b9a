// bench/flow: load generator for scenario (8), a new MCP client's whole first connection with a
// logged-in user: register -> authorize (consent page) -> approve -> code exchange. wrk cannot
// chain requests that depend on each other's answers, so this drives the flow itself: one thread
// per connection, each on its own keep-alive connection, running flows back to back.
//
//   flow_load PORT SECONDS CONNECTIONS USERNAME PASSWORD
//
// Logs in once (the user is already logged in for every measured flow, as the scenario says),
// then prints one line:
//   FLOWS flows=N seconds=S rate=R p50_us=.. p99_us=.. errors=E requests=Q
// Every step checks its exact status; a flow with any unexpected answer counts as an error and
// its connection is opened again.
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/random.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

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

struct Failure {
  std::string what;
};

class Connection {
 public:
  explicit Connection(int port) : port_(port) { Open(); }

  http::response<http::string_body> Send(http::verb verb, const std::string& target,
                                         const std::string& body, const std::string& content_type,
                                         const std::string& cookie) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(true);
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    ++requests;
    if (!res.keep_alive()) Open();
    return res;
  }
  void Open() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    buffer_.clear();
    stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
  }
  int64_t requests = 0;

 private:
  int port_;
  boost::asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
};

void Expect(const http::response<http::string_body>& res, int status, const char* step) {
  if (static_cast<int>(res.result_int()) != status) {
    throw Failure{std::string(step) + ": HTTP " + std::to_string(res.result_int()) + " " +
                  res.body().substr(0, 200)};
  }
}

// One whole first connection; returns normally only if every step answered as a real client
// expects it to.
void RunFlow(Connection& c, const std::string& cookie) {
  nlohmann::json registration = {{"redirect_uris", {kRedirect}},
                                 {"token_endpoint_auth_method", "none"},
                                 {"grant_types", {"authorization_code", "refresh_token"}},
                                 {"client_name", "bench flow client"}};
  auto reg = c.Send(http::verb::post, "/oauth/register", registration.dump(), "application/json", "");
  Expect(reg, 201, "register");
  std::string client_id = nlohmann::json::parse(reg.body()).value("client_id", "");

  std::string verifier = authgent::SecureRandom::Instance().NewToken();
  std::string challenge = authgent::Base64UrlEncode(authgent::Sha256(verifier));
  auto page = c.Send(http::verb::get,
                     "/oauth/authorize?" + FormEncode({{"response_type", "code"},
                                                       {"client_id", client_id},
                                                       {"redirect_uri", kRedirect},
                                                       {"code_challenge", challenge},
                                                       {"code_challenge_method", "S256"},
                                                       {"state", "bench"},
                                                       {"scope", "mcp:read"}}),
                     "", "", cookie);
  Expect(page, 200, "authorize (consent page)");
  auto decided = c.Send(http::verb::post, "/oauth/consent",
                        FormEncode({{"txn", InputValue(page.body(), "txn")},
                                    {"csrf_token", InputValue(page.body(), "csrf_token")},
                                    {"decision", "approve"}}),
                        "application/x-www-form-urlencoded", cookie);
  Expect(decided, 302, "consent approve");
  std::string location(decided[http::field::location]);
  std::string code = QueryValue(location, "code");
  if (code.empty() || QueryValue(location, "state") != "bench") throw Failure{"no code in " + location};
  auto token = c.Send(http::verb::post, "/oauth/token",
                      FormEncode({{"grant_type", "authorization_code"},
                                  {"client_id", client_id},
                                  {"code", code},
                                  {"code_verifier", verifier},
                                  {"redirect_uri", kRedirect}}),
                      "application/x-www-form-urlencoded", "");
  Expect(token, 200, "code exchange");
  if (token.body().find("\"access_token\"") == std::string::npos) throw Failure{"no access_token"};
}

// Logs in through the real login page once, as a browser would; returns the session cookie.
std::string LogIn(int port, const std::string& username, const std::string& password) {
  Connection c(port);
  auto reg = c.Send(http::verb::post, "/oauth/register",
                    nlohmann::json{{"redirect_uris", {kRedirect}},
                                   {"token_endpoint_auth_method", "none"}}
                        .dump(),
                    "application/json", "");
  Expect(reg, 201, "register (login)");
  std::string client_id = nlohmann::json::parse(reg.body()).value("client_id", "");
  std::string challenge = authgent::Base64UrlEncode(authgent::Sha256("login-verifier-0123456789-0123456789-0123456789"));
  auto to_login = c.Send(http::verb::get,
                         "/oauth/authorize?" + FormEncode({{"response_type", "code"},
                                                           {"client_id", client_id},
                                                           {"redirect_uri", kRedirect},
                                                           {"code_challenge", challenge},
                                                           {"code_challenge_method", "S256"}}),
                         "", "", "");
  Expect(to_login, 303, "authorize (to login)");
  auto login_page = c.Send(http::verb::get, std::string(to_login[http::field::location]), "", "", "");
  Expect(login_page, 200, "login page");
  auto logged_in = c.Send(http::verb::post, "/oauth/login",
                          FormEncode({{"txn", InputValue(login_page.body(), "txn")},
                                      {"username", username},
                                      {"password", password}}),
                          "application/x-www-form-urlencoded", "");
  Expect(logged_in, 303, "login");
  std::string set_cookie(logged_in[http::field::set_cookie]);
  return set_cookie.substr(0, set_cookie.find(';'));
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
  std::string cookie;
  try {
    cookie = LogIn(port, argv[4], argv[5]);
  } catch (const std::exception& e) {
    std::cerr << "flow_load: cannot log in: " << e.what() << "\n";
    return 1;
  } catch (const Failure& f) {
    std::cerr << "flow_load: cannot log in: " << f.what << "\n";
    return 1;
  }

  std::atomic<int64_t> errors{0}, requests{0};
  std::mutex mu;
  std::vector<int64_t> latencies_us;
  std::string first_error;
  Clock::time_point start = Clock::now();
  Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&] {
      std::vector<int64_t> mine;
      std::unique_ptr<Connection> c;
      while (Clock::now() < end) {
        Clock::time_point t0 = Clock::now();
        try {
          if (!c) c = std::make_unique<Connection>(port);
          RunFlow(*c, cookie);
          mine.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
        } catch (const Failure& f) {
          ++errors;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = f.what;
          c.reset();
        } catch (const std::exception& e) {
          ++errors;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = e.what();
          c.reset();
        }
      }
      if (c) requests += c->requests;
      std::lock_guard<std::mutex> lock(mu);
      latencies_us.insert(latencies_us.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies_us.begin(), latencies_us.end());
  auto percentile = [&](double p) -> int64_t {
    if (latencies_us.empty()) return 0;
    return latencies_us[std::min(latencies_us.size() - 1, static_cast<size_t>(p * latencies_us.size()))];
  };
  std::printf("FLOWS flows=%zu seconds=%.2f rate=%.1f p50_us=%lld p99_us=%lld errors=%lld requests=%lld\n",
              latencies_us.size(), elapsed, latencies_us.size() / elapsed,
              static_cast<long long>(percentile(0.50)), static_cast<long long>(percentile(0.99)),
              static_cast<long long>(errors.load()), static_cast<long long>(requests.load()));
  if (!first_error.empty()) std::fprintf(stderr, "flow_load: first error: %s\n", first_error.c_str());
  return errors.load() == 0 ? 0 : 1;
}
