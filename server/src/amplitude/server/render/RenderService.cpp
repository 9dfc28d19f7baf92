#include "amplitude/server/render/RenderService.h"

#include <amplitude/Engine.h>
#include <amplitude/host/BlockHost.h>
#include <amplitude/io/WavFile.h>
#include <amplitude/render/ProjectLoader.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

namespace amplitude::server::render {

std::string_view toString(RenderStatus::State state) {
  switch (state) {
    case RenderStatus::State::Queued: return "queued";
    case RenderStatus::State::Running: return "running";
    case RenderStatus::State::Done: return "done";
    case RenderStatus::State::Failed: return "failed";
  }
  return "unknown";
}

RenderService::RenderService(std::filesystem::path cacheDirectory, AssetPath assetPath)
    : cacheDirectory_(std::move(cacheDirectory)), assetPath_(std::move(assetPath)) {
  std::filesystem::create_directories(cacheDirectory_);
  worker_ = std::jthread([this](std::stop_token stop) { work(stop); });
}

RenderService::~RenderService() {
  worker_.request_stop();
  wake_.notify_all();
}

std::filesystem::path RenderService::fileFor(const Key& key) const {
  return cacheDirectory_ / fmt::format("{}-{}.wav", key.first, key.second);
}

RenderStatus RenderService::request(std::int64_t projectId, std::int64_t revision, std::string document) {
  const Key key{projectId, revision};
  std::lock_guard lock(mutex_);
  if (const auto known = jobs_.find(key); known != jobs_.end() && known->second.state != RenderStatus::State::Failed) {
    return known->second;
  }
  if (std::filesystem::exists(fileFor(key))) {  // rendered before a restart
    return jobs_[key] = RenderStatus{RenderStatus::State::Done, 1.0, {}, fileFor(key)};
  }
  if (queue_.size() >= kMaxQueued) {
    return RenderStatus{RenderStatus::State::Failed, 0.0, "the render queue is full: try again in a minute", {}};
  }
  queue_.push_back(Job{key, std::move(document)});
  wake_.notify_one();
  return jobs_[key] = RenderStatus{};
}

std::optional<RenderStatus> RenderService::status(std::int64_t projectId, std::int64_t revision) {
  const Key key{projectId, revision};
  std::lock_guard lock(mutex_);
  if (const auto known = jobs_.find(key); known != jobs_.end()) return known->second;
  if (std::filesystem::exists(fileFor(key))) return jobs_[key] = RenderStatus{RenderStatus::State::Done, 1.0, {}, fileFor(key)};
  return std::nullopt;
}

void RenderService::work(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      if (!wake_.wait(lock, stop, [this] { return !queue_.empty(); })) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      jobs_[job.key].state = RenderStatus::State::Running;
    }
    render(job);
  }
}

void RenderService::render(const Job& job) {
  const auto fail = [&](std::string message) {
    spdlog::warn("render of project {} revision {} failed: {}", job.key.first, job.key.second, message);
    std::lock_guard lock(mutex_);
    jobs_[job.key] = RenderStatus{RenderStatus::State::Failed, 0.0, std::move(message), {}};
  };
  try {
    const auto parsed = project::parseProjectText(job.document);
    if (!parsed.ok()) return fail("the document is not valid: " + parsed.errors.front());
    const double sampleRate = static_cast<double>(parsed.document->project.sampleRate);
    auto shared = std::make_unique<SharedRegion>();
    auto engine = std::make_unique<Engine>(*shared);
    engine->prepare(sampleRate);
    const auto loaded = amplitude::render::loadProject(*engine, *parsed.document, [&](const project::Asset& asset) {
      std::optional<io::AudioData> audio;
      const auto path = assetPath_(asset.sha256);
      if (!path) return audio;
      std::ifstream in(*path, std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto result = io::readWav(std::as_bytes(std::span(bytes.data(), bytes.size())));
      if (auto* decoded = std::get_if<io::AudioData>(&result)) audio = std::move(*decoded);
      return audio;
    });
    if (!loaded.errors.empty()) return fail(loaded.errors.front());
    for (const auto& warning : loaded.warnings) spdlog::info("render of project {} revision {}: {}", job.key.first, job.key.second, warning);

    // The mix from the start to the end of the last clip or note, plus two seconds of tails.
    const std::uint64_t frames = loaded.endFrame + static_cast<std::uint64_t>(2 * sampleRate);
    amplitude::host::BlockHost host(*engine);
    host.schedule({0, protocol::Command{0, 0, protocol::Seek{0}}});
    host.schedule({0, protocol::Command{0, 0, protocol::Play{}}});
    io::AudioData mix{static_cast<std::uint32_t>(sampleRate), 2, std::vector<float>(frames * 2)};
    std::vector<float> left(4096), right(4096);
    for (std::uint64_t done = 0; done < frames;) {
      const auto take = static_cast<std::uint32_t>(std::min<std::uint64_t>(left.size(), frames - done));
      host.process(left.data(), right.data(), take);
      for (std::uint32_t i = 0; i < take; ++i) {
        mix.interleaved[2 * (done + i)] = left[i];
        mix.interleaved[2 * (done + i) + 1] = right[i];
      }
      done += take;
      std::lock_guard lock(mutex_);
      jobs_[job.key].progress = static_cast<double>(done) / static_cast<double>(frames);
    }
    const auto bytes = io::writeWav(mix, io::WavFormat::Float32);
    const auto file = fileFor(job.key);
    const auto partial = std::filesystem::path(file).concat(".part");
    std::ofstream(partial, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::filesystem::rename(partial, file);  // readers only ever see a whole file
    std::lock_guard lock(mutex_);
    jobs_[job.key] = RenderStatus{RenderStatus::State::Done, 1.0, {}, file};
  } catch (const std::exception& e) {
    fail(std::string("the render stopped: ") + e.what());
  }
}

}  // namespace amplitude::server::render
