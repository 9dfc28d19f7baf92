// Metronome: the click the transport plays on every beat (1.5 kHz on the first beat of a bar,
// 1 kHz on the others): a 40 ms sine burst with a fast exponential decay, added to the engine's
// output, never to the mix a render or a recording takes. Deterministic like the rest.
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>

namespace amplitude::timeline {

class Metronome {
 public:
  static constexpr double kClickSeconds = 0.04;
  static constexpr double kDecaySeconds = 0.008;
  static constexpr double kDownbeatHz = 1500.0;
  static constexpr double kBeatHz = 1000.0;
  static constexpr float kBeatLevel = 0.6f;  ///< relative to a downbeat

  void prepare(double sampleRate) noexcept {
    sampleRate_ = sampleRate;
    clickSamples_ = static_cast<std::uint32_t>(std::lround(kClickSeconds * sampleRate));
    decay_ = dsp::exp(-1.0 / (kDecaySeconds * sampleRate));
    remaining_ = 0;
  }

  void setLevelDecibels(float decibels) noexcept { level_ = static_cast<float>(dsp::decibelsToGain(decibels)); }

  /// A click starts at the next rendered sample.
  void trigger(bool downbeat) noexcept {
    phase_ = 0.0;
    increment_ = (downbeat ? kDownbeatHz : kBeatHz) / sampleRate_;
    amplitude_ = level_ * (downbeat ? 1.0 : kBeatLevel);
    remaining_ = clickSamples_;
  }

  void stop() noexcept { remaining_ = 0; }

  /// Adds the sounding click (if any) to both channels.
  void render(float* left, float* right, std::uint32_t frames) noexcept {
    for (std::uint32_t i = 0; i < frames && remaining_ > 0; ++i, --remaining_) {
      const auto sample = static_cast<float>(amplitude_ * dsp::sin2pi(phase_));
      left[i] += sample;
      right[i] += sample;
      phase_ += increment_;
      amplitude_ *= decay_;
    }
  }

 private:
  double sampleRate_ = 48000.0;
  std::uint32_t clickSamples_ = 1920;
  double decay_ = 0.0;
  float level_ = 0.5f;
  double phase_ = 0.0;
  double increment_ = 0.0;
  double amplitude_ = 0.0;
  std::uint32_t remaining_ = 0;
};

}  // namespace amplitude::timeline
