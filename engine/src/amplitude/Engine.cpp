#include <amplitude/Engine.h>

#include <amplitude/devices/ChannelStripNode.h>
#include <amplitude/devices/ClipPlayerNode.h>
#include <amplitude/devices/CompressorNode.h>
#include <amplitude/devices/DelayNode.h>
#include <amplitude/devices/DrumMachineNode.h>
#include <amplitude/devices/GainNode.h>
#include <amplitude/devices/LimiterNode.h>
#include <amplitude/devices/OscillatorNode.h>
#include <amplitude/devices/PanNode.h>
#include <amplitude/devices/ParametricEqNode.h>
#include <amplitude/devices/PolySynthNode.h>
#include <amplitude/devices/ReverbNode.h>
#include <amplitude/devices/SamplerNode.h>

#include <cmath>
#include <cstring>

namespace amplitude {

namespace {

using protocol::ErrorCode;
namespace declarations = protocol::devices;

/// The engine's memory plan: how many nodes of each device exist. Every one is prepared up
/// front, so adding a node on the audio thread never allocates; when a kind runs out, AddNode
/// answers NodePoolExhausted.
template <typename Node>
graph::NodePool<Node>& addDevice(std::vector<std::unique_ptr<graph::NodePoolBase>>& pools,
                                 std::vector<graph::DeviceEntry>& entries, std::uint32_t capacity,
                                 std::size_t budgetBytes = 0) {
  using Declaration = typename Node::Declaration;
  auto pool = std::make_unique<graph::NodePool<Node>>(capacity, budgetBytes);
  entries.push_back(graph::DeviceEntry{Declaration::kType, Declaration::kInputs, Declaration::kIsInstrument,
                                       Declaration::kType == declarations::ChannelStrip::kType,
                                       std::span<const protocol::ParamDeclaration>(Declaration::kParams), pool.get()});
  auto& typed = *pool;
  pools.push_back(std::move(pool));
  return typed;
}

}  // namespace

Engine::Engine(SharedRegion& shared)
    : shared_(shared),
      ring_(shared.ringControl, shared.ringRecords),
      publisher_(shared.stateView),
      channelMeters_(shared.channelMeters) {
  addDevice<devices::OscillatorNode>(pools_, devices_, 256);
  addDevice<devices::GainNode>(pools_, devices_, 128);
  addDevice<devices::ChannelStripNode>(pools_, devices_, 320);
  addDevice<devices::ParametricEqNode>(pools_, devices_, 256);
  addDevice<devices::CompressorNode>(pools_, devices_, 256);
  addDevice<devices::LimiterNode>(pools_, devices_, 4);
  // Delay lines share one page budget (kDelayMemoryBytes) and hold what their time needs.
  delayMemory_.prepare(protocol::kDelayMemoryBytes / (rt::PagePool::kPageFloats * sizeof(float)));
  addDevice<devices::DelayNode>(pools_, devices_, 256).forEachDevice([this](devices::DelayNode& delay) {
    delay.attachMemory(delayMemory_);
  });
  // Reverbs own their lines, sized by the sample rate: as many as 12 MiB hold (84 at 48 kHz,
  // 21 at 192 kHz), at most 128.
  addDevice<devices::ReverbNode>(pools_, devices_, 128, std::size_t{12} << 20);
  addDevice<devices::PanNode>(pools_, devices_, 256);
  // A song of 256 audio tracks (one clip player each) and 64 synth tracks fits; idle pooled
  // nodes cost memory (DevicesTest keeps the total under budget at 192 kHz), never time.
  addDevice<devices::PolySynthNode>(pools_, devices_, 64);
  addDevice<devices::SamplerNode>(pools_, devices_, 256);
  addDevice<devices::DrumMachineNode>(pools_, devices_, 16);
  addDevice<devices::ClipPlayerNode>(pools_, devices_, 256);
  graph_ = std::make_unique<graph::AudioGraph>(devices_);
  notes_ = std::make_unique<timeline::NoteSchedule>();
  tempoMap_ = std::make_unique<timeline::TempoMap>();
}

Engine::~Engine() = default;

void Engine::prepare(double sampleRate) {
  sampleRate_ = sampleRate;
  for (auto& meter : meters_) meter.prepare(sampleRate, kFramesPerQuantum);
  graph_->prepare(sampleRate);  // allocates nothing the audio thread sees; the pools get ready
  startFresh();
}

void Engine::reset() noexcept {
  graph_->clear();
  for (auto& meter : meters_) meter.reset();
  startFresh();
}

void Engine::startFresh() noexcept {
  state_ = {};
  state_.sampleRate = static_cast<std::uint32_t>(sampleRate_);
  beatsPerMinute_ = 120.0;
  loopStart_ = loopEnd_ = 0;
  notes_->clear();
  tempoMap_->reset();
  metronome_.prepare(sampleRate_);
  metronomeOn_ = false;
  countInBars_ = 0;
  countInLeft_ = countInDone_ = 0;
  buildBootPatch();
  std::memset(shared_.output, 0, sizeof(shared_.output));
  publishState();
}

void Engine::buildBootPatch() noexcept {
  namespace boot = protocol::boot_patch;
  graph_->addNode(boot::kOscillatorNodeId, declarations::Oscillator::kType);
  graph_->addNode(boot::kOutputGainNodeId, declarations::Gain::kType);
  graph_->connect(boot::kOscillatorNodeId, boot::kOutputGainNodeId, 0, 0, 1.0f);
  graph_->connect(boot::kOutputGainNodeId, protocol::kMasterNodeId, 0, 0, 1.0f);
}

void Engine::renderQuantum() noexcept {
  drainCommands();

  std::uint32_t segmentStart = 0;
  for (std::uint32_t i = 0; i < orderedCount_; ++i) {
    const protocol::Command& command = ordered_[i];
    if (command.sampleOffset > segmentStart) {
      renderSegment(segmentStart, command.sampleOffset);
      segmentStart = command.sampleOffset;
    }
    const ErrorCode result = apply(command);
    if (result == ErrorCode::None) {
      ++state_.commandsApplied;
    } else {
      reject(command.sequence, result);
    }
  }
  renderSegment(segmentStart, kFramesPerQuantum);

  for (std::uint32_t channel = 0; channel < kChannels; ++channel) {
    meters_[channel].process(shared_.output[channel], kFramesPerQuantum);
  }
  ++state_.quantum;
  publishState();
}

void Engine::drainCommands() noexcept {
  // Bounded: at most one ring's worth per quantum, whatever the producer does meanwhile.
  std::uint32_t drainedCount = 0;
  protocol::CommandRecord record;
  while (drainedCount < protocol::kCommandRingCapacity && ring_.tryPop(record)) {
    protocol::Command& command = drained_[drainedCount];
    const ErrorCode framing = protocol::decodeCommand(record, command);
    if (framing != ErrorCode::None) {
      reject(command.sequence, framing);
      continue;
    }
    if (command.sampleOffset >= kFramesPerQuantum) {
      reject(command.sequence, ErrorCode::SampleOffsetOutOfRange);
      continue;
    }
    ++drainedCount;
  }

  // Stable counting sort by sample offset.
  std::memset(offsetCounts_, 0, sizeof(offsetCounts_));
  for (std::uint32_t i = 0; i < drainedCount; ++i) ++offsetCounts_[drained_[i].sampleOffset + 1];
  for (std::uint32_t offset = 1; offset <= kFramesPerQuantum; ++offset) offsetCounts_[offset] += offsetCounts_[offset - 1];
  for (std::uint32_t i = 0; i < drainedCount; ++i) ordered_[offsetCounts_[drained_[i].sampleOffset]++] = drained_[i];
  orderedCount_ = drainedCount;
}

ErrorCode Engine::apply(const protocol::Command& command) noexcept {
  return std::visit(
      [this](const auto& body) -> ErrorCode {
        using Body = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<Body, protocol::Play>) {
          setTransport(protocol::TransportState::Playing);
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::Stop>) {
          setTransport(protocol::TransportState::Stopped);
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::Seek>) {
          jumpTimeline(body.positionSamples);
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::SetParam>) {
          return graph_->setParam(body.nodeId, body.paramId, body.value);
        } else if constexpr (std::is_same_v<Body, protocol::AddNode>) {
          const ErrorCode result = graph_->addNode(body.nodeId, body.deviceType);
          if (result == ErrorCode::None && body.deviceType == declarations::Oscillator::kType) {
            static_cast<devices::OscillatorNode*>(graph_->node(body.nodeId))
                ->setPlaying(state_.transport == protocol::TransportState::Playing);
          }
          return result;
        } else if constexpr (std::is_same_v<Body, protocol::RemoveNode>) {
          return graph_->removeNode(body.nodeId);
        } else if constexpr (std::is_same_v<Body, protocol::Connect>) {
          return graph_->connect(body.sourceNodeId, body.destinationNodeId, body.sourcePort, body.destinationPort, body.gain);
        } else if constexpr (std::is_same_v<Body, protocol::Disconnect>) {
          return graph_->disconnect(body.sourceNodeId, body.destinationNodeId, body.sourcePort, body.destinationPort);
        } else if constexpr (std::is_same_v<Body, protocol::NoteOn>) {
          return graph_->noteOn(body.nodeId, body.note, body.velocity);
        } else if constexpr (std::is_same_v<Body, protocol::NoteOff>) {
          return graph_->noteOff(body.nodeId, body.note);
        } else if constexpr (std::is_same_v<Body, protocol::AddAutomationPoint>) {
          return graph_->addAutomationPoint(body.nodeId, body.paramId, body.positionSamples, body.value,
                                            static_cast<graph::SegmentShape>(body.shape),
                                            static_cast<float>(body.curvature) / 1000.0f);
        } else if constexpr (std::is_same_v<Body, protocol::ClearAutomation>) {
          return graph_->clearAutomation(body.nodeId, body.paramId);
        } else if constexpr (std::is_same_v<Body, protocol::AssignSample>) {
          graph::Node* node = graph_->node(body.nodeId);
          if (node == nullptr) return ErrorCode::UnknownNode;
          dsp::SampleView sample;
          if (const ErrorCode error = sampleFromTable(body.sampleIndex, sample); error != ErrorCode::None) return error;
          return node->assignSample(body.slot, sample);
        } else if constexpr (std::is_same_v<Body, protocol::ScheduleNote>) {
          if (!graph_->isInstrument(body.nodeId)) {
            return graph_->node(body.nodeId) == nullptr ? ErrorCode::UnknownNode : ErrorCode::NotAnInstrument;
          }
          if (body.note > 127 || body.velocity > 127) return ErrorCode::ValueOutOfRange;
          const timeline::NoteEvent event{body.positionSamples, body.nodeId, body.clipId, body.note, body.velocity};
          return notes_->add(event) ? ErrorCode::None : ErrorCode::NoteSchedulePoolExhausted;
        } else if constexpr (std::is_same_v<Body, protocol::ClearNotes>) {
          if (graph_->node(body.nodeId) == nullptr) return ErrorCode::UnknownNode;
          if (body.clipId > 0xffff) return ErrorCode::ValueOutOfRange;
          notes_->remove(body.nodeId, static_cast<std::uint16_t>(body.clipId));
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::PlaceClip>) {
          graph::Node* node = graph_->node(body.nodeId);
          if (node == nullptr) return ErrorCode::UnknownNode;
          timeline::AudioClip clip;
          if (const ErrorCode error = clipFromTable(body.slot, clip); error != ErrorCode::None) return error;
          return node->placeClip(clip);
        } else if constexpr (std::is_same_v<Body, protocol::RemoveClip>) {
          graph::Node* node = graph_->node(body.nodeId);
          return node == nullptr ? ErrorCode::UnknownNode : node->removeClip(body.clipId);
        } else if constexpr (std::is_same_v<Body, protocol::CommitTempoMap>) {
          if (!tempoMap_->commit(shared_.tempoTable, body.count)) return ErrorCode::InvalidTempoMap;
          beatsPerMinute_ = tempoMap_->tempoAt(state_.playheadSamples);
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::SetMetronome>) {
          if (!std::isfinite(body.levelDecibels)) return ErrorCode::NonFiniteValue;
          if (body.enabled > 1 || body.countInBars > 8 || body.levelDecibels < -60.0f || body.levelDecibels > 0.0f) {
            return ErrorCode::ValueOutOfRange;
          }
          metronomeOn_ = body.enabled == 1;
          countInBars_ = body.countInBars;
          metronome_.setLevelDecibels(body.levelDecibels);
          if (!metronomeOn_) metronome_.stop();
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::SetLoop>) {
          loopStart_ = body.startSamples;
          loopEnd_ = body.endSamples;
          return ErrorCode::None;
        } else if constexpr (std::is_same_v<Body, protocol::SetTempo>) {
          if (!std::isfinite(body.beatsPerMinute)) return ErrorCode::NonFiniteValue;
          if (body.beatsPerMinute < 20.0f || body.beatsPerMinute > 999.0f) return ErrorCode::ValueOutOfRange;
          beatsPerMinute_ = body.beatsPerMinute;
          tempoMap_->setConstantTempo(body.beatsPerMinute);
          return ErrorCode::None;
        } else {
          return ErrorCode::UnknownCommand;
        }
      },
      command.body);
}

