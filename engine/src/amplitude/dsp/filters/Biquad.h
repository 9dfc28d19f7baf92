// Biquad: a stereo second-order section, and a variant whose parameters glide without zipper noise.
//
// StereoBiquad runs transposed direct form II with its two state variables per channel in
// double: at low cut-offs the poles sit within 1e-5 of the unit circle, where float state would
// add audible noise and drift. A channel's state is set to exact zero once |s1| + |s2| < 1e-20
// (no denormals in WebAssembly, which has no flush-to-zero mode; a tail that has decayed 400 dB
// is inaudible), checked every sample, not every block, so the output never depends on how the
// host slices time. setCoefficients jumps; use it when the response does not move while audible.
//
// BiquadParameterRamp moves frequency (in octaves), Q and gain (in dB) in a straight line to
// new targets over ~20 ms in steps of kUpdateInterval = 16 samples. Recomputing coefficients
// (two transcendental evaluations) every 16 samples keeps them out of the per-sample loop; steps
// of 1/60 of the change every 1/3 ms are far too small and fast to be heard as a staircase.
// The last step lands exactly on the target values, so a finished ramp designs the same bits
// as setting the target directly.
// SmoothedBiquad combines the two: one filter type, live frequency, Q and gain.
// Life cycle: prepare (non-real-time) -> process/reset/setters (audio thread, real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/filters/BiquadDesign.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

class StereoBiquad {
 public:
  /// A channel whose two memories together are smaller than this is set to exact zero.
  static constexpr double kStateFloor = static_cast<double>(kDenormalFloor);

  /// Nothing to allocate: the section only needs its coefficients.
  void prepare(double /*sampleRate*/, std::uint32_t /*maxBlockFrames*/) noexcept { reset(); }

  void reset() noexcept { left1_ = left2_ = right1_ = right2_ = 0.0; }

  /// Takes effect at the next sample, with no smoothing.
  void setCoefficients(const BiquadCoefficients& coefficients) noexcept { c_ = coefficients; }
  const BiquadCoefficients& coefficients() const noexcept { return c_; }

  /// Filters both channels in place.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    const double b0 = c_.b0, b1 = c_.b1, b2 = c_.b2, a1 = c_.a1, a2 = c_.a2;
    double l1 = left1_, l2 = left2_, r1 = right1_, r2 = right2_;
    for (std::uint32_t i = 0; i < frames; ++i) {
      const double xl = left[i];
      const double xr = right[i];
      const double yl = b0 * xl + l1;
      const double yr = b0 * xr + r1;
      // (b1 x + s2) first: only a1 y and one subtraction wait for y (shorter recursion latency).
      l1 = (b1 * xl + l2) - a1 * yl;
      r1 = (b1 * xr + r2) - a1 * yr;
      l2 = b2 * xl - a2 * yl;
      r2 = b2 * xr - a2 * yr;
      // Both memories of a channel go to zero together, and only when both are tiny: flushing
      // one alone (s1 passes near zero every half cycle of a ringing resonance) would inject
      // 1e-20 kicks that a high-Q resonance sustains as a never-ending -360 dB limit cycle.
      const bool leftSilent = std::fabs(l1) + std::fabs(l2) < kStateFloor;
      const bool rightSilent = std::fabs(r1) + std::fabs(r2) < kStateFloor;
      l1 = leftSilent ? 0.0 : l1;
      l2 = leftSilent ? 0.0 : l2;
      r1 = rightSilent ? 0.0 : r1;
      r2 = rightSilent ? 0.0 : r2;
      left[i] = static_cast<float>(yl);
      right[i] = static_cast<float>(yr);
    }
    left1_ = l1;
    left2_ = l2;
    right1_ = r1;
    right2_ = r2;
  }

 private:
  BiquadCoefficients c_{};
  double left1_ = 0.0, left2_ = 0.0, right1_ = 0.0, right2_ = 0.0;
};

/// Frequency, Q and gain of a biquad, moving linearly (frequency in octaves) to their targets.
class BiquadParameterRamp {
 public:
  static constexpr std::uint32_t kUpdateInterval = 16;  // samples per step
  static constexpr double kRampSeconds = 0.02;

  void prepare(double sampleRate) noexcept {
    sampleRate_ = sampleRate;
    const double steps = std::floor(kRampSeconds * sampleRate / kUpdateInterval + 0.5);
    stepsPerRamp_ = steps < 1.0 ? 1u : static_cast<std::uint32_t>(steps);
    const double hz = targetHz_;
    targetHz_ = -1.0;  // forces the target to be clamped and converted again for this rate
    setTarget(hz, targetQ_, targetGainDb_);
    snapToTarget();
  }

  /// Starts a ramp from the current values; an unchanged target leaves a running ramp alone
  /// (re-aiming at the same target every block would otherwise slow it down forever).
  void setTarget(double frequencyHz, double q, double gainDb) noexcept {
    const double hz = biquad_limits::clampFrequency(frequencyHz, sampleRate_);
    const double clampedQ = biquad_limits::clampQ(q);
    const double dB = biquad_limits::clampGainDb(gainDb);
    if (hz == targetHz_ && clampedQ == targetQ_ && dB == targetGainDb_) return;
    if (hz != targetHz_) {
      targetHz_ = hz;
      targetOctaves_ = amplitude::dsp::log2(hz);
    }
    targetQ_ = clampedQ;
    targetGainDb_ = dB;
    const double steps = static_cast<double>(stepsPerRamp_);
    octaveStep_ = (targetOctaves_ - currentOctaves_) / steps;
    qStep_ = (targetQ_ - currentQ_) / steps;
    gainStep_ = (targetGainDb_ - currentGainDb_) / steps;
    remainingSteps_ = stepsPerRamp_;
  }

