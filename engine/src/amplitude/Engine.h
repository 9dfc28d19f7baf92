// Engine: drains commands, renders one quantum, publishes state. The one object a host drives.
//
// Roles
// - prepare(): non-real-time. Sizes and resets everything. Never concurrent with renderQuantum().
// - renderQuantum(): the audio thread, once per 128-frame quantum. Real-time safe: no
//   allocation, no lock, no system call, no exception, bounded work (at most one ring's worth of
//   commands per quantum). Each command takes effect exactly at its sample offset: the quantum is
//   rendered in segments split at those offsets.
// - Commands arrive only through the CommandRing in the SharedRegion; state leaves only through
//   the StateView. A bad command is counted and reported there (code and sequence) and changes
//   nothing; the engine keeps playing.
//
// Until the audio-graph work lands, the engine plays the schema's boot patch:
// oscillator -> gain -> stereo output.
#pragma once

#include <amplitude/SharedRegion.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/Meter.h>
#include <amplitude/dsp/Oscillator.h>
#include <amplitude/rt/CommandRing.h>
#include <amplitude/rt/StatePublisher.h>

#include <cstdint>

namespace amplitude {

class Engine {
 public:
  static constexpr std::uint32_t kFramesPerQuantum = protocol::kFramesPerQuantum;
  static constexpr std::uint32_t kChannels = protocol::kOutputChannels;
  /// Fade applied when the transport starts or stops, so neither clicks.
  static constexpr double kTransportFadeSeconds = 0.002;

  explicit Engine(SharedRegion& shared) noexcept;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Non-real-time. Resets the transport, parameters (to their declared defaults) and meters.
  void prepare(double sampleRate) noexcept;

  /// Audio thread. Renders kFramesPerQuantum frames into shared().output.
  void renderQuantum() noexcept;

  const float* output(std::uint32_t channel) const noexcept { return shared_.output[channel]; }
  SharedRegion& shared() noexcept { return shared_; }

 private:
  void drainCommands() noexcept;
  protocol::ErrorCode apply(const protocol::Command& command) noexcept;
  protocol::ErrorCode applySetParam(const protocol::SetParam& set) noexcept;
  void setTransport(protocol::TransportState state) noexcept;
  void reject(std::uint32_t sequence, protocol::ErrorCode code) noexcept;
  void renderSegment(std::uint32_t begin, std::uint32_t end) noexcept;
  void publishState() noexcept;

  SharedRegion& shared_;
  rt::CommandRing ring_;
  rt::StatePublisher publisher_;
  rt::PublishedState state_;
  double sampleRate_ = 48000.0;

  // Commands of the current quantum, stably ordered by sample offset (counting sort, so sorting
  // costs O(n + frames) whatever the order they arrived in).
  protocol::Command drained_[protocol::kCommandRingCapacity];
  protocol::Command ordered_[protocol::kCommandRingCapacity];
  std::uint32_t orderedCount_ = 0;
  std::uint32_t offsetCounts_[kFramesPerQuantum + 1] = {};

  // The boot patch.
  dsp::Oscillator oscillator_;
  dsp::LinearRamp outputGain_;
  dsp::LinearRamp transportFade_;
  std::uint32_t gainRampSamples_ = 0;
  std::uint32_t transportFadeSamples_ = 0;
  dsp::Meter meters_[kChannels];
};

}  // namespace amplitude
