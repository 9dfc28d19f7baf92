// BiquadDesign: second-order filter coefficients from Robert Bristow-Johnson's Audio-EQ-Cookbook.
//
// Each cookbook filter is the bilinear transform of a second-order analog prototype, pre-warped
// so that the characteristic frequency f0 lands exactly where asked. The formulas are applied
// exactly as published, in double, and normalised so that a0 = 1. Only the deterministic
// transcendental functions are used (w0 = 2*pi*f0/fs enters as sin2pi(f0/fs), cos2pi(f0/fs);
// A = 10^(gain/40) as decibelsToGain(gain/2)), so every build designs the same bits.
// Parameters are clamped to ranges where the filters stay well-conditioned: f0 in
// [10 Hz, 0.49 fs], Q in [0.05, 40], gain in [-48, +48] dB; NaN falls to the lower bound.
// All functions are real-time safe (a few dozen multiplies, one or two pow2/sin2pi).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

/// H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2). The default is the identity.
struct BiquadCoefficients {
  double b0 = 1.0;
  double b1 = 0.0;
  double b2 = 0.0;
  double a1 = 0.0;
  double a2 = 0.0;

  friend bool operator==(const BiquadCoefficients&, const BiquadCoefficients&) = default;
};

/// The cookbook responses. Values 0..6 equal those of the parametric EQ's band types.
enum class BiquadType : std::uint32_t {
  Peaking = 0,
  LowShelf = 1,
  HighShelf = 2,
  LowPass = 3,
  HighPass = 4,
  BandPass = 5,  // constant 0 dB peak gain
  Notch = 6,
  AllPass = 7,
};

namespace biquad_limits {
inline constexpr double kMinFrequencyHz = 10.0;
inline constexpr double kMaxFrequencyRatio = 0.49;  // of the sample rate
inline constexpr double kMinQ = 0.05;
inline constexpr double kMaxQ = 40.0;
inline constexpr double kMaxGainDb = 48.0;

/// fmin/fmax rather than comparisons: they also turn NaN into the lower bound.
inline double clampFrequency(double frequencyHz, double sampleRate) noexcept {
  return std::fmin(std::fmax(frequencyHz, kMinFrequencyHz), kMaxFrequencyRatio * sampleRate);
}
inline double clampQ(double q) noexcept { return std::fmin(std::fmax(q, kMinQ), kMaxQ); }
inline double clampGainDb(double gainDb) noexcept {
  return std::fmin(std::fmax(gainDb, -kMaxGainDb), kMaxGainDb);
}
}  // namespace biquad_limits

namespace biquad_detail {

/// The quantities every cookbook formula starts from.
struct Warp {
  double cosW0;
  double alpha;  // sin(w0) / (2Q)
};

inline Warp warp(double sampleRate, double frequencyHz, double q) noexcept {
  const double turns = biquad_limits::clampFrequency(frequencyHz, sampleRate) / sampleRate;
  return {cos2pi(turns), sin2pi(turns) / (2.0 * biquad_limits::clampQ(q))};
}

inline BiquadCoefficients normalise(double b0, double b1, double b2, double a0, double a1,
                                    double a2) noexcept {
  const double inverseA0 = 1.0 / a0;
  return {b0 * inverseA0, b1 * inverseA0, b2 * inverseA0, a1 * inverseA0, a2 * inverseA0};
}

/// A = 10^(gainDb/40): the square root of the linear gain.
inline double shelfAmplitude(double gainDb) noexcept {
  return decibelsToGain(0.5 * biquad_limits::clampGainDb(gainDb));
}

}  // namespace biquad_detail

/// Peaking EQ: +gainDb at f0, 0 dB far from it; Q sets the bandwidth.
inline BiquadCoefficients designPeaking(double sampleRate, double frequencyHz, double q,
                                        double gainDb) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  const double a = biquad_detail::shelfAmplitude(gainDb);
  return biquad_detail::normalise(1.0 + alpha * a, -2.0 * cosW0, 1.0 - alpha * a,
                                  1.0 + alpha / a, -2.0 * cosW0, 1.0 - alpha / a);
}

/// Low shelf: +gainDb at DC, 0 dB at Nyquist, +gainDb/2 at f0. Q = 1/sqrt(2) is the steepest
/// shelf without overshoot (cookbook slope S = 1); see shelfQFromSlope.
inline BiquadCoefficients designLowShelf(double sampleRate, double frequencyHz, double q,
                                         double gainDb) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  const double a = biquad_detail::shelfAmplitude(gainDb);
  const double twoSqrtAAlpha = 2.0 * std::sqrt(a) * alpha;
  return biquad_detail::normalise(a * ((a + 1.0) - (a - 1.0) * cosW0 + twoSqrtAAlpha),
                                  2.0 * a * ((a - 1.0) - (a + 1.0) * cosW0),
                                  a * ((a + 1.0) - (a - 1.0) * cosW0 - twoSqrtAAlpha),
                                  (a + 1.0) + (a - 1.0) * cosW0 + twoSqrtAAlpha,
                                  -2.0 * ((a - 1.0) + (a + 1.0) * cosW0),
                                  (a + 1.0) + (a - 1.0) * cosW0 - twoSqrtAAlpha);
}

