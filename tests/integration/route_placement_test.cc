// Where every route of the server runs, on SQLite: inline on the network thread (answers from
// memory), on the worker pool (storage reads and writes that block, password hashing), or
// asynchronously (the grant and approval writes that wait for SQLite's batch writer without a
// thread). A route that blocks must never be placed inline, and the writes that can wait without
// a thread must not be sent to a worker by a sibling method's options.
#include <gtest/gtest.h>

#include "test_server.h"

namespace authgent::testing {
namespace {

struct Expected {
  const char* method;
  const char* path;
  http::Placement placement;
};

TEST(RoutePlacement, EveryRouteRunsWhereItShould) {
  TestServer server;
  using P = http::Placement;
  const Expected routes[] = {
      {"GET", "/.well-known/oauth-authorization-server", P::kInline},
      {"GET", "/.well-known/openid-configuration", P::kInline},
      {"GET", "/.well-known/jwks.json", P::kInline},  // the key snapshot is fresh
      {"GET", "/healthz", P::kInline},
      {"GET", "/readyz", P::kWorker},
      {"POST", "/oauth/register", P::kWorker},
      {"POST", "/oauth/token", P::kAsync},
      {"POST", "/oauth/revoke", P::kWorker},
      {"POST", "/oauth/introspect", P::kWorker},
      {"GET", "/oauth/authorize", P::kWorker},
      {"POST", "/oauth/authorize", P::kWorker},
      {"GET", "/oauth/login", P::kWorker},
      {"POST", "/oauth/login", P::kWorker},
      {"GET", "/oauth/consent", P::kWorker},
      {"POST", "/oauth/consent", P::kAsync},
      {"GET", "/oauth/logout", P::kWorker},
      {"POST", "/oauth/logout", P::kWorker},
      {"GET", "/oauth/userinfo", P::kWorker},
      {"POST", "/oauth/userinfo", P::kWorker},
      {"GET", "/oauth/upstream/callback", P::kWorker},
      {"GET", "/no/such/path", P::kInline},
  };
  for (const Expected& e : routes) {
    http::Request request;
    request.method = e.method;
    request.path = e.path;
    EXPECT_EQ(static_cast<int>(server.app().router().Place(request)),
              static_cast<int>(e.placement))
        << e.method << " " << e.path;
  }
}

}  // namespace
}  // namespace authgent::testing