ErrorCode Engine::sampleFromTable(std::uint32_t index, dsp::SampleView& sample) const noexcept {
  // The table is in shared memory the UI writes: check everything before trusting it.
  if (index >= protocol::kSampleTableEntries) return ErrorCode::InvalidSample;
  const protocol::SampleTable& table = shared_.sampleTable;
  const std::uint64_t offset = table.heapOffset[index];
  const std::uint64_t frames = table.frames[index];
  const std::uint32_t channels = table.channelCount[index];
  const float rate = table.sampleRate[index];
  if (channels < 1 || channels > 2 || frames == 0 || offset % 16 != 0) return ErrorCode::InvalidSample;
  if (!std::isfinite(rate) || rate < 1000.0f || rate > 768000.0f) return ErrorCode::InvalidSample;
  if (offset + frames * channels * sizeof(float) > protocol::kSampleHeapBytes) return ErrorCode::InvalidSample;
  const auto* pcm = reinterpret_cast<const float*>(shared_.sampleHeap + offset);
  sample.channels[0] = pcm;
  sample.channels[1] = channels == 2 ? pcm + frames : nullptr;
  sample.frames = static_cast<std::uint32_t>(frames);
  sample.channelCount = channels;
  sample.sampleRate = rate;
  return ErrorCode::None;
}

