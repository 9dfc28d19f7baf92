#pragma once
// One live connection: a WebSocket on its own strand (the connection's, from the listener) with
// a read loop and a bounded write queue, in the shape of Boost.Beast's websocket-chat-multi
// example. The session only parses and routes: every message that touches the project goes to
// the project's LiveRoom, whose answers come back through send().
//
// Thread rules: send(), close() and roomTaskDone() may be called from any thread (they post to
// the session's strand); everything else runs on that strand.
#include "amplitude/server/live/LiveIdentity.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace amplitude::server::live {

class LiveHub;
class LiveRoom;

class LiveSession : public std::enable_shared_from_this<LiveSession> {
public:
  using Message = std::shared_ptr<const std::string>;

  LiveSession(boost::beast::tcp_stream&& stream, LiveHub& hub, LiveIdentity identity, std::uint64_t id);
  ~LiveSession();

  /// Completes the WebSocket handshake for this (already admitted) upgrade request, then reads.
  void start(boost::beast::http::request<boost::beast::http::empty_body> upgrade);

  /// Queues a text message. A client whose queue is over the limits is disconnected (1008).
  void send(Message message);
  void send(const nlohmann::json& message);
  /// Closes after the message being written (what is only queued is dropped).
  void close(boost::beast::websocket::close_code code, std::string reason);
  /// The room finished one message of ours (see LiveOptions::maxPendingPerClient).
  void roomTaskDone();

  std::uint64_t id() const { return id_; }
  const LiveIdentity& identity() const { return identity_; }
  /// Set by hello, before the session joins its room (then never changes).
  const std::string& clientId() const { return clientId_; }

private:
  void onAccept(boost::beast::error_code error);
  void readNext();
  void onRead(boost::beast::error_code error, std::size_t bytes);
  void handleMessage(const std::string& text);
  void handleHello(const nlohmann::json& message);
  void handlePresence(const nlohmann::json& message);
  void sendError(std::string_view reason, std::string_view detail);

  void enqueue(Message message);
  void writeNext();
  void onWrite(boost::beast::error_code error, std::size_t bytes);
  void beginClose(boost::beast::websocket::close_reason reason);
  void sendCloseFrame();
  void leaveRoom();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  LiveHub& hub_;
  const LiveIdentity identity_;
  const std::uint64_t id_;
  std::string clientId_;
  std::shared_ptr<LiveRoom> room_;  ///< set by hello

  boost::beast::flat_buffer buffer_;
  int pendingRoomTasks_ = 0;
  bool reading_ = false;
  bool readEnded_ = false;

  std::deque<Message> queue_;  ///< front() is being written while writing_
  std::size_t queuedBytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  boost::beast::websocket::close_reason closeReason_;
  boost::asio::steady_timer closeDeadline_;
};

}  // namespace amplitude::server::live
