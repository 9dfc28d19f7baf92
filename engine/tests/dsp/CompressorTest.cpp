// The compressor against its design equations (Giannoulis, Massberg & Reiss 2012): the static
// curve measured with settled constant-magnitude signals, the attack/release time constants of
// the branching peak detector measured from level steps, sidechain keying, exact look-ahead
// latency, parallel mix, no zipper noise on live changes, block-size independence and tails that
// reach exact zero.
//
// Constant-magnitude test signals: a square wave (+a, -a) has |x| = a at every sample, so the
// per-sample peak level is exactly a and the gain applied at each sample is |out| / |in|.
#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/dynamics/Compressor.h>
#include <amplitude/dsp/dynamics/FastDecibels.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <vector>

using namespace amplitude;
using amplitude::dsp::Compressor;

namespace {

constexpr double kSampleRate = 48000.0;
constexpr std::uint32_t kMaxBlock = 1024;

float dbToAmplitude(double decibels) { return static_cast<float>(std::pow(10.0, decibels / 20.0)); }
double amplitudeToDb(double amplitude) { return 20.0 * std::log10(amplitude); }

/// +a for 24 samples, -a for 24 samples, ...: |x| == a everywhere.
void appendSquare(std::vector<float>& out, float amplitude, std::size_t frames) {
  for (std::size_t i = 0; i < frames; ++i) out.push_back((out.size() / 24) % 2 == 0 ? amplitude : -amplitude);
}

struct Xorshift32 {
  std::uint32_t state = 0x12345678u;
  float next() {  // uniform in [-1, 1)
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
};

/// Processes in place in blocks whose sizes cycle through `blocks`.
void render(Compressor& compressor, std::vector<float>& left, std::vector<float>& right,
            const std::vector<std::uint32_t>& blocks = {kMaxBlock}, const float* sidechainLeft = nullptr,
            const float* sidechainRight = nullptr) {
  std::size_t block = 0;
  for (std::size_t done = 0; done < left.size();) {
    const auto frames = static_cast<std::uint32_t>(std::min<std::size_t>(left.size() - done, blocks[block++ % blocks.size()]));
    compressor.process(left.data() + done, right.data() + done, sidechainLeft ? sidechainLeft + done : nullptr,
                       sidechainRight ? sidechainRight + done : nullptr, frames);
    done += frames;
  }
}

Compressor makeCompressor(float thresholdDb, float ratio, float kneeDb, double attackMs, double releaseMs,
                          float makeupDb = 0.0f) {
  Compressor compressor;
  compressor.setThresholdDb(thresholdDb);
  compressor.setRatio(ratio);
  compressor.setKneeDb(kneeDb);
  compressor.setAttackMs(attackMs);
  compressor.setReleaseMs(releaseMs);
  compressor.setMakeupDb(makeupDb);
  compressor.prepare(kSampleRate, kMaxBlock);  // also jumps the smoothed parameters to their targets
  return compressor;
}

/// Gain reduction in dB at each sample of a constant-magnitude signal (no look-ahead, no makeup).
std::vector<double> reductionCurve(const std::vector<float>& in, const std::vector<float>& out) {
  std::vector<double> reduction(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) reduction[i] = amplitudeToDb(std::fabs(in[i]) / std::fabs(out[i]));
  return reduction;
}

/// Fractional number of samples after `from` at which `curve` first crosses `level`, by linear
/// interpolation between the two samples around the crossing.
double crossingAfter(const std::vector<double>& curve, std::size_t from, double level, bool rising) {
  for (std::size_t i = from + 1; i < curve.size(); ++i) {
    const bool crossed = rising ? curve[i] >= level : curve[i] <= level;
    if (crossed) return static_cast<double>(i - 1 - from) + (level - curve[i - 1]) / (curve[i] - curve[i - 1]);
  }
  return -1.0;
}

}  // namespace

TEST(Compressor, StaticGainIsThePapersSoftKneeCurve) {
  const double t = -20.0;
  const double r = 4.0;
  const double w = 10.0;
  const double slope = 1.0 / r - 1.0;  // -0.75
  EXPECT_EQ(Compressor::staticGainDb(-40.0, t, r, w), 0.0);
  EXPECT_EQ(Compressor::staticGainDb(t - w / 2, t, r, w), 0.0);                        // knee start
  EXPECT_NEAR(Compressor::staticGainDb(t, t, r, w), slope * (w / 2) * (w / 2) / (2 * w), 1e-12);  // -0.9375
  EXPECT_NEAR(Compressor::staticGainDb(t + w / 2, t, r, w), slope * w / 2, 1e-12);      // knee end meets line
  EXPECT_NEAR(Compressor::staticGainDb(0.0, t, r, w), slope * 20.0, 1e-12);            // -15 dB
  // Output level above the knee rises at 1/R dB per dB; the curve is C1 at the knee edges.
  const double h = 1e-6;
  for (double edge : {t - w / 2, t + w / 2}) {
    const double below = (Compressor::staticGainDb(edge, t, r, w) - Compressor::staticGainDb(edge - h, t, r, w)) / h;
    const double above = (Compressor::staticGainDb(edge + h, t, r, w) - Compressor::staticGainDb(edge, t, r, w)) / h;
    EXPECT_NEAR(below, above, 1e-5) << edge;
  }
  // Hard knee: 0 up to the threshold, then the straight line.
  EXPECT_EQ(Compressor::staticGainDb(t, t, r, 0.0), 0.0);
  EXPECT_NEAR(Compressor::staticGainDb(t + 8.0, t, r, 0.0), -6.0, 1e-12);
  EXPECT_EQ(Compressor::staticGainDb(0.0, t, 1.0, w), 0.0);  // ratio 1: no compression
}

TEST(Compressor, FastDecibelConversionsMatchDeterministicMath) {
  double worstLog = 0.0;
  for (double db = -200.0; db <= 60.0; db += 0.0137) {
    const float gain = static_cast<float>(dsp::decibelsToGain(db));
    worstLog = std::fmax(worstLog, std::fabs(dsp::fastGainToDecibels(gain) - dsp::gainToDecibels(gain)));
  }
  double worstExp = 0.0;
  for (double db = -200.0; db <= 60.0; db += 0.0137)
    worstExp = std::fmax(worstExp, std::fabs(dsp::fastDecibelsToGain(db) / dsp::decibelsToGain(db) - 1.0));
  std::printf("fast dB conversion: worst log error %.3g dB, worst exp relative error %.3g\n", worstLog, worstExp);
  EXPECT_LT(worstLog, 1e-6);  // design: ~6e-9 dB
  EXPECT_LT(worstExp, 1e-7);  // design: ~5e-9 relative
  EXPECT_EQ(dsp::fastDecibelsToGain(0.0), 1.0);  // no reduction and no makeup is an exact unity gain
}

TEST(Compressor, SettledGainFollowsTheStaticCurve) {
  struct Setting { float threshold, ratio, knee, makeup; };
  double worst = 0.0;
  for (const Setting s : {Setting{-20, 4, 0, 0}, Setting{-30, 2, 12, 6}, Setting{-10, 20, 24, 3},
                          Setting{-40, 1.5f, 6, 12}, Setting{-60, 8, 0, 24}}) {
    for (int level = -60; level <= 0; ++level) {
      Compressor compressor = makeCompressor(s.threshold, s.ratio, s.knee, 1.0, 5.0, s.makeup);
      const float amplitude = dbToAmplitude(level);
      std::vector<float> left;
      appendSquare(left, amplitude, 9600);  // 200 attack time constants: settled
      std::vector<float> right = left;
      render(compressor, left, right);
      const double measured = amplitudeToDb(std::fabs(left.back()) / amplitude);
      const double expected = s.makeup + Compressor::staticGainDb(amplitudeToDb(amplitude), s.threshold, s.ratio, s.knee);
      EXPECT_NEAR(measured, expected, 0.1) << "T " << s.threshold << " R " << s.ratio << " W " << s.knee << " at " << level;
      EXPECT_EQ(left.back(), right.back());  // stereo link
      worst = std::fmax(worst, std::fabs(measured - expected));
    }
  }
  std::printf("static curve: worst |measured - staticGainDb| = %.3g dB\n", worst);
}

// Method: a square wave steps from -40 dB (below a -30 dB hard-knee threshold) to -10 dB, so the
// detector's target x_L steps from 0 to D = (1 - 1/4) * 20 = 15 dB. The branching peak detector
// then gives y_L = D (1 - a^(j+1)) at the j-th sample after the step (j = 0 at the step), so the
// measured reduction reaches D (1 - 1/e) after exactly t * fs samples (j + 1 = t fs). Release:
// stepping back, y_L = D a^(j+1), reaching D / e after t * fs samples. Crossings are located
// to a fraction of a sample by linear interpolation.
TEST(Compressor, AttackAndReleaseTimeConstantsMatchTheSettings) {
  for (const auto& [attackMs, releaseMs] : {std::pair{1.0, 20.0}, std::pair{10.0, 200.0}, std::pair{50.0, 1000.0},
                                           std::pair{0.5, 5.0}}) {
    Compressor compressor = makeCompressor(-30.0f, 4.0f, 0.0f, attackMs, releaseMs);
    const std::size_t quiet = 4800;
    const std::size_t loud = static_cast<std::size_t>(20 * attackMs * 48) + 4800;
    std::vector<float> left;
    appendSquare(left, dbToAmplitude(-40.0), quiet);
    appendSquare(left, dbToAmplitude(-10.0), loud);
    appendSquare(left, dbToAmplitude(-40.0), static_cast<std::size_t>(5 * releaseMs * 48) + 4800);
    std::vector<float> right = left;
    const std::vector<float> input = left;
    render(compressor, left, right);
    const auto reduction = reductionCurve(input, left);
    const double depth = 0.75 * (-10.0 - -30.0);
    EXPECT_NEAR(reduction[quiet - 1], 0.0, 1e-9);
    EXPECT_NEAR(reduction[quiet + loud - 1], depth, 1e-4);
    // j + 1 at the crossing is the time constant in samples.
    const double attackSamples = crossingAfter(reduction, quiet, depth * (1.0 - std::exp(-1.0)), true) + 1.0;
    const double releaseSamples = crossingAfter(reduction, quiet + loud, depth * std::exp(-1.0), false) + 1.0;
    const double measuredAttackMs = attackSamples / 48.0;
    const double measuredReleaseMs = releaseSamples / 48.0;
    std::printf("attack %.1f ms measured %.4f ms; release %.0f ms measured %.3f ms\n", attackMs, measuredAttackMs,
                releaseMs, measuredReleaseMs);
    EXPECT_NEAR(measuredAttackMs, attackMs, 0.05 * attackMs);
    EXPECT_NEAR(measuredReleaseMs, releaseMs, 0.05 * releaseMs);
  }
}

TEST(Compressor, LoudSidechainDucksAQuietSignalThatAloneDoesNotTrigger) {
  const std::size_t frames = 48000;
  std::vector<float> tone(frames);
  for (std::size_t i = 0; i < frames; ++i) tone[i] = 0.01f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 1000.0 * i / kSampleRate));
  // Main alone (-40 dB, threshold -20 dB): untouched, bit for bit.
  {
    Compressor compressor = makeCompressor(-20.0f, 10.0f, 0.0f, 1.0, 50.0);
    std::vector<float> left = tone;
    std::vector<float> right = tone;
    render(compressor, left, right);
    EXPECT_EQ(std::memcmp(left.data(), tone.data(), frames * sizeof(float)), 0);
    EXPECT_EQ(compressor.gainReductionDb(), 0.0f);
  }
  // A 0 dB key (mono: right sidechain nullptr) ducks it by (1 - 1/10) * 20 = 18 dB.
  {
    Compressor compressor = makeCompressor(-20.0f, 10.0f, 0.0f, 1.0, 50.0);
    std::vector<float> key;
    appendSquare(key, 1.0f, frames);
    std::vector<float> left = tone;
    std::vector<float> right = tone;
    render(compressor, left, right, {kMaxBlock}, key.data(), nullptr);
    const std::vector<float> settled(left.end() - 4800, left.end());  // exactly 100 periods
    const double ducking = amplitudeToDb(test::toneAmplitude(settled, 1000.0, kSampleRate) / 0.01);
    std::printf("sidechain ducking: %.4f dB (expected -18)\n", ducking);
    EXPECT_NEAR(ducking, -18.0, 0.05);
    EXPECT_NEAR(compressor.gainReductionDb(), 18.0f, 0.01f);
  }
}

