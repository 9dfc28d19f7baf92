// Invariants of the cookbook biquads: every design is the bilinear transform of its analog
// prototype (checked on measured impulse responses and on the analytic magnitudeDb), the
// characteristic points of each response sit where the cookbook puts them, parameters are
// clamped, the smoothed variant ramps exactly as specified, extreme settings stay stable, the
// output does not depend on block sizes and a decaying tail reaches exact zero.
#include <amplitude/dsp/filters/Biquad.h>
#include <amplitude/dsp/filters/BiquadDesign.h>

#include "../support/RbjPrototypes.h"
#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

using namespace amplitude;
using dsp::BiquadCoefficients;
using dsp::BiquadType;
using dsp::SmoothedBiquad;
using dsp::StereoBiquad;

namespace {

constexpr double kPi = std::numbers::pi;

double prototypeDb(BiquadType type, double fs, double f0, double q, double gainDb, double f) {
  return test::rbjPrototypeDb(type, fs, f0, q, gainDb, f);
}

struct Setting {
  BiquadType type;
  double frequencyHz;
  double q;
  double gainDb;
};

const std::vector<Setting> kSettings = {
    {BiquadType::Peaking, 100.0, 0.7, 3.0},     {BiquadType::Peaking, 1000.0, 1.0, -4.0},
    {BiquadType::Peaking, 8000.0, 0.7, 2.0},    {BiquadType::Peaking, 3000.0, 6.0, 12.0},
    {BiquadType::LowShelf, 200.0, 0.7071, 6.0}, {BiquadType::LowShelf, 200.0, 0.7071, -6.0},
    {BiquadType::LowShelf, 80.0, 1.5, 9.0},     {BiquadType::HighShelf, 4000.0, 0.7071, 6.0},
    {BiquadType::HighShelf, 4000.0, 0.7071, -6.0}, {BiquadType::HighShelf, 12000.0, 0.5, 4.0},
    {BiquadType::LowPass, 1000.0, 0.7071, 0.0}, {BiquadType::LowPass, 5000.0, 2.0, 0.0},
    {BiquadType::HighPass, 1000.0, 0.7071, 0.0}, {BiquadType::HighPass, 5000.0, 2.0, 0.0},
    {BiquadType::BandPass, 1000.0, 1.0, 0.0},   {BiquadType::BandPass, 300.0, 5.0, 0.0},
    {BiquadType::Notch, 1000.0, 1.0, 0.0},      {BiquadType::Notch, 6000.0, 3.0, 0.0},
    {BiquadType::AllPass, 1000.0, 0.7, 0.0},    {BiquadType::AllPass, 10000.0, 3.0, 0.0},
};

dsp::BiquadCoefficients design(const Setting& s, double fs) {
  return dsp::designBiquad(s.type, fs, s.frequencyHz, s.q, s.gainDb);
}

std::vector<float> impulseResponse(const BiquadCoefficients& c, std::size_t frames) {
  StereoBiquad filter;
  filter.prepare(48000.0, 1024);
  filter.setCoefficients(c);
  std::vector<float> left(frames, 0.0f), right(frames, 0.0f);
  left[0] = 1.0f;
  filter.process(left.data(), right.data(), static_cast<std::uint32_t>(frames));
  return left;
}

std::vector<float> noise(std::size_t frames, std::uint32_t seed, float amplitude) {
  std::vector<float> out(frames);
  std::uint32_t state = seed;
  for (float& x : out) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    x = amplitude * (static_cast<float>(state) / 2147483648.0f - 1.0f);
  }
  return out;
}

/// Block sizes for the block-size-independence tests: awkward sizes, then a repeat.
const std::vector<std::uint32_t> kBlockPattern = {7, 128, 441, 1, 33, 16, 15, 17, 1000, 64, 2};

template <typename Process>
void processInBlocks(std::vector<float>& left, std::vector<float>& right, Process process, bool oneBlock) {
  const std::size_t frames = left.size();
  if (oneBlock) {
    process(left.data(), right.data(), static_cast<std::uint32_t>(frames));
    return;
  }
  for (std::size_t done = 0, k = 0; done < frames; ++k) {
    const std::size_t block = std::min<std::size_t>(kBlockPattern[k % kBlockPattern.size()], frames - done);
    process(left.data() + done, right.data() + done, static_cast<std::uint32_t>(block));
    done += block;
  }
}

}  // namespace

