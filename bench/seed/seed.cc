// bench/seed: prepares the data the token-endpoint benchmarks present, straight into the store
// the server under test will open (it must not be running yet, or run on PostgreSQL).
//
//   bench_seed DATABASE_URL OUT_DIR --resource URI [--codes N] [--refresh N]
//              [--background-clients N] [--background-families N]
//
// Writes OUT_DIR/client_id (a public client allowed the code and refresh grants),
// OUT_DIR/codes.txt ("code verifier" per line: live codes with their PKCE verifiers) and
// OUT_DIR/refresh.txt (one live refresh token per line), so that every benchmark request is a
// distinct, correct operation. The background clients and families are the "scale" database:
// live rows nobody presents, there to make the tables and their indexes realistically large.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/random.h"
#include "core/clock.h"
#include "core/sortable_token.h"
#include "storage/open_store.h"

namespace {

using authgent::Status;
using namespace authgent::storage;

constexpr char kRedirectUri[] = "http://127.0.0.1/callback";
constexpr int64_t kDay = 86400;

[[noreturn]] void Fail(const std::string& what, const Status& s) {
  std::cerr << "bench_seed: " << what << ": " << s.ToString() << "\n";
  std::exit(1);
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Long loops say how far they are, once per 100,000 rows.
void Progress(const char* what, int64_t done, int64_t total) {
  if (done % 100000 == 0 || done == total) {
    std::cerr << "bench_seed: " << what << " " << done << "/" << total << "\n";
  }
}

Client MakeClient(const std::string& id, int64_t now) {
  Client c;
  c.client_id = id;
  c.client_name = "bench " + id;
  c.redirect_uris = {kRedirectUri};
  c.grant_types = {"authorization_code", "refresh_token"};
  c.response_types = {"code"};
  c.token_endpoint_auth_method = "none";
  c.application_type = "native";
  c.source = "cli";
  c.metadata_json = "{}";
  c.created_at = now;
  return c;
}

// One live family and its first token; `token_hash` is what the server will look up.
void AddFamily(Store& store, const std::string& family_id, const std::string& client_id,
               const std::string& resource, const std::string& token_hash, int64_t now) {
  RefreshFamily f;
  f.family_id = family_id;
  f.client_id = client_id;
  f.user_id = "bench-user";
  f.resource = resource;
  f.scope = "mcp:read";
  f.auth_time = now;
  f.created_at = now;
  f.expires_at = now + 30 * kDay;
  RefreshToken t;
  t.token_hash = token_hash;
  t.access_jti = "seed-" + family_id;
  t.access_expires_at = now + 3600;
  t.created_at = now;
  t.idle_expires_at = now + 7 * kDay;
  Status s = store.CreateFamily(f, t);
  if (!s.ok()) Fail("refresh family", s);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_seed DATABASE_URL OUT_DIR --resource URI [--codes N] [--refresh N] "
                 "[--background-clients N] [--background-families N]\n";
    return 2;
  }
  std::string url = argv[1], out_dir = argv[2], resource;
  int64_t codes = 0, refresh = 0, bg_clients = 0, bg_families = 0;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--resource") resource = value;
    else if (flag == "--codes") codes = std::stoll(value);
    else if (flag == "--refresh") refresh = std::stoll(value);
    else if (flag == "--background-clients") bg_clients = std::stoll(value);
    else if (flag == "--background-families") bg_families = std::stoll(value);
    else { std::cerr << "bench_seed: unknown flag " << flag << "\n"; return 2; }
  }
  if (resource.empty()) { std::cerr << "bench_seed: --resource is required\n"; return 2; }
  if (bg_families > 0 && bg_clients == 0) bg_clients = 1;

  auto parsed = ParseDatabaseUrl(url);
  if (!parsed.ok()) Fail("DATABASE_URL", parsed.status());
  auto opened = OpenStore(*parsed, OpenOptions{});
  if (!opened.ok()) Fail("open", opened.status());
  Store& store = **opened;
  if (auto m = store.Migrate(); !m.ok()) Fail("migrate", m.status());

