// Meter: peak and RMS of one channel with the ballistics a mixer shows.
//
// Peak: the largest |sample| of each block, held and falling at 20 dB/s.
// RMS: mean square integrated with a 300 ms time constant, updated once per block.
// Life cycle: prepare (non-real-time) -> process/reset (audio thread, real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

class Meter {
 public:
  static constexpr double kPeakFallDecibelsPerSecond = 20.0;
  static constexpr double kRmsTimeConstantSeconds = 0.3;

  void prepare(double sampleRate, std::uint32_t blockFrames) noexcept {
    const double blockSeconds = blockFrames / sampleRate;
    peakFallPerBlock_ = static_cast<float>(decibelsToGain(-kPeakFallDecibelsPerSecond * blockSeconds));
    constexpr double kLog2e = 1.442695040888963407359924681001892137;
    rmsKeepPerBlock_ = static_cast<float>(pow2(-blockSeconds / kRmsTimeConstantSeconds * kLog2e));
    reset();
  }

  void reset() noexcept {
    peak_ = 0.0f;
    meanSquare_ = 0.0f;
  }

  void process(const float* samples, std::uint32_t frames) noexcept {
    float blockPeak = 0.0f;
    float sumSquares = 0.0f;
    for (std::uint32_t i = 0; i < frames; ++i) {
      const float magnitude = std::fabs(samples[i]);
      blockPeak = magnitude > blockPeak ? magnitude : blockPeak;
      sumSquares += samples[i] * samples[i];
    }
    const float held = flushDenormal(peak_ * peakFallPerBlock_);
    peak_ = blockPeak > held ? blockPeak : held;
    const float blockMeanSquare = frames ? sumSquares / static_cast<float>(frames) : 0.0f;
    meanSquare_ = flushDenormal(meanSquare_ * rmsKeepPerBlock_ + blockMeanSquare * (1.0f - rmsKeepPerBlock_));
  }

  float peak() const noexcept { return peak_; }
  /// Never above the held peak: after a signal stops, the 300 ms RMS integrator would otherwise
  /// outlast the falling peak and a meter would show RMS louder than peak.
  float rms() const noexcept {
    const float integrated = std::sqrt(meanSquare_);
    return integrated < peak_ ? integrated : peak_;
  }

 private:
  float peakFallPerBlock_ = 1.0f;
  float rmsKeepPerBlock_ = 0.0f;
  float peak_ = 0.0f;
  float meanSquare_ = 0.0f;
};

}  // namespace amplitude::dsp