/// High shelf: 0 dB at DC, +gainDb at Nyquist, +gainDb/2 at f0.
inline BiquadCoefficients designHighShelf(double sampleRate, double frequencyHz, double q,
                                          double gainDb) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  const double a = biquad_detail::shelfAmplitude(gainDb);
  const double twoSqrtAAlpha = 2.0 * std::sqrt(a) * alpha;
  return biquad_detail::normalise(a * ((a + 1.0) + (a - 1.0) * cosW0 + twoSqrtAAlpha),
                                  -2.0 * a * ((a - 1.0) + (a + 1.0) * cosW0),
                                  a * ((a + 1.0) + (a - 1.0) * cosW0 - twoSqrtAAlpha),
                                  (a + 1.0) - (a - 1.0) * cosW0 + twoSqrtAAlpha,
                                  2.0 * ((a - 1.0) - (a + 1.0) * cosW0),
                                  (a + 1.0) - (a - 1.0) * cosW0 - twoSqrtAAlpha);
}

/// The cookbook's shelf slope S (1 = steepest without overshoot) as the equivalent Q:
/// 1/Q = sqrt((A + 1/A) (1/S - 1) + 2). Slopes are kept in [0.05, 1].
inline double shelfQFromSlope(double slope, double gainDb) noexcept {
  const double s = std::fmin(std::fmax(slope, 0.05), 1.0);
  const double a = biquad_detail::shelfAmplitude(gainDb);
  return 1.0 / std::sqrt((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0);
}

inline BiquadCoefficients designLowPass(double sampleRate, double frequencyHz, double q) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  const double b1 = 1.0 - cosW0;
  return biquad_detail::normalise(0.5 * b1, b1, 0.5 * b1, 1.0 + alpha, -2.0 * cosW0, 1.0 - alpha);
}

inline BiquadCoefficients designHighPass(double sampleRate, double frequencyHz, double q) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  const double b1 = -(1.0 + cosW0);
  return biquad_detail::normalise(-0.5 * b1, b1, -0.5 * b1, 1.0 + alpha, -2.0 * cosW0, 1.0 - alpha);
}

/// Band-pass with a constant 0 dB peak at f0 (the cookbook's second band-pass).
inline BiquadCoefficients designBandPass(double sampleRate, double frequencyHz, double q) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  return biquad_detail::normalise(alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cosW0, 1.0 - alpha);
}

inline BiquadCoefficients designNotch(double sampleRate, double frequencyHz, double q) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  return biquad_detail::normalise(1.0, -2.0 * cosW0, 1.0, 1.0 + alpha, -2.0 * cosW0, 1.0 - alpha);
}

inline BiquadCoefficients designAllPass(double sampleRate, double frequencyHz, double q) noexcept {
  const auto [cosW0, alpha] = biquad_detail::warp(sampleRate, frequencyHz, q);
  return biquad_detail::normalise(1.0 - alpha, -2.0 * cosW0, 1.0 + alpha, 1.0 + alpha,
                                  -2.0 * cosW0, 1.0 - alpha);
}

/// Any cookbook response; gainDb is ignored by the types that have no gain.
inline BiquadCoefficients designBiquad(BiquadType type, double sampleRate, double frequencyHz,
                                       double q, double gainDb) noexcept {
  switch (type) {
    case BiquadType::Peaking: return designPeaking(sampleRate, frequencyHz, q, gainDb);
    case BiquadType::LowShelf: return designLowShelf(sampleRate, frequencyHz, q, gainDb);
    case BiquadType::HighShelf: return designHighShelf(sampleRate, frequencyHz, q, gainDb);
    case BiquadType::LowPass: return designLowPass(sampleRate, frequencyHz, q);
    case BiquadType::HighPass: return designHighPass(sampleRate, frequencyHz, q);
    case BiquadType::BandPass: return designBandPass(sampleRate, frequencyHz, q);
    case BiquadType::Notch: return designNotch(sampleRate, frequencyHz, q);
    case BiquadType::AllPass: return designAllPass(sampleRate, frequencyHz, q);
  }
  return {};
}

/// |H(e^jw)| in dB at `frequencyHz`, analytically. Uses the cookbook's cancellation-free form in
/// phi = sin^2(w/2), |B|^2 = (b0+b1+b2)^2 - 4 (b0 b1 + 4 b0 b2 + b1 b2) phi + 16 b0 b2 phi^2,
/// which stays accurate at low frequencies where evaluating e^jw directly loses digits.
/// An exact zero of the response reads as about -3300 dB.
inline double magnitudeDb(const BiquadCoefficients& c, double frequencyHz, double sampleRate) noexcept {
  const double halfSine = sin2pi(0.5 * frequencyHz / sampleRate);
  const double phi = halfSine * halfSine;
  const auto squaredMagnitude = [phi](double c0, double c1, double c2) {
    const double sum = c0 + c1 + c2;
    const double value = sum * sum - 4.0 * (c0 * c1 + 4.0 * c0 * c2 + c1 * c2) * phi +
                         16.0 * c0 * c2 * phi * phi;
    return value > 0.0 ? value : 0.0;  // rounding can leave -1e-17 at an exact zero
  };
  const double numerator = squaredMagnitude(c.b0, c.b1, c.b2);
  const double denominator = squaredMagnitude(1.0, c.a1, c.a2);
  return 0.5 * gainToDecibels(numerator / denominator);
}

}  // namespace amplitude::dsp
