#include "fake_idp.h"

namespace authgent::testing {

FakeIdp::FakeIdp(const std::string& alg, int port) : signer_(alg, "idp-key-1") {
  router_.Add("GET", "/.well-known/openid-configuration", [this](const http::Request&) {
    return http::Response::Json(200, {{"issuer", issuer()},
                                      {"authorization_endpoint", issuer() + "/authorize"},
                                      {"token_endpoint", issuer() + "/token"},
                                      {"jwks_uri", issuer() + "/jwks"},
                                      {"token_endpoint_auth_methods_supported", {"client_secret_basic"}},
                                      {"id_token_signing_alg_values_supported", {"RS256", "ES256"}}});
  });
  router_.Add("GET", "/jwks", [this](const http::Request&) {
    return http::Response::JsonText(200, signer_.JwksJson());
  });
  router_.Add("POST", "/token", [this](const http::Request& request) {
    ++token_requests_;
    auto auth = request.Header("authorization");
    if (!auth || auth->rfind("Basic ", 0) != 0) {
      return http::Response::Error(401, "invalid_client", "Basic authentication required");
    }
    std::lock_guard lock(mu_);
    nlohmann::json claims = claims_ ? claims_() : nlohmann::json::object();
    std::string id_token = sign_ ? sign_(claims) : signer_.Sign(claims);
    return http::Response::Json(200, {{"access_token", "upstream-access-token"},
                                      {"token_type", "Bearer"},
                                      {"id_token", id_token}});
  });
  http::ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = port;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.access_log = false;
  server_ = std::make_unique<http::Server>(options, router_);
  port_ = *server_->Listen();
  thread_ = std::thread([this] { server_->Run(false); });
}

FakeIdp::~FakeIdp() {
  server_->Shutdown();
  thread_.join();
}

}  // namespace authgent::testing
