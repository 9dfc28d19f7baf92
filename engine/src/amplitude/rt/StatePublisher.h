// StatePublisher: the engine's side of the StateView, the block of shared memory the UI reads on
// each animation frame (playhead, transport, command counters, meters).
//
// Contract
// - Only the audio thread writes, once per quantum, wait-free.
// - Readers (the UI) may read at any time. Values of one quantum belong together, so they are
//   written under a sequence lock: `sequence` is odd while writing; a reader that sees the same
//   even value before and after its reads has a consistent snapshot, otherwise it reads again.
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <atomic>
#include <cstdint>

namespace amplitude::rt {

struct PublishedState {
  std::uint32_t quantum = 0;
  std::uint64_t playheadSamples = 0;
  std::uint32_t sampleRate = 0;
  protocol::TransportState transport = protocol::TransportState::Stopped;
  std::uint32_t commandsApplied = 0;
  std::uint32_t commandsRejected = 0;
  protocol::ErrorCode lastErrorCode = protocol::ErrorCode::None;
  std::uint32_t lastErrorSequence = 0;
  std::uint32_t latencySamples = 0;
  std::uint32_t nodesProcessed = 0;
  std::uint32_t countInSamplesLeft = 0;
  float meterPeak[protocol::kOutputChannels] = {};
  float meterRms[protocol::kOutputChannels] = {};
};

class StatePublisher {
 public:
  explicit StatePublisher(protocol::StateView& view) noexcept : view_(view) {}

  /// Audio thread. Wait-free.
  void publish(const PublishedState& state) noexcept {
    constexpr auto relaxed = std::memory_order_relaxed;
    const std::uint32_t sequence = view_.sequence.load(relaxed);
    view_.sequence.store(sequence + 1, relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    view_.quantum.store(state.quantum, relaxed);
    view_.playheadSamples.store(state.playheadSamples, relaxed);
    view_.sampleRate.store(state.sampleRate, relaxed);
    view_.transportState.store(static_cast<std::uint32_t>(state.transport), relaxed);
    view_.commandsApplied.store(state.commandsApplied, relaxed);
    view_.commandsRejected.store(state.commandsRejected, relaxed);
    view_.lastErrorCode.store(static_cast<std::uint32_t>(state.lastErrorCode), relaxed);
    view_.lastErrorSequence.store(state.lastErrorSequence, relaxed);
    view_.latencySamples.store(state.latencySamples, relaxed);
    view_.nodesProcessed.store(state.nodesProcessed, relaxed);
    view_.countInSamplesLeft.store(state.countInSamplesLeft, relaxed);
    for (std::uint32_t channel = 0; channel < protocol::kOutputChannels; ++channel) {
      view_.meterPeak[channel].store(state.meterPeak[channel], relaxed);
      view_.meterRms[channel].store(state.meterRms[channel], relaxed);
    }
    view_.sequence.store(sequence + 2, std::memory_order_release);
  }

  /// Any thread. Spins only while a write is in progress (a few dozen stores at most).
  static PublishedState read(const protocol::StateView& view) noexcept {
    PublishedState state;
    for (;;) {
      const std::uint32_t before = view.sequence.load(std::memory_order_acquire);
      state.quantum = view.quantum.load(std::memory_order_relaxed);
      state.playheadSamples = view.playheadSamples.load(std::memory_order_relaxed);
      state.sampleRate = view.sampleRate.load(std::memory_order_relaxed);
      state.transport = static_cast<protocol::TransportState>(view.transportState.load(std::memory_order_relaxed));
      state.commandsApplied = view.commandsApplied.load(std::memory_order_relaxed);
      state.commandsRejected = view.commandsRejected.load(std::memory_order_relaxed);
      state.lastErrorCode = static_cast<protocol::ErrorCode>(view.lastErrorCode.load(std::memory_order_relaxed));
      state.lastErrorSequence = view.lastErrorSequence.load(std::memory_order_relaxed);
      state.latencySamples = view.latencySamples.load(std::memory_order_relaxed);
      state.nodesProcessed = view.nodesProcessed.load(std::memory_order_relaxed);
      state.countInSamplesLeft = view.countInSamplesLeft.load(std::memory_order_relaxed);
      for (std::uint32_t channel = 0; channel < protocol::kOutputChannels; ++channel) {
        state.meterPeak[channel] = view.meterPeak[channel].load(std::memory_order_relaxed);
        state.meterRms[channel] = view.meterRms[channel].load(std::memory_order_relaxed);
      }
      std::atomic_thread_fence(std::memory_order_acquire);
      if ((before & 1U) == 0 && view.sequence.load(std::memory_order_relaxed) == before) return state;
    }
  }

 private:
  protocol::StateView& view_;
};

}  // namespace amplitude::rt