ErrorCode Engine::clipFromTable(std::uint32_t slot, timeline::AudioClip& clip) const noexcept {
  // Shared memory the UI writes: every field is checked before it is used.
  if (slot >= protocol::kClipTableEntries) return ErrorCode::InvalidClip;
  const protocol::ClipTable& table = shared_.clipTable;
  if (sampleFromTable(table.sampleIndex[slot], clip.sample) != ErrorCode::None) return ErrorCode::InvalidSample;
  clip.clipId = table.clipId[slot];
  clip.timelineStart = table.timelineStart[slot];
  clip.sourceStart = table.sourceStart[slot];
  clip.length = table.length[slot];
  clip.loopLength = table.loopLength[slot];
  clip.gain = table.gain[slot];
  clip.fadeIn = table.fadeIn[slot];
  clip.fadeOut = table.fadeOut[slot];
  const std::uint32_t curve = table.fadeCurve[slot];
  constexpr std::uint64_t kLongest = std::uint64_t{1} << 40;  // 254 days at 48 kHz: no overflow below
  const bool valid = clip.clipId != 0 && clip.length > 0 && clip.length < kLongest && clip.timelineStart < kLongest &&
                     clip.sourceStart < clip.sample.frames && clip.loopLength < kLongest && std::isfinite(clip.gain) &&
                     clip.gain >= 0.0f && clip.gain <= 16.0f && clip.fadeIn <= clip.length &&
                     clip.fadeOut <= clip.length && curve <= 1;
  if (!valid) return ErrorCode::InvalidClip;
  clip.fadeCurve = static_cast<timeline::FadeCurve>(curve);
  return ErrorCode::None;
}

