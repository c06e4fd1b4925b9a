// A TCP proxy on 127.0.0.1 in front of a unix socket (the test PostgreSQL's) that the test can
// freeze: while frozen it accepts connections and keeps every socket open but forwards no byte,
// as a database host that stopped (SIGSTOP, a hung kernel, a network partition) looks to its
// clients. Thaw() lets the bytes flow again. For the stall tests of the fault suite.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace authgent::testing {

class FreezableProxy {
 public:
  explicit FreezableProxy(std::string unix_socket_path);
  ~FreezableProxy();
  int port() const { return port_; }
  void Freeze() { frozen_ = true; }
  void Thaw() { frozen_ = false; }

 private:
  void AcceptLoop();
  void Pump(int client, int server);

  std::string target_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> frozen_{false};
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> pumps_;
};

// The unix socket of the PostgreSQL that AUTHGENT_TEST_POSTGRES_URL names
// (postgresql://user@/db?host=DIR&port=N -> DIR/.s.PGSQL.N); "" when it names none.
std::string TestPostgresSocket();

}  // namespace authgent::testing