TEST(BiquadDesign, MeasuredResponsesMatchTheCookbookPrototypes) {
  constexpr std::size_t kFrames = 65536;
  double worst = 0.0;
  for (double fs : {48000.0, 44100.0}) {
    for (const Setting& s : kSettings) {
      const auto power = test::powerSpectrum(impulseResponse(design(s, fs), kFrames));
      int compared = 0;
      for (std::size_t k = 1; k < power.size(); ++k) {
        const double f = k * fs / kFrames;
        if (f < 20.0 || f > 20000.0) continue;
        const double expected = prototypeDb(s.type, fs, s.frequencyHz, s.q, s.gainDb, f);
        if (expected < -60.0) continue;
        const double measured = 10.0 * std::log10(power[k]);
        worst = std::fmax(worst, std::fabs(measured - expected));
        ASSERT_NEAR(measured, expected, 0.1) << "type " << int(s.type) << " f0 " << s.frequencyHz << " at "
                                             << f << " Hz, fs " << fs;
        ++compared;
      }
      EXPECT_GT(compared, 20000);
    }
  }
  std::printf("worst measured-vs-prototype deviation: %.3g dB\n", worst);
}

TEST(BiquadDesign, AnalyticMagnitudeMatchesThePrototypes) {
  double worst = 0.0;
  for (double fs : {48000.0, 44100.0}) {
    for (const Setting& s : kSettings) {
      const auto c = design(s, fs);
      for (double f = 10.0; f < 0.49 * fs; f *= 1.01) {
        const double expected = prototypeDb(s.type, fs, s.frequencyHz, s.q, s.gainDb, f);
        if (expected < -100.0) continue;
        worst = std::fmax(worst, std::fabs(dsp::magnitudeDb(c, f, fs) - expected));
        ASSERT_NEAR(dsp::magnitudeDb(c, f, fs), expected, 1e-6) << "type " << int(s.type) << " at " << f;
      }
    }
  }
  std::printf("worst magnitudeDb-vs-prototype deviation: %.3g dB\n", worst);
}

TEST(BiquadDesign, CharacteristicPointsAreWhereTheCookbookPutsThem) {
  constexpr double fs = 48000.0;
  const double nyquist = fs / 2;
  for (double f0 : {10.0, 100.0, 1000.0, 15000.0}) {
    for (double q : {0.3, 0.7071, 4.0}) {
      for (double g : {-12.0, -3.0, 6.0, 24.0}) {
        const auto peak = dsp::designPeaking(fs, f0, q, g);
        EXPECT_NEAR(dsp::magnitudeDb(peak, f0, fs), g, 1e-6);
        EXPECT_NEAR(dsp::magnitudeDb(peak, 0.0, fs), 0.0, 1e-6);
        EXPECT_NEAR(dsp::magnitudeDb(peak, nyquist, fs), 0.0, 1e-6);
        const auto lowShelf = dsp::designLowShelf(fs, f0, q, g);
        EXPECT_NEAR(dsp::magnitudeDb(lowShelf, 0.0, fs), g, 1e-6);
        EXPECT_NEAR(dsp::magnitudeDb(lowShelf, f0, fs), g / 2, 1e-6);
        EXPECT_NEAR(dsp::magnitudeDb(lowShelf, nyquist, fs), 0.0, 1e-6);
        const auto highShelf = dsp::designHighShelf(fs, f0, q, g);
        EXPECT_NEAR(dsp::magnitudeDb(highShelf, 0.0, fs), 0.0, 1e-6);
        EXPECT_NEAR(dsp::magnitudeDb(highShelf, f0, fs), g / 2, 1e-6);
        EXPECT_NEAR(dsp::magnitudeDb(highShelf, nyquist, fs), g, 1e-6);
      }
      const double qDb = 20.0 * std::log10(q);
      const auto lowPass = dsp::designLowPass(fs, f0, q);
      EXPECT_NEAR(dsp::magnitudeDb(lowPass, 0.0, fs), 0.0, 1e-6);
      EXPECT_NEAR(dsp::magnitudeDb(lowPass, f0, fs), qDb, 1e-6);
      EXPECT_LT(dsp::magnitudeDb(lowPass, nyquist, fs), -200.0);
      const auto highPass = dsp::designHighPass(fs, f0, q);
      EXPECT_NEAR(dsp::magnitudeDb(highPass, nyquist, fs), 0.0, 1e-6);
      EXPECT_NEAR(dsp::magnitudeDb(highPass, f0, fs), qDb, 1e-6);
      EXPECT_LT(dsp::magnitudeDb(highPass, 0.0, fs), -200.0);
      const auto bandPass = dsp::designBandPass(fs, f0, q);
      EXPECT_NEAR(dsp::magnitudeDb(bandPass, f0, fs), 0.0, 1e-6);
      EXPECT_LT(dsp::magnitudeDb(bandPass, 0.0, fs), -200.0);
      const auto notch = dsp::designNotch(fs, f0, q);
      EXPECT_LT(dsp::magnitudeDb(notch, f0, fs), -100.0);
      EXPECT_NEAR(dsp::magnitudeDb(notch, 0.0, fs), 0.0, 1e-6);
      EXPECT_NEAR(dsp::magnitudeDb(notch, nyquist, fs), 0.0, 1e-6);
      const auto allPass = dsp::designAllPass(fs, f0, q);
      for (double f : {0.0, 0.5 * f0, f0, 2.0 * f0, nyquist}) EXPECT_NEAR(dsp::magnitudeDb(allPass, f, fs), 0.0, 1e-6);
    }
  }
}

