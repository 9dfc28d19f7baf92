// The RBJ Audio EQ Cookbook's analog prototypes H(s), evaluated with std:: maths (independently
// of the code under test) on the bilinear transform's axis s = j tan(pi f/fs) / tan(pi f0/fs):
// what a cookbook biquad's magnitude response must be, in dB.
#pragma once

#include <amplitude/dsp/filters/BiquadDesign.h>

#include <cmath>
#include <complex>
#include <numbers>

namespace amplitude::test {

inline double rbjPrototypeDb(dsp::BiquadType type, double fs, double f0, double q, double gainDb, double f) {
  constexpr double kPi = std::numbers::pi;
  const std::complex<double> s(0.0, std::tan(kPi * f / fs) / std::tan(kPi * f0 / fs));
  const double a = std::pow(10.0, gainDb / 40.0);
  const double sa = std::sqrt(a);
  const auto den = s * s + s / q + 1.0;
  std::complex<double> h;
  switch (type) {
    case dsp::BiquadType::Peaking: h = (s * s + s * (a / q) + 1.0) / (s * s + s / (a * q) + 1.0); break;
    case dsp::BiquadType::LowShelf: h = a * (s * s + s * (sa / q) + a) / (a * s * s + s * (sa / q) + 1.0); break;
    case dsp::BiquadType::HighShelf: h = a * (a * s * s + s * (sa / q) + 1.0) / (s * s + s * (sa / q) + a); break;
    case dsp::BiquadType::LowPass: h = 1.0 / den; break;
    case dsp::BiquadType::HighPass: h = s * s / den; break;
    case dsp::BiquadType::BandPass: h = (s / q) / den; break;
    case dsp::BiquadType::Notch: h = (s * s + 1.0) / den; break;
    case dsp::BiquadType::AllPass: h = (s * s - s / q + 1.0) / den; break;
  }
  return 20.0 * std::log10(std::abs(h));
}

}  // namespace amplitude::test
