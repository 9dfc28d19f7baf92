// Transcendental functions for the signal path that give the same bits in every build.
//
// Why not <cmath>: glibc's sin/exp and the WebAssembly libc's differ in the last bits, and
// Amplitude promises bit-identical renders natively, in WebAssembly (scalar and SIMD), in any
// host. These use only +, *, floor and exact power-of-two scaling, evaluated in double with a
// fixed order (and the engine is built with -ffp-contract=off, so no fused multiply-add changes
// rounding). Accuracy is far beyond float output: |error| < 1e-11 for sin2pi, < 1e-13 relative for
// pow2 over the ranges the engine uses. All functions are real-time safe.
#pragma once

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

/// sin(2*pi*turns) for any finite `turns`.
inline double sin2pi(double turns) noexcept {
  double x = turns - std::floor(turns);  // [0, 1), exact
  // Fold onto [-1/4, 1/4] turns, where the odd Taylor series converges fast.
  if (x > 0.75) {
    x -= 1.0;
  } else if (x > 0.25) {
    x = 0.5 - x;
  }
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double t = x * kTwoPi;  // [-pi/2, pi/2]
  const double t2 = t * t;
  // Horner form of t - t^3/3! + ... - t^19/19! (truncation error < (pi/2)^21/21! ~ 7e-16).
  double p = -1.0 / 121645100408832000.0;      // -1/19!
  p = p * t2 + 1.0 / 355687428096000.0;        // 1/17!
  p = p * t2 - 1.0 / 1307674368000.0;          // -1/15!
  p = p * t2 + 1.0 / 6227020800.0;             // 1/13!
  p = p * t2 - 1.0 / 39916800.0;               // -1/11!
  p = p * t2 + 1.0 / 362880.0;                 // 1/9!
  p = p * t2 - 1.0 / 5040.0;                   // -1/7!
  p = p * t2 + 1.0 / 120.0;                    // 1/5!
  p = p * t2 - 1.0 / 6.0;                      // -1/3!
  p = p * t2 + 1.0;
  return t * p;
}

/// 2^x. Exact power-of-two scaling of a Taylor series on the fractional part.
inline double pow2(double x) noexcept {
  if (x < -1000.0) return 0.0;
  if (x > 1000.0) x = 1000.0;
  const double whole = std::floor(x);
  constexpr double kLn2 = 0.693147180559945309417232121458;
  const double z = (x - whole) * kLn2;  // [0, ln 2)
  // e^z by Horner over 1/k!, k = 0..17 (truncation error < ln2^18/18! ~ 2e-19).
  double p = 1.0;
  for (int k = 17; k >= 1; --k) p = 1.0 + p * z / static_cast<double>(k);
  return std::ldexp(p, static_cast<int>(whole));  // exact scaling by 2^whole
}

/// cos(2*pi*turns).
inline double cos2pi(double turns) noexcept { return sin2pi(turns + 0.25); }

/// tan(pi*x) for x in (-1/2, 1/2): the bilinear transform's frequency pre-warp, tan(pi*f/fs).
inline double tanPi(double x) noexcept { return sin2pi(0.5 * x) / cos2pi(0.5 * x); }

/// e^x.
inline double exp(double x) noexcept {
  constexpr double kLog2e = 1.442695040888963407359924681001892137;
  return pow2(x * kLog2e);
}

/// log2(x) for x > 0 (returns -1100 for x <= 0, below any level the engine measures).
/// frexp splits off the exponent exactly; ln of the mantissa comes from the atanh series.
inline double log2(double x) noexcept {
  if (!(x > 0.0)) return -1100.0;
  int exponent = 0;
  double mantissa = std::frexp(x, &exponent);  // [0.5, 1)
  constexpr double kSqrtHalf = 0.707106781186547524400844362104849039;
  if (mantissa < kSqrtHalf) {
    mantissa *= 2.0;  // exact
    --exponent;
  }
  // ln(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.172: terms to s^29 leave < 1e-23.
  const double s = (mantissa - 1.0) / (mantissa + 1.0);
  const double s2 = s * s;
  double series = 1.0 / 29.0;
  for (int k = 27; k >= 1; k -= 2) series = series * s2 + 1.0 / static_cast<double>(k);
  constexpr double kLog2e = 1.442695040888963407359924681001892137;
  return static_cast<double>(exponent) + 2.0 * s * series * kLog2e;
}

/// Linear amplitude to decibels, 20*log10(gain); -inf-like (-6600 dB) for 0.
inline double gainToDecibels(double gain) noexcept {
  constexpr double kTwentyLog10Of2 = 6.020599913279623904274777894489;
  return log2(gain) * kTwentyLog10Of2;
}

/// tanh(x), for saturation stages.
inline double tanh(double x) noexcept {
  const double magnitude = x < 0.0 ? -x : x;
  if (magnitude > 22.0) return x < 0.0 ? -1.0 : 1.0;
  if (magnitude < 1.0e-3) return x * (1.0 - x * x * (1.0 / 3.0));  // cancellation-free near 0
  const double e = exp(2.0 * x);
  return (e - 1.0) / (e + 1.0);
}

/// Decibels to linear amplitude: 10^(dB/20).
inline double decibelsToGain(double decibels) noexcept {
  constexpr double kLog2Of10Over20 = 3.321928094887362347870319429489 / 20.0;
  return pow2(decibels * kLog2Of10Over20);
}

/// Values this small are flushed to zero in feedback paths: WebAssembly has no flush-to-zero
/// mode, and denormal arithmetic is many times slower on most CPUs.
inline constexpr float kDenormalFloor = 1.0e-20f;

/// One comparison on |value| (a select, no branch): the form that vectorises and runs in the
/// hottest loops (reverb, delay feedback).
inline float flushDenormal(float value) noexcept { return std::fabs(value) < kDenormalFloor ? 0.0f : value; }

}  // namespace amplitude::dsp