TEST(Compressor, LatencyIsTheExactDelayOfAnImpulse) {
  for (const double sampleRate : {44100.0, 48000.0, 96000.0}) {
    for (const double lookaheadMs : {0.0, 0.5, 1.5, 5.0, 10.0}) {
      Compressor compressor;
      compressor.setThresholdDb(0.0f);  // above the impulse: unity gain
      compressor.setLookaheadMs(lookaheadMs);
      compressor.prepare(sampleRate, kMaxBlock);
      const auto expectedLatency = static_cast<std::uint32_t>(std::lround(lookaheadMs * sampleRate / 1000.0));
      EXPECT_EQ(compressor.latencySamples(), expectedLatency);
      std::vector<float> left(4096, 0.0f);
      left[100] = 0.5f;
      std::vector<float> right = left;
      render(compressor, left, right, {37, 256});
      std::size_t nonZero = 0;
      for (std::size_t i = 0; i < left.size(); ++i) nonZero += left[i] != 0.0f;
      EXPECT_EQ(nonZero, 1u);
      EXPECT_EQ(left[100 + compressor.latencySamples()], 0.5f) << lookaheadMs << " ms at " << sampleRate;
    }
  }
}

TEST(Compressor, LookaheadLowersTheGainBeforeTheTransientArrives) {
  // A step from -40 dB to 0 dB (threshold -30, ratio 4, hard knee: D = 22.5 dB) with 5 ms of
  // look-ahead: when the first loud sample comes out, the detector has already run L + 1 samples
  // on it, so its reduction is D (1 - a^(L+1)) with a = exp(-1 / (t fs)).
  Compressor compressor = makeCompressor(-30.0f, 4.0f, 0.0f, 2.0, 100.0);
  compressor.setLookaheadMs(5.0);
  compressor.reset();
  const std::uint32_t latency = compressor.latencySamples();
  ASSERT_EQ(latency, 240u);
  std::vector<float> left;
  appendSquare(left, dbToAmplitude(-40.0), 4800);
  appendSquare(left, 1.0f, 4800);
  std::vector<float> right = left;
  render(compressor, left, right);
  const double reduction = -amplitudeToDb(std::fabs(left[4800 + latency]));
  const double expected = 22.5 * (1.0 - std::pow(std::exp(-1.0 / (0.002 * kSampleRate)), latency + 1.0));
  EXPECT_NEAR(reduction, expected, 1e-3);
  EXPECT_GT(reduction, 20.0);
}

