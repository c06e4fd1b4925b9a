#include "multi_instance.h"

namespace authgent::testing {

// Repeats `request` every 50 ms until it answers `status` or `within` has passed since `since`;
// returns the last answer.
HttpResult RetryUntil(int status, std::chrono::steady_clock::time_point since,
                      std::chrono::seconds within, const std::function<HttpResult()>& request) {
  HttpResult r;
  do {
    r = request();
    if (r.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() - since < within);
  return r;
}

// The lines of `log` that contain `text`.
int CountLines(const std::string& log, const std::string& text) {
  int n = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
  return n;
}

int RefreshLoad::Chain::answered() const {
  auto ok = statuses.find(200);
  return ok == statuses.end() ? 0 : ok->second;
}

int RefreshLoad::Chain::failed() const {
  int n = 0;
  for (const auto& [status, count] : statuses) n += status == 200 ? 0 : count;
  return n;
}

RefreshLoad::RefreshLoad(int port, std::vector<Chain>& chains) {
  for (Chain& chain : chains) {
    threads_.emplace_back([this, port, c = &chain] {
      FlowDriver driver(port);
      while (!stop_) {
        HttpResult r = driver.Refresh(c->client, c->refresh);
        ++c->statuses[r.status];
        if (r.status == 200) {
          c->refresh = r.Json()["refresh_token"];
          c->access_tokens.push_back(r.Json()["access_token"]);
        } else if (r.status == 503) {
          if (r.body.find("No server is available") != std::string::npos) {
            ++c->balancer_503;
          } else {
            EXPECT_EQ(r.Json()["error"], "temporarily_unavailable") << r.body;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
}

void RefreshLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace authgent::testing