  void snapToTarget() noexcept {
    currentHz_ = targetHz_;
    currentOctaves_ = targetOctaves_;
    currentQ_ = targetQ_;
    currentGainDb_ = targetGainDb_;
    remainingSteps_ = 0;
  }

  bool isMoving() const noexcept { return remainingSteps_ != 0; }
  std::uint32_t stepsPerRamp() const noexcept { return stepsPerRamp_; }

  /// One step of the ramp (the owner calls it every kUpdateInterval samples while moving).
  void step() noexcept {
    if (remainingSteps_ == 0) return;
    if (--remainingSteps_ == 0) {
      snapToTarget();
      return;
    }
    if (octaveStep_ != 0.0) {
      currentOctaves_ += octaveStep_;
      currentHz_ = pow2(currentOctaves_);
    }
    currentQ_ += qStep_;
    currentGainDb_ += gainStep_;
  }

  double frequencyHz() const noexcept { return currentHz_; }
  double q() const noexcept { return currentQ_; }
  double gainDb() const noexcept { return currentGainDb_; }
  double targetFrequencyHz() const noexcept { return targetHz_; }
  double targetQ() const noexcept { return targetQ_; }
  double targetGainDb() const noexcept { return targetGainDb_; }

 private:
  double sampleRate_ = 48000.0;
  std::uint32_t stepsPerRamp_ = 60;
  std::uint32_t remainingSteps_ = 0;
  double targetHz_ = 1000.0;
  double targetOctaves_ = 9.965784284662087;  // log2(1000)
  double targetQ_ = 0.7071067811865476;
  double targetGainDb_ = 0.0;
  double currentHz_ = targetHz_;
  double currentOctaves_ = targetOctaves_;
  double currentQ_ = targetQ_;
  double currentGainDb_ = targetGainDb_;
  double octaveStep_ = 0.0, qStep_ = 0.0, gainStep_ = 0.0;
};

/// One cookbook filter whose frequency, Q and gain change live without zipper noise.
/// The type jumps (shapes cannot be interpolated); ParametricEq crossfades type changes.
class SmoothedBiquad {
 public:
  static constexpr std::uint32_t kUpdateInterval = BiquadParameterRamp::kUpdateInterval;

  void prepare(double sampleRate, std::uint32_t maxBlockFrames) noexcept {
    sampleRate_ = sampleRate;
    ramp_.prepare(sampleRate);
    section_.prepare(sampleRate, maxBlockFrames);
    reset();
  }

  /// Clears the memories and completes any ramp.
  void reset() noexcept {
    ramp_.snapToTarget();
    redesign();
    section_.reset();
    phase_ = 0;
  }

  void setType(BiquadType type) noexcept {
    type_ = type;
    redesign();
  }
  void setParameters(double frequencyHz, double q, double gainDb) noexcept {
    ramp_.setTarget(frequencyHz, q, gainDb);
  }
  void setFrequencyHz(double hz) noexcept { setParameters(hz, ramp_.targetQ(), ramp_.targetGainDb()); }
  void setQ(double q) noexcept { setParameters(ramp_.targetFrequencyHz(), q, ramp_.targetGainDb()); }
  void setGainDb(double dB) noexcept { setParameters(ramp_.targetFrequencyHz(), ramp_.targetQ(), dB); }

  bool isRamping() const noexcept { return ramp_.isMoving(); }
  BiquadType type() const noexcept { return type_; }
  const BiquadParameterRamp& parameters() const noexcept { return ramp_; }
  const BiquadCoefficients& coefficients() const noexcept { return section_.coefficients(); }

  /// Filters in place. While parameters move, coefficients are redesigned at every 16th sample
  /// (counted continuously across calls, so block sizes never change the result).
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    std::uint32_t done = 0;
    while (done < frames && ramp_.isMoving()) {
      if (phase_ == 0) {
        ramp_.step();
        redesign();
      }
      const std::uint32_t untilNextUpdate = kUpdateInterval - phase_;
      const std::uint32_t n = frames - done < untilNextUpdate ? frames - done : untilNextUpdate;
      section_.process(left + done, right + done, n);
      phase_ = (phase_ + n) % kUpdateInterval;
      done += n;
    }
    if (done < frames) {
      section_.process(left + done, right + done, frames - done);
      phase_ = (phase_ + (frames - done)) % kUpdateInterval;
    }
  }

 private:
  void redesign() noexcept {
    section_.setCoefficients(designBiquad(type_, sampleRate_, ramp_.frequencyHz(), ramp_.q(), ramp_.gainDb()));
  }

  double sampleRate_ = 48000.0;
  BiquadType type_ = BiquadType::Peaking;
  BiquadParameterRamp ramp_;
  StereoBiquad section_;
  std::uint32_t phase_ = 0;
};

}  // namespace amplitude::dsp
