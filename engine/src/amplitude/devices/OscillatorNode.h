// OscillatorNode: the band-limited test-tone source (dsp::Oscillator), gated by the transport:
// it sounds while the transport plays and fades over 2 ms when it starts or stops, so neither
// clicks. A fresh start begins at phase 0 (a sine starts at a zero crossing).
#pragma once

#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/Oscillator.h>
#include <amplitude/graph/Node.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class OscillatorNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Oscillator;
  static constexpr double kTransportFadeSeconds = 0.002;

  void prepare(double sampleRate) override {
    oscillator_.prepare(sampleRate);
    fadeSamples_ = static_cast<std::uint32_t>(std::lround(kTransportFadeSeconds * sampleRate));
    reset();
  }

  void reset() noexcept override {
    oscillator_.setFrequencyHz(Declaration::kParams[Declaration::frequency].defaultValue);
    oscillator_.setWaveform(static_cast<dsp::Waveform>(
        static_cast<std::uint32_t>(Declaration::kParams[Declaration::waveform].defaultValue)));
    oscillator_.reset();
    fade_.reset(0.0f);
    playing_ = false;
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    if (paramId == Declaration::frequency) {
      oscillator_.setFrequencyHz(value);
    } else if (paramId == Declaration::waveform) {
      oscillator_.setWaveform(static_cast<dsp::Waveform>(static_cast<std::uint32_t>(std::lround(value))));
    }
  }

  bool isSource() const noexcept override { return true; }

  /// Audio thread, between segments: the transport started or stopped.
  void setPlaying(bool playing) noexcept {
    if (playing == playing_) return;
    if (playing && !fade_.isRamping() && fade_.current() == 0.0f) oscillator_.reset();
    playing_ = playing;
    fade_.setTarget(playing ? 1.0f : 0.0f, fadeSamples_);
  }

  void process(const graph::ProcessContext& context) noexcept override {
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    if (!playing_ && !fade_.isRamping()) {
      std::memset(left, 0, context.frames * sizeof(float));
      std::memset(right, 0, context.frames * sizeof(float));
      return;
    }
    oscillator_.process(left, context.frames);
    for (std::uint32_t i = 0; i < context.frames; ++i) {
      left[i] *= fade_.next();
      right[i] = left[i];
    }
  }

 private:
  dsp::Oscillator oscillator_;
  dsp::LinearRamp fade_;
  std::uint32_t fadeSamples_ = 0;
  bool playing_ = false;
};

}  // namespace amplitude::devices