TEST(BiquadDesign, ShelfSlopeOneIsQOfOneOverRootTwo) {
  for (double g : {-12.0, 3.0, 18.0}) {
    EXPECT_NEAR(dsp::shelfQFromSlope(1.0, g), 1.0 / std::numbers::sqrt2, 1e-12);
    // Cookbook: 1/Q = sqrt((A + 1/A)(1/S - 1) + 2).
    const double a = std::pow(10.0, g / 40.0);
    EXPECT_NEAR(dsp::shelfQFromSlope(0.5, g), 1.0 / std::sqrt((a + 1.0 / a) * (2.0 - 1.0) + 2.0), 1e-12);
  }
}

TEST(BiquadDesign, ParametersAreClamped) {
  constexpr double fs = 48000.0;
  EXPECT_EQ(dsp::designLowPass(fs, 1.0, 0.7), dsp::designLowPass(fs, 10.0, 0.7));
  EXPECT_EQ(dsp::designLowPass(fs, std::numeric_limits<double>::quiet_NaN(), 0.7), dsp::designLowPass(fs, 10.0, 0.7));
  EXPECT_EQ(dsp::designLowPass(fs, 30000.0, 0.7), dsp::designLowPass(fs, 0.49 * fs, 0.7));
  EXPECT_EQ(dsp::designPeaking(fs, 1000.0, 0.0, 6.0), dsp::designPeaking(fs, 1000.0, 0.05, 6.0));
  EXPECT_EQ(dsp::designPeaking(fs, 1000.0, 1e6, 6.0), dsp::designPeaking(fs, 1000.0, 40.0, 6.0));
  EXPECT_EQ(dsp::designPeaking(fs, 1000.0, 1.0, 100.0), dsp::designPeaking(fs, 1000.0, 1.0, 48.0));
}

TEST(StereoBiquad, ChannelsAreIndependentAndLinear) {
  StereoBiquad filter;
  filter.prepare(48000.0, 4096);
  filter.setCoefficients(dsp::designPeaking(48000.0, 700.0, 2.0, 9.0));
  std::vector<float> left = noise(4096, 1, 0.5f), right(4096);
  for (std::size_t i = 0; i < left.size(); ++i) right[i] = 0.25f * left[i];  // exact power-of-two scaling
  const std::vector<float> original = left;
  filter.process(left.data(), right.data(), 4096);
  for (std::size_t i = 0; i < left.size(); ++i) ASSERT_EQ(right[i], 0.25f * left[i]) << i;

  StereoBiquad alone;
  alone.setCoefficients(filter.coefficients());
  std::vector<float> aloneLeft = original, otherRight = noise(4096, 99, 1.0f);
  alone.process(aloneLeft.data(), otherRight.data(), 4096);
  EXPECT_EQ(aloneLeft, left);
}

