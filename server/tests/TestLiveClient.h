#pragma once
// A real WebSocket client (Boost.Beast) for the live-channel tests, behind a Beast-free header.
// It runs its own io_context on a thread: messages that arrive wait in an inbox the test reads
// with a timeout; a client can also be told not to read at all (to play a stalled browser).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace amplitude::server::testing {

struct LiveClientOptions {
  std::string cookie;          ///< "amp_session=..."
  std::string origin;          ///< sent as Origin when not empty
  int receiveBufferBytes = 0;  ///< SO_RCVBUF before connecting; 0 keeps the OS default
  bool reading = true;         ///< false: nothing is read until startReading()
};

class LiveClient {
public:
  LiveClient(std::uint16_t port, const std::string& target, LiveClientOptions options = {});
  ~LiveClient();
  LiveClient(const LiveClient&) = delete;
  LiveClient& operator=(const LiveClient&) = delete;

  bool upgraded() const;
  /// The HTTP status of a refused upgrade (0 when upgraded or when nothing answered).
  int refusalStatus() const;

  void send(const nlohmann::json& message);
  void sendText(const std::string& text);
  void sendBinary(const std::string& bytes);

  /// The next message, or nullopt when none arrives in time or the connection closed.
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// The next message of this type, skipping others; a test failure (and null) if none comes.
  nlohmann::json expect(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// Every message until `quiet` passes without one.
  std::vector<nlohmann::json> drain(std::chrono::milliseconds quiet = std::chrono::milliseconds{300});

  void startReading();
  /// Waits until the connection is closed (close frame, reset or EOF).
  bool waitUntilClosed(std::chrono::milliseconds timeout);
  /// The code of the close frame received (1008...), 0 if it ended without one.
  int closeCode() const;
  /// The TCP connection just vanishes (no close frame), as when a laptop's Wi-Fi drops.
  void drop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amplitude::server::testing
