#include "amplitude/server/live/LiveSession.h"

#include "amplitude/server/api/JsonBody.h"
#include "amplitude/server/live/LiveHub.h"
#include "amplitude/server/live/LiveRoom.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

namespace amplitude::server::live {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

bool isClientId(const json& value) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty() || text.size() > 64) return false;
  for (const unsigned char c : text)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

LiveSession::LiveSession(beast::tcp_stream&& stream, LiveHub& hub, LiveIdentity identity, std::uint64_t id)
    : ws_(std::move(stream)), hub_(hub), identity_(std::move(identity)), id_(id),
      closeDeadline_(ws_.get_executor()) {}

LiveSession::~LiveSession() { hub_.forgetSession(id_); }

void LiveSession::start(http::request<http::empty_body> upgrade) {
  const auto& options = hub_.options();
  // Beast's own timeouts: the handshake (and the closing one) must finish, and a peer that
  // answers no ping for the idle time is gone. The TCP stream's own expiry must stay off.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds{30};
  timeouts.idle_timeout = std::chrono::seconds{60};
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "amplitude-server"); }));
  ws_.read_message_max(options.maxMessageBytes);
  if (options.socketSendBufferBytes > 0) {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(net::socket_base::send_buffer_size(options.socketSendBufferBytes),
                                                     ignored);
  }
  ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code error) { self->onAccept(error); });
}

void LiveSession::onAccept(beast::error_code error) {
  if (error) {
    spdlog::info("live: handshake failed for project {}: {}", identity_.projectId, error.message());
    return;
  }
  spdlog::info("live: {} connected to project {} as {}", identity_.username, identity_.projectId,
               store::roleName(identity_.role));
  readNext();
}

// ---- reading ---------------------------------------------------------------------------------

void LiveSession::readNext() {
  if (reading_ || readEnded_) return;
  // Back-pressure: while the room has this many of our messages, leave the rest in the socket.
  if (pendingRoomTasks_ >= hub_.options().maxPendingPerClient) return;
  reading_ = true;
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
    self->onRead(error, bytes);
  });
}

void LiveSession::onRead(beast::error_code error, std::size_t) {
  reading_ = false;
  if (error) {
    readEnded_ = true;
    if (error != websocket::error::closed && error != net::error::operation_aborted)
      spdlog::info("live: {} left project {}: {}", identity_.username, identity_.projectId, error.message());
    closeDeadline_.cancel();
    leaveRoom();
    return;
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    sendError("bad_message", "Messages are JSON text frames");
  } else {
    const auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!closing_) handleMessage(text);
  }
  readNext();
}

void LiveSession::handleMessage(const std::string& text) {
  json message;
  try {
    message = api::parseJson(text);
  } catch (const api::BadInput& bad) {
    sendError("bad_message", bad.what());
    return;
  }
  if (!message.is_object() || !message.contains("type") || !message["type"].is_string()) {
    sendError("bad_message", "A message is a JSON object with a string \"type\"");
    return;
  }
  const auto kind = message["type"].get<std::string>();
  if (kind == "hello") return handleHello(message);
  if (!room_) return sendError("hello_first", "Say hello first: {\"type\":\"hello\",\"clientId\":...}");
  if (kind == "edit") {
    ++pendingRoomTasks_;
    room_->edit(shared_from_this(), std::move(message));
    return;
  }
  if (kind == "presence") return handlePresence(message);
  sendError("bad_message", fmt::format("Unknown message type {}", message["type"].dump()));
}

void LiveSession::handleHello(const json& message) {
  if (room_) return sendError("already_joined", "hello is sent once per connection");
  const auto clientId = message.find("clientId");
  if (clientId == message.end() || !isClientId(*clientId))
    return sendError("bad_message", "hello needs a clientId: 1 to 64 printable ASCII characters");
  std::optional<std::int64_t> resumeFrom;
  if (const auto resume = message.find("resumeFrom"); resume != message.end() && !resume->is_null()) {
    if (!resume->is_number_integer() || resume->get<std::int64_t>() < 0)
      return sendError("bad_message", "resumeFrom must be a revision number or null");
    resumeFrom = resume->get<std::int64_t>();
  }
  clientId_ = clientId->get<std::string>();
  room_ = hub_.roomFor(identity_.projectId);
  ++pendingRoomTasks_;
  room_->join(shared_from_this(), resumeFrom);
}

