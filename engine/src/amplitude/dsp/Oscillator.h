// Oscillator: a band-limited periodic source (sine, saw, square, triangle).
//
// The sine is exact (deterministic sin2pi). Saw and square correct their steps with polyBLEP and
// the triangle its corners with polyBLAMP, which removes most of the aliasing a naive waveform
// folds back below Nyquist at a cost of a few operations per sample.
// Life cycle: prepare (non-real-time) -> process/reset (audio thread, real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

enum class Waveform : std::uint32_t { Sine = 0, Saw = 1, Square = 2, Triangle = 3 };

class Oscillator {
 public:
  void prepare(double sampleRate) noexcept {
    sampleRate_ = sampleRate;
    setFrequencyHz(frequencyHz_);
    reset();
  }

  /// Restarts the cycle at phase 0 (a sine starts at a zero crossing).
  void reset() noexcept { phase_ = 0.0; }

  /// Audio thread. Frequencies are kept below Nyquist.
  void setFrequencyHz(double hz) noexcept {
    frequencyHz_ = hz;
    const double increment = hz / sampleRate_;
    increment_ = increment < 0.0 ? 0.0 : (increment > 0.49 ? 0.49 : increment);
  }

  void setWaveform(Waveform waveform) noexcept { waveform_ = waveform; }

  double frequencyHz() const noexcept { return frequencyHz_; }
  Waveform waveform() const noexcept { return waveform_; }

  /// Audio thread. Writes `frames` samples in [-1, 1].
  void process(float* out, std::uint32_t frames) noexcept {
    switch (waveform_) {
      case Waveform::Sine: run(out, frames, [](double t, double) { return sin2pi(t); }); break;
      case Waveform::Saw: run(out, frames, saw); break;
      case Waveform::Square: run(out, frames, square); break;
      case Waveform::Triangle: run(out, frames, triangle); break;
    }
  }

  // The band-limited shapes, public so tests can compare them with their naive forms.
  static double saw(double t, double dt) noexcept { return 2.0 * t - 1.0 - polyBlep(t, dt); }

  static double square(double t, double dt) noexcept {
    const double naive = t < 0.5 ? 1.0 : -1.0;
    return naive + polyBlep(t, dt) - polyBlep(wrap(t + 0.5), dt);
  }

  static double triangle(double t, double dt) noexcept {
    const double naive = t < 0.5 ? 4.0 * t - 1.0 : 3.0 - 4.0 * t;
    // The slope changes by +8 per cycle at t = 0 and by -8 at t = 0.5, i.e. 8 * dt per sample.
    // polyBlamp is normalised like polyBlep, for a change of 2, hence the factor 4 * dt.
    return naive + 4.0 * dt * (polyBlamp(t, dt) - polyBlamp(wrap(t + 0.5), dt));
  }

 private:
  template <typename Shape>
  void run(float* out, std::uint32_t frames, Shape shape) noexcept {
    double phase = phase_;
    const double dt = increment_;
    for (std::uint32_t i = 0; i < frames; ++i) {
      out[i] = static_cast<float>(shape(phase, dt));
      phase += dt;
      if (phase >= 1.0) phase -= 1.0;
    }
    phase_ = phase;
  }

  static double wrap(double t) noexcept { return t >= 1.0 ? t - 1.0 : t; }

  /// Residual of a band-limited unit step, two samples wide, around t = 0 (mod 1).
  static double polyBlep(double t, double dt) noexcept {
    if (t < dt) {
      const double x = t / dt;
      return x + x - x * x - 1.0;
    }
    if (t > 1.0 - dt) {
      const double x = (t - 1.0) / dt;
      return x * x + x + x + 1.0;
    }
    return 0.0;
  }

  /// Residual of a band-limited unit ramp (integrated polyBLEP), in samples.
  static double polyBlamp(double t, double dt) noexcept {
    if (t < dt) {
      const double x = t / dt - 1.0;
      return -x * x * x / 3.0;
    }
    if (t > 1.0 - dt) {
      const double x = (t - 1.0) / dt + 1.0;
      return x * x * x / 3.0;
    }
    return 0.0;
  }

  double sampleRate_ = 48000.0;
  double frequencyHz_ = 440.0;
  double increment_ = 440.0 / 48000.0;
  double phase_ = 0.0;
  Waveform waveform_ = Waveform::Sine;
};

}  // namespace amplitude::dsp
