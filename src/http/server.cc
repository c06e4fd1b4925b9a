#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/clock.h"
#include "core/log.h"
#include "core/thread_role.h"
#include "http/wire.h"

namespace authgent::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router)
      : options_(std::move(options)),
        router_(router),
        contexts_(MakeContexts(options_.io_threads)),
        // The acceptor, the accept loop, the signals and BeginShutdown all live on the first
        // context, which one thread runs: closing the acceptor while an accept starts on it
        // cannot race (UBSan once saw a null descriptor state in the reactor when they could).
        acceptor_(Home()),
        workers_(static_cast<size_t>(std::max(1, options_.worker_threads))),
        signals_(Home()) {
    for (auto& context : contexts_) keep_running_.emplace_back(context->get_executor());
  }

  StatusOr<int> Listen() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.bind_address, ec);
    if (ec) return InvalidArgumentError("bad bind address " + options_.bind_address);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return UnavailableError("cannot listen on " + options_.bind_address + ":" +
                              std::to_string(options_.port) + ": " + ec.message());
    }
    return static_cast<int>(acceptor_.local_endpoint().port());
  }

  void Run(bool handle_signals) {
    if (handle_signals) {
      signals_.add(SIGTERM);
      signals_.add(SIGINT);
      signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log::Info("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
        BeginShutdown();
      });
    }
    asio::co_spawn(Home(), Accept(), asio::detached);
    std::vector<std::thread> threads;
    for (size_t i = 1; i < contexts_.size(); ++i) {
      threads.emplace_back([context = contexts_[i].get()] {
        SetThreadRole(ThreadRole::kNetwork);
        context->run();
      });
    }
    ThreadRole caller_role = CurrentThreadRole();
    SetThreadRole(ThreadRole::kNetwork);
    Home().run();
    SetThreadRole(caller_role);
    for (auto& t : threads) t.join();
    workers_.join();
    AwaitOpenWaits();
  }

  void Shutdown() {
    asio::post(acceptor_.get_executor(), [this] { BeginShutdown(); });
  }

 private:
  // One io_context per network thread, each run by that thread alone: a connection lives on one
  // of them from accept to close, so its coroutine needs no strand, and the threads share no
  // scheduler lock and wake no one else to run a ready connection (a fifth of the server's CPU
  // per request went to that sharing: docs/performance.md, "One `io_context` per network thread").
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (int i = 0; i < std::max(1, threads); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    return contexts;
  }
  asio::io_context& Home() { return *contexts_.front(); }
  // The context of the next accepted connection, in turn.
  asio::io_context& NextContext() { return *contexts_[next_context_++ % contexts_.size()]; }

  // One live connection, reachable from Shutdown(). Touched only on its own context's thread.
  struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = true;  // waiting for the first byte of a request
  };

  void BeginShutdown() {
    if (stopping_.exchange(true)) return;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
    {
      std::lock_guard lock(mu_);
      for (auto& [id, weak] : connections_) {
        if (auto conn = weak.lock()) {
          asio::post(conn->stream.get_executor(), [conn] {
            if (conn->idle) conn->stream.socket().close();
          });
        }
      }
      deadline_ = std::make_unique<asio::steady_timer>(Home(), options_.shutdown_timeout);
      deadline_->async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        log::Warn("shutdown timeout: abandoning in-flight requests",
                  {{"in_flight", in_flight_.load()}});
        for (auto& context : contexts_) context->stop();
      });
    }
    MaybeFinish();
  }

  void MaybeFinish() {
    std::lock_guard lock(mu_);
    if (stopping_ && connections_.empty() && deadline_ && !finished_) {
      finished_ = true;
      // With the acceptor closed and no connection left, cancelling the deadline and dropping
      // the guards leaves every io_context without work, so Run() returns.
      asio::post(Home(), [this] {
        deadline_->cancel();
        keep_running_.clear();
      });
      log::Info("shutdown complete");
      log::Flush();
    }
  }

  awaitable<void> Accept() {
    while (!stopping_) {
      auto [ec, socket] = co_await acceptor_.async_accept(NextContext(), kNoThrow);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) break;
        // Out of descriptors and similar: pause rather than spin.
        asio::steady_timer pause(Home(), std::chrono::milliseconds(50));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      if (open_connections_.load(std::memory_order_relaxed) >= options_.max_connections) {
        Refuse(std::move(socket));
        continue;
      }
      open_connections_.fetch_add(1, std::memory_order_relaxed);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, Serve(std::move(socket)), asio::detached);
    }
  }

  // Over MAX_CONNECTIONS: a short 503 written without waiting (a new socket's send buffer is
  // empty), then closed. Logged once when the limit is reached, and once when connections fall
  // back below 90% of it with the number refused meanwhile: a flood writes two lines, not one
  // per connection.
  void Refuse(tcp::socket socket) {
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Retry-After: 2\r\nConnection: close\r\nContent-Length: 78\r\n\r\n"
        "{\"error\":\"temporarily_unavailable\",\"error_description\":\"too many connections\"}";
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(kBusy.data(), kBusy.size()), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    if (refused_.fetch_add(1, std::memory_order_relaxed) == 0) {
      log::Warn("connection limit reached: refusing new connections",
                {{"max_connections", options_.max_connections}});
    }
  }
  void ConnectionClosed() {
    int open = open_connections_.fetch_sub(1, std::memory_order_relaxed) - 1;
    if (refused_.load(std::memory_order_relaxed) == 0 ||
        open >= options_.max_connections - options_.max_connections / 10) {
      return;
    }
    int64_t refused = refused_.exchange(0, std::memory_order_relaxed);
    if (refused > 0) {
      log::Info("accepting connections again", {{"open_connections", open}, {"refused", refused}});
    }
  }

  awaitable<void> Serve(tcp::socket socket) {
    boost::system::error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    socket.set_option(tcp::no_delay(true), ec);
    std::string remote = ec ? std::string() : peer.address().to_string();
    auto conn = std::make_shared<Connection>(std::move(socket));
    uint64_t id = next_id_++;
    struct Closed {
      Impl* impl;
      ~Closed() { impl->ConnectionClosed(); }
    } closed{this};
    {
      std::lock_guard lock(mu_);
      if (stopping_) co_return;
      connections_[id] = conn;
    }
    co_await ServeRequests(*conn, remote);
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    conn->stream.close();
    {
      std::lock_guard lock(mu_);
      connections_.erase(id);
    }
    if (stopping_) MaybeFinish();
  }

  awaitable<void> ServeRequests(Connection& conn, const std::string& remote) {
    beast::flat_buffer buffer;
    // A connection that has not sent its first request yet gets only the read timeout: the idle
    // timeout is for keep-alive connections that earned it, or a crowd of silent sockets would
    // hold descriptors for a minute each.
    bool served_one = false;
    for (;;) {
      if (buffer.size() == 0) {
        conn.idle = true;
        if (stopping_) co_return;
        conn.stream.expires_after(served_one ? options_.idle_timeout : options_.read_timeout);
        auto [ec, n] = co_await conn.stream.async_read_some(buffer.prepare(4096), kNoThrow);
        if (ec) co_return;  // closed, idle timeout, or shutdown
        buffer.commit(n);
      }
      conn.idle = false;
      ++in_flight_;
      bool keep_going = co_await ServeOne(conn, buffer, remote);
      served_one = true;
      --in_flight_;
      if (!keep_going) co_return;
    }
  }

  // Reads, handles and answers one request. Returns whether the connection stays open.
  awaitable<bool> ServeOne(Connection& conn, beast::flat_buffer& buffer, const std::string& remote) {
    int64_t started = SteadyMicros();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit_bytes));
    parser.body_limit(options_.max_body_bytes);
    conn.stream.expires_after(options_.read_timeout);
    auto [ec, n] = co_await bhttp::async_read(conn.stream, buffer, parser, kNoThrow);

    Response response;
    Request request;
    bool close = false;
    bool refused_framing = false;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout) {
      // A timed-out stream is already closed by Beast: a slow client is simply cut off.
      co_return false;
    } else if (ec == bhttp::error::header_limit) {
      response = Response::Error(431, "request_header_fields_too_large",
                                 "the request headers exceed 8 KiB");
      close = true;
    } else if (ec == bhttp::error::body_limit) {
      response = Response::Error(413, "payload_too_large", "the request body is too large");
      close = true;
    } else if (ec) {
      response = Response::Error(400, "invalid_request", "malformed HTTP request");
      close = true;
    } else if (auto refused = FramingRefusal(parser.get(), options_.header_limit_bytes)) {
      // Served no further: what follows on the connection cannot be trusted to be a request.
      response = std::move(*refused);
      close = refused_framing = true;
    } else {
      request = FromWire(parser.get(), remote);
      response = co_await Handle(request);
      close = !parser.get().keep_alive();
    }
    if (request.request_id.empty()) request.request_id = NewRequestId();
    if (stopping_) close = true;

    const int status = response.status;
    WireResponse out = ToWire(std::move(response), request, !close);
    conn.stream.expires_after(options_.read_timeout);
    std::array<asio::const_buffer, 2> wire{asio::buffer(out.head), asio::buffer(out.body)};
    auto [wec, written] = co_await asio::async_write(conn.stream, wire, kNoThrow);

    if (options_.on_answered) options_.on_answered(request, status, SteadyMicros() - started);
    if (options_.access_log) {
      log::Line({{"time", log::NowRfc3339()},
                 {"level", "info"},
                 {"msg", "request"},
                 {"request_id", request.request_id},
                 {"method", request.method.empty() ? "-" : request.method},
                 {"path", request.path.empty() ? "-" : request.path},
                 {"status", status},
                 {"duration_ms", static_cast<double>(SteadyMicros() - started) / 1000.0},
                 {"remote", remote}});
    }
    if (wec || close) {
      if (!wec && (ec || refused_framing)) co_await DrainBeforeClose(conn);
      co_return false;
    }
    co_return true;
  }

  // After an error answer to a request whose body we did not read, closing at once would make the
  // kernel send RST and the client might never see the answer; half-close, then discard what the
  // client still sends for a moment (a "lingering close").
  awaitable<void> DrainBeforeClose(Connection& conn) {
    boost::system::error_code ec;
    conn.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    conn.stream.expires_after(std::chrono::seconds(1));
    char sink[4096];
    size_t total = 0;
    while (total < (1u << 20)) {
      auto [rec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), kNoThrow);
      if (rec) break;
      total += n;
    }
  }

  awaitable<Response> Handle(const Request& request) {
    AsyncStep step = router_.Dispatch(request);
    // A worker's run and a wait's Finish may each lead to another step, which starts back here.
    while (true) {
      if (auto* r = std::get_if<Response>(&step)) co_return std::move(*r);
      if (auto* w = std::get_if<OnWorker>(&step)) {
        step = co_await OnWorkers(w->run);
      } else {
        Finish finish = co_await Suspend(std::get<Suspended>(step).start);
        step = finish();
      }
    }
  }

  // Storage and slow crypto run on the worker pool; this coroutine resumes on its own thread.
  awaitable<AsyncStep> OnWorkers(const std::function<AsyncStep()>& run) {
    co_return co_await asio::co_spawn(
        workers_,
        [&run]() -> awaitable<AsyncStep> {
          SetThreadRole(ThreadRole::kWorker);  // a pool thread is only ever a worker
          co_return run();
        },
        use_awaitable);
  }

  // Waits, parking no thread, until `start`'s Resume is called; returns what it was given. The
  // Resume may be called from any thread (a store's writer thread): the coroutine continues on
  // its own thread. Run() does not return while a wait is open, so a late Resume always finds
  // the io_context alive.
  awaitable<Finish> Suspend(const std::function<void(Resume)>& start) {
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(Finish)>(
        [this, &start](auto handler) {
          auto waiter = std::make_shared<Waiter<decltype(handler)>>(std::move(handler), *this);
          start([waiter](Finish finish) { waiter->Complete(std::move(finish)); });
        },
        use_awaitable);
  }

  // One open wait: the suspended coroutine's completion handler, and work on its executor so
  // that the io_context keeps running meanwhile.
  template <typename Handler>
  class Waiter {
   public:
    Waiter(Handler handler, Impl& impl)
        : handler_(std::move(handler)),
          work_(asio::prefer(asio::get_associated_executor(handler_),
                             asio::execution::outstanding_work.tracked)),
          impl_(impl) {
      impl_.OpenWait();
    }
    ~Waiter() {
      if (!done_.load()) {
        Complete(
            []() -> AsyncStep { return Response::Error(500, "server_error", "internal error"); });
      }
    }
    void Complete(Finish finish) {
      if (done_.exchange(true)) return;
      asio::post(work_, [handler = std::move(handler_), finish = std::move(finish)]() mutable {
        std::move(handler)(std::move(finish));
      });
      work_ = asio::any_io_executor();
      impl_.CloseWait();
    }

   private:
    Handler handler_;
    asio::any_io_executor work_;
    Impl& impl_;
    std::atomic<bool> done_{false};
  };

  void OpenWait() {
    std::lock_guard lock(waits_mu_);
    ++open_waits_;
  }
  void CloseWait() {
    std::lock_guard lock(waits_mu_);
    if (--open_waits_ == 0) waits_cv_.notify_all();
  }
  // After the io_context stopped: the writes that requests still wait for finish by themselves.
  void AwaitOpenWaits() {
    std::unique_lock lock(waits_mu_);
    waits_cv_.wait(lock, [this] { return open_waits_ == 0; });
  }

  ServerOptions options_;
  const Router& router_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  // Work on every context until shutdown completes: a thread with no connection yet waits.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  size_t next_context_ = 0;  // only the accept loop, on Home(), touches it
  tcp::acceptor acceptor_;
  asio::thread_pool workers_;
  asio::signal_set signals_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> open_connections_{0};  // accepted and not yet closed
  std::atomic<int64_t> refused_{0};       // over MAX_CONNECTIONS since the limit was last logged
  std::atomic<uint64_t> next_id_{0};
  std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
  std::unique_ptr<asio::steady_timer> deadline_;
  bool finished_ = false;  // guarded by mu_
  std::mutex waits_mu_;
  std::condition_variable waits_cv_;
  int open_waits_ = 0;  // guarded by waits_mu_
};

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}
Server::~Server() = default;
StatusOr<int> Server::Listen() { return impl_->Listen(); }
void Server::Run(bool handle_signals) { impl_->Run(handle_signals); }
void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace authgent::http
