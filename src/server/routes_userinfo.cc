// GET and POST /oauth/userinfo: the OpenID Connect UserInfo endpoint (oauth/userinfo).
#include "oauth/metadata.h"
#include "oauth/userinfo.h"
#include "server/app.h"
#include "server/web.h"

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
    // 503 temporarily_unavailable in a storage outage, 500 for anything else (server/web).
    if (!answer.fault.ok()) return OAuthErrorResponse(oauth::FromFailure(answer.fault), request);
    if (answer.status != 200) {
      http::Response r;
      r.status = answer.status;
      r.Set("WWW-Authenticate", answer.www_authenticate);
      return r;
    }
    return http::Response::Json(200, answer.claims);
  };
  router_.Add("GET", oauth::kUserinfoPath, http::OnWorkers(userinfo), {.cors = true});
  router_.Add("POST", oauth::kUserinfoPath, http::OnWorkers(userinfo), {.cors = true});
}

}  // namespace authgent::server
