// Pan: constant-power stereo panner.
//
// Law: the angle theta = (pan + 1) * pi/4 runs from 0 (hard left) to pi/2 (hard right) and the
// gains are left = cos(theta), right = sin(theta), so left^2 + right^2 = 1 at every position:
// a mono source keeps its loudness as it moves, and sits 3.01 dB down on each side at centre.
// Hard left gives the right gain sin(0) = 0 exactly (and vice versa).
//
// Stereo sources: the gains apply per channel (a constant-power balance), not to a mono sum.
// A mono source copied to both channels gets exactly the mono pan law above; a stereo source
// keeps its image and phase (summing L and R first would comb-filter wide material), and a hard
// pan drops the far channel rather than folding it in. Callers that want a summed pan sum first.
//
// setPan moves the pan position linearly over 20 ms and the gains follow it sample by sample
// (cos2pi/sin2pi of the ramped angle), so the gains stay on the constant-power curve during a
// move and the largest gain change per sample is (pi/4) * |jump| / rampSamples. When no ramp is
// running the gains are constants and the loop is a plain vectorisable multiply.
// Life cycle: prepare (non-real-time) -> process/reset/setPan (audio thread, real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

class Pan {
 public:
  static constexpr double kRampSeconds = 0.02;

  /// Non-real-time. Jumps to the last requested pan position.
  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    rampSamples_ = static_cast<std::uint32_t>(std::floor(sampleRate * kRampSeconds + 0.5));
    reset();
  }

  /// Ends any ramp: the pan position jumps to its target.
  void reset() noexcept {
    pan_.reset(pan_.target());
    updateGains(pan_.current());
  }

  /// -1 = hard left, 0 = centre, +1 = hard right. Smoothed over kRampSeconds.
  void setPan(float pan) noexcept {
    const float clamped = pan < -1.0f ? -1.0f : (pan > 1.0f ? 1.0f : pan);
    pan_.setTarget(clamped, rampSamples_);
  }

  float pan() const noexcept { return pan_.target(); }
  std::uint32_t rampSamples() const noexcept { return rampSamples_; }

  /// The constant-power gains for a pan position (public so callers can show or reuse them).
  static void gainsFor(float pan, float& leftGain, float& rightGain) noexcept {
    const double turns = (static_cast<double>(pan) + 1.0) * 0.125;  // theta / (2 pi)
    leftGain = static_cast<float>(cos2pi(turns));
    rightGain = static_cast<float>(sin2pi(turns));
  }

  /// Audio thread. In place.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    std::uint32_t i = 0;
    for (; i < frames && pan_.isRamping(); ++i) {
      updateGains(pan_.next());  // the last step lands exactly on the target's gains
      left[i] *= leftGain_;
      right[i] *= rightGain_;
    }
    const float leftGain = leftGain_;
    const float rightGain = rightGain_;
    for (; i < frames; ++i) {
      left[i] *= leftGain;
      right[i] *= rightGain;
    }
  }

 private:
  void updateGains(float pan) noexcept { gainsFor(pan, leftGain_, rightGain_); }

  LinearRamp pan_;
  std::uint32_t rampSamples_ = 960;
  float leftGain_ = 0.70710678f;
  float rightGain_ = 0.70710678f;
};

}  // namespace amplitude::dsp