void LiveSession::handlePresence(const json& message) {
  json selection = json::array();
  if (const auto found = message.find("selection"); found != message.end() && !found->is_null()) {
    bool ok = found->is_array() && found->size() <= hub_.options().maxSelection;
    for (std::size_t i = 0; ok && i < found->size(); ++i) {
      const auto& id = (*found)[i];
      ok = id.is_string() && !id.get_ref<const std::string&>().empty() && id.get_ref<const std::string&>().size() <= 64;
    }
    if (!ok)
      return sendError("bad_message", fmt::format("selection must be an array of at most {} object ids",
                                                  hub_.options().maxSelection));
    selection = *found;
  }
  json playhead = nullptr;
  if (const auto found = message.find("playheadBeat"); found != message.end() && !found->is_null()) {
    if (!found->is_number() || !std::isfinite(found->get<double>()) || found->get<double>() < 0)
      return sendError("bad_message", "playheadBeat must be a number >= 0 or null");
    playhead = *found;
  }
  ++pendingRoomTasks_;
  room_->presence(shared_from_this(), std::move(selection), std::move(playhead));
}

void LiveSession::roomTaskDone() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    --self->pendingRoomTasks_;
    self->readNext();
  });
}

void LiveSession::leaveRoom() {
  if (room_) room_->leave(id_);
}

void LiveSession::sendError(std::string_view reason, std::string_view detail) {
  enqueue(std::make_shared<const std::string>(
      json{{"type", "error"}, {"reason", reason}, {"detail", detail}}.dump(-1, ' ', false, json::error_handler_t::replace)));
}

// ---- writing ---------------------------------------------------------------------------------

void LiveSession::send(Message message) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), message = std::move(message)]() mutable { self->enqueue(std::move(message)); });
}

void LiveSession::send(const json& message) {
  send(std::make_shared<const std::string>(message.dump(-1, ' ', false, json::error_handler_t::replace)));
}

void LiveSession::enqueue(Message message) {
  if (closing_ || readEnded_) return;
  const auto& options = hub_.options();
  if (queue_.size() >= options.maxQueuedMessages || queuedBytes_ + message->size() > options.maxQueuedBytes) {
    spdlog::warn("live: disconnecting {} (client {}) from project {}: it is not reading, its send queue is full "
                 "({} messages, {} bytes)",
                 identity_.username, clientId_, identity_.projectId, queue_.size(), queuedBytes_);
    leaveRoom();  // stop broadcasting to it at once
    beginClose({websocket::close_code::policy_error, "send queue full: the client is not reading"});
    return;
  }
  queuedBytes_ += message->size();
  queue_.push_back(std::move(message));
  if (!writing_) writeNext();
}

void LiveSession::writeNext() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
    self->onWrite(error, bytes);
  });
}

void LiveSession::onWrite(beast::error_code error, std::size_t) {
  writing_ = false;
  queuedBytes_ -= queue_.front()->size();
  queue_.pop_front();
  if (error) {
    // The peer is gone or we closed the socket: the read loop ends too and leaves the room.
    queue_.clear();
    queuedBytes_ = 0;
    closing_ = true;
    beast::get_lowest_layer(ws_).close();
    return;
  }
  if (closing_) return sendCloseFrame();
  if (!queue_.empty()) writeNext();
}

void LiveSession::close(websocket::close_code code, std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    self->beginClose({code, reason});
  });
}

void LiveSession::beginClose(websocket::close_reason reason) {
  if (closing_ || readEnded_) return;
  closing_ = true;
  closeReason_ = std::move(reason);
  // Keep only the message being written: its buffer is in use until its write completes.
  while (queue_.size() > (writing_ ? 1u : 0u)) {
    queuedBytes_ -= queue_.back()->size();
    queue_.pop_back();
  }
  // A client that does not read never takes the rest of that write nor the close frame: after the
  // grace period it loses the TCP connection instead.
  closeDeadline_.expires_after(hub_.options().closeGrace);
  closeDeadline_.async_wait([self = shared_from_this()](beast::error_code error) {
    if (error) return;
    spdlog::info("live: closing the connection of {} (project {}) without a close handshake", self->identity_.username,
                 self->identity_.projectId);
    beast::get_lowest_layer(self->ws_).close();
  });
  if (!writing_) sendCloseFrame();
}

void LiveSession::sendCloseFrame() {
  if (!ws_.is_open()) return;
  ws_.async_close(closeReason_, [self = shared_from_this()](beast::error_code) {
    // The read loop sees the peer's answer (or the timeout) and ends the session.
  });
}

}  // namespace amplitude::server::live
