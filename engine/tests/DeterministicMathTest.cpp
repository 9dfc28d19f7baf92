// Invariant: the engine's own transcendental functions agree with the C library to far below
// float resolution, so replacing <cmath> (for cross-build determinism) costs no accuracy.
#include <amplitude/dsp/DeterministicMath.h>

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

using namespace amplitude::dsp;

TEST(DeterministicMath, Sin2PiMatchesTheLibraryOverManyTurns) {
  double worst = 0.0;
  for (int i = -200000; i <= 200000; ++i) {
    const double turns = i * 0.0001237;
    worst = std::fmax(worst, std::fabs(sin2pi(turns) - std::sin(2.0 * std::numbers::pi * turns)));
  }
  EXPECT_LT(worst, 1e-11);
}

TEST(DeterministicMath, Sin2PiHitsTheQuarterTurnsExactly) {
  EXPECT_EQ(sin2pi(0.0), 0.0);
  EXPECT_EQ(sin2pi(0.5), 0.0);
  EXPECT_NEAR(sin2pi(0.25), 1.0, 1e-15);
  EXPECT_NEAR(sin2pi(0.75), -1.0, 1e-15);
}

TEST(DeterministicMath, Pow2MatchesTheLibrary) {
  for (double x = -60.0; x <= 60.0; x += 0.0137) {
    EXPECT_NEAR(pow2(x) / std::exp2(x), 1.0, 1e-13) << "x = " << x;
  }
  EXPECT_EQ(pow2(0.0), 1.0);
  EXPECT_EQ(pow2(10.0), 1024.0);
  EXPECT_EQ(pow2(-2000.0), 0.0);
}

TEST(DeterministicMath, DecibelsToGainMatchesTheDefinition) {
  for (double db = -96.0; db <= 12.0; db += 0.25) {
    EXPECT_NEAR(decibelsToGain(db) / std::pow(10.0, db / 20.0), 1.0, 1e-12) << db << " dB";
  }
}

TEST(DeterministicMath, FlushDenormalZeroesOnlyTinyValues) {
  EXPECT_EQ(flushDenormal(1e-30f), 0.0f);
  EXPECT_EQ(flushDenormal(-1e-38f), 0.0f);
  EXPECT_EQ(flushDenormal(1e-6f), 1e-6f);
  EXPECT_EQ(flushDenormal(-0.5f), -0.5f);
}

TEST(DeterministicMath, CosAndTanPiMatchTheLibrary) {
  for (double x = -0.49; x <= 0.49; x += 0.00031) {
    EXPECT_NEAR(cos2pi(x), std::cos(2.0 * std::numbers::pi * x), 1e-12) << x;
    EXPECT_NEAR(tanPi(x) / std::tan(std::numbers::pi * x), 1.0, 1e-10) << x;
  }
}

TEST(DeterministicMath, ExpLog2AndDecibelsMatchTheLibrary) {
  for (double x = -40.0; x <= 40.0; x += 0.0171) {
    EXPECT_NEAR(amplitude::dsp::exp(x) / std::exp(x), 1.0, 1e-13) << x;
  }
  for (double x = 1e-30; x < 1e30; x *= 1.37) {
    EXPECT_NEAR(amplitude::dsp::log2(x), std::log2(x), 1e-12 * std::fmax(1.0, std::fabs(std::log2(x)))) << x;
    EXPECT_NEAR(gainToDecibels(x), 20.0 * std::log10(x), 1e-9 * std::fmax(1.0, std::fabs(std::log10(x)))) << x;
  }
  EXPECT_EQ(amplitude::dsp::log2(1.0), 0.0);
  EXPECT_EQ(amplitude::dsp::log2(1024.0), 10.0);
  EXPECT_LT(gainToDecibels(0.0), -1000.0);
}

TEST(DeterministicMath, TanhMatchesTheLibrary) {
  for (double x = -30.0; x <= 30.0; x += 0.00731) {
    EXPECT_NEAR(amplitude::dsp::tanh(x), std::tanh(x), 1e-13 + 1e-12 * std::fabs(std::tanh(x))) << x;
  }
}