TEST(Compressor, MixZeroIsTheDryInputDelayedExactly) {
  Xorshift32 random;
  std::vector<float> left(20000);
  std::vector<float> right(20000);
  for (std::size_t i = 0; i < left.size(); ++i) {
    left[i] = random.next();
    right[i] = 0.5f * random.next();
  }
  const std::vector<float> inLeft = left;
  const std::vector<float> inRight = right;
  Compressor compressor = makeCompressor(-40.0f, 20.0f, 6.0f, 1.0, 50.0, 12.0f);
  compressor.setLookaheadMs(3.0);
  compressor.setMix(0.0f);
  compressor.reset();
  render(compressor, left, right, {441, 7, 128});
  const std::size_t latency = compressor.latencySamples();
  ASSERT_EQ(latency, 144u);
  for (std::size_t i = 0; i < left.size(); ++i) {
    ASSERT_EQ(left[i], i < latency ? 0.0f : inLeft[i - latency]) << i;
    ASSERT_EQ(right[i], i < latency ? 0.0f : inRight[i - latency]) << i;
  }
  EXPECT_GT(compressor.gainReductionDb(), 10.0f);  // the detector did compress
}

TEST(Compressor, HalfMixAddsDryAndCompressedLinearly) {
  // Settled square at 0 dB, threshold -20, ratio 5: wet gain -16 dB; out = a (0.5 + 0.5 g).
  Compressor compressor = makeCompressor(-20.0f, 5.0f, 0.0f, 1.0, 50.0);
  compressor.setMix(0.5f);
  compressor.reset();
  std::vector<float> left;
  appendSquare(left, 1.0f, 9600);
  std::vector<float> right = left;
  render(compressor, left, right);
  EXPECT_NEAR(std::fabs(left.back()), 0.5 + 0.5 * std::pow(10.0, -16.0 / 20.0), 1e-5);
}

