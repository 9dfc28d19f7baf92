// SamplerNode: dsp::Sampler, the 16-voice sampler, as an instrument node playing the sample
// assigned to slot 0 (AssignSample).
//
// Mapping: playback is an enum whose indices equal dsp::SamplerPlayback; the root note is a MIDI
// note number (rounded); fine tune in cents; start offset and loop points are declared in percent
// of the sample's length, so they mean the same for any sample and survive a sample swap: the
// node turns them into frames (rounded) whenever either the points or the sample change, and the
// DSP applies them to the next note. Envelope times pass through in ms, sustain in percent
// becomes 0..1, volume in dB. The DSP ramps the volume over 20 ms; everything else applies at
// once or from the next note, so the declared smoothing is 0. reset() also forgets the sample,
// so a node taken from the pool starts empty. A source: processed even with no input.
#pragma once

#include <amplitude/dsp/instruments/Sampler.h>
#include <amplitude/graph/Node.h>

#include <cmath>

namespace amplitude::devices {

class SamplerNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Sampler;

  void prepare(double sampleRate) override {
    sampler_.prepare(sampleRate, graph::kQuantumFrames);
    reset();
  }

  void reset() noexcept override {
    sampler_.setSample(dsp::SampleView{});
    frames_ = 0;
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    sampler_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    switch (paramId) {
      case Declaration::playback:
        sampler_.setPlayback(static_cast<dsp::SamplerPlayback>(std::lround(value)));
        break;
      case Declaration::rootNote: sampler_.setRootNote(static_cast<std::uint8_t>(std::lround(value))); break;
      case Declaration::fineTune: sampler_.setFineTuneCents(value); break;
      case Declaration::startOffset: start_ = value * 0.01; updateRegion(); break;
      case Declaration::loopStart: loopStart_ = value * 0.01; updateRegion(); break;
      case Declaration::loopEnd: loopEnd_ = value * 0.01; updateRegion(); break;
      case Declaration::attack: sampler_.setAttackMs(value); break;
      case Declaration::decay: sampler_.setDecayMs(value); break;
      case Declaration::sustain: sampler_.setSustain(value * 0.01); break;
      case Declaration::release: sampler_.setReleaseMs(value); break;
      case Declaration::gain: sampler_.setGainDecibels(value); break;
      default: break;
    }
  }

  protocol::ErrorCode assignSample(std::uint32_t slot, const dsp::SampleView& sample) noexcept override {
    if (slot != 0) return protocol::ErrorCode::PortOutOfRange;
    sampler_.setSample(sample);
    frames_ = sample.frames;
    updateRegion();
    return protocol::ErrorCode::None;
  }

  void noteOn(std::uint8_t note, float velocity) noexcept override { sampler_.noteOn(note, velocity); }
  void noteOff(std::uint8_t note) noexcept override { sampler_.noteOff(note); }
  bool isSource() const noexcept override { return true; }

  void process(const graph::ProcessContext& context) noexcept override {
    sampler_.process(context.output->left + context.begin, context.output->right + context.begin, context.frames);
  }

  std::uint32_t activeVoiceCount() const noexcept { return sampler_.activeVoiceCount(); }

 private:
  std::uint32_t toFrame(double fraction) const noexcept {
    return static_cast<std::uint32_t>(std::lround(fraction * static_cast<double>(frames_)));
  }

  void updateRegion() noexcept {
    sampler_.setStartOffset(toFrame(start_));
    sampler_.setLoop(toFrame(loopStart_), toFrame(loopEnd_));
  }

  dsp::Sampler sampler_;
  std::uint32_t frames_ = 0;
  double start_ = 0.0;
  double loopStart_ = 0.0;
  double loopEnd_ = 1.0;
};

}  // namespace amplitude::devices
