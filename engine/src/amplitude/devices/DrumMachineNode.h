// DrumMachineNode: dsp::DrumMachine, sixteen one-shot sample pads, as an instrument node. The
// sample of pad p (0..15) is assigned with AssignSample slot p.
//
// Mapping: the declaration lays the pads out as five contiguous ids each (volume in dB, pan
// -1..+1, pitch in semitones, choke group 0 = none .. 15, trigger note), so pad = id / 5 and the
// field is id % 5 (checked at compile time below); choke group and note are rounded. The DSP
// glides volume, pan and pitch of ringing voices over 10 ms, so the declared smoothing is 0.
// reset() also forgets every pad's sample, so a node taken from the pool starts empty.
// A source: processed even with no input.
#pragma once

#include <amplitude/dsp/instruments/DrumMachine.h>
#include <amplitude/graph/Node.h>

#include <cmath>

namespace amplitude::devices {

class DrumMachineNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::DrumMachine;
  static constexpr std::uint32_t kParamsPerPad = 5;
  static_assert(Declaration::kParams.size() == dsp::DrumMachine::kPads * kParamsPerPad);
  static_assert(Declaration::pad1Gain == 0 && Declaration::pad1Pan == 1 && Declaration::pad1Pitch == 2 &&
                Declaration::pad1Choke == 3 && Declaration::pad1Note == 4 && Declaration::pad2Gain == 5 &&
                Declaration::pad16Note == 79);

  void prepare(double sampleRate) override {
    drums_.prepare(sampleRate, graph::kQuantumFrames);
    reset();
  }

  void reset() noexcept override {
    for (int pad = 0; pad < dsp::DrumMachine::kPads; ++pad) drums_.setPad(pad, dsp::SampleView{});
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    drums_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    const int pad = static_cast<int>(paramId / kParamsPerPad);
    switch (paramId % kParamsPerPad) {
      case Declaration::pad1Gain: drums_.setPadGainDecibels(pad, value); break;
      case Declaration::pad1Pan: drums_.setPadPan(pad, value); break;
      case Declaration::pad1Pitch: drums_.setPadPitchSemitones(pad, value); break;
      case Declaration::pad1Choke: drums_.setPadChokeGroup(pad, static_cast<std::uint8_t>(std::lround(value))); break;
      case Declaration::pad1Note: drums_.setPadNote(pad, static_cast<std::uint8_t>(std::lround(value))); break;
      default: break;
    }
  }

  protocol::ErrorCode assignSample(std::uint32_t slot, const dsp::SampleView& sample) noexcept override {
    if (slot >= static_cast<std::uint32_t>(dsp::DrumMachine::kPads)) return protocol::ErrorCode::PortOutOfRange;
    drums_.setPad(static_cast<int>(slot), sample);
    return protocol::ErrorCode::None;
  }

  void noteOn(std::uint8_t note, float velocity) noexcept override { drums_.noteOn(note, velocity); }
  void noteOff(std::uint8_t note) noexcept override { drums_.noteOff(note); }
  bool isSource() const noexcept override { return true; }

  void process(const graph::ProcessContext& context) noexcept override {
    drums_.process(context.output->left + context.begin, context.output->right + context.begin, context.frames);
  }

  std::uint32_t activeVoiceCount(int pad) const noexcept { return drums_.activeVoiceCount(pad); }

 private:
  dsp::DrumMachine drums_;
};

}  // namespace amplitude::devices
