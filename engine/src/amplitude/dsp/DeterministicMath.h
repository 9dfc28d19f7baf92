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

/// Decibels to linear amplitude: 10^(dB/20).
inline double decibelsToGain(double decibels) noexcept {
  constexpr double kLog2Of10Over20 = 3.321928094887362347870319429489 / 20.0;
  return pow2(decibels * kLog2Of10Over20);
}

/// Values this small are flushed to zero in feedback paths: WebAssembly has no flush-to-zero
/// mode, and denormal arithmetic is many times slower on most CPUs.
inline constexpr float kDenormalFloor = 1.0e-20f;

inline float flushDenormal(float value) noexcept {
  return (value < kDenormalFloor && value > -kDenormalFloor) ? 0.0f : value;
}

}  // namespace amplitude::dsp