TEST(StereoBiquad, OutputDoesNotDependOnBlockSizes) {
  const auto input = noise(16384, 7, 0.7f);
  std::vector<float> outputs[2][2];
  for (int oneBlock = 0; oneBlock < 2; ++oneBlock) {
    StereoBiquad filter;
    filter.prepare(44100.0, 1024);
    filter.setCoefficients(dsp::designLowShelf(44100.0, 150.0, 0.9, -7.5));
    std::vector<float> left = input, right(input.rbegin(), input.rend());
    processInBlocks(left, right, [&](float* l, float* r, std::uint32_t n) { filter.process(l, r, n); }, oneBlock);
    outputs[oneBlock][0] = left;
    outputs[oneBlock][1] = right;
  }
  EXPECT_EQ(outputs[0][0], outputs[1][0]);
  EXPECT_EQ(outputs[0][1], outputs[1][1]);
}

// After the input stops, the state decays like r^n (r = largest pole radius) and is set to
// exact zero once below 1e-20: the zero must come no later than ln(1e-20 / 10)/ln(r) samples
// (10 bounds the state after unit noise), plus 25 % for the n r^n factor of near-double poles.
// High-Q resonances are included: flushing the memories one at a time lets them ring forever.
TEST(StereoBiquad, DecayingTailReachesExactZeroWithoutDenormals) {
  constexpr double fs = 48000.0;
  for (const auto& c : {dsp::designLowPass(fs, 1000.0, 0.7071), dsp::designPeaking(fs, 100.0, 10.0, 12.0),
                        dsp::designHighPass(fs, 20.0, 0.7071), dsp::designNotch(fs, 3000.0, 2.0),
                        dsp::designBandPass(fs, 2000.0, 40.0), dsp::designPeaking(fs, 200.0, 4.0, 12.0)}) {
    const std::complex<double> root = std::sqrt(std::complex<double>(c.a1 * c.a1 - 4.0 * c.a2));
    const double radius = std::fmax(std::abs((-c.a1 + root) / 2.0), std::abs((-c.a1 - root) / 2.0));
    const double bound = 1.25 * std::log(1e-21) / std::log(radius);
    const std::size_t frames = 4096 + static_cast<std::size_t>(bound) + 4096;
    std::vector<float> left = noise(frames, 3, 1.0f), right = noise(frames, 4, 1.0f);
    std::fill(left.begin() + 4096, left.end(), 0.0f);
    std::fill(right.begin() + 4096, right.end(), 0.0f);
    StereoBiquad filter;
    filter.setCoefficients(c);
    processInBlocks(left, right, [&](float* l, float* r, std::uint32_t n) { filter.process(l, r, n); }, false);
    std::size_t lastNonZero = 0;
    for (std::size_t i = 0; i < frames; ++i) {
      ASSERT_NE(std::fpclassify(left[i]), FP_SUBNORMAL) << i;
      ASSERT_NE(std::fpclassify(right[i]), FP_SUBNORMAL) << i;
      if (left[i] != 0.0f || right[i] != 0.0f) lastNonZero = i;
    }
    std::printf("pole radius %.9f: zero after %zu samples of silence (bound %.0f)\n", radius, lastNonZero + 1 - 4096,
                bound);
    EXPECT_LT(lastNonZero + 1 - 4096, static_cast<std::size_t>(bound));
    EXPECT_EQ(left.back(), 0.0f);
  }
}