TEST(Compressor, ThresholdChangesRampWithoutZipperNoise) {
  // With a near-instant attack the gain would follow a threshold jump of 30 dB (22.5 dB of gain
  // at ratio 4) within a few samples; the 20 ms ramp limits each sample's change to
  // 22.5 dB / 960 samples.
  Compressor compressor = makeCompressor(-10.0f, 4.0f, 0.0f, 0.1, 5.0);
  std::vector<float> before;
  appendSquare(before, 1.0f, 4800);
  std::vector<float> beforeRight = before;
  compressor.process(before.data(), beforeRight.data(), 4800);  // settles at -7.5 dB
  compressor.setThresholdDb(-40.0f);
  std::vector<float> input;
  appendSquare(input, 1.0f, 9600);
  std::vector<float> after = input;
  std::vector<float> afterRight = input;
  compressor.process(after.data(), afterRight.data(), 9600);
  const auto reduction = reductionCurve(input, after);
  double largestStep = 0.0;
  for (std::size_t i = 1; i < reduction.size(); ++i) largestStep = std::fmax(largestStep, std::fabs(reduction[i] - reduction[i - 1]));
  std::printf("threshold jump: largest per-sample gain step %.5f dB (ramp step %.5f dB)\n", largestStep, 22.5 / 960);
  EXPECT_NEAR(amplitudeToDb(std::fabs(before.back())), -7.5, 1e-3);
  EXPECT_NEAR(reduction.back(), 30.0, 1e-3);
  EXPECT_LT(largestStep, 1.02 * 22.5 / 960.0);
}

