#include "server/userinfo_endpoint.h"

#include "oauth/metadata.h"
#include "oauth/userinfo.h"
#include "server/web.h"

namespace authgent::server {

void UserinfoEndpoint::Register(http::Router& router) {
  auto handler = http::OnWorkers([this](const http::Request& r) { return Handle(r); });
  router.Add("GET", oauth::kUserinfoPath, handler, {.cors = true});
  router.Add("POST", oauth::kUserinfoPath, handler, {.cors = true});
}

http::Response UserinfoEndpoint::Handle(const http::Request& request) {
  auto keys = keys_.Current();
  if (!keys.ok()) {
    return http::Response::Error(503, "temporarily_unavailable", "signing keys unavailable");
  }
  oauth::UserinfoAnswer answer = oauth::Userinfo(
      store_, **keys, issuer_, request.Header("authorization").value_or(""), clock_.Now());
  // 503 temporarily_unavailable in a storage outage, 500 for anything else (server/web).
  if (!answer.fault.ok()) return OAuthErrorResponse(oauth::FromFailure(answer.fault), request);
  if (answer.status != 200) {
    http::Response r;
    r.status = answer.status;
    r.Set("WWW-Authenticate", answer.www_authenticate);
    return r;
  }
  return http::Response::Json(200, answer.claims);
}

}  // namespace authgent::server