void Engine::setTransport(protocol::TransportState state) noexcept {
  if (state == state_.transport) return;
  state_.transport = state;
  const bool playing = state == protocol::TransportState::Playing;
  if (!playing && notes_->size() > 0) graph_->allNotesOff();  // scheduled notes must not hang
  // A count-in holds the playhead for countInBars bars of clicks (at the tempo and meter where
  // playback starts) before the timeline moves.
  countInDone_ = 0;
  countInLeft_ = playing && metronomeOn_ && countInBars_ > 0
                     ? static_cast<std::uint64_t>(std::llround(countInBars_ * tempoMap_->barSamples(state_.playheadSamples, sampleRate_)))
                     : 0;
  if (!playing) metronome_.stop();
  bool playingFlag = playing;
  graph_->forEachNodeOfType(
      declarations::Oscillator::kType,
      [](graph::Node& node, void* context) {
        static_cast<devices::OscillatorNode&>(node).setPlaying(*static_cast<bool*>(context));
      },
      &playingFlag);
}

void Engine::reject(std::uint32_t sequence, ErrorCode code) noexcept {
  ++state_.commandsRejected;
  state_.lastErrorCode = code;
  state_.lastErrorSequence = sequence;
}

void Engine::renderSegment(std::uint32_t begin, std::uint32_t end) noexcept {
  // A loop end inside the segment splits it: the frame after loopEnd - 1 is loopStart, within the
  // same quantum, so nothing is skipped or played twice. The loop engages only from inside it (a
  // playhead past its end plays on, as in any DAW).
  while (begin < end) {
    if (countInLeft_ > 0) {
      const auto frames = static_cast<std::uint32_t>(countInLeft_ < end - begin ? countInLeft_ : end - begin);
      renderCountIn(begin, frames);
      begin += frames;
      continue;
    }
    const bool playing = state_.transport == protocol::TransportState::Playing;
    const bool looping = playing && loopEnd_ > loopStart_ && state_.playheadSamples < loopEnd_;
    std::uint32_t frames = end - begin;
    if (looping && loopEnd_ - state_.playheadSamples < frames) {
      frames = static_cast<std::uint32_t>(loopEnd_ - state_.playheadSamples);
    }
    renderFrames(begin, frames, playing);
    if (looping && state_.playheadSamples == loopEnd_) jumpTimeline(loopStart_);
    begin += frames;
  }
}

