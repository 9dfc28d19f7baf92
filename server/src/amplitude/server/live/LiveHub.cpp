#include "amplitude/server/live/LiveHub.h"

#include "amplitude/server/live/LiveSession.h"
#include "amplitude/server/store/ChangeListener.h"
#include "amplitude/server/store/Repository.h"

#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <vector>

namespace amplitude::server::live {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

LiveHub::LiveHub(store::Repository& repository, LiveOptions options)
    : repository_(repository), options_(std::move(options)), pool_(options_.threads) {
  if (!options_.clock)
    options_.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

LiveHub::~LiveHub() { stop(); }

void LiveHub::startSession(beast::tcp_stream stream, beast::http::request<beast::http::empty_body> upgrade,
                           LiveIdentity identity) {
  const auto id = nextSessionId_++;
  auto session = std::make_shared<LiveSession>(std::move(stream), *this, std::move(identity), id);
  {
    const std::lock_guard lock{mutex_};
    sessions_[id] = session;
  }
  session->start(std::move(upgrade));
}

std::shared_ptr<LiveRoom> LiveHub::roomFor(std::int64_t projectId) {
  const std::lock_guard lock{mutex_};
  auto& slot = rooms_[projectId];
  if (auto room = slot.lock()) return room;
  auto room = std::make_shared<LiveRoom>(*this, projectId, net::make_strand(pool_.get_executor()));
  slot = room;
  // Rooms die with their last session; drop the empty slots now and then.
  if (rooms_.size() > 64)
    std::erase_if(rooms_, [](const auto& entry) { return entry.second.expired(); });
  return room;
}

void LiveHub::forgetSession(std::uint64_t sessionId) {
  const std::lock_guard lock{mutex_};
  sessions_.erase(sessionId);
}

void LiveHub::revisionCommitted(std::int64_t projectId) {
  std::shared_ptr<LiveRoom> room;
  {
    const std::lock_guard lock{mutex_};
    if (const auto found = rooms_.find(projectId); found != rooms_.end()) room = found->second.lock();
  }
  if (room && !stopped_) room->catchUp();
}

void LiveHub::catchUpAllRooms() {
  std::vector<std::shared_ptr<LiveRoom>> rooms;
  {
    const std::lock_guard lock{mutex_};
    for (const auto& [id, weak] : rooms_)
      if (auto room = weak.lock()) rooms.push_back(std::move(room));
  }
  for (const auto& room : rooms) room->catchUp();
}

void LiveHub::listenToPostgres(const std::string& databaseUrl) {
  listener_ = store::listenForChanges(
      databaseUrl, "amplitude_ops",
      [this](const std::string& payload) {
        // "<projectId>:<revision>": the room reads what it has not sent from the database, so the
        // revision only tells us something happened.
        std::int64_t projectId = 0;
        const auto colon = payload.find(':');
        const auto [end, error] = std::from_chars(payload.data(), payload.data() + std::min(colon, payload.size()), projectId);
        if (error == std::errc{}) revisionCommitted(projectId);
      },
      [this] { catchUpAllRooms(); });
}

void LiveHub::closeAllSessions() {
  std::vector<std::shared_ptr<LiveSession>> sessions;
  {
    const std::lock_guard lock{mutex_};
    for (const auto& [id, weak] : sessions_)
      if (auto session = weak.lock()) sessions.push_back(std::move(session));
  }
  for (const auto& session : sessions) session->close(websocket::close_code::going_away, "server stopping");
}

std::size_t LiveHub::sessionCount() const {
  const std::lock_guard lock{mutex_};
  return sessions_.size();
}

void LiveHub::stop() {
  if (stopped_.exchange(true)) return;
  listener_.reset();  // joins its thread: no more notifications
  // Let the rooms finish what is queued (it holds sessions, which must go while the server's
  // io_context still exists) rather than abandoning it inside the pool.
  pool_.join();
}

}  // namespace amplitude::server::live
