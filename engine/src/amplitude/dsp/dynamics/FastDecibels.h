// FastDecibels: cheap, deterministic linear <-> decibel conversions for per-sample gain computers.
//
// Why: a compressor converts every sample's level to dB and every sample's gain back to linear.
// DeterministicMath's log2/pow2 are exact to ~1e-13 but cost a 14- or 17-term series, frexp and
// ldexp. Dynamics only need ~0.001 dB, so these keep the same construction (exact exponent split,
// short series on a reduced mantissa) with fewer terms and bit-level exponent handling:
//   fastGainToDecibels: atanh series of ln(m), m in [sqrt(1/2), sqrt(2)], |s| <= 0.1716, terms to
//     s^9: truncation < 2 s^11 / 11 nepers ~ 6e-9 dB.
//   fastDecibelsToGain: Taylor series of e^z, |z| <= ln(2)/2, terms to z^7: truncation
//     < z^8 / 8! ~ 5e-9 relative ~ 5e-8 dB.
// Only +, *, /, floor and exact bit manipulation in a fixed order: the same bits natively and in
// WebAssembly (with -ffp-contract=off). No branches beyond selects, so loops over blocks of
// samples can auto-vectorise. Real-time safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace amplitude::dsp {

/// std::bit_cast, which emscripten 3.1.6's libc++ lacks; a fixed-size memcpy compiles to a move.
template <typename To, typename From>
inline To bitCastForDecibels(const From& from) noexcept {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof(To));
  return to;
}

/// 20*log10(gain) for a positive, normal (>= 1.2e-38) float. Callers clamp to a floor first.
inline double fastGainToDecibels(float gain) noexcept {
  const std::uint32_t bits = bitCastForDecibels<std::uint32_t>(gain);
  int exponent = static_cast<int>(bits >> 23) - 127;
  // The mantissa with a zero exponent field: exactly the value in [1, 2).
  double mantissa = bitCastForDecibels<float>((bits & 0x007fffffu) | 0x3f800000u);
  constexpr double kSqrtTwo = 1.414213562373095048801688724209698079;
  const bool fold = mantissa > kSqrtTwo;
  mantissa = fold ? mantissa * 0.5 : mantissa;  // exact
  exponent += fold ? 1 : 0;
  // ln(m) = 2 atanh(s), s = (m - 1) / (m + 1).
  const double s = (mantissa - 1.0) / (mantissa + 1.0);
  const double s2 = s * s;
  double series = 1.0 / 9.0;
  series = series * s2 + 1.0 / 7.0;
  series = series * s2 + 1.0 / 5.0;
  series = series * s2 + 1.0 / 3.0;
  series = series * s2 + 1.0;
  constexpr double kLog2e = 1.442695040888963407359924681001892137;
  constexpr double kTwentyLog10Of2 = 6.020599913279623904274777894489;
  return (static_cast<double>(exponent) + 2.0 * s * series * kLog2e) * kTwentyLog10Of2;
}

/// 10^(decibels/20), for decibels in about [-750, +750] (clamped to 2^-126 .. 2^126 outside).
inline double fastDecibelsToGain(double decibels) noexcept {
  constexpr double kLog2Of10Over20 = 3.321928094887362347870319429489 / 20.0;
  double octaves = decibels * kLog2Of10Over20;
  octaves = std::fmin(std::fmax(octaves, -126.0), 126.0);
  const double whole = std::floor(octaves + 0.5);  // nearest integer, so |fraction| <= 1/2
  constexpr double kLn2 = 0.693147180559945309417232121458;
  const double z = (octaves - whole) * kLn2;
  // e^z by Horner: 1 + z(1 + z/2(1 + z/3(... (1 + z/7)))).
  double series = 1.0 + z * (1.0 / 7.0);
  series = 1.0 + z * (1.0 / 6.0) * series;
  series = 1.0 + z * (1.0 / 5.0) * series;
  series = 1.0 + z * (1.0 / 4.0) * series;
  series = 1.0 + z * (1.0 / 3.0) * series;
  series = 1.0 + z * (1.0 / 2.0) * series;
  series = 1.0 + z * series;
  // 2^whole built directly in the exponent field: exact, and no ldexp call.
  const auto biased = static_cast<std::uint64_t>(static_cast<std::int64_t>(whole) + 1023);
  return series * bitCastForDecibels<double>(biased << 52);
}

}  // namespace amplitude::dsp
