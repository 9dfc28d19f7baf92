// BlockHost: drives an Engine from a host whose callback size is not the engine's quantum
// (a native audio device, the offline renderer, a server-side render).
//
// The engine always renders 128-frame quanta on its own grid, so its output cannot depend on how
// a host slices time. Commands are stamped with the absolute frame at which they apply; the host
// pushes each one into the ring just before the quantum that contains its frame, with
// sampleOffset = frame % 128. Output is buffered one quantum at a time and handed out in
// whatever block sizes the host asks for. Not for the audio thread of a real-time host as is:
// schedule() grows a vector (call it before rendering, or from a non-real-time thread).
#pragma once

#include <amplitude/Engine.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace amplitude::host {

struct TimedCommand {
  std::uint64_t frame = 0;
  protocol::Command command{};  ///< its sampleOffset is replaced by frame % 128 when it is sent
};

class BlockHost {
 public:
  explicit BlockHost(Engine& engine) noexcept
      : engine_(engine), ring_(engine.shared().ringControl, engine.shared().ringRecords) {}

  /// Commands must be scheduled in non-decreasing frame order.
  void schedule(const TimedCommand& command) { pending_.push_back(command); }

  /// Fills `frames` frames of each channel, rendering quanta as needed.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    std::uint32_t written = 0;
    while (written < frames) {
      if (available_ == 0) renderQuantum();
      const std::uint32_t take = std::min(frames - written, available_);
      const std::uint32_t from = Engine::kFramesPerQuantum - available_;
      std::copy_n(engine_.output(0) + from, take, left + written);
      std::copy_n(engine_.output(1) + from, take, right + written);
      available_ -= take;
      written += take;
    }
  }

  /// Commands the ring could not take (it is drained every quantum, so only a burst of more than
  /// a ring's worth in one quantum gets here); they are retried at the next quantum, in order.
  std::uint64_t deferredCommands() const noexcept { return deferred_; }

 private:
  void renderQuantum() noexcept {
    const std::uint64_t quantumEnd = quantumStart_ + Engine::kFramesPerQuantum;
    while (next_ < pending_.size() && pending_[next_].frame < quantumEnd) {
      protocol::Command command = pending_[next_].command;
      command.sampleOffset = static_cast<std::uint32_t>(std::max(pending_[next_].frame, quantumStart_) - quantumStart_);
      protocol::CommandRecord record;
      protocol::encodeCommand(command, record);
      if (!ring_.tryPush(record)) {
        ++deferred_;
        break;
      }
      ++next_;
    }
    engine_.renderQuantum();
    quantumStart_ = quantumEnd;
    available_ = Engine::kFramesPerQuantum;
  }

  Engine& engine_;
  rt::CommandRing ring_;
  std::vector<TimedCommand> pending_;
  std::size_t next_ = 0;
  std::uint64_t quantumStart_ = 0;
  std::uint32_t available_ = 0;
  std::uint64_t deferred_ = 0;
};

}  // namespace amplitude::host
