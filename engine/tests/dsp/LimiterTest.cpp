// The look-ahead limiter's guarantees: no output sample above the ceiling for any input, bit-exact
// transparency (a pure delay of latencySamples()) below it, gain that ramps linearly over the
// look-ahead and lands exactly on the required gain (so per-sample gain steps stay <= 1/(L+1)),
// exponential release with the set time constant, block-size independence, tails to exact zero.
//
// Constant-magnitude test signals: a square wave (+a, -a) has |x| = a at every sample, so the
// gain applied to every output sample n is |out[n]| / |in[n - L]|.
#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/dynamics/Limiter.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <vector>

using namespace amplitude;
using amplitude::dsp::Limiter;

namespace {

constexpr double kSampleRate = 48000.0;
constexpr std::uint32_t kMaxBlock = 1024;

struct Xorshift32 {
  std::uint32_t state = 0x9e3779b9u;
  float next() {  // uniform in [-1, 1)
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
};

void appendSquare(std::vector<float>& out, float amplitude, std::size_t frames) {
  for (std::size_t i = 0; i < frames; ++i) out.push_back((out.size() / 24) % 2 == 0 ? amplitude : -amplitude);
}

Limiter makeLimiter(float ceilingDb, double releaseMs, double lookaheadMs) {
  Limiter limiter;
  limiter.setCeilingDb(ceilingDb);
  limiter.setReleaseMs(releaseMs);
  limiter.setLookaheadMs(lookaheadMs);
  limiter.prepare(kSampleRate, kMaxBlock);
  return limiter;
}

void render(Limiter& limiter, std::vector<float>& left, std::vector<float>& right,
            const std::vector<std::uint32_t>& blocks = {kMaxBlock}) {
  std::size_t block = 0;
  for (std::size_t done = 0; done < left.size();) {
    const auto frames = static_cast<std::uint32_t>(std::min<std::size_t>(left.size() - done, blocks[block++ % blocks.size()]));
    limiter.process(left.data() + done, right.data() + done, frames);
    done += frames;
  }
}

double peakOfBoth(const std::vector<float>& left, const std::vector<float>& right) {
  return std::fmax(test::peakOf(left), test::peakOf(right));
}

}  // namespace

TEST(Limiter, LoudNoiseNeverExceedsTheCeiling) {
  for (const float ceilingDb : {0.0f, -0.3f, -6.0f, -24.0f}) {
    for (const double lookaheadMs : {0.5, 1.5, 5.0}) {
      for (const double releaseMs : {1.0, 50.0, 1000.0}) {
        Xorshift32 random;
        std::vector<float> left(96000);
        std::vector<float> right(96000);
        for (std::size_t i = 0; i < left.size(); ++i) {
          const float swell = (i / 9000) % 3 == 0 ? 10.0f : ((i / 9000) % 3 == 1 ? 1.0f : 0.2f);  // +20, 0, -14 dB
          left[i] = swell * random.next();
          right[i] = swell * random.next();
        }
        Limiter limiter = makeLimiter(ceilingDb, releaseMs, lookaheadMs);
        render(limiter, left, right, {441, 128, 7});
        const double ceiling = dsp::decibelsToGain(ceilingDb);
        const double peak = peakOfBoth(left, right);
        EXPECT_LE(peak, ceiling + 1e-6) << ceilingDb << " dB, " << lookaheadMs << " ms, " << releaseMs << " ms";
        EXPECT_LE(peak, limiter.ceilingGain());  // in fact never above the float ceiling at all
        EXPECT_GT(peak, 0.999 * ceiling);        // and it does use the headroom
      }
    }
  }
}

TEST(Limiter, SineBurstsNeverExceedTheCeiling) {
  for (const float burstDb : {3.0f, 6.0f, 20.0f, 40.0f}) {
    std::vector<float> left(48000);
    const float amplitude = static_cast<float>(std::pow(10.0, burstDb / 20.0));
    for (std::size_t i = 0; i < left.size(); ++i) {
      const bool on = (i / 480) % 2 == 1;  // 10 ms bursts with abrupt onsets, 10 ms gaps
      left[i] = on ? amplitude * static_cast<float>(std::sin(2.0 * std::numbers::pi * 997.0 * i / kSampleRate)) : 0.0f;
    }
    std::vector<float> right = left;
    for (float& sample : right) sample *= -0.5f;
    Limiter limiter = makeLimiter(-1.0f, 30.0, 1.5);
    render(limiter, left, right);
    const double ceiling = dsp::decibelsToGain(-1.0);
    const double peak = peakOfBoth(left, right);
    std::printf("%+.0f dB bursts: output peak %.9f, ceiling %.9f\n", burstDb, peak, ceiling);
    EXPECT_LE(peak, ceiling + 1e-6);
    EXPECT_GT(peak, 0.99 * ceiling);
  }
}

TEST(Limiter, BelowTheCeilingItIsAnExactDelay) {
  for (const double lookaheadMs : {0.5, 1.5, 5.0}) {
    Xorshift32 random;
    std::vector<float> left(30000);
    std::vector<float> right(30000);
    for (std::size_t i = 0; i < left.size(); ++i) {
      left[i] = 0.89f * random.next();  // peaks just under -1 dB
      right[i] = 0.5f * random.next();
    }
    const std::vector<float> inLeft = left;
    const std::vector<float> inRight = right;
    Limiter limiter = makeLimiter(-1.0f, 100.0, lookaheadMs);
    const std::size_t latency = limiter.latencySamples();
    EXPECT_EQ(latency, static_cast<std::size_t>(std::lround(lookaheadMs * 48.0)));
    render(limiter, left, right, {441, 7, 128});
    for (std::size_t i = 0; i < left.size(); ++i) {
      ASSERT_NEAR(left[i], i < latency ? 0.0f : inLeft[i - latency], 1e-7) << i;
      ASSERT_NEAR(right[i], i < latency ? 0.0f : inRight[i - latency], 1e-7) << i;
    }
    EXPECT_EQ(limiter.gainReductionDb(), 0.0f);
  }
}

// A square wave at a = 0.25 (below a 0 dB ceiling) jumps to a = 4 (+12 dB). With the loud part
// starting at input sample s, output n = s + L - k (0 <= k <= L) averages k envelope values of 1
// and L + 1 - k of g = 1/4, so gain = (k + (L + 1 - k) g) / (L + 1): a straight ramp that reaches
// exactly g when sample s comes out. The gain never moves by more than 1/(L + 1) per sample.
TEST(Limiter, GainRampsLinearlyOverTheLookaheadAndReachesTheRequiredGain) {
  Limiter limiter = makeLimiter(0.0f, 20.0, 1.5);
  const std::size_t lookahead = limiter.latencySamples();
  ASSERT_EQ(lookahead, 72u);
  const std::size_t onset = 4800;
  std::vector<float> in;
  appendSquare(in, 0.25f, onset);
  appendSquare(in, 4.0f, 4800);
  appendSquare(in, 0.25f, 48000);
  std::vector<float> left = in;
  std::vector<float> right = in;
  render(limiter, left, right, {100});
  std::vector<double> gain(in.size(), 1.0);
  for (std::size_t n = lookahead; n < in.size(); ++n) gain[n] = std::fabs(left[n]) / std::fabs(in[n - lookahead]);

  const double window = static_cast<double>(lookahead + 1);
  for (std::size_t k = 0; k <= lookahead; ++k) {
    const double expected = (static_cast<double>(k) + (window - static_cast<double>(k)) * 0.25) / window;
    ASSERT_NEAR(gain[onset + lookahead - k], expected, 1e-7) << k;
  }
  EXPECT_EQ(gain[onset - 1], 1.0);  // untouched until the ramp starts
  EXPECT_NEAR(std::fabs(left[onset + lookahead]), 1.0, 1e-7);  // the first loud sample sits on the ceiling

  double largestStep = 0.0;
  for (std::size_t n = lookahead + 1; n < in.size(); ++n) largestStep = std::fmax(largestStep, std::fabs(gain[n] - gain[n - 1]));
  std::printf("largest per-sample gain step %.6f, bound 1/(L+1) = %.6f\n", largestStep, 1.0 / window);
  EXPECT_LE(largestStep, 1.0 / window + 1e-7);
}

// Release: once the loud part has left the window, the envelope recovers as
// 1 - (1 - g) a^m with a = exp(-1 / (t fs)); the box filter averages shifted copies of that
// exponential, which is the same exponential scaled. So between two instants n1 < n2 after the
// window has passed, ln((1 - gain[n1]) / (1 - gain[n2])) = (n2 - n1) / (t fs).
TEST(Limiter, ReleaseIsExponentialWithTheSetTimeConstant) {
  for (const double releaseMs : {10.0, 50.0, 300.0}) {
    Limiter limiter = makeLimiter(0.0f, releaseMs, 1.5);
    const std::size_t lookahead = limiter.latencySamples();
    std::vector<float> in;
    appendSquare(in, 4.0f, 4800);
    const std::size_t end = in.size();  // first quiet input sample
    appendSquare(in, 0.25f, static_cast<std::size_t>(3 * releaseMs * 48) + 4800);
    std::vector<float> left = in;
    std::vector<float> right = in;
    render(limiter, left, right);
    auto gainAt = [&](std::size_t n) { return std::fabs(left[n]) / std::fabs(in[n - lookahead]); };
    const std::size_t n1 = end + 3 * lookahead;  // the loud samples have left the window
    const std::size_t n2 = n1 + static_cast<std::size_t>(releaseMs * 48);  // one time constant later
    const double measuredMs = (n2 - n1) / std::log((1.0 - gainAt(n1)) / (1.0 - gainAt(n2))) / 48.0;
    std::printf("release %.0f ms: measured %.3f ms\n", releaseMs, measuredMs);
    EXPECT_NEAR(measuredMs, releaseMs, 0.02 * releaseMs);
  }
}

TEST(Limiter, OutputIsBitIdenticalForAnyBlockSizes) {
  Xorshift32 random;
  const std::size_t frames = 16384;
  std::vector<float> left(frames);
  std::vector<float> right(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const float swell = (i / 2500) % 2 == 0 ? 6.0f : 0.3f;
    left[i] = swell * random.next();
    right[i] = swell * random.next();
  }
  auto run = [&](const std::vector<std::uint32_t>& blocks) {
    Limiter limiter = makeLimiter(-3.0f, 40.0, 2.0);
    std::vector<float> outLeft(left.begin(), left.begin() + 8192);
    std::vector<float> outRight(right.begin(), right.begin() + 8192);
    render(limiter, outLeft, outRight, blocks);
    limiter.setCeilingDb(-9.0f);  // live changes at a sample both partitions share
    limiter.setReleaseMs(300.0);
    std::vector<float> tailLeft(left.begin() + 8192, left.end());
    std::vector<float> tailRight(right.begin() + 8192, right.end());
    render(limiter, tailLeft, tailRight, blocks);
    outLeft.insert(outLeft.end(), tailLeft.begin(), tailLeft.end());
    outLeft.insert(outLeft.end(), outRight.begin(), outRight.end());
    outLeft.insert(outLeft.end(), tailRight.begin(), tailRight.end());
    return outLeft;
  };
  const auto whole = run({1024});
  for (const auto& blocks : {std::vector<std::uint32_t>{7, 128, 441}, std::vector<std::uint32_t>{1},
                             std::vector<std::uint32_t>{63, 65, 64, 1000, 3}}) {
    const auto sliced = run(blocks);
    EXPECT_EQ(std::memcmp(whole.data(), sliced.data(), whole.size() * sizeof(float)), 0) << blocks[0];
  }
}

TEST(Limiter, TailAfterSilenceIsExactlyZeroAndTheGainRecoversToUnity) {
  Xorshift32 random;
  std::vector<float> left(48000 * 4, 0.0f);
  for (std::size_t i = 0; i < 24000; ++i) left[i] = 8.0f * random.next();
  std::vector<float> right = left;
  Limiter limiter = makeLimiter(-0.3f, 100.0, 1.5);
  render(limiter, left, right, {441});
  for (std::size_t i = 24000 + limiter.latencySamples(); i < left.size(); ++i) ASSERT_EQ(left[i], 0.0f) << i;
  // ~18 dB of reduction (gain ~0.12) recovers to within the 1e-9 flush in ln(0.88e9) ~ 21 time
  // constants (2.1 s of 3.5 s); afterwards the gain is exactly 1, not 1 - denormal.
  EXPECT_EQ(limiter.gainReductionDb(), 0.0f);
}