  authgent::Random& random = authgent::SecureRandom::Instance();
  int64_t now = Now();
  const std::string client_id = "bench-public-" + random.Hex(4);
  if (Status s = CreateClientAndWait(store, MakeClient(client_id, now)); !s.ok()) Fail("client", s);
  User u;
  u.user_id = "bench-user";
  u.name = "bench";
  u.created_at = u.updated_at = now;
  if (Status s = store.CreateUser(u); !s.ok() && s.code() != authgent::StatusCode::kAlreadyExists) {
    Fail("user", s);
  }
  std::ofstream(out_dir + "/client_id") << client_id << "\n";

  // Rows are many; 32 writers at once let the store's batch writer put 32 rows in each commit
  // (on PostgreSQL, in each flight of statements). Each appends whole lines to the output under
  // a lock.
  std::mutex out_mu;
  auto in_parallel = [&](const char* what, int64_t total, auto&& add_one) {
    std::atomic<int64_t> next{1};
    std::vector<std::thread> threads;
    for (int t = 0; t < 32; ++t) {
      threads.emplace_back([&] {
        for (int64_t i = next++; i <= total; i = next++) {
          add_one(i);
          Progress(what, i, total);
        }
      });
    }
    for (auto& t : threads) t.join();
  };
  std::ofstream codes_out(out_dir + "/codes.txt");
  in_parallel("codes", codes, [&](int64_t) {
    // Codes, refresh tokens and family ids are made as the server makes them (time-ordered
    // keys), so the store's indexes have the shape they have in production.
    std::string code = authgent::NewSortableToken(random, authgent::SystemClock::Instance().NowMillis());
    std::string verifier = random.NewToken();
    AuthorizationCode c;
    c.code_hash = authgent::SortableTokenKey(code);
    c.client_id = client_id;
    c.user_id = "bench-user";
    c.redirect_uri = kRedirectUri;
    c.redirect_uri_in_request = true;
    c.code_challenge = authgent::Base64UrlEncode(authgent::Sha256(verifier));
    c.resource = resource;
    c.scope = "mcp:read";
    c.auth_time = c.created_at = now;
    c.expires_at = now + 3600;  // outlives the run however long seeding takes
    if (Status s = store.CreateCode(c); !s.ok()) Fail("code", s);
    std::lock_guard<std::mutex> lock(out_mu);
    codes_out << code << ' ' << verifier << '\n';
  });
  std::ofstream refresh_out(out_dir + "/refresh.txt");
  in_parallel("refresh tokens", refresh, [&](int64_t) {
    std::string token = authgent::NewSortableToken(random, authgent::SystemClock::Instance().NowMillis());
    AddFamily(store, authgent::NewSortableId(random, authgent::SystemClock::Instance().NowMillis()), client_id,
              resource, authgent::SortableTokenKey(token), now);
    std::lock_guard<std::mutex> lock(out_mu);
    refresh_out << token << '\n';
  });
  in_parallel("background clients", bg_clients, [&](int64_t i) {
    if (Status s = CreateClientAndWait(store, MakeClient("bg-" + std::to_string(i), now));
        !s.ok()) {
      Fail("background client", s);
    }
  });
  in_parallel("background refresh tokens", bg_families, [&](int64_t i) {
    // Unguessable hashes nobody will present: the rows only need to be live and indexed.
    int64_t millis = authgent::SystemClock::Instance().NowMillis();
    AddFamily(store, authgent::NewSortableId(random, millis),
              "bg-" + std::to_string(1 + i % bg_clients), resource,
              authgent::SortableTokenKey(authgent::NewSortableToken(random, millis)), now);
  });
  if (!codes_out || !refresh_out) {
    std::cerr << "bench_seed: could not write to " << out_dir << "\n";
    return 1;
  }
  return 0;
}
