// ChannelMeterPublisher: the engine's side of the ChannelMeters block, the per-channel-strip
// meters the mixer draws. Same contract as StatePublisher: the audio thread writes once per
// quantum under a sequence lock, wait-free; readers retry while the sequence is odd or moved.
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <atomic>
#include <cstdint>

namespace amplitude::rt {

struct ChannelMeter {
  std::uint32_t nodeId = 0;
  float peak[2] = {};
  float rms[2] = {};
};

class ChannelMeterPublisher {
 public:
  static constexpr std::uint32_t kCapacity = protocol::kMaxMeteredChannels;

  explicit ChannelMeterPublisher(protocol::ChannelMeters& view) noexcept : view_(view) {}

  void beginQuantum() noexcept {
    sequence_ = view_.sequence.load(std::memory_order_relaxed);
    view_.sequence.store(sequence_ + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    count_ = 0;
  }

  /// Between beginQuantum and endQuantum; channels beyond kCapacity are not published.
  void add(const ChannelMeter& meter) noexcept {
    if (count_ >= kCapacity) return;
    constexpr auto relaxed = std::memory_order_relaxed;
    view_.nodeId[count_].store(meter.nodeId, relaxed);
    for (std::uint32_t channel = 0; channel < 2; ++channel) {
      view_.peak[2 * count_ + channel].store(meter.peak[channel], relaxed);
      view_.rms[2 * count_ + channel].store(meter.rms[channel], relaxed);
    }
    ++count_;
  }

  void endQuantum() noexcept {
    view_.count.store(count_, std::memory_order_relaxed);
    view_.sequence.store(sequence_ + 2, std::memory_order_release);
  }

  /// Any thread: a consistent copy of the first `capacity` channels; returns the count.
  static std::uint32_t read(const protocol::ChannelMeters& view, ChannelMeter* out, std::uint32_t capacity) noexcept {
    for (;;) {
      const std::uint32_t before = view.sequence.load(std::memory_order_acquire);
      std::uint32_t count = view.count.load(std::memory_order_relaxed);
      count = count < capacity ? count : capacity;
      for (std::uint32_t i = 0; i < count; ++i) {
        out[i].nodeId = view.nodeId[i].load(std::memory_order_relaxed);
        for (std::uint32_t channel = 0; channel < 2; ++channel) {
          out[i].peak[channel] = view.peak[2 * i + channel].load(std::memory_order_relaxed);
          out[i].rms[channel] = view.rms[2 * i + channel].load(std::memory_order_relaxed);
        }
      }
      std::atomic_thread_fence(std::memory_order_acquire);
      if ((before & 1U) == 0 && view.sequence.load(std::memory_order_relaxed) == before) return count;
    }
  }

 private:
  protocol::ChannelMeters& view_;
  std::uint32_t sequence_ = 0;
  std::uint32_t count_ = 0;
};

}  // namespace amplitude::rt
