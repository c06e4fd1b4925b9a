// tests/integration/fake_idp: an OpenID provider in the test process (discovery, JWKS, token
// endpoint over real HTTP) whose id_tokens the test shapes, down to malformed ones a real
// provider would never send.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/router.h"
#include "http/server.h"
#include "test_signer.h"

namespace authgent::testing {

class FakeIdp {
 public:
  // `alg` "RS256" or "ES256"; `port` 0 for any free one.
  explicit FakeIdp(const std::string& alg = "RS256", int port = 0);
  ~FakeIdp();

  std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // The id_token the next token request returns: claims made by `claims(nonce)`, signed by `sign`.
  void SetClaims(std::function<nlohmann::json()> claims) {
    std::lock_guard lock(mu_);
    claims_ = std::move(claims);
  }
  void SetTokenOverride(std::function<std::string(const nlohmann::json&)> sign) {
    std::lock_guard lock(mu_);
    sign_ = std::move(sign);
  }
  const verify::testing::TestSigner& signer() const { return signer_; }
  int token_requests() const { return token_requests_; }

 private:
  verify::testing::TestSigner signer_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::function<nlohmann::json()> claims_;
  std::function<std::string(const nlohmann::json&)> sign_;
  std::atomic<int> token_requests_{0};
};

}  // namespace authgent::testing
