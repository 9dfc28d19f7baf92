// Numerical measurements of rendered audio used by the engine tests.
#pragma once

#include <cmath>
#include <complex>
#include <vector>
#include <cstddef>
#include <numbers>
#include <span>

namespace amplitude::test {

/// Frequency of a periodic signal from its rising zero crossings, located to sub-sample
/// precision by linear interpolation. Accurate to well under 0.01 Hz for a clean tone over 1 s.
inline double zeroCrossingFrequency(std::span<const float> signal, double sampleRate) {
  double first = -1.0;
  double last = -1.0;
  int crossings = 0;
  for (std::size_t i = 1; i < signal.size(); ++i) {
    if (signal[i - 1] < 0.0f && signal[i] >= 0.0f) {
      const double at = (i - 1) + signal[i - 1] / (signal[i - 1] - signal[i]);
      if (first < 0.0) first = at; else ++crossings;
      last = at;
    }
  }
  return crossings > 0 ? crossings * sampleRate / (last - first) : 0.0;
}

/// Amplitude of the component at `frequency`, by a single-bin DFT. Exact (no leakage) when the
/// signal holds a whole number of periods of `frequency`.
inline double toneAmplitude(std::span<const float> signal, double frequency, double sampleRate) {
  const double omega = 2.0 * std::numbers::pi * frequency / sampleRate;
  double re = 0.0;
  double im = 0.0;
  for (std::size_t i = 0; i < signal.size(); ++i) {
    re += signal[i] * std::cos(omega * i);
    im -= signal[i] * std::sin(omega * i);
  }
  return 2.0 * std::hypot(re, im) / signal.size();
}

/// Power spectrum |X[k]|^2 for k = 0..n/2 of a signal whose length n is a power of two
/// (iterative radix-2 FFT in double precision).
inline std::vector<double> powerSpectrum(std::span<const float> signal) {
  const std::size_t n = signal.size();
  std::vector<std::complex<double>> x(signal.begin(), signal.end());
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (std::size_t length = 2; length <= n; length <<= 1) {
    const std::complex<double> step = std::polar(1.0, -2.0 * std::numbers::pi / length);
    for (std::size_t i = 0; i < n; i += length) {
      std::complex<double> w = 1.0;
      for (std::size_t k = 0; k < length / 2; ++k) {
        const auto even = x[i + k];
        const auto odd = x[i + k + length / 2] * w;
        x[i + k] = even + odd;
        x[i + k + length / 2] = even - odd;
        w *= step;
      }
    }
  }
  std::vector<double> power(n / 2 + 1);
  for (std::size_t k = 0; k <= n / 2; ++k) power[k] = std::norm(x[k]);
  return power;
}

inline double peakOf(std::span<const float> signal) {
  double peak = 0.0;
  for (float x : signal) peak = std::fmax(peak, std::fabs(x));
  return peak;
}

inline double rmsOf(std::span<const float> signal) {
  double sum = 0.0;
  for (float x : signal) sum += double(x) * x;
  return signal.empty() ? 0.0 : std::sqrt(sum / signal.size());
}

inline double toDecibels(double gain) { return 20.0 * std::log10(gain); }

}  // namespace amplitude::test
