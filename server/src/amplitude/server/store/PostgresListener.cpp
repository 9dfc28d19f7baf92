// ChangeListener over libpqxx 6.4: a notification_receiver on its own connection, polled with a
// short await_notification timeout so the thread notices when it should stop.
#include "amplitude/server/store/ChangeListener.h"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace amplitude::server::store {

namespace {

class Receiver final : public pqxx::notification_receiver {
public:
  Receiver(pqxx::connection_base& connection, const std::string& channel,
           const std::function<void(const std::string&)>& onNotify)
      : pqxx::notification_receiver(connection, channel), onNotify_(onNotify) {}
  void operator()(const std::string& payload, int) override { onNotify_(payload); }

private:
  const std::function<void(const std::string&)>& onNotify_;
};

class PostgresListener final : public ChangeListener {
public:
  PostgresListener(std::string url, std::string channel, std::function<void(const std::string&)> onNotify,
                   std::function<void()> onReconnected)
      : url_(std::move(url)), channel_(std::move(channel)), onNotify_(std::move(onNotify)),
        onReconnected_(std::move(onReconnected)), thread_([this] { run(); }) {
    // Commits made right after start-up must not slip past before the LISTEN is in place.
    started_.get_future().wait_for(std::chrono::seconds{5});
  }

  ~PostgresListener() override {
    stopping_ = true;
    thread_.join();
  }

private:
  void run() {
    auto backoff = std::chrono::milliseconds{100};
    bool everConnected = false;
    while (!stopping_) {
      try {
        pqxx::connection connection{url_};
        Receiver receiver{connection, channel_, onNotify_};
        connection.get_notifs();  // issues the LISTEN now, not at the first wait
        if (everConnected) {
          spdlog::info("live: listening for changes again");
          onReconnected_();
        }
        everConnected = true;
        markStarted();
        backoff = std::chrono::milliseconds{100};
        auto lastCheck = std::chrono::steady_clock::now();
        auto backend = connection.backendpid();
        while (!stopping_) {
          connection.await_notification(0, 200'000);
          // A dead server is only noticed when we talk to it: ask now and then.
          if (std::chrono::steady_clock::now() - lastCheck > std::chrono::seconds{2}) {
            pqxx::nontransaction ping{connection};
            ping.exec("SELECT 1");
            lastCheck = std::chrono::steady_clock::now();
          }
          // libpqxx 6 may reconnect (and LISTEN again) by itself: notifications were lost then.
          if (connection.backendpid() != backend) {
            backend = connection.backendpid();
            spdlog::info("live: listening for changes again");
            onReconnected_();
          }
        }
      } catch (const std::exception& error) {
        markStarted();
        if (stopping_) break;
        spdlog::warn("live: change listener lost its PostgreSQL connection ({}); reconnecting",
                     std::string{error.what()}.substr(0, std::string{error.what()}.find('\n')));
        for (auto waited = std::chrono::milliseconds{0}; waited < backoff && !stopping_;
             waited += std::chrono::milliseconds{50})
          std::this_thread::sleep_for(std::chrono::milliseconds{50});
        backoff = std::min(backoff * 2, std::chrono::milliseconds{5000});
        everConnected = true;  // whatever happened meanwhile must be caught up after reconnecting
      }
    }
  }

  void markStarted() {
    if (!startedMarked_.exchange(true)) started_.set_value();
  }

  std::promise<void> started_;
  std::atomic<bool> startedMarked_{false};
  const std::string url_;
  const std::string channel_;
  const std::function<void(const std::string&)> onNotify_;
  const std::function<void()> onReconnected_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<ChangeListener> listenForChanges(const std::string& url, const std::string& channel,
                                                 std::function<void(const std::string&)> onNotify,
                                                 std::function<void()> onReconnected) {
  return std::make_unique<PostgresListener>(url, channel, std::move(onNotify), std::move(onReconnected));
}

}  // namespace amplitude::server::store
