#include "amplitude/server/HttpServer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <system_error>
#include <thread>
#include <vector>

namespace amplitude::server {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

namespace {

tcp::endpoint resolveListenAddress(const std::string& host, std::uint16_t port) {
  beast::error_code error;
  const auto address = net::ip::make_address(host, error);
  if (!error) return {address, port};
  net::io_context resolverContext;
  tcp::resolver resolver{resolverContext};
  const auto results = resolver.resolve(host, std::to_string(port), error);
  if (error || results.empty())
    throw std::system_error(error, fmt::format("cannot resolve listen host '{}'", host));
  return results.begin()->endpoint();
}

/// Request targets come from the network: keep control characters out of the log.
std::string printable(std::string_view text) {
  std::string out;
  for (const unsigned char c : text.substr(0, 512))
    out += (c >= 0x20 && c < 0x7f) ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
  return out;
}

/// What to answer when the parser refuses a request; nullopt means just close.
std::optional<StringResponse> responseToReadError(const beast::error_code& error) {
  if (error == http::error::body_limit)
    return makeTextResponse(http::status::payload_too_large, "Request body too large", 11, false);
  if (error == http::error::header_limit)
    return makeTextResponse(http::status::request_header_fields_too_large,
                            "Request header fields too large", 11, false);
  const auto& parseErrors = beast::error_code{http::error::bad_target}.category();
  if (error.category() == parseErrors && error != http::error::end_of_stream &&
      error != http::error::partial_message)
    return makeTextResponse(http::status::bad_request, "Bad request: " + error.message(), 11, false);
  return std::nullopt;  // closed, reset, timed out or cancelled: nobody to answer
}

}  // namespace

HttpServer::HttpServer(const Router& router, const std::string& host, std::uint16_t port,
                       ServerLimits limits)
    : router_(router), limits_(limits), acceptor_(io_), signals_(io_) {
  const auto endpoint = resolveListenAddress(host, port);
  try {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::system_error(e.code(), fmt::format("cannot listen on {}:{}", host, port));
  }
  net::co_spawn(io_, acceptConnections(), net::detached);
}

std::uint16_t HttpServer::port() const { return acceptor_.local_endpoint().port(); }

std::string HttpServer::url() const {
  const auto endpoint = acceptor_.local_endpoint();
  const auto address = endpoint.address().to_string();
  return endpoint.address().is_v6() ? fmt::format("http://[{}]:{}", address, endpoint.port())
                                    : fmt::format("http://{}:{}", address, endpoint.port());
}

void HttpServer::stopOnSignals(std::initializer_list<int> signals) {
  for (const int signal : signals) signals_.add(signal);
  signals_.async_wait([this](const beast::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {} received, shutting down", signal);
    stop();
  });
}

void HttpServer::run(unsigned threads) {
  std::vector<std::jthread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { io_.run(); });
  io_.run();
}

void HttpServer::stop() {
  net::post(io_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
    // Connections are coroutines owned by io_: stopping it abandons them, and destroying the
    // server closes their sockets. Nothing here is persistent state that could be half-written.
    io_.stop();
  });
}

net::awaitable<void> HttpServer::acceptConnections() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(net::make_strand(io_), kNoThrow);
    if (error == net::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (error) {
      // Typically out of file descriptors: back off instead of spinning on the error.
      spdlog::warn("accept failed: {}", error.message());
      net::steady_timer pause{io_, std::chrono::milliseconds{50}};
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    auto executor = socket.get_executor();
    net::co_spawn(executor, serveConnection(beast::tcp_stream{std::move(socket)}),
                  [](std::exception_ptr failure) {
                    if (!failure) return;
                    try {
                      std::rethrow_exception(failure);
                    } catch (const std::exception& e) {
                      spdlog::error("connection ended by an exception: {}", e.what());
                    }
                  });
  }
}

net::awaitable<void> HttpServer::serveConnection(beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(limits_.headerBytes);
    parser.body_limit(limits_.bodyBytes);
    stream.expires_after(limits_.readTimeout);
    auto [readError, bytesRead] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (readError) {
      if (auto refusal = responseToReadError(readError)) {
        spdlog::info("refused request: {} -> {}", readError.message(), refusal->result_int());
        stream.expires_after(limits_.writeTimeout);
        co_await http::async_write(stream, *refusal, kNoThrow);
      }
      break;
    }

    const auto started = std::chrono::steady_clock::now();
    const Request request = parser.release();
    Response response = [&]() -> Response {
      try {
        return router_.handle(request);
      } catch (const std::exception& e) {
        // A bug or an exhausted resource on our side, never the client's input: say so.
        spdlog::error("handler failed for {}: {}", printable(request.target()), e.what());
        return makeTextResponse(http::status::internal_server_error, "Internal server error",
                                request.version(), false);
      }
    }();
    const bool keepAlive = std::visit([](const auto& message) { return message.keep_alive(); }, response);
    spdlog::info("{} {} {} {:.2f} ms", std::string_view{request.method_string()},
                 printable(request.target()), static_cast<unsigned>(statusOf(response)),
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());

    stream.expires_after(limits_.writeTimeout);
    auto [writeError, bytesWritten] = co_await std::visit(
        [&](auto& message) { return http::async_write(stream, message, kNoThrow); }, response);
    if (writeError || !keepAlive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace amplitude::server
