#pragma once
// The network side: a listener that accepts connections and one coroutine per connection that
// reads a request, asks the Router, writes the response, and loops while the client keeps the
// connection alive (the shape of Boost.Beast's server-flex-awaitable example). A WebSocket upgrade
// to a project's live channel is admitted like any API call, then handed to the live::LiveHub. Each connection
// runs on its own strand; every read and write has a deadline; every parser has limits.
//
// The I/O threads only move bytes: every request is handled on a separate, bounded worker pool
// (handlers block on the database and on password hashing), and the connection's coroutine
// resumes on its strand with the response. Upload bodies stream to a file, never to memory.
#include "amplitude/server/Router.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace amplitude::server {

namespace live {
class LiveHub;
}

struct ServerLimits {
  std::uint32_t headerBytes = 16 * 1024;
  std::uint64_t bodyBytes = 1024 * 1024;
  /// The whole request must arrive within this, so a client trickling bytes cannot hold a
  /// connection (and its memory) open forever. Also the keep-alive idle timeout.
  std::chrono::milliseconds readTimeout{std::chrono::seconds{30}};
  std::chrono::milliseconds writeTimeout{std::chrono::seconds{60}};
  /// Uploads may take longer to arrive than other requests.
  std::chrono::milliseconds uploadTimeout{std::chrono::minutes{10}};
  /// Threads that run handlers (database work, hashing waits): never the I/O threads.
  unsigned workerThreads = 4;
  /// Requests waiting for a worker beyond this are answered 503 at once.
  int maxQueuedRequests = 256;
  /// On stop, requests already being handled get this long to finish and be answered.
  std::chrono::milliseconds shutdownGrace{std::chrono::seconds{10}};
};

class HttpServer {
public:
  /// Binds and listens at once, so port() is known before run(); port 0 asks the OS for a free
  /// one. Throws std::system_error (with the address in the message) when it cannot bind.
  HttpServer(const Router& router, const std::string& host, std::uint16_t port,
             ServerLimits limits = {}, live::LiveHub* live = nullptr);

  std::uint16_t port() const;
  /// "http://127.0.0.1:8080" (IPv6 hosts in brackets).
  std::string url() const;

  /// Stops the server cleanly when one of these signals arrives (SIGINT, SIGTERM).
  void stopOnSignals(std::initializer_list<int> signals);

  /// Serves on `threads` threads (the caller's included) until stop(); returns afterwards.
  void run(unsigned threads);

  /// Thread-safe: stops accepting, lets the requests being handled finish (their database
  /// writes complete and they are answered, within shutdownGrace), ends the connections and
  /// makes run() return.
  void stop();

private:
  using HeaderParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

  boost::asio::awaitable<void> acceptConnections();
  boost::asio::awaitable<void> serveConnection(boost::beast::tcp_stream stream);
  /// Reads the rest of the request into memory and handles it on the worker pool.
  boost::asio::awaitable<std::optional<Response>> receiveRequest(boost::beast::tcp_stream& stream,
                                                                 boost::beast::flat_buffer& buffer,
                                                                 HeaderParser& header, const RequestContext& context);
  /// Admits an upload, streams its body to a file and handles it on the worker pool.
  boost::asio::awaitable<std::optional<Response>> receiveUpload(boost::beast::tcp_stream& stream,
                                                                boost::beast::flat_buffer& buffer,
                                                                HeaderParser& header, const RequestContext& context);
  /// Runs `work` on the worker pool and resumes on the caller's strand; 503 when the pool's
  /// queue is full.
  boost::asio::awaitable<Response> onWorker(const RequestHeader& header, std::function<Response()> work);
  boost::asio::awaitable<void> drainThenStop();
  /// GET /api/projects/{id}/live with Upgrade: websocket. Returns true when the live hub took the
  /// connection over; false when it was refused (and answered).
  boost::asio::awaitable<bool> upgradeToLive(boost::beast::tcp_stream& stream, HeaderParser& header,
                                             const RequestContext& context);

  boost::asio::io_context io_;  // first: destroyed last, after everything that uses it
  const Router& router_;
  ServerLimits limits_;
  live::LiveHub* live_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
  boost::asio::thread_pool workers_;
  std::atomic<int> queued_{0};    ///< requests waiting for or on a worker
  std::atomic<int> inFlight_{0};  ///< requests read and not yet answered
  std::atomic<bool> stopping_{false};
};

}  // namespace amplitude::server
