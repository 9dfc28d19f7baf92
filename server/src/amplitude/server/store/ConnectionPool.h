#pragma once
// A small pool of database connections: at most `capacity` exist; a caller that finds none idle
// waits for one to come back. Connections are made lazily by `connect`, so a database that is
// down at start-up only fails the calls made while it is down.
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace amplitude::server::store {

template <class Connection>
class ConnectionPool {
public:
  using Factory = std::function<std::unique_ptr<Connection>()>;

  /// A checked-out connection; returns to the pool when destroyed unless discard() was called
  /// (a broken connection must not be handed to the next caller).
  class Lease {
  public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->giveBack(std::move(connection_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }
    void discard() { connection_.reset(); }

  private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  ConnectionPool(unsigned capacity, Factory connect) : capacity_(capacity), connect_(std::move(connect)) {}

  /// Blocks while every connection is in use. Throws whatever `connect` throws.
  Lease acquire() {
    std::unique_lock lock{mutex_};
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < capacity_; });
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease{*this, std::move(connection)};
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    try {
      return Lease{*this, connect_()};
    } catch (...) {
      giveBack(nullptr);
      throw;
    }
  }

private:
  void giveBack(std::unique_ptr<Connection> connection) {
    {
      std::lock_guard lock{mutex_};
      if (connection)
        idle_.push_back(std::move(connection));
      else
        --open_;
    }
    returned_.notify_one();
  }

  const unsigned capacity_;
  Factory connect_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  unsigned open_ = 0;
};

}  // namespace amplitude::server::store
