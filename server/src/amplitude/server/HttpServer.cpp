#include "amplitude/server/HttpServer.h"

#include "amplitude/server/live/LiveHub.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <fmt/format.h>
#include <filesystem>
#include <memory>
#include <optional>
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

/// What to answer when the parser refuses a request; nullopt means just close. `header` is the
/// request's header when it was read (so /api gets JSON), nullptr when it never arrived whole.
std::optional<StringResponse> responseToReadError(const beast::error_code& error, const RequestHeader* header) {
  const auto refuse = [&](http::status status, std::string_view code, std::string message) {
    return header ? Router::refusal(*header, status, code, message) : makeTextResponse(status, message, 11, false);
  };
  if (error == http::error::body_limit)
    return refuse(http::status::payload_too_large, "body_too_large", "Request body too large");
  if (error == http::error::header_limit)
    return refuse(http::status::request_header_fields_too_large, "headers_too_large", "Request header fields too large");
  const auto& parseErrors = beast::error_code{http::error::bad_target}.category();
  if (error.category() == parseErrors && error != http::error::end_of_stream &&
      error != http::error::partial_message)
    return refuse(http::status::bad_request, "bad_request", "Bad request: " + error.message());
  return std::nullopt;  // closed, reset, timed out or cancelled: nobody to answer
}

struct Decrement {
  ~Decrement() { --count; }
  std::atomic<int>& count;
};

/// Counts a request from when it is read until it is answered (shutdown waits for these).
struct InFlight {
  explicit InFlight(std::atomic<int>& count) : count_(count) { ++count_; }
  ~InFlight() { --count_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  std::atomic<int>& count_;
};

}  // namespace

HttpServer::HttpServer(const Router& router, const std::string& host, std::uint16_t port,
                       ServerLimits limits, live::LiveHub* live)
    : router_(router), limits_(limits), live_(live), acceptor_(io_), signals_(io_), workers_(limits.workerThreads) {
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
  {
    std::vector<std::jthread> ioThreads;
    for (unsigned i = 1; i < threads; ++i) ioThreads.emplace_back([this] { io_.run(); });
    io_.run();
  }
  // A handler still running after the grace period (a slow database) finishes its transaction
  // before we return: main() exits only once every started write is done.
  workers_.join();
  // Live rooms finish their queued work while the sessions' io_context still exists.
  if (live_) live_->stop();
}

void HttpServer::stop() {
  net::post(io_, [this] {
    if (stopping_.exchange(true)) return;
    beast::error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
    if (live_) live_->closeAllSessions();
    net::co_spawn(io_, drainThenStop(), net::detached);
  });
}

