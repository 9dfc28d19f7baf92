#pragma once
// PostgreSQL LISTEN on one dedicated connection and thread: how a server process hears about
// revisions other processes commit (they NOTIFY inside the committing transaction, so a
// notification means "committed"). No Beast, no Asio: callbacks run on the listener's thread.
#include <functional>
#include <memory>
#include <string>

namespace amplitude::server::store {

class ChangeListener {
public:
  virtual ~ChangeListener() = default;  ///< stops listening and joins the thread
};

/// Calls `onNotify(payload)` for each notification on `channel`. When the connection breaks it
/// reconnects (backing off up to a few seconds) and then calls `onReconnected()`, because
/// notifications sent meanwhile are lost: the caller should look at the database itself.
std::unique_ptr<ChangeListener> listenForChanges(const std::string& url, const std::string& channel,
                                                 std::function<void(const std::string&)> onNotify,
                                                 std::function<void()> onReconnected);

}  // namespace amplitude::server::store
