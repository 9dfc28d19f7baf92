#pragma once
// The network side: a listener that accepts connections and one coroutine per connection that
// reads a request, asks the Router, writes the response, and loops while the client keeps the
// connection alive (the shape of Boost.Beast's server-flex-awaitable example). Each connection
// runs on its own strand; every read and write has a deadline; every parser has limits.
#include "amplitude/server/Router.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace amplitude::server {

struct ServerLimits {
  std::uint32_t headerBytes = 16 * 1024;
  std::uint64_t bodyBytes = 1024 * 1024;
  /// The whole request must arrive within this, so a client trickling bytes cannot hold a
  /// connection (and its memory) open forever. Also the keep-alive idle timeout.
  std::chrono::milliseconds readTimeout{std::chrono::seconds{30}};
  std::chrono::milliseconds writeTimeout{std::chrono::seconds{60}};
};

class HttpServer {
public:
  /// Binds and listens at once, so port() is known before run(); port 0 asks the OS for a free
  /// one. Throws std::system_error (with the address in the message) when it cannot bind.
  HttpServer(const Router& router, const std::string& host, std::uint16_t port,
             ServerLimits limits = {});

  std::uint16_t port() const;
  /// "http://127.0.0.1:8080" (IPv6 hosts in brackets).
  std::string url() const;

  /// Stops the server cleanly when one of these signals arrives (SIGINT, SIGTERM).
  void stopOnSignals(std::initializer_list<int> signals);

  /// Serves on `threads` threads (the caller's included) until stop(); returns afterwards.
  void run(unsigned threads);

  /// Thread-safe: stops accepting, ends the connections and makes run() return.
  void stop();

private:
  boost::asio::awaitable<void> acceptConnections();
  boost::asio::awaitable<void> serveConnection(boost::beast::tcp_stream stream);

  boost::asio::io_context io_;  // first: destroyed last, after everything that uses it
  const Router& router_;
  ServerLimits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::signal_set signals_;
};

}  // namespace amplitude::server
