// PolySynthNode: dsp::PolySynth, the 16-voice subtractive synthesizer, as an instrument node.
//
// Mapping: every synth setter is a declared parameter. Waveforms are enums whose indices equal
// dsp::Waveform; octave and semitone offsets are rounded to whole steps; percentages (osc mix,
// resonance, key tracking, sustains) become 0..1; the filter envelope amount is in octaves;
// envelope times pass through in ms; volume is in dB and the DSP takes a linear gain. The DSP
// glides filter and mix settings (10 ms) and the volume (20 ms) itself, so the declared smoothing
// is 0; waveform and tuning changes apply at once, envelope times from the next stage on.
// Output is mono, identical on both channels. A source: processed even with no input.
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/instruments/PolySynth.h>
#include <amplitude/graph/Node.h>

#include <cmath>

namespace amplitude::devices {

class PolySynthNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::PolySynth;

  void prepare(double sampleRate) override {
    synth_.prepare(sampleRate, graph::kQuantumFrames);
    reset();
  }

  void reset() noexcept override {
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    synth_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    const auto whole = static_cast<int>(std::lround(value));
    const double percent = value * 0.01;
    switch (paramId) {
      case Declaration::osc1Waveform: synth_.setOscillator1Waveform(static_cast<dsp::Waveform>(whole)); break;
      case Declaration::osc2Waveform: synth_.setOscillator2Waveform(static_cast<dsp::Waveform>(whole)); break;
      case Declaration::osc2Octave: synth_.setOscillator2Octave(whole); break;
      case Declaration::osc2Semitones: synth_.setOscillator2Semitones(whole); break;
      case Declaration::osc2Fine: synth_.setOscillator2FineCents(value); break;
      case Declaration::oscMix: synth_.setOscillatorMix(percent); break;
      case Declaration::filterCutoff: synth_.setFilterCutoffHz(value); break;
      case Declaration::filterResonance: synth_.setFilterResonance(percent); break;
      case Declaration::filterEnvAmount: synth_.setFilterEnvelopeOctaves(value); break;
      case Declaration::filterKeyTracking: synth_.setFilterKeyTracking(percent); break;
      case Declaration::filterAttack: synth_.setFilterAttackMs(value); break;
      case Declaration::filterDecay: synth_.setFilterDecayMs(value); break;
      case Declaration::filterSustain: synth_.setFilterSustain(percent); break;
      case Declaration::filterRelease: synth_.setFilterReleaseMs(value); break;
      case Declaration::ampAttack: synth_.setAmpAttackMs(value); break;
      case Declaration::ampDecay: synth_.setAmpDecayMs(value); break;
      case Declaration::ampSustain: synth_.setAmpSustain(percent); break;
      case Declaration::ampRelease: synth_.setAmpReleaseMs(value); break;
      case Declaration::gain: synth_.setMasterGain(static_cast<float>(dsp::decibelsToGain(value))); break;
      default: break;
    }
  }

  void noteOn(std::uint8_t note, float velocity) noexcept override { synth_.noteOn(note, velocity); }
  void noteOff(std::uint8_t note) noexcept override { synth_.noteOff(note); }
  void allNotesOff() noexcept override { synth_.allNotesOff(); }
  bool isSource() const noexcept override { return true; }

  void process(const graph::ProcessContext& context) noexcept override {
    synth_.process(context.output->left + context.begin, context.output->right + context.begin, context.frames);
  }

  std::uint32_t activeVoiceCount() const noexcept { return synth_.activeVoiceCount(); }

 private:
  dsp::PolySynth synth_;
};

}  // namespace amplitude::devices
