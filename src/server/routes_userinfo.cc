// GET and POST /oauth/userinfo: the OpenID Connect UserInfo endpoint (oauth/userinfo).
#include "core/log.h"
#include "oauth/metadata.h"
#include "oauth/userinfo.h"
#include "server/app.h"

namespace authgent::server {

void App::AddUserinfoRoutes() {
  auto userinfo = [this](const http::Request& request) {
    auto keys = keys_->Current();
    if (!keys.ok()) {
      return http::Response::Error(503, "temporarily_unavailable", "signing keys unavailable");
    }
    oauth::UserinfoAnswer answer = oauth::Userinfo(
        *store_, **keys, config_.issuer, request.Header("authorization").value_or(""),
        clock_.Now());
    if (answer.status == 500) {
      log::Error("userinfo failed", {{"request_id", request.request_id}});
      return http::Response::Error(500, "server_error", "internal error");
    }
    if (answer.status != 200) {
      http::Response r;
      r.status = answer.status;
      r.Set("WWW-Authenticate", answer.www_authenticate);
      return r;
    }
    return http::Response::Json(200, answer.claims);
  };
  router_.Add("GET", oauth::kUserinfoPath, userinfo, {.cors = true, .blocking = true});
  router_.Add("POST", oauth::kUserinfoPath, userinfo, {.cors = true, .blocking = true});
}

}  // namespace authgent::server
