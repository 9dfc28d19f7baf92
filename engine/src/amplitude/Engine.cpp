#include <amplitude/Engine.h>

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstring>

namespace amplitude {

namespace {

using protocol::ErrorCode;
namespace devices = protocol::devices;
namespace boot_patch = protocol::boot_patch;

template <typename Device>
const protocol::ParamDeclaration* findParam(std::uint32_t paramId) noexcept {
  for (const auto& declaration : Device::kParams) {
    if (declaration.id == paramId) return &declaration;
  }
  return nullptr;
}

ErrorCode checkValue(const protocol::ParamDeclaration* declaration, float value) noexcept {
  if (declaration == nullptr) return ErrorCode::UnknownParam;
  if (!std::isfinite(value)) return ErrorCode::NonFiniteValue;
  if (value < declaration->min || value > declaration->max) return ErrorCode::ValueOutOfRange;
  return ErrorCode::None;
}

std::uint32_t samplesFor(double milliseconds, double sampleRate) noexcept {
  return static_cast<std::uint32_t>(std::lround(milliseconds * 0.001 * sampleRate));
}

}  // namespace

Engine::Engine(SharedRegion& shared) noexcept
    : shared_(shared), ring_(shared.ringControl, shared.ringRecords), publisher_(shared.stateView) {}

void Engine::prepare(double sampleRate) noexcept {
  sampleRate_ = sampleRate;
  state_ = {};
  state_.sampleRate = static_cast<std::uint32_t>(sampleRate);

  oscillator_.prepare(sampleRate);
  oscillator_.setFrequencyHz(devices::Oscillator::kParams[devices::Oscillator::frequency].defaultValue);
  oscillator_.setWaveform(static_cast<dsp::Waveform>(
      static_cast<std::uint32_t>(devices::Oscillator::kParams[devices::Oscillator::waveform].defaultValue)));

  const auto& gain = devices::Gain::kParams[devices::Gain::gain];
  gainRampSamples_ = samplesFor(gain.smoothingMs, sampleRate);
  outputGain_.reset(static_cast<float>(dsp::decibelsToGain(gain.defaultValue)));

  transportFadeSamples_ = samplesFor(kTransportFadeSeconds * 1000.0, sampleRate);
  transportFade_.reset(0.0f);

  for (auto& meter : meters_) meter.prepare(sampleRate, kFramesPerQuantum);
  std::memset(shared_.output, 0, sizeof(shared_.output));
  publishState();
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
  if (std::get_if<protocol::Play>(&command.body)) {
    setTransport(protocol::TransportState::Playing);
    return ErrorCode::None;
  }
  if (std::get_if<protocol::Stop>(&command.body)) {
    setTransport(protocol::TransportState::Stopped);
    return ErrorCode::None;
  }
  if (const auto* seek = std::get_if<protocol::Seek>(&command.body)) {
    state_.playheadSamples = seek->positionSamples;
    return ErrorCode::None;
  }
  if (const auto* set = std::get_if<protocol::SetParam>(&command.body)) return applySetParam(*set);
  return ErrorCode::UnknownCommand;
}

ErrorCode Engine::applySetParam(const protocol::SetParam& set) noexcept {
  switch (set.nodeId) {
    case boot_patch::kOscillatorNodeId: {
      const ErrorCode check = checkValue(findParam<devices::Oscillator>(set.paramId), set.value);
      if (check != ErrorCode::None) return check;
      if (set.paramId == devices::Oscillator::frequency) {
        oscillator_.setFrequencyHz(set.value);
      } else {
        oscillator_.setWaveform(static_cast<dsp::Waveform>(static_cast<std::uint32_t>(std::lround(set.value))));
      }
      return ErrorCode::None;
    }
    case boot_patch::kOutputGainNodeId: {
      const ErrorCode check = checkValue(findParam<devices::Gain>(set.paramId), set.value);
      if (check != ErrorCode::None) return check;
      outputGain_.setTarget(static_cast<float>(dsp::decibelsToGain(set.value)), gainRampSamples_);
      return ErrorCode::None;
    }
    default:
      return ErrorCode::UnknownNode;
  }
}

void Engine::setTransport(protocol::TransportState state) noexcept {
  if (state == state_.transport) return;
  if (state == protocol::TransportState::Playing && !transportFade_.isRamping() && transportFade_.current() == 0.0f) {
    oscillator_.reset();  // a fresh start begins at a zero crossing
  }
  state_.transport = state;
  transportFade_.setTarget(state == protocol::TransportState::Playing ? 1.0f : 0.0f, transportFadeSamples_);
}

void Engine::reject(std::uint32_t sequence, ErrorCode code) noexcept {
  ++state_.commandsRejected;
  state_.lastErrorCode = code;
  state_.lastErrorSequence = sequence;
}

void Engine::renderSegment(std::uint32_t begin, std::uint32_t end) noexcept {
  const std::uint32_t frames = end - begin;
  if (frames == 0) return;
  float* left = shared_.output[0] + begin;
  float* right = shared_.output[1] + begin;

  const bool audible = state_.transport == protocol::TransportState::Playing || transportFade_.isRamping();
  if (audible) {
    oscillator_.process(left, frames);
    for (std::uint32_t i = 0; i < frames; ++i) {
      // Gain and fade advance every sample even through silence of the signal, so a ramp set at
      // sample N always ends at sample N + ramp length.
      left[i] *= outputGain_.next() * transportFade_.next();
      right[i] = left[i];
    }
  } else {
    std::memset(left, 0, frames * sizeof(float));
    std::memset(right, 0, frames * sizeof(float));
    outputGain_.advance(frames);
  }
  if (state_.transport == protocol::TransportState::Playing) state_.playheadSamples += frames;
}

void Engine::publishState() noexcept {
  for (std::uint32_t channel = 0; channel < kChannels; ++channel) {
    state_.meterPeak[channel] = meters_[channel].peak();
    state_.meterRms[channel] = meters_[channel].rms();
  }
  publisher_.publish(state_);
}

}  // namespace amplitude
