#pragma once
// The limits of the live channel (docs/collaboration.md, "Limits"). Tests shrink them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace amplitude::server::live {

struct LiveOptions {
  /// Largest message a client may send (Beast's read_message_max: bigger ones close with 1009).
  std::size_t maxMessageBytes = 1024 * 1024;
  /// A client's send queue is bounded by both: one that stops reading is disconnected (1008)
  /// instead of growing our memory. The byte bound must hold a snapshot of the largest document.
  std::size_t maxQueuedMessages = 256;
  std::size_t maxQueuedBytes = 8 * 1024 * 1024;
  /// How long a client we are closing gets to take what is already on its way (and the close
  /// frame) before its TCP connection is simply closed.
  std::chrono::milliseconds closeGrace{std::chrono::seconds{5}};
  /// SO_SNDBUF for live sockets; 0 keeps the OS default (tests make it tiny so a client that
  /// does not read fills its queue quickly).
  int socketSendBufferBytes = 0;
  /// Presence updates of one client are forwarded at most once per interval (the latest wins).
  std::chrono::milliseconds presenceInterval{100};
  std::size_t maxOpsPerEdit = 1000;
  std::size_t maxSelection = 1000;
  /// A reconnecting client more revisions behind than this gets a snapshot instead of the ops.
  std::int64_t maxReplay = 1000;
  /// The largest document a live edit may produce (as the REST save's limit).
  std::size_t maxDocumentBytes = 4 * 1024 * 1024;
  /// Messages of one client waiting for its room: beyond this we stop reading its socket (TCP
  /// pushes back on the client) until the room catches up.
  int maxPendingPerClient = 32;
  /// Threads that run the rooms (database work included).
  unsigned threads = 2;
  /// Milliseconds since the Unix epoch (revision timestamps); tests may replace it.
  std::function<std::int64_t()> clock;
};

}  // namespace amplitude::server::live
