#pragma once
// A fixed set of threads running submitted jobs in order, with a bounded backlog. Used for the
// CPU- and memory-heavy password hashing, so that at most `threads` hashes (each 19+ MiB) run
// at once whatever the number of requests.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace amplitude::server::api {

class WorkQueue {
public:
  WorkQueue(unsigned threads, std::size_t maxBacklog) : maxBacklog_(maxBacklog) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  }
  ~WorkQueue() {
    {
      std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    ready_.notify_all();
  }  // jthreads join here, after finishing the backlog
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  /// Throws std::runtime_error when the backlog is full (the caller answers 503).
  template <class F>
  auto submit(F job) -> std::future<decltype(job())> {
    auto task = std::make_shared<std::packaged_task<decltype(job())()>>(std::move(job));
    auto result = task->get_future();
    {
      std::lock_guard lock{mutex_};
      if (jobs_.size() >= maxBacklog_) throw std::runtime_error("work queue full");
      jobs_.emplace_back([task] { (*task)(); });
    }
    ready_.notify_one();
    return result;
  }

private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock{mutex_};
        ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  const std::size_t maxBacklog_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::jthread> threads_;  // last: joined before the queue they use is destroyed
};

}  // namespace amplitude::server::api
