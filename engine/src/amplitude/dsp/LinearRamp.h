// LinearRamp: a parameter value that moves to a new target in a straight line over a fixed
// number of samples, so that live changes never click (no zipper noise).
//
// Set from the control role (between samples, on the audio thread when a command is applied);
// read per sample on the audio thread. Real-time safe; deterministic (integer step counting,
// the last step lands exactly on the target).
#pragma once

#include <cstdint>

namespace amplitude::dsp {

class LinearRamp {
 public:
  /// Jumps to `value` with no ramp.
  void reset(float value) noexcept {
    current_ = target_ = value;
    step_ = 0.0f;
    remaining_ = 0;
  }

  /// Starts a ramp from the current value to `target` lasting `samples` samples (0 = jump).
  void setTarget(float target, std::uint32_t samples) noexcept {
    target_ = target;
    if (samples == 0) {
      reset(target);
      return;
    }
    remaining_ = samples;
    step_ = (target_ - current_) / static_cast<float>(samples);
  }

  /// Advances one sample and returns the new value.
  float next() noexcept {
    if (remaining_ == 0) return current_;
    --remaining_;
    current_ = remaining_ == 0 ? target_ : current_ + step_;
    return current_;
  }

  /// Advances `samples` samples: bit for bit the state that calling next() that often leaves.
  void advance(std::uint32_t samples) noexcept {
    if (samples >= remaining_) {
      reset(target_);
    } else {
      for (std::uint32_t i = 0; i < samples; ++i) next();
    }
  }

  float current() const noexcept { return current_; }
  float target() const noexcept { return target_; }
  bool isRamping() const noexcept { return remaining_ != 0; }

 private:
  float current_ = 0.0f;
  float target_ = 0.0f;
  float step_ = 0.0f;
  std::uint32_t remaining_ = 0;
};

}  // namespace amplitude::dsp