void Engine::renderFrames(std::uint32_t begin, std::uint32_t frames, bool playing) noexcept {
  // Scheduled notes split the frames at their positions, so each lands on its exact sample.
  std::uint32_t done = 0;
  while (playing && done < frames) {
    const std::uint64_t from = state_.playheadSamples;
    const std::uint64_t next = notes_->nextPosition(from, from + (frames - done));
    if (next > from) {
      const auto run = static_cast<std::uint32_t>(next - from);
      renderGraph(begin + done, run, playing);
      done += run;
    }
    if (done == frames) break;
    notes_->forEachAt(next, [this](const timeline::NoteEvent& event) {
      graph::Node* node = graph_->node(event.nodeId);
      if (node == nullptr) return;
      if (event.velocity > 0) {
        node->noteOn(event.note, static_cast<float>(event.velocity) / 127.0f);
      } else {
        node->noteOff(event.note);
      }
    });
    // Render at least the event's own frame before looking again.
    renderGraph(begin + done, 1, playing);
    done += 1;
  }
  if (done < frames) renderGraph(begin + done, frames - done, playing);
}

void Engine::renderGraph(std::uint32_t begin, std::uint32_t frames, bool playing) noexcept {
  const std::uint32_t end = begin + frames;
  graph_->process(begin, frames, state_.playheadSamples, playing, beatsPerMinute_);
  const graph::StereoBlock& master = graph_->masterOutput();
  const auto sanitise = [](float sample) {
    const float clamped = sample > kOutputLimit ? kOutputLimit : (sample < -kOutputLimit ? -kOutputLimit : sample);
    return clamped == clamped ? clamped : 0.0f;  // NaN compares unequal to itself
  };
  for (std::uint32_t i = begin; i < end; ++i) {
    shared_.output[0][i] = sanitise(master.left[i]);
    shared_.output[1][i] = sanitise(master.right[i]);
  }
  if (metronomeOn_ && playing) renderClicks(begin, frames, state_.playheadSamples);
  if (playing) state_.playheadSamples += frames;
  beatsPerMinute_ = tempoMap_->tempoAt(state_.playheadSamples);
}