TEST(StereoBiquad, ExtremeSettingsStayStableAndFinite) {
  for (double fs : {48000.0, 44100.0}) {
    for (const auto& c : {dsp::designPeaking(fs, 10.0, 40.0, 24.0), dsp::designPeaking(fs, 0.49 * fs, 40.0, 24.0),
                          dsp::designLowPass(fs, 10.0, 40.0), dsp::designHighPass(fs, 0.49 * fs, 40.0),
                          dsp::designLowShelf(fs, 10.0, 40.0, 24.0), dsp::designHighShelf(fs, 0.49 * fs, 40.0, 24.0),
                          dsp::designBandPass(fs, 0.49 * fs, 40.0), dsp::designNotch(fs, 10.0, 40.0)}) {
      // Jury stability triangle: both poles strictly inside the unit circle.
      EXPECT_LT(std::fabs(c.a2), 1.0);
      EXPECT_LT(std::fabs(c.a1), 1.0 + c.a2);
      std::vector<float> left = noise(96000, 5, 1.0f), right = noise(96000, 6, 1.0f);
      StereoBiquad filter;
      filter.setCoefficients(c);
      filter.process(left.data(), right.data(), 96000);
      for (float x : left) ASSERT_TRUE(std::isfinite(x));
      // +24 dB plus a Q of 40 resonance: never more than the peak gain times the input peak
      // times the number of samples the resonance integrates; a loose but finite ceiling.
      EXPECT_LT(test::peakOf(left), 1e4);
    }
  }
}

// The parameter ramp: N = round(20 ms * fs / 16) steps, one at each 16th sample from the first
// processed sample; after step k the frequency is f_start * (f_end/f_start)^(k/N) and the gain
// g_start + (g_end - g_start) k/N; the last step lands exactly (bit for bit) on the target.
TEST(SmoothedBiquad, RampsLinearlyInOctavesAndDecibelsAndLandsExactly) {
  for (double fs : {48000.0, 44100.0}) {
    const std::uint32_t steps = static_cast<std::uint32_t>(std::lround(0.02 * fs / 16.0));
    SmoothedBiquad filter;
    filter.setType(BiquadType::Peaking);
    filter.setParameters(100.0, 1.0, 0.0);
    filter.prepare(fs, 512);
    EXPECT_EQ(filter.coefficients(), dsp::designPeaking(fs, 100.0, 1.0, 0.0));
    filter.setParameters(6400.0, 3.0, 12.0);  // six octaves, Q +2, +12 dB
    float left = 0.0f, right = 0.0f;
    BiquadCoefficients previous = filter.coefficients();
    std::uint32_t changes = 0;
    for (std::uint32_t i = 0; i < 16 * steps + 64; ++i) {
      filter.process(&left, &right, 1);
      if (filter.coefficients() == previous) continue;
      previous = filter.coefficients();
      ++changes;
      ASSERT_EQ(i % 16, 0u) << "coefficients change only on the 16-sample grid";
      ASSERT_EQ(i / 16 + 1, changes);
      const double k = double(changes) / steps;
      const auto expected = dsp::designPeaking(fs, 100.0 * std::pow(64.0, k), 1.0 + 2.0 * k, 12.0 * k);
      ASSERT_NEAR(previous.b0, expected.b0, 1e-9);
      ASSERT_NEAR(previous.b1, expected.b1, 1e-9);
      ASSERT_NEAR(previous.a1, expected.a1, 1e-9);
      ASSERT_NEAR(previous.a2, expected.a2, 1e-9);
    }
    EXPECT_EQ(changes, steps);
    EXPECT_FALSE(filter.isRamping());
    EXPECT_EQ(filter.coefficients(), dsp::designPeaking(fs, 6400.0, 3.0, 12.0));
  }
}

TEST(SmoothedBiquad, OutputDoesNotDependOnBlockSizesWhileRamping) {
  const auto input = noise(8192, 11, 0.5f);
  std::vector<float> outputs[2];
  for (int oneBlock = 0; oneBlock < 2; ++oneBlock) {
    SmoothedBiquad filter;
    filter.prepare(48000.0, 1024);
    filter.setType(BiquadType::HighShelf);
    filter.setParameters(500.0, 0.7, -9.0);
    filter.reset();
    filter.setParameters(9000.0, 2.0, 9.0);  // a ramp is running for the first 960 samples
    std::vector<float> left = input, right = input;
    processInBlocks(left, right, [&](float* l, float* r, std::uint32_t n) { filter.process(l, r, n); }, oneBlock);
    outputs[oneBlock] = left;
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}
