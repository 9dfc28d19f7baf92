#pragma once
// One project's live channel in this process: who is connected, what they have been sent, and
// the one place where their edits are applied. Every entry point posts to the room's strand (on
// the hub's pool, never an I/O thread, because it blocks on the database), so edits of one
// project are handled one at a time in this process; across processes the database transaction
// orders them (Repository::commitLiveEdit). The ordering rule: clients get every revision in
// order, as an op (a live edit) or a snapshot (a REST save), each exactly once.
#include "amplitude/server/live/LiveIdentity.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace amplitude::server::live {

class LiveHub;
class LiveSession;

class LiveRoom : public std::enable_shared_from_this<LiveRoom> {
public:
  using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

  LiveRoom(LiveHub& hub, std::int64_t projectId, Strand strand);

  // Thread-safe entry points. Those taking a session call its roomTaskDone() when done.
  void join(std::shared_ptr<LiveSession> session, std::optional<std::int64_t> resumeFrom);
  void edit(std::shared_ptr<LiveSession> session, nlohmann::json message);
  void presence(std::shared_ptr<LiveSession> session, nlohmann::json selection, nlohmann::json playheadBeat);
  void leave(std::uint64_t sessionId);
  /// Sends the members every revision committed since the last one they got (someone else's
  /// REST save, another server's live edit).
  void catchUp();

private:
  struct Member {
    std::weak_ptr<LiveSession> session;
    std::string clientId;
    LiveIdentity who;
    nlohmann::json selection = nlohmann::json::array();
    nlohmann::json playheadBeat = nullptr;
    std::chrono::steady_clock::time_point lastPresenceSent{};
    /// Armed while a coalesced presence update waits for the end of the interval.
    std::shared_ptr<boost::asio::steady_timer> presenceTimer;
  };
  /// The edit this process just committed: its author gets an ack in its place among the ops.
  struct OwnCommit {
    std::int64_t revision;
    std::uint64_t sessionId;
    std::int64_t seq;
    bool acknowledged = false;
  };
  struct Refusal;

  /// Runs `work` on the strand; exceptions are logged (and the session told), never thrown.
  template <class Work>
  void onStrand(std::shared_ptr<LiveSession> session, Work work);

  void handleJoin(LiveSession& session, std::optional<std::int64_t> resumeFrom);
  void handleEdit(LiveSession& session, const nlohmann::json& message);
  /// The checked edit: rebase, validate, commit, answer.
  void commitEdit(LiveSession& session, std::int64_t seq, std::optional<std::int64_t> baseRevision,
                  const nlohmann::json& ops);
  void handlePresence(LiveSession& session, nlohmann::json selection, nlohmann::json playheadBeat);
  void handleLeave(std::uint64_t sessionId);

  void bringUpToDate(OwnCommit* own = nullptr);
  /// ops in (after, upTo] to one session, or a snapshot of upTo when they cannot be replayed.
  void sendHistory(LiveSession& session, std::optional<std::int64_t> after, std::int64_t upTo);
  std::shared_ptr<const std::string> snapshotMessage(std::int64_t revision);
  /// target_deleted ("clip X was deleted in revision N") or target_not_found.
  std::pair<std::string, std::string> explainMissing(const std::string& id, std::optional<std::int64_t> baseRevision,
                                                     std::int64_t head);
  void broadcast(const std::shared_ptr<const std::string>& message, std::uint64_t except = 0);
  void broadcastPeers(std::uint64_t except = 0);
  void sendPresenceOf(std::uint64_t sessionId);

  LiveHub& hub_;
  const std::int64_t projectId_;
  Strand strand_;
  std::map<std::uint64_t, Member> members_;
  /// The last revision the members were sent; -1 until the room first looks at the database.
  std::int64_t lastBroadcast_ = -1;
  bool projectDeleted_ = false;
  /// The head document as JSON, so an edit does not parse it again; valid for cachedRevision_.
  std::int64_t cachedRevision_ = -1;
  nlohmann::json cachedDocument_;
};

}  // namespace amplitude::server::live
