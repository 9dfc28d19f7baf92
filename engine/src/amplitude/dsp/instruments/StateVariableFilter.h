// StateVariableFilter: the topology-preserving-transform (zero-delay-feedback) state-variable
// filter of Zavalishin / Simper, giving low-, band- and high-pass outputs at once.
//
// Why this design: trapezoidal integrators make it exactly the bilinear transform of the analog
// 2-pole prototype H(s) = 1 / (s^2 + k s + 1) (k = 1/Q), pre-warped so the cutoff lands where
// asked (g = tan(pi f / fs)), and unlike a direct-form biquad it stays stable and quiet while its
// coefficients change every few samples, which is what envelope and LFO modulation need.
// Coefficients are recomputed at most once per kControlInterval-sample sub-block (one tanPi, one
// pow2), counted on an absolute sample grid so the output does not depend on block sizes.
// Live changes of cutoff (in octaves) and Q glide with a 10 ms one-pole at that sub-block rate.
// Both integrator states are flushed to zero below kDenormalFloor (WebAssembly has no FTZ).
//
// SvfCoefficients + SvfCore are the unsmoothed building blocks, for owners that compute the
// cutoff themselves per sub-block (synth voices); StateVariableFilter is the standalone filter.
// Life cycle: prepare (non-real-time) -> process/reset/setters (real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

enum class FilterMode : std::uint8_t { LowPass, BandPass, HighPass };

struct SvfOutputs {
  float low;
  float band;
  float high;
};

struct SvfCoefficients {
  static constexpr double kMinCutoffHz = 20.0;
  static constexpr double kMaxCutoffHz = 20000.0;
  static constexpr double kMinQ = 0.1;
  static constexpr double kMaxQ = 40.0;

  float k = 1.41421356f;  // damping, 1 / Q
  float a1 = 1.0f;
  float a2 = 0.0f;
  float a3 = 0.0f;

  /// Cutoff is clamped to [20 Hz, min(20 kHz, 0.49 fs)] and Q to [0.1, 40]: always stable.
  static SvfCoefficients make(double cutoffHz, double q, double sampleRate) noexcept {
    const double top = kMaxCutoffHz < 0.49 * sampleRate ? kMaxCutoffHz : 0.49 * sampleRate;
    const double hz = cutoffHz < kMinCutoffHz ? kMinCutoffHz : (cutoffHz > top ? top : cutoffHz);
    const double clampedQ = q < kMinQ ? kMinQ : (q > kMaxQ ? kMaxQ : q);
    const double g = amplitude::dsp::tanPi(hz / sampleRate);
    const double k = 1.0 / clampedQ;
    const double a1 = 1.0 / (1.0 + g * (g + k));
    SvfCoefficients c;
    c.k = static_cast<float>(k);
    c.a1 = static_cast<float>(a1);
    c.a2 = static_cast<float>(g * a1);
    c.a3 = static_cast<float>(g * g * a1);
    return c;
  }
};

/// The two trapezoidal integrator states and one step of the filter.
class SvfCore {
 public:
  void reset() noexcept { ic1_ = ic2_ = 0.0f; }

  SvfOutputs tick(const SvfCoefficients& c, float in) noexcept {
    const float v3 = in - ic2_;
    const float v1 = c.a1 * ic1_ + c.a2 * v3;
    const float v2 = ic2_ + c.a2 * ic1_ + c.a3 * v3;
    ic1_ = flushDenormal(2.0f * v1 - ic1_);
    ic2_ = flushDenormal(2.0f * v2 - ic2_);
    return SvfOutputs{v2, v1, in - c.k * v1 - v2};
  }

  bool isSilent() const noexcept { return ic1_ == 0.0f && ic2_ == 0.0f; }

 private:
  float ic1_ = 0.0f;
  float ic2_ = 0.0f;
};

class StateVariableFilter {
 public:
  static constexpr std::uint32_t kControlInterval = 16;
  static constexpr double kGlideSeconds = 0.01;

  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    sampleRate_ = sampleRate;
    glide_ = 1.0 - amplitude::dsp::exp(-static_cast<double>(kControlInterval) / (kGlideSeconds * sampleRate));
    reset();
  }

  /// Clears the signal state and jumps the parameters to their targets.
  void reset() noexcept {
    core_.reset();
    currentOctaves_ = targetOctaves_;
    currentQ_ = targetQ_;
    coefficients_ = SvfCoefficients::make(amplitude::dsp::pow2(currentOctaves_), currentQ_, sampleRate_);
    untilControl_ = kControlInterval;
  }

  void setCutoffHz(double hz) noexcept {
    const double clamped = hz < SvfCoefficients::kMinCutoffHz ? SvfCoefficients::kMinCutoffHz : hz;
    targetOctaves_ = amplitude::dsp::log2(clamped);
  }
  void setQ(double q) noexcept { targetQ_ = q; }
  void setMode(FilterMode mode) noexcept { mode_ = mode; }

  /// `in` and `out` may be the same buffer.
  void process(const float* in, float* out, std::uint32_t frames) noexcept {
    for (std::uint32_t i = 0; i < frames; ++i) {
      const SvfOutputs y = processSample(in[i]);
      out[i] = mode_ == FilterMode::LowPass ? y.low : (mode_ == FilterMode::BandPass ? y.band : y.high);
    }
  }

  /// All three outputs of one sample.
  SvfOutputs processSample(float in) noexcept {
    if (untilControl_ == 0) updateCoefficients();
    --untilControl_;
    return core_.tick(coefficients_, in);
  }

  double cutoffHz() const noexcept { return amplitude::dsp::pow2(currentOctaves_); }

 private:
  void updateCoefficients() noexcept {
    untilControl_ = kControlInterval;
    if (currentOctaves_ == targetOctaves_ && currentQ_ == targetQ_) return;
    currentOctaves_ += (targetOctaves_ - currentOctaves_) * glide_;
    currentQ_ += (targetQ_ - currentQ_) * glide_;
    if (std::fabs(targetOctaves_ - currentOctaves_) < 1.0e-4) currentOctaves_ = targetOctaves_;
    if (std::fabs(targetQ_ - currentQ_) < 1.0e-4) currentQ_ = targetQ_;
    coefficients_ = SvfCoefficients::make(amplitude::dsp::pow2(currentOctaves_), currentQ_, sampleRate_);
  }

  double sampleRate_ = 48000.0;
  double glide_ = 0.033;
  double targetOctaves_ = 9.965784284662087;  // log2(1000)
  double currentOctaves_ = 9.965784284662087;
  double targetQ_ = 0.7071067811865476;
  double currentQ_ = 0.7071067811865476;
  FilterMode mode_ = FilterMode::LowPass;
  SvfCoefficients coefficients_{};
  SvfCore core_;
  std::uint32_t untilControl_ = 0;
};

}  // namespace amplitude::dsp
