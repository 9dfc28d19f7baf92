// Node: the one interface every device in the audio graph implements.
//
// Life cycle (in the spirit of juce::dsp::ProcessorBase and Elementary's GraphNode):
// - prepare(sampleRate): non-real-time, once, when the engine is prepared. The node sizes its
//   buffers for its declared maxima here; it is pooled, so prepare never runs on the audio thread.
// - reset(): audio thread. Back to a fresh state (parameters at their defaults, tails cleared);
//   called when the node is taken from its pool by AddNode.
// - setParam / noteOn / noteOff: audio thread, between segments, already validated against the
//   device's declaration (protocol/schema). Values are smoothed by the node, never jump audibly.
// - process(context): audio thread, real-time safe: no allocation, lock, system call or
//   exception; bounded work. Reads context.input (silent inputs are zeroed, never stale) and
//   writes context.output for frames [begin, begin + frames) of the quantum.
#pragma once

#include <amplitude/dsp/instruments/SampleView.h>
#include <amplitude/protocol/Protocol.generated.h>
#include <amplitude/timeline/AudioClip.h>

#include <cstdint>

namespace amplitude::graph {

inline constexpr std::uint32_t kQuantumFrames = protocol::kFramesPerQuantum;

/// One stereo quantum. Aligned for SIMD loads.
struct StereoBlock {
  alignas(16) float left[kQuantumFrames];
  alignas(16) float right[kQuantumFrames];
};

struct ProcessContext {
  const StereoBlock* input;      ///< main input (summed connections), nullptr for sources
  const StereoBlock* sidechain;  ///< sidechain input, nullptr when the device has none or it is unconnected
  StereoBlock* output;           ///< main output (post-fader for channel strips)
  StereoBlock* preFader;         ///< second output of channel strips; nullptr otherwise
  std::uint32_t begin;           ///< first frame of the segment inside the quantum
  std::uint32_t frames;          ///< frames in the segment (1..kQuantumFrames - begin)
  double beatsPerMinute;         ///< transport tempo, for tempo-synced devices
  std::uint64_t timeline;        ///< timeline position of frame `begin` (meaningful while playing)
  bool playing;                  ///< the transport is playing
};

class Node {
 public:
  virtual ~Node() = default;

  virtual void prepare(double sampleRate) = 0;
  virtual void reset() noexcept = 0;
  /// `value` is inside the declared range (checked by the graph).
  virtual void setParam(std::uint32_t paramId, float value) noexcept = 0;
  virtual void process(const ProcessContext& context) noexcept = 0;

  /// Automation: the parameter must reach `value` exactly `frames` frames from now (the graph
  /// calls this at every automation chunk boundary, so a linear breakpoint segment is rendered
  /// exactly). Nodes that cannot ramp exactly fall back to their smoothed setParam.
  virtual void automateParam(std::uint32_t paramId, float value, std::uint32_t /*frames*/) noexcept {
    setParam(paramId, value);
  }

  /// Instead of process(): the graph skipped this segment (silent input, silent output, tail
  /// over) and has zeroed the outputs. Nodes with parameter ramps advance them, so a change made
  /// during silence ends on time; meters fall.
  virtual void skip(const ProcessContext& /*context*/) noexcept {}

  virtual void noteOn(std::uint8_t /*note*/, float /*velocity*/) noexcept {}
  virtual void noteOff(std::uint8_t /*note*/) noexcept {}
  /// Releases every sounding note (the timeline jumped: stop, seek, loop). Instruments with a
  /// cheaper way override it.
  virtual void allNotesOff() noexcept {
    for (std::uint32_t note = 0; note < 128; ++note) noteOff(static_cast<std::uint8_t>(note));
  }

  /// Samples by which the output lags the input (look-ahead, linear phase...). The graph delays
  /// parallel paths by the difference so everything meets aligned at the master.
  virtual std::uint32_t latencySamples() const noexcept { return 0; }

  /// RemoveNode: the node goes back to its pool. Give back shared memory it holds (a delay's
  /// pages) so other nodes can have it now; reset() takes what a fresh node needs.
  virtual void retire() noexcept {}

  /// Clip players: place (or replace, by id) and remove audio clips.
  virtual protocol::ErrorCode placeClip(const timeline::AudioClip& /*clip*/) noexcept {
    return protocol::ErrorCode::NotAClipPlayer;
  }
  virtual protocol::ErrorCode removeClip(std::uint32_t /*clipId*/) noexcept { return protocol::ErrorCode::NotAClipPlayer; }

  /// Whether the node could do what it was last asked (its reset by AddNode, its last setParam).
  /// Nodes whose memory grows with a parameter (a delay's time) say EngineMemoryExhausted when
  /// their memory pool ran dry; the graph answers the command with it.
  virtual protocol::ErrorCode status() const noexcept { return protocol::ErrorCode::None; }

  /// Sample players: play `sample` from `slot` (0 for a sampler, the pad for a drum machine).
  /// The sample's memory stays valid and unchanged until another sample replaces it.
  virtual protocol::ErrorCode assignSample(std::uint32_t /*slot*/, const dsp::SampleView& /*sample*/) noexcept {
    return protocol::ErrorCode::NotASamplePlayer;
  }

  /// How long the node may keep sounding, or hold state that will sound, after its input and
  /// output went silent (a delay line's length, a reverb's longest loop, a look-ahead buffer).
  /// The graph skips the node only after input and output were silent together for this long.
  virtual std::uint32_t tailFrames() const noexcept { return 0; }

  /// True for nodes that make sound with no input (oscillators, instruments): they are processed
  /// even when every input is silent.
  virtual bool isSource() const noexcept { return false; }
};

}  // namespace amplitude::graph
