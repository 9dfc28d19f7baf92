#pragma once
// RenderService: renders stored project revisions to WAV in the background with the same native
// engine code the browser runs (engine/src/amplitude/render/ProjectLoader), one job at a time
// on its own thread (a render is seconds of full CPU: it must never run on the I/O threads or
// the request pool), with progress, and cached by (project, revision): a revision never changes,
// so its mix is rendered once. Assets come from the blob store by their SHA-256.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace amplitude::server::render {

struct RenderStatus {
  enum class State { Queued, Running, Done, Failed };
  State state = State::Queued;
  double progress = 0.0;  ///< 0..1 while running
  std::string error;      ///< why it failed, in words a user can act on
  std::filesystem::path file;
};

std::string_view toString(RenderStatus::State state);

class RenderService {
 public:
  /// Where a content hash's bytes are on disk, if they are.
  using AssetPath = std::function<std::optional<std::filesystem::path>(std::string_view sha256)>;
  static constexpr std::size_t kMaxQueued = 16;

  RenderService(std::filesystem::path cacheDirectory, AssetPath assetPath);
  ~RenderService();
  RenderService(const RenderService&) = delete;
  RenderService& operator=(const RenderService&) = delete;

  /// Starts the render of `document` (the text of revision `revision`) unless it is done,
  /// queued or running already; answers the job's status. A full queue answers Failed.
  RenderStatus request(std::int64_t projectId, std::int64_t revision, std::string document);
  /// nullopt when that revision was never asked for (and is not in the cache).
  std::optional<RenderStatus> status(std::int64_t projectId, std::int64_t revision);

 private:
  using Key = std::pair<std::int64_t, std::int64_t>;
  struct Job {
    Key key;
    std::string document;
  };
  void work(std::stop_token stop);
  void render(const Job& job);
  std::filesystem::path fileFor(const Key& key) const;

  std::filesystem::path cacheDirectory_;
  AssetPath assetPath_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<Job> queue_;
  std::map<Key, RenderStatus> jobs_;
  std::jthread worker_;  // last: stopped and joined before the rest goes
};

}  // namespace amplitude::server::render
