#include "amplitude/server/live/LiveRoom.h"

#include "amplitude/server/live/DocumentOps.h"
#include "amplitude/server/live/LiveHub.h"
#include "amplitude/server/live/LiveSession.h"

#include <amplitude/project/ProjectDocument.h>

#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace amplitude::server::live {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using nlohmann::json;

namespace {

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::shared_ptr<const std::string> shared(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

std::string opMessage(const store::LiveOperation& op) {
  // The ops are stored as the client sent them (after our parse and dump): splice them in.
  return fmt::format(R"({{"type":"op","revision":{},"clientId":{},"seq":{},"author":{},"ops":{}}})", op.revision,
                     dump(op.clientId), op.seq, dump(json{{"id", op.authorId}, {"username", op.authorName}}), op.ops);
}

json ack(std::int64_t seq, std::int64_t revision, bool duplicate = false) {
  json message{{"type", "ack"}, {"seq", seq}, {"revision", revision}};
  if (duplicate) message["duplicate"] = true;
  return message;
}

json parseStored(const std::string& text) {
  auto value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json{} : value;
}

/// Operations fill (after, upTo] exactly, so they can stand for those revisions.
bool coversAll(const std::vector<store::LiveOperation>& ops, std::int64_t after, std::int64_t upTo) {
  return static_cast<std::int64_t>(ops.size()) == upTo - after &&
         (ops.empty() || (ops.front().revision == after + 1 && ops.back().revision == upTo));
}

}  // namespace

struct LiveRoom::Refusal {
  std::string reason;
  std::string detail;
  json messages;
  std::optional<OpFailure> missing;
  std::int64_t head = 0;
};

LiveRoom::LiveRoom(LiveHub& hub, std::int64_t projectId, Strand strand)
    : hub_(hub), projectId_(projectId), strand_(std::move(strand)) {}

template <class Work>
void LiveRoom::onStrand(std::shared_ptr<LiveSession> session, Work work) {
  net::post(strand_, [self = shared_from_this(), session = std::move(session), work = std::move(work)]() mutable {
    try {
      work(*self, session);
    } catch (const store::DatabaseUnavailable& error) {
      spdlog::warn("live: project {}: database unavailable: {}", self->projectId_, error.what());
      if (session)
        session->send(json{{"type", "error"},
                           {"reason", "database_unavailable"},
                           {"detail", "The database is unreachable; nothing was saved. Send the same edit again "
                                      "(same clientId and seq) shortly."}});
    } catch (const std::exception& error) {
      spdlog::error("live: project {}: {}", self->projectId_, error.what());
      if (session)
        session->send(json{{"type", "error"}, {"reason", "internal_error"}, {"detail", "Internal server error"}});
    }
    if (session) session->roomTaskDone();
  });
}

void LiveRoom::join(std::shared_ptr<LiveSession> session, std::optional<std::int64_t> resumeFrom) {
  onStrand(std::move(session), [resumeFrom](LiveRoom& room, const std::shared_ptr<LiveSession>& from) {
    room.handleJoin(*from, resumeFrom);
  });
}

void LiveRoom::edit(std::shared_ptr<LiveSession> session, json message) {
  onStrand(std::move(session), [message = std::move(message)](LiveRoom& room, const std::shared_ptr<LiveSession>& from) {
    room.handleEdit(*from, message);
  });
}

void LiveRoom::presence(std::shared_ptr<LiveSession> session, json selection, json playheadBeat) {
  onStrand(std::move(session), [selection = std::move(selection), playheadBeat = std::move(playheadBeat)](
                                   LiveRoom& room, const std::shared_ptr<LiveSession>& from) mutable {
    room.handlePresence(*from, std::move(selection), std::move(playheadBeat));
  });
}

void LiveRoom::leave(std::uint64_t sessionId) {
  onStrand(nullptr, [sessionId](LiveRoom& room, const std::shared_ptr<LiveSession>&) { room.handleLeave(sessionId); });
}

void LiveRoom::catchUp() {
  onStrand(nullptr, [](LiveRoom& room, const std::shared_ptr<LiveSession>&) {
    if (!room.members_.empty()) room.bringUpToDate();
  });
}

// ---- joining and leaving ---------------------------------------------------------------------

void LiveRoom::handleJoin(LiveSession& session, std::optional<std::int64_t> resumeFrom) {
  for (auto it = members_.begin(); it != members_.end();) {
    if (it->second.clientId != session.clientId()) {
      ++it;
      continue;
    }
    if (it->second.who.accountId != session.identity().accountId) {
      session.send(json{{"type", "error"}, {"reason", "client_id_taken"}, {"detail", "Another account uses this clientId"}});
      session.close(websocket::close_code::policy_error, "clientId taken");
      return;
    }
    // The same tab reconnected before we noticed its old connection drop: the new one replaces it.
    if (auto old = it->second.session.lock()) old->close(websocket::close_code::normal, "replaced by a new connection");
    if (it->second.presenceTimer) it->second.presenceTimer->cancel();
    it = members_.erase(it);
  }

  bringUpToDate();
  if (projectDeleted_) {
    session.send(json{{"type", "error"}, {"reason", "project_deleted"}, {"detail", "The project was deleted"}});
    session.close(websocket::close_code::normal, "project deleted");
    return;
  }
  const auto head = lastBroadcast_;
  const auto& options = hub_.options();
  const auto& who = session.identity();
  session.send(json{{"type", "welcome"},
                    {"revision", head},
                    {"you",
                     {{"clientId", session.clientId()},
                      {"accountId", who.accountId},
                      {"username", who.username},
                      {"role", store::roleName(who.role)}}},
                    {"limits",
                     {{"maxMessageBytes", options.maxMessageBytes},
                      {"maxOpsPerEdit", options.maxOpsPerEdit},
                      {"presenceIntervalMs", options.presenceInterval.count()}}}});
  if (resumeFrom != head) sendHistory(session, resumeFrom, head);

  Member member;
  member.session = session.weak_from_this();
  member.clientId = session.clientId();
  member.who = who;
  members_[session.id()] = std::move(member);
  broadcastPeers();
}

void LiveRoom::handleLeave(std::uint64_t sessionId) {
  const auto found = members_.find(sessionId);
  if (found == members_.end()) return;
  if (found->second.presenceTimer) found->second.presenceTimer->cancel();
  members_.erase(found);
  broadcastPeers();
}

void LiveRoom::sendHistory(LiveSession& session, std::optional<std::int64_t> after, std::int64_t upTo) {
  const auto& options = hub_.options();
  if (after && *after > 0 && *after < upTo && upTo - *after <= options.maxReplay) {
    const auto history = hub_.repository().liveHistory(projectId_, *after, upTo, options.maxReplay);
    if (coversAll(history.operations, *after, upTo)) {
      for (const auto& op : history.operations) session.send(shared(opMessage(op)));
      return;
    }
  }
  // Too old, from a REST save (no operations), or a fresh client: the whole document.
  session.send(snapshotMessage(upTo));
}

std::shared_ptr<const std::string> LiveRoom::snapshotMessage(std::int64_t revision) {
  const auto stored = hub_.repository().findRevision(projectId_, revision);
  if (!stored) throw std::runtime_error(fmt::format("revision {} of project {} is missing", revision, projectId_));
  return shared(fmt::format(R"({{"type":"snapshot","revision":{},"document":{}}})", revision, stored->document));
}

// ---- the order of revisions ------------------------------------------------------------------

void LiveRoom::bringUpToDate(OwnCommit* own) {
  auto& repository = hub_.repository();
  if (lastBroadcast_ < 0) {
    // Nobody here has been sent anything yet: start from the head.
    lastBroadcast_ = repository.liveHistory(projectId_, 0, 0, 0).headRevision;
  }
  const auto history = repository.liveHistory(projectId_, lastBroadcast_, std::nullopt, hub_.options().maxReplay);
  const auto acknowledge = [&] {
    if (!own || own->acknowledged) return;
    own->acknowledged = true;
    if (const auto found = members_.find(own->sessionId); found != members_.end())
      if (auto session = found->second.session.lock()) session->send(ack(own->seq, own->revision));
  };
  if (history.deleted) {
    projectDeleted_ = true;
    broadcast(shared(dump(json{{"type", "error"}, {"reason", "project_deleted"}, {"detail", "The project was deleted"}})));
    for (auto& [id, member] : members_)
      if (auto session = member.session.lock()) session->close(websocket::close_code::normal, "project deleted");
    return;
  }
  if (history.headRevision > lastBroadcast_ && members_.empty()) {
    lastBroadcast_ = history.headRevision;  // nobody to tell
  } else if (history.headRevision > lastBroadcast_) {
    if (coversAll(history.operations, lastBroadcast_, history.headRevision)) {
      for (const auto& op : history.operations) {
        if (own && op.revision == own->revision) {
          acknowledge();
          broadcast(shared(opMessage(op)), own->sessionId);
        } else {
          broadcast(shared(opMessage(op)));
        }
      }
    } else {
      broadcast(snapshotMessage(history.headRevision));
    }
    lastBroadcast_ = history.headRevision;
  }
  acknowledge();
}

// ---- edits -----------------------------------------------------------------------------------

void LiveRoom::handleEdit(LiveSession& session, const json& message) {
  const auto& options = hub_.options();
  const auto seqField = message.find("seq");
  if (seqField == message.end() || !seqField->is_number_integer() || seqField->get<std::int64_t>() < 0) {
    session.send(json{{"type", "error"}, {"reason", "bad_message"}, {"detail", "An edit needs an integer seq >= 0"}});
    return;
  }
  const auto seq = seqField->get<std::int64_t>();
  const auto reject = [&](std::string_view reason, std::string_view detail, json extra = json::object()) {
    json answer{{"type", "reject"}, {"seq", seq}, {"reason", reason}, {"detail", detail}};
    answer.update(extra);
    session.send(answer);
  };
  if (session.identity().role < store::Role::editor)
    return reject("read_only", "Viewers cannot change this project");
  if (const auto clientId = message.find("clientId");
      clientId != message.end() && (!clientId->is_string() || *clientId != session.clientId()))
    return reject("bad_message", "clientId must be the one this connection said hello with");
  std::optional<std::int64_t> baseRevision;
  if (const auto base = message.find("baseRevision"); base != message.end() && !base->is_null()) {
    if (!base->is_number_integer()) return reject("bad_message", "baseRevision must be a revision number");
    baseRevision = base->get<std::int64_t>();
  }
  const auto ops = message.contains("ops") ? message["ops"] : json{};
  if (const auto failure = checkOps(ops, options.maxOpsPerEdit)) return reject("bad_op", failure->detail);

  try {
    commitEdit(session, seq, baseRevision, ops);
  } catch (const store::DatabaseUnavailable& error) {
    // The commit may or may not have happened: the same (clientId, seq) again will tell.
    spdlog::warn("live: project {}: database unavailable: {}", projectId_, error.what());
    session.send(json{{"type", "error"},
                      {"reason", "database_unavailable"},
                      {"seq", seq},
                      {"detail", "The database is unreachable; this edit may not be saved. Send it again "
                                 "(same clientId and seq) shortly."}});
  }
}

void LiveRoom::commitEdit(LiveSession& session, std::int64_t seq, std::optional<std::int64_t> baseRevision,
                          const json& ops) {
  const auto& options = hub_.options();
  const auto reject = [&](std::string_view reason, std::string_view detail, json extra = json::object()) {
    json answer{{"type", "reject"}, {"seq", seq}, {"reason", reason}, {"detail", detail}};
    answer.update(extra);
    session.send(answer);
  };
  // Whatever others committed goes out before this edit's ack, so the author sees the order.
  bringUpToDate();

  Refusal refusal;
  json edited;
  json loaded;
  std::int64_t loadedRevision = -1;
  const store::LiveEdit edit{projectId_, session.clientId(), seq, session.identity().accountId, dump(ops), hub_.now()};
  // The rebase: the ops, addressed by ids, applied to whatever the head is now.
  const auto outcome = hub_.repository().commitLiveEdit(
      edit, [&](std::int64_t head, const std::function<std::string()>& headDocument) -> std::optional<std::string> {
        refusal = Refusal{};
        refusal.head = head;
        if (cachedRevision_ != head && loadedRevision != head) {
          loaded = parseStored(headDocument());
          loadedRevision = head;
        }
        json document = cachedRevision_ == head ? cachedDocument_ : loaded;
        if (auto failure = applyOps(document, ops)) {
          if (failure->reason == "target_missing")
            refusal.missing = std::move(*failure);
          else
            refusal = Refusal{failure->reason, failure->detail, {}, {}, head};
          return std::nullopt;
        }
        if (const auto duplicates = duplicateIds(document); !duplicates.empty()) {
          refusal = Refusal{"duplicate_id", fmt::format("id {} is used more than once", dump(duplicates.front())), {}, {}, head};
          return std::nullopt;
        }
        auto checked = project::parseProjectJson(document);
        if (!checked.ok()) {
          refusal = Refusal{"invalid_document", "The edit would make the project document invalid",
                            checked.errors, {}, head};
          return std::nullopt;
        }
        auto text = document.dump();
        if (text.size() > options.maxDocumentBytes) {
          refusal = Refusal{"document_too_large",
                            fmt::format("The document would be larger than {} bytes", options.maxDocumentBytes), {}, {},
                            head};
          return std::nullopt;
        }
        edited = std::move(document);
        return text;
      });

  if (const auto* committed = std::get_if<store::LiveCommitted>(&outcome)) {
    cachedRevision_ = committed->revision;
    cachedDocument_ = std::move(edited);
    OwnCommit own{committed->revision, session.id(), seq};
    bringUpToDate(&own);
    if (!own.acknowledged) session.send(ack(seq, committed->revision));  // not a member (any more)
    return;
  }
  if (const auto* duplicate = std::get_if<store::LiveDuplicate>(&outcome))
    return session.send(ack(seq, duplicate->revision, true));
  if (std::holds_alternative<store::LiveForbidden>(outcome))
    return reject("forbidden", "You can no longer edit this project (your role changed, or it was deleted)");
  if (std::holds_alternative<store::LiveClientIdTaken>(outcome))
    return reject("client_id_taken", "This clientId and seq belong to another account's edit");
  if (loadedRevision == refusal.head && cachedRevision_ != refusal.head) {
    // Keep what we parsed: the next edit on the same head need not parse it again.
    cachedRevision_ = loadedRevision;
    cachedDocument_ = std::move(loaded);
  }
  if (refusal.missing) {
    const auto [reason, detail] = explainMissing(refusal.missing->missingId, baseRevision, refusal.head);
    return reject(reason, detail, {{"revision", refusal.head}, {"target", refusal.missing->missingId}});
  }
  json extra{{"revision", refusal.head}};
  if (!refusal.messages.is_null()) extra["messages"] = refusal.messages;
  reject(refusal.reason, refusal.detail, extra);
}

std::pair<std::string, std::string> LiveRoom::explainMissing(const std::string& id,
                                                             std::optional<std::int64_t> baseRevision,
                                                             std::int64_t head) {
  auto& repository = hub_.repository();
  const auto notFound = std::pair<std::string, std::string>{
      "target_not_found", fmt::format("There is no object {} in the document", id)};
  if (!baseRevision || *baseRevision <= 0 || *baseRevision >= head) return notFound;
  const auto base = repository.findRevision(projectId_, *baseRevision);
  if (!base) return notFound;
  const auto baseDocument = parseStored(base->document);
  if (!containsId(baseDocument, id)) return notFound;
  const auto kind = kindOfObject(baseDocument, id);
  // Delete wins over a concurrent edit: say which revision deleted it (looking a bounded way).
  const auto last = std::min(head, *baseRevision + 64);
  for (auto number = *baseRevision + 1; number <= last; ++number) {
    const auto revision = repository.findRevision(projectId_, number);
    if (revision && !containsId(parseStored(revision->document), id))
      return {"target_deleted", fmt::format("{} {} was deleted in revision {}", kind, id, number)};
  }
  return {"target_deleted", fmt::format("{} {} was deleted after revision {}", kind, id, *baseRevision)};
}

// ---- presence --------------------------------------------------------------------------------

void LiveRoom::handlePresence(LiveSession& session, json selection, json playheadBeat) {
  const auto found = members_.find(session.id());
  if (found == members_.end()) return;
  auto& member = found->second;
  member.selection = std::move(selection);
  member.playheadBeat = std::move(playheadBeat);
  if (member.presenceTimer) return;  // an update is already scheduled: it will carry this one
  const auto interval = hub_.options().presenceInterval;
  const auto now = std::chrono::steady_clock::now();
  if (now - member.lastPresenceSent >= interval) return sendPresenceOf(session.id());
  // Too soon after the last one: coalesce, and send the latest at the end of the interval.
  member.presenceTimer = std::make_shared<net::steady_timer>(strand_, member.lastPresenceSent + interval);
  // The timer's executor is the strand: its handler runs there.
  member.presenceTimer->async_wait([self = shared_from_this(), id = session.id()](boost::system::error_code error) {
    if (error) return;
    const auto waiting = self->members_.find(id);
    if (waiting == self->members_.end()) return;
    waiting->second.presenceTimer.reset();
    self->sendPresenceOf(id);
  });
}

void LiveRoom::sendPresenceOf(std::uint64_t sessionId) {
  members_.at(sessionId).lastPresenceSent = std::chrono::steady_clock::now();
  broadcastPeers(sessionId);
}

void LiveRoom::broadcastPeers(std::uint64_t except) {
  json peers = json::array();
  for (const auto& [id, member] : members_)
    peers.push_back({{"clientId", member.clientId},
                     {"accountId", member.who.accountId},
                     {"username", member.who.username},
                     {"role", store::roleName(member.who.role)},
                     {"selection", member.selection},
                     {"playheadBeat", member.playheadBeat}});
  broadcast(shared(dump(json{{"type", "presence"}, {"peers", std::move(peers)}})), except);
}

void LiveRoom::broadcast(const std::shared_ptr<const std::string>& message, std::uint64_t except) {
  for (const auto& [id, member] : members_) {
    if (id == except) continue;
    if (auto session = member.session.lock()) session->send(message);
  }
}

}  // namespace amplitude::server::live