void Engine::renderClicks(std::uint32_t begin, std::uint32_t frames, std::uint64_t position) noexcept {
  std::uint32_t done = 0;
  while (done < frames) {
    timeline::Click click;
    const bool clicks = tempoMap_->nextClick(position + done, position + frames, sampleRate_, click);
    const auto until = clicks ? static_cast<std::uint32_t>(click.sample - position) : frames;
    metronome_.render(shared_.output[0] + begin + done, shared_.output[1] + begin + done, until - done);
    done = until;
    if (clicks) {
      metronome_.trigger(click.downbeat);
      metronome_.render(shared_.output[0] + begin + done, shared_.output[1] + begin + done, 1);
      ++done;
    }
  }
}

void Engine::renderCountIn(std::uint32_t begin, std::uint32_t frames) noexcept {
  // The graph runs with the transport held (nothing on the timeline sounds, live input does);
  // clicks fall on the meter's beats counted from the start of the count-in.
  renderGraph(begin, frames, false);
  const timeline::TempoSegment& segment = tempoMap_->segmentAt(state_.playheadSamples);
  const double beatSamples = 60.0 * sampleRate_ / segment.beatsPerMinute * (4.0 / segment.denominator);
  std::uint32_t done = 0;
  while (done < frames) {
    const double position = static_cast<double>(countInDone_ + done);
    const double beat = std::ceil(position / beatSamples - 1e-9);
    std::uint64_t clickAt = static_cast<std::uint64_t>(std::ceil(beat * beatSamples - 1e-6));
    clickAt = clickAt > countInDone_ + done ? clickAt : countInDone_ + done;  // never behind: always progress
    const bool clicks = clickAt < countInDone_ + frames;
    const auto until = clicks ? static_cast<std::uint32_t>(clickAt - countInDone_) : frames;
    metronome_.render(shared_.output[0] + begin + done, shared_.output[1] + begin + done, until - done);
    done = until;
    if (clicks) {
      metronome_.trigger(std::fmod(beat, static_cast<double>(segment.numerator)) == 0.0);
      metronome_.render(shared_.output[0] + begin + done, shared_.output[1] + begin + done, 1);
      ++done;
    }
  }
  countInDone_ += frames;
  countInLeft_ -= frames;
}

void Engine::jumpTimeline(std::uint64_t position) noexcept {
  // Notes sounding at the old position would otherwise hang: their note-offs are elsewhere.
  if (notes_->size() > 0) graph_->allNotesOff();
  state_.playheadSamples = position;
}

void Engine::publishState() noexcept {
  for (std::uint32_t channel = 0; channel < kChannels; ++channel) {
    state_.meterPeak[channel] = meters_[channel].peak();
    state_.meterRms[channel] = meters_[channel].rms();
  }
  state_.latencySamples = graph_->totalLatency();
  state_.countInSamplesLeft = static_cast<std::uint32_t>(countInLeft_);
  state_.nodesProcessed = graph_->processedLastSegment();
  publisher_.publish(state_);

  channelMeters_.beginQuantum();
  graph_->forEachChannelStrip(
      [](std::uint32_t nodeId, graph::Node& node, void* context) {
        const auto& strip = static_cast<const devices::ChannelStripNode&>(node);
        static_cast<rt::ChannelMeterPublisher*>(context)->add(
            {nodeId, {strip.peak(0), strip.peak(1)}, {strip.rms(0), strip.rms(1)}});
      },
      &channelMeters_);
  channelMeters_.endQuantum();
}

}  // namespace amplitude