TEST(Compressor, OutputIsBitIdenticalForAnyBlockSizes) {
  Xorshift32 random;
  const std::size_t frames = 16384;
  std::vector<float> left(frames);
  std::vector<float> right(frames);
  std::vector<float> key(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const float envelope = (i / 3000) % 2 == 0 ? 1.0f : 0.05f;  // bursts: attack and release both run
    left[i] = envelope * random.next();
    right[i] = envelope * random.next();
    key[i] = (i / 1700) % 2 == 0 ? 0.9f * random.next() : 0.0f;
  }
  auto run = [&](const std::vector<std::uint32_t>& blocks, bool sidechain) {
    Compressor compressor = makeCompressor(-30.0f, 6.0f, 9.0f, 3.0, 80.0, 4.0f);
    compressor.setLookaheadMs(2.0);
    compressor.reset();
    std::vector<float> outLeft(left.begin(), left.begin() + 8192);
    std::vector<float> outRight(right.begin(), right.begin() + 8192);
    render(compressor, outLeft, outRight, blocks, sidechain ? key.data() : nullptr, sidechain ? key.data() : nullptr);
    // Live changes at a sample both partitions share: ramps and the look-ahead cross-fade.
    compressor.setThresholdDb(-12.0f);
    compressor.setRatio(2.0f);
    compressor.setKneeDb(0.0f);
    compressor.setMakeupDb(0.0f);
    compressor.setMix(0.7f);
    compressor.setAttackMs(0.3);
    compressor.setReleaseMs(400.0);
    compressor.setLookaheadMs(7.0);
    std::vector<float> tailLeft(left.begin() + 8192, left.end());
    std::vector<float> tailRight(right.begin() + 8192, right.end());
    render(compressor, tailLeft, tailRight, blocks, sidechain ? key.data() + 8192 : nullptr,
           sidechain ? key.data() + 8192 : nullptr);
    outLeft.insert(outLeft.end(), tailLeft.begin(), tailLeft.end());
    outRight.insert(outRight.end(), tailRight.begin(), tailRight.end());
    outLeft.insert(outLeft.end(), outRight.begin(), outRight.end());
    return outLeft;
  };
  for (const bool sidechain : {false, true}) {
    const auto whole = run({1024}, sidechain);
    for (const auto& blocks : {std::vector<std::uint32_t>{7, 128, 441}, std::vector<std::uint32_t>{1},
                               std::vector<std::uint32_t>{63, 65, 64, 1000, 3}}) {
      const auto sliced = run(blocks, sidechain);
      EXPECT_EQ(std::memcmp(whole.data(), sliced.data(), whole.size() * sizeof(float)), 0) << blocks[0];
    }
  }
}

TEST(Compressor, TailAfterSilenceIsExactlyZeroAndTheDetectorRecovers) {
  Xorshift32 random;
  std::vector<float> left(48000 * 4, 0.0f);
  for (std::size_t i = 0; i < 24000; ++i) left[i] = random.next();
  std::vector<float> right = left;
  Compressor compressor = makeCompressor(-40.0f, 10.0f, 6.0f, 1.0, 100.0, 12.0f);
  compressor.setLookaheadMs(1.0);
  compressor.reset();
  render(compressor, left, right, {441});
  for (std::size_t i = 24000 + compressor.latencySamples(); i < left.size(); ++i) ASSERT_EQ(left[i], 0.0f) << i;
  // ~36 dB of reduction decays below the 1e-9 dB floor in ln(3.6e10) ~ 24 release time
  // constants (2.4 s), after which the detector state is exactly 0, not a denormal.
  EXPECT_EQ(compressor.gainReductionDb(), 0.0f);
}