net::awaitable<void> HttpServer::drainThenStop() {
  // Requests already read are being handled on the workers: let them commit and answer. Idle
  // keep-alive connections hold nothing and are simply dropped when the context stops.
  const auto deadline = std::chrono::steady_clock::now() + limits_.shutdownGrace;
  net::steady_timer pause{io_};
  while (inFlight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    pause.expires_after(std::chrono::milliseconds{5});
    co_await pause.async_wait(kNoThrow);
  }
  if (inFlight_.load() > 0) spdlog::warn("stopping with {} requests still in flight", inFlight_.load());
  // Live clients were asked to leave; give their close handshakes a moment, not the whole grace.
  const auto liveDeadline = std::chrono::steady_clock::now() + std::chrono::seconds{1};
  while (live_ && live_->sessionCount() > 0 && std::chrono::steady_clock::now() < liveDeadline) {
    pause.expires_after(std::chrono::milliseconds{5});
    co_await pause.async_wait(kNoThrow);
  }
  io_.stop();
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
  beast::error_code ignored;
  const RequestContext context{stream.socket().remote_endpoint(ignored).address().to_string()};
  for (;;) {
    // The header first: only once the target is known do we know where the body goes (memory
    // or a file) and how large it may be.
    HeaderParser header;
    header.header_limit(limits_.headerBytes);
    header.body_limit(boost::none);  // checked per route below
    stream.expires_after(limits_.readTimeout);
    auto [readError, bytesRead] = co_await http::async_read_header(stream, buffer, header, kNoThrow);
    if (readError) {
      if (auto refusal = responseToReadError(readError, nullptr)) {
        spdlog::info("refused request: {} -> {}", readError.message(), refusal->result_int());
        stream.expires_after(limits_.writeTimeout);
        co_await http::async_write(stream, *refusal, kNoThrow);
      }
      break;
    }

    if (live_ && !stopping_.load() && router_.isLiveChannel(header.get()) &&
        beast::websocket::is_upgrade(header.get())) {
      if (co_await upgradeToLive(stream, header, context)) co_return;  // the session owns the socket now
      break;
    }

    const InFlight counted{inFlight_};
    const auto started = std::chrono::steady_clock::now();
    const std::string method{header.get().method_string()};
    const std::string target = printable(header.get().target());
    std::optional<Response> response;
    if (stopping_.load()) {
      response = Router::refusal(header.get(), http::status::service_unavailable, "shutting_down",
                                 "The server is shutting down");
    } else if (router_.isUpload(header.get())) {
      response = co_await receiveUpload(stream, buffer, header, context);
    } else {
      response = co_await receiveRequest(stream, buffer, header, context);
    }
    if (!response) break;

    const bool keepAlive = std::visit([](const auto& message) { return message.keep_alive(); }, *response);
    spdlog::info("http method={} target={} status={} duration_ms={:.2f} peer={}", method, target,
                 static_cast<unsigned>(statusOf(*response)),
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
                 context.remoteAddress);

    stream.expires_after(limits_.writeTimeout);
    auto [writeError, bytesWritten] = co_await std::visit(
        [&](auto& message) { return http::async_write(stream, message, kNoThrow); }, *response);
    if (writeError || !keepAlive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<std::optional<Response>> HttpServer::receiveRequest(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                                   HeaderParser& header, const RequestContext& context) {
  const auto limit = router_.bodyLimitFor(header.get().base(), limits_.bodyBytes);
  // Beast checks a declared length only while parsing the header, which the header parser did
  // without a limit: refuse an oversized declared body here, before a byte of it is read.
  if (const auto declared = header.content_length(); declared && *declared > limit)
    co_return Router::refusal(header.get(), http::status::payload_too_large, "body_too_large",
                              fmt::format("Request body larger than {} bytes", limit));
  http::request_parser<http::string_body> parser{std::move(header)};
  parser.body_limit(limit);  // chunked bodies are counted as they arrive
  auto [readError, bytesRead] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (readError) {
    if (auto refusal = responseToReadError(readError, &parser.get().base())) co_return Response{std::move(*refusal)};
    co_return std::nullopt;
  }
  auto request = std::make_shared<const Request>(parser.release());
  // Named, not a temporary inside the co_await: g++ 12 mishandles the lifetime of temporaries
  // in co_await expressions (it destroyed a captured path twice here).
  std::function<Response()> work = [this, request, &context] { return router_.handle(*request, context); };
  auto response = co_await onWorker(request->base(), std::move(work));
  co_return response;
}

net::awaitable<std::optional<Response>> HttpServer::receiveUpload(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                                  HeaderParser& header, const RequestContext& context) {
  // Session, CSRF token, role and declared size are checked before the body is accepted.
  std::function<Response()> admit = [&]() -> Response {
    if (auto refusal = router_.admitUpload(header.get().base(), context)) return std::move(*refusal);
    return StringResponse{http::status::continue_, 11};
  };
  auto admission = co_await onWorker(header.get().base(), std::move(admit));
  if (statusOf(admission) != http::status::continue_) {
    // The body was not read, so the connection is unusable afterwards.
    std::visit([](auto& message) { message.keep_alive(false); }, admission);
    co_return admission;
  }
  if (beast::iequals(header.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> proceed{http::status::continue_, 11};
    co_await http::async_write(stream, proceed, kNoThrow);
  }

  const auto file = router_.newUploadPath();
  http::request_parser<http::file_body> parser{std::move(header)};
  parser.body_limit(router_.maxUploadBytes());
  beast::error_code openError;
  parser.get().body().open(file.c_str(), beast::file_mode::write_new, openError);
  if (openError) {
    spdlog::error("cannot create upload file {}: {}", file.string(), openError.message());
    co_return Router::refusal(parser.get().base(), http::status::internal_server_error, "internal_error",
                              "Cannot store the upload");
  }
  stream.expires_after(limits_.uploadTimeout);
  auto [readError, bytesRead] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  parser.get().body().close();
  if (readError) {
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    if (auto refusal = responseToReadError(readError, &parser.get().base())) co_return Response{std::move(*refusal)};
    co_return std::nullopt;
  }
  auto uploadHeader = std::make_shared<const RequestHeader>(parser.get().base());
  std::function<Response()> finish = [this, uploadHeader, file, &context] {
    return router_.handleUpload(*uploadHeader, file, context);
  };
  auto response = co_await onWorker(*uploadHeader, std::move(finish));
  co_return response;
}

net::awaitable<bool> HttpServer::upgradeToLive(beast::tcp_stream& stream, HeaderParser& header,
                                               const RequestContext& context) {
  // Session cookie, Origin and role are checked on a worker (they read the database).
  std::optional<live::LiveIdentity> admitted;
  std::function<Response()> admit = [&]() -> Response {
    auto outcome = router_.admitLive(header.get().base(), context);
    if (auto* identity = std::get_if<live::LiveIdentity>(&outcome)) {
      admitted = std::move(*identity);
      return StringResponse{http::status::switching_protocols, 11};
    }
    return std::move(std::get<StringResponse>(outcome));
  };
  auto answer = co_await onWorker(header.get().base(), std::move(admit));
  const auto target = printable(header.get().target());
  if (!admitted) {
    spdlog::info("http method=GET target={} status={} live upgrade refused peer={}", target,
                 static_cast<unsigned>(statusOf(answer)), context.remoteAddress);
    std::visit([](auto& message) { message.keep_alive(false); }, answer);
    stream.expires_after(limits_.writeTimeout);
    co_await std::visit([&](auto& message) { return http::async_write(stream, message, kNoThrow); }, answer);
    co_return false;
  }
  spdlog::info("http method=GET target={} status=101 live user={} peer={}", target, admitted->username,
               context.remoteAddress);
  // From here Beast's WebSocket timeouts govern the connection; the TCP stream's must be off.
  stream.expires_never();
  live_->startSession(std::move(stream), header.release(), std::move(*admitted));
  co_return true;
}

net::awaitable<Response> HttpServer::onWorker(const RequestHeader& header, std::function<Response()> work) {
  if (queued_.fetch_add(1) >= limits_.maxQueuedRequests) {
    --queued_;
    auto busy = Router::refusal(header, http::status::service_unavailable, "busy", "The server is busy; try again shortly");
    busy.set(http::field::retry_after, "1");
    co_return busy;
  }
  const Decrement release{queued_};
  auto response = co_await net::co_spawn(
      workers_,
      [&]() -> net::awaitable<Response> {
        try {
          co_return work();
        } catch (const std::exception& e) {
          // A bug or an exhausted resource on our side, never the client's input: say so.
          spdlog::error("handler failed for {}: {}", printable(header.target()), e.what());
          co_return Router::refusal(header, http::status::internal_server_error, "internal_error",
                                    "Internal server error");
        }
      },
      net::use_awaitable);
  co_return response;
}

}  // namespace amplitude::server
