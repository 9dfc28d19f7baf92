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
// The sound comes from an AudioGraph (graph/AudioGraph.h) the UI builds and edits with commands;
// prepare() builds the schema's boot patch in it: oscillator -> gain -> master.
#pragma once

#include <amplitude/SharedRegion.h>
#include <amplitude/dsp/Meter.h>
#include <amplitude/graph/AudioGraph.h>
#include <amplitude/graph/NodePool.h>
#include <amplitude/rt/ChannelMeterPublisher.h>
#include <amplitude/rt/CommandRing.h>
#include <amplitude/rt/PagePool.h>
#include <amplitude/rt/StatePublisher.h>
#include <amplitude/timeline/Metronome.h>
#include <amplitude/timeline/NoteSchedule.h>
#include <amplitude/timeline/TempoMap.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace amplitude {

class Engine {
 public:
  static constexpr std::uint32_t kFramesPerQuantum = protocol::kFramesPerQuantum;
  static constexpr std::uint32_t kChannels = protocol::kOutputChannels;
  /// Loudest sample the engine lets out; beyond it (or NaN) the output is sanitised, so a runaway
  /// patch (a chain of +12 dB gains) cannot send infinities to the speakers.
  static constexpr float kOutputLimit = 64.0f;

  /// Non-real-time: constructs every device pool (the engine's memory plan, Engine.cpp).
  explicit Engine(SharedRegion& shared);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Non-real-time. Resets the transport, parameters (to their declared defaults) and meters.
  void prepare(double sampleRate);

  /// Audio thread: back to the state prepare() left (boot patch, stopped, counters at zero)
  /// without allocating: a new project, or a fuzzer's next input.
  void reset() noexcept;

  /// Audio thread. Renders kFramesPerQuantum frames into shared().output.
  void renderQuantum() noexcept;

  const float* output(std::uint32_t channel) const noexcept { return shared_.output[channel]; }
  SharedRegion& shared() noexcept { return shared_; }
  graph::AudioGraph& graph() noexcept { return *graph_; }
  /// Every device type this engine offers, with its pool.
  std::span<const graph::DeviceEntry> devices() const noexcept { return devices_; }

 private:
  void drainCommands() noexcept;
  protocol::ErrorCode apply(const protocol::Command& command) noexcept;
  void setTransport(protocol::TransportState state) noexcept;
  protocol::ErrorCode sampleFromTable(std::uint32_t index, dsp::SampleView& sample) const noexcept;
  protocol::ErrorCode clipFromTable(std::uint32_t slot, timeline::AudioClip& clip) const noexcept;
  void buildBootPatch() noexcept;
  /// Transport, timeline, counters and boot patch as after prepare (the graph already empty).
  void startFresh() noexcept;
  void reject(std::uint32_t sequence, protocol::ErrorCode code) noexcept;
  void renderSegment(std::uint32_t begin, std::uint32_t end) noexcept;
  void renderFrames(std::uint32_t begin, std::uint32_t frames, bool playing) noexcept;
  void renderGraph(std::uint32_t begin, std::uint32_t frames, bool playing) noexcept;
  void jumpTimeline(std::uint64_t position) noexcept;
  void renderCountIn(std::uint32_t begin, std::uint32_t frames) noexcept;
  void renderClicks(std::uint32_t begin, std::uint32_t frames, std::uint64_t position) noexcept;
  void publishState() noexcept;

  SharedRegion& shared_;
  rt::CommandRing ring_;
  rt::StatePublisher publisher_;
  rt::ChannelMeterPublisher channelMeters_;
  rt::PublishedState state_;
  double sampleRate_ = 48000.0;

  // Commands of the current quantum, stably ordered by sample offset (counting sort, so sorting
  // costs O(n + frames) whatever the order they arrived in).
  protocol::Command drained_[protocol::kCommandRingCapacity];
  protocol::Command ordered_[protocol::kCommandRingCapacity];
  std::uint32_t orderedCount_ = 0;
  std::uint32_t offsetCounts_[kFramesPerQuantum + 1] = {};

  rt::PagePool delayMemory_;  // before the pools: delay nodes hold pages of it
  std::vector<std::unique_ptr<graph::NodePoolBase>> pools_;
  std::vector<graph::DeviceEntry> devices_;
  std::unique_ptr<graph::AudioGraph> graph_;
  std::unique_ptr<timeline::NoteSchedule> notes_;
  std::unique_ptr<timeline::TempoMap> tempoMap_;
  timeline::Metronome metronome_;
  bool metronomeOn_ = false;
  std::uint32_t countInBars_ = 0;
  std::uint64_t countInLeft_ = 0;   ///< samples of count-in still to play
  std::uint64_t countInDone_ = 0;   ///< samples of count-in played
  double beatsPerMinute_ = 120.0;
  std::uint64_t loopStart_ = 0;  ///< loop region [start, end); off when end <= start
  std::uint64_t loopEnd_ = 0;
  dsp::Meter meters_[kChannels];
};

}  // namespace amplitude
