#include "TestLiveClient.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace amplitude::server::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;

struct LiveClient::Impl {
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  websocket::stream<tcp::socket> ws{io};
  bool upgraded = false;
  int refusalStatus = 0;

  // On the io thread only.
  beast::flat_buffer buffer;
  std::deque<std::pair<std::string, bool>> outgoing;  // text, binary
  bool reading = false;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<json> inbox;
  bool closed = false;
  int closeCode = 0;

  std::thread thread;

  void readNext() {
    ws.async_read(buffer, [this](beast::error_code error, std::size_t) {
      if (error) {
        const std::lock_guard lock{mutex};
        closed = true;
        if (error == websocket::error::closed) closeCode = ws.reason().code;
        changed.notify_all();
        return;
      }
      auto text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      {
        const std::lock_guard lock{mutex};
        auto parsed = json::parse(text, nullptr, false);
        inbox.push_back(parsed.is_discarded() ? json{{"type", "<not json>"}, {"text", text}} : parsed);
        changed.notify_all();
      }
      readNext();
    });
  }

  void writeNext() {
    ws.binary(outgoing.front().second);
    ws.async_write(net::buffer(outgoing.front().first), [this](beast::error_code error, std::size_t) {
      outgoing.pop_front();
      if (!error && !outgoing.empty()) writeNext();
    });
  }

  void queue(std::string bytes, bool binary) {
    net::post(io, [this, bytes = std::move(bytes), binary]() mutable {
      outgoing.emplace_back(std::move(bytes), binary);
      if (outgoing.size() == 1) writeNext();
    });
  }
};

LiveClient::LiveClient(std::uint16_t port, const std::string& target, LiveClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  auto& socket = impl_->ws.next_layer();
  socket.open(tcp::v4());
  if (options.receiveBufferBytes > 0) socket.set_option(net::socket_base::receive_buffer_size(options.receiveBufferBytes));
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  impl_->ws.set_option(websocket::stream_base::decorator([options](websocket::request_type& request) {
    if (!options.cookie.empty()) request.set(http::field::cookie, options.cookie);
    if (!options.origin.empty()) request.set(http::field::origin, options.origin);
  }));
  impl_->ws.read_message_max(64 * 1024 * 1024);
  websocket::response_type response;
  beast::error_code error;
  impl_->ws.handshake(response, "127.0.0.1:" + std::to_string(port), target, error);
  if (error) {
    impl_->refusalStatus = response.result_int();
    return;
  }
  impl_->upgraded = true;
  impl_->thread = std::thread{[impl = impl_.get()] { impl->io.run(); }};
  if (options.reading) startReading();
}

LiveClient::~LiveClient() {
  if (impl_->thread.joinable()) {
    net::post(impl_->io, [impl = impl_.get()] {
      beast::error_code ignored;
      impl->ws.next_layer().close(ignored);
    });
    impl_->work.reset();
    impl_->thread.join();
  }
}

bool LiveClient::upgraded() const { return impl_->upgraded; }
int LiveClient::refusalStatus() const { return impl_->refusalStatus; }

void LiveClient::send(const json& message) { impl_->queue(message.dump(), false); }
void LiveClient::sendText(const std::string& text) { impl_->queue(text, false); }
void LiveClient::sendBinary(const std::string& bytes) { impl_->queue(bytes, true); }

std::optional<json> LiveClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock{impl_->mutex};
  impl_->changed.wait_for(lock, timeout, [&] { return !impl_->inbox.empty() || impl_->closed; });
  if (impl_->inbox.empty()) return std::nullopt;
  auto message = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return message;
}

json LiveClient::expect(const std::string& type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto message = next(left);
    if (!message) break;
    if (message->value("type", "") == type) return *message;
  }
  ADD_FAILURE() << "no '" << type << "' message arrived";
  return nullptr;
}

std::vector<json> LiveClient::drain(std::chrono::milliseconds quiet) {
  std::vector<json> messages;
  while (auto message = next(quiet)) messages.push_back(std::move(*message));
  return messages;
}

void LiveClient::startReading() {
  net::post(impl_->io, [impl = impl_.get()] {
    if (impl->reading) return;
    impl->reading = true;
    impl->readNext();
  });
}

bool LiveClient::waitUntilClosed(std::chrono::milliseconds timeout) {
  std::unique_lock lock{impl_->mutex};
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->closed; });
}

int LiveClient::closeCode() const {
  const std::lock_guard lock{impl_->mutex};
  return impl_->closeCode;
}

void LiveClient::drop() {
  net::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->ws.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    impl->ws.next_layer().close(ignored);
    const std::lock_guard lock{impl->mutex};
    impl->closed = true;
    impl->changed.notify_all();
  });
  if (!waitUntilClosed(std::chrono::seconds{5})) ADD_FAILURE() << "the connection did not close";
}

}  // namespace amplitude::server::testing
