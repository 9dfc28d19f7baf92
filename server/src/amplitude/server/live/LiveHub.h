#pragma once
// The live channels of this server process: takes over admitted WebSocket upgrades (one
// LiveSession each), keeps one LiveRoom per project that has clients, and brings rooms up to
// date when a revision is committed elsewhere: a REST save here (revisionCommitted, called by
// the API), or anything on another server sharing the PostgreSQL database (a NOTIFY on
// 'amplitude_ops', received by one listening connection per process).
//
// Thread rules: every public method is thread-safe. Rooms run on the hub's own small pool
// (they block on the database); sessions run on the HTTP server's I/O threads.
#include "amplitude/server/live/LiveIdentity.h"
#include "amplitude/server/live/LiveOptions.h"
#include "amplitude/server/live/LiveRoom.h"

#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace amplitude::server::store {
class Repository;
class ChangeListener;
}  // namespace amplitude::server::store

namespace amplitude::server::live {

class LiveSession;

class LiveHub {
public:
  LiveHub(store::Repository& repository, LiveOptions options = {});
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  /// Takes over a connection whose upgrade request the API admitted.
  void startSession(boost::beast::tcp_stream stream,
                    boost::beast::http::request<boost::beast::http::empty_body> upgrade, LiveIdentity identity);

  /// A revision of this project was committed outside the live channel of this process.
  void revisionCommitted(std::int64_t projectId);
  /// Listens for other servers' commits (PostgreSQL only), on a thread of its own.
  void listenToPostgres(const std::string& databaseUrl);

  /// Asks every client to leave (1001 going away): the server is stopping.
  void closeAllSessions();
  std::size_t sessionCount() const;
  /// Stops the rooms' threads; after this the hub does nothing. Idempotent.
  void stop();

  // For sessions and rooms.
  const LiveOptions& options() const { return options_; }
  store::Repository& repository() { return repository_; }
  std::int64_t now() const { return options_.clock(); }
  /// The room of a project, made if needed; alive while a session holds it.
  std::shared_ptr<LiveRoom> roomFor(std::int64_t projectId);
  void forgetSession(std::uint64_t sessionId);

private:
  void catchUpAllRooms();

  store::Repository& repository_;
  LiveOptions options_;
  boost::asio::thread_pool pool_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::weak_ptr<LiveRoom>> rooms_;
  std::map<std::uint64_t, std::weak_ptr<LiveSession>> sessions_;
  std::atomic<std::uint64_t> nextSessionId_{1};
  std::unique_ptr<store::ChangeListener> listener_;
  std::atomic<bool> stopped_{false};
};

}  // namespace amplitude::server::live
