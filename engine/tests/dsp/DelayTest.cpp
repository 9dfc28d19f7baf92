// Invariants of the stereo feedback delay: echoes on exact whole-sample positions, each the
// previous times the feedback; tempo sync; ping-pong alternation; feedback filters that shape
// each repeat exactly by their one-pole response; click-free time changes; block-size
// independence; and tails that end in exact zeros.
#include <amplitude/dsp/time/Delay.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

using namespace amplitude;
using amplitude::dsp::Delay;

namespace {

constexpr double kSampleRate = 48000.0;

struct Stereo {
  std::vector<float> left, right;
};

Stereo impulse(std::size_t frames, float leftValue = 1.0f, float rightValue = 1.0f) {
  Stereo s{std::vector<float>(frames, 0.0f), std::vector<float>(frames, 0.0f)};
  s.left[0] = leftValue;
  s.right[0] = rightValue;
  return s;
}

std::vector<float> noise(std::size_t frames, std::uint32_t seed) {
  std::vector<float> out(frames);
  for (auto& x : out) {
    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;  // xorshift32
    x = float(seed) / 4294967296.0f * 2.0f - 1.0f;
  }
  return out;
}

void processBlocks(Delay& delay, Stereo& s, std::size_t begin, std::size_t end, const std::vector<std::uint32_t>& pattern) {
  for (std::size_t done = begin, k = 0; done < end; ++k) {
    const auto block = static_cast<std::uint32_t>(std::min<std::size_t>(end - done, pattern[k % pattern.size()]));
    delay.process(s.left.data() + done, s.right.data() + done, block);
    done += block;
  }
}

/// A delay with only echoes at the output and both feedback filters off.
void configureWetOnly(Delay& delay, double timeMs, float feedback) {
  delay.setTimeMs(timeMs);
  delay.setFeedback(feedback);
  delay.setFeedbackLowCutHz(0.0);
  delay.setFeedbackHighCutHz(Delay::kHighCutOffHz);
  delay.setMix(1.0f);
}

/// |H|^2 of the one-pole low-pass s = c x + (1 - c) s, c = 1 - exp(-2 pi fc / fs), at `hz`.
double lowPassPower(double cutoffHz, double hz, double sampleRate) {
  const double c = 1.0 - std::exp(-2.0 * std::numbers::pi * cutoffHz / sampleRate);
  const std::complex<double> zInverse = std::polar(1.0, -2.0 * std::numbers::pi * hz / sampleRate);
  return std::norm(c / (1.0 - (1.0 - c) * zInverse));
}

/// |H|^2 of the matching high-pass, x minus the low-pass.
double highPassPower(double cutoffHz, double hz, double sampleRate) {
  const double c = 1.0 - std::exp(-2.0 * std::numbers::pi * cutoffHz / sampleRate);
  const std::complex<double> zInverse = std::polar(1.0, -2.0 * std::numbers::pi * hz / sampleRate);
  return std::norm(1.0 - c / (1.0 - (1.0 - c) * zInverse));
}

}  // namespace

TEST(Delay, EchoesAreWholeDelaysApartAndEachIsThePreviousTimesFeedback) {
  for (double sampleRate : {44100.0, 48000.0, 96000.0}) {
    for (double timeMs : {1.0, 10.37, 100.0, 333.3}) {
      const float feedback = 0.7f;
      Delay delay;
      configureWetOnly(delay, timeMs, feedback);
      delay.prepare(sampleRate, 512);
      const auto expectedDelay = static_cast<std::size_t>(std::lround(timeMs * sampleRate / 1000.0));
      ASSERT_EQ(delay.delaySamples(), expectedDelay);
      const std::size_t echoes = 12;
      auto s = impulse(expectedDelay * echoes + 1);
      processBlocks(delay, s, 0, s.left.size(), {512});
      double previous = 0.0;
      for (std::size_t i = 0; i < s.left.size(); ++i) {
        const bool onEcho = i > 0 && i % expectedDelay == 0;
        if (!onEcho) {
          ASSERT_EQ(s.left[i], 0.0f) << "between echoes, sample " << i << ", " << timeMs << " ms @ " << sampleRate;
          continue;
        }
        const double expected = i == expectedDelay ? 1.0 : previous * feedback;
        ASSERT_NEAR(s.left[i], expected, 1e-6) << "echo " << i / expectedDelay;
        ASSERT_EQ(s.right[i], s.left[i]);
        previous = s.left[i];
      }
      EXPECT_NEAR(previous, std::pow(0.7, double(echoes) - 1.0), 1e-6);  // after echo 12
    }
  }
}

TEST(Delay, TempoSyncSixteenthAt120BpmIs125Milliseconds) {
  Delay delay;
  configureWetOnly(delay, 500.0, 0.0f);
  delay.setTempoSync(true);
  delay.setTempoBpm(120.0);
  delay.setNoteDivision(0.25f);
  delay.prepare(kSampleRate, 256);
  EXPECT_EQ(delay.delaySamples(), 6000u);  // 0.25 beat * 0.5 s = 125 ms
  auto s = impulse(8000);
  processBlocks(delay, s, 0, s.left.size(), {256});
  for (std::size_t i = 0; i < s.left.size(); ++i) {
    ASSERT_EQ(s.left[i], i == 6000 ? 1.0f : 0.0f) << i;
  }
  delay.setNoteDivision(0.75f);  // dotted eighth at 100 BPM: 0.45 s
  delay.setTempoBpm(100.0);
  EXPECT_EQ(delay.delaySamples(), 21600u);
  delay.setTempoSync(false);  // back to the free time
  EXPECT_EQ(delay.delaySamples(), 24000u);
}

TEST(Delay, PingPongAlternatesLeftThenRight) {
  const float feedback = 0.6f;
  Delay delay;
  configureWetOnly(delay, 50.0, feedback);
  delay.setPingPong(true);
  delay.prepare(kSampleRate, 128);
  const std::size_t d = 2400;
  auto s = impulse(5 * d + 1, 1.0f, 0.5f);  // mono sum (1 + 0.5) / 2 = 0.75
  processBlocks(delay, s, 0, s.left.size(), {128});
  for (std::size_t i = 0; i < s.left.size(); ++i) {
    const std::size_t echo = i % d == 0 ? i / d : 0;
    const bool leftEcho = echo % 2 == 1;
    const bool rightEcho = echo != 0 && echo % 2 == 0;
    const double level = echo ? 0.75 * std::pow(double(feedback), double(echo) - 1.0) : 0.0;
    ASSERT_NEAR(s.left[i], leftEcho ? level : 0.0, 1e-6) << i;
    ASSERT_NEAR(s.right[i], rightEcho ? level : 0.0, 1e-6) << i;
    if (!leftEcho) {
      ASSERT_EQ(s.left[i], 0.0f) << i;
    }
    if (!rightEcho) {
      ASSERT_EQ(s.right[i], 0.0f) << i;
    }
  }
}

// Echo k has passed the feedback filters k - 1 times, so the spectrum of echo k+1 over echo k is
// exactly feedback^2 |H(f)|^2 at every frequency.
TEST(Delay, FeedbackFiltersShapeEachRepeatByTheirOnePoleResponse) {
  constexpr std::size_t kDelay = 4800;   // 100 ms: each echo's filter tail dies well inside a window
  constexpr std::size_t kWindow = 4096;
  struct Case { double lowCutHz, highCutHz; };
  for (const Case c : {Case{0.0, 2000.0}, Case{400.0, Delay::kHighCutOffHz}, Case{300.0, 5000.0}}) {
    const float feedback = 0.8f;
    Delay delay;
    configureWetOnly(delay, 100.0, feedback);
    delay.setFeedbackLowCutHz(c.lowCutHz);
    delay.setFeedbackHighCutHz(c.highCutHz);
    delay.prepare(kSampleRate, 512);
    auto s = impulse(4 * kDelay + kWindow);
    processBlocks(delay, s, 0, s.left.size(), {512});
    std::vector<std::vector<double>> spectra;
    for (std::size_t echo = 1; echo <= 4; ++echo) {
      spectra.push_back(test::powerSpectrum(std::span<const float>(s.left).subspan(echo * kDelay, kWindow)));
    }
    double highRatioDb = 0.0;
    double lowRatioDb = 0.0;
    for (std::size_t bin : {9u, 43u, 171u, 341u, 683u, 1365u}) {  // ~105 Hz, 0.5, 2, 4, 8, 16 kHz
      const double hz = bin * kSampleRate / kWindow;
      double expectedDb = 20.0 * std::log10(feedback);
      if (c.lowCutHz > 0.0) expectedDb += 10.0 * std::log10(highPassPower(c.lowCutHz, hz, kSampleRate));
      if (c.highCutHz < Delay::kHighCutOffHz) expectedDb += 10.0 * std::log10(lowPassPower(c.highCutHz, hz, kSampleRate));
      for (std::size_t echo = 1; echo < 4; ++echo) {
        const double measuredDb = 10.0 * std::log10(spectra[echo][bin] / spectra[echo - 1][bin]);
        EXPECT_NEAR(measuredDb, expectedDb, 0.02) << "echo " << echo + 1 << " over " << echo << " at " << hz << " Hz";
        if (echo == 2 && bin == 1365u) highRatioDb = measuredDb;
        if (echo == 2 && bin == 43u) lowRatioDb = measuredDb;
      }
    }
    std::printf("low cut %g Hz, high cut %g Hz: echo 3/2 at 504 Hz %.3f dB, at 16 kHz %.3f dB\n", c.lowCutHz,
                c.highCutHz, lowRatioDb, highRatioDb);
    if (c.highCutHz < Delay::kHighCutOffHz) {
      EXPECT_LT(highRatioDb, lowRatioDb - 3.0);  // repeats darken
    }
  }
}

TEST(Delay, TimeChangeWhileASinePlaysHasNoDiscontinuity) {
  constexpr double kHz = 440.0;
  Delay delay;
  configureWetOnly(delay, 100.0, 0.0f);
  delay.prepare(kSampleRate, 256);
  const std::uint32_t fade = delay.rampSamples();
  ASSERT_EQ(fade, 960u);
  const std::size_t frames = 48000;
  Stereo s{std::vector<float>(frames), {}};
  for (std::size_t i = 0; i < frames; ++i) s.left[i] = float(std::sin(2.0 * std::numbers::pi * kHz * i / kSampleRate));
  s.right = s.left;
  const Stereo input = s;
  processBlocks(delay, s, 0, 12000, {256});
  delay.setTimeMs(130.0);   // taps 13.2 periods apart: a hard switch would jump by up to 2 sin(0.2 pi) = 1.18
  processBlocks(delay, s, 12000, 12100, {256});
  delay.setTimeMs(57.0);    // arrives mid-crossfade: starts when the first one ends
  processBlocks(delay, s, 12100, frames, {256});
  // A sine of amplitude 1 moves at most 2 pi f / fs per sample; a linear crossfade adds at most
  // |tap difference| <= 2 per fade length.
  const double allowed = 2.0 * std::numbers::pi * kHz / kSampleRate + 2.0 / fade + 1e-6;
  double largest = 0.0;
  for (std::size_t i = 4801; i < frames; ++i) largest = std::fmax(largest, std::fabs(s.left[i] - s.left[i - 1]));
  std::printf("largest step across two time changes %.5f, allowed %.5f\n", largest, allowed);
  EXPECT_LE(largest, allowed);
  // Settled: 100 ms before the changes and 57 ms after both crossfades (mix 1, no feedback).
  for (std::size_t i = 4800; i < 12000; ++i) ASSERT_EQ(s.left[i], input.left[i - 4800]) << i;
  // The first crossfade ends on the 130 ms tap alone; the queued one starts on the next sample.
  EXPECT_EQ(s.left[12000 + fade - 1], input.left[12000 + fade - 1 - 6240]);
  for (std::size_t i = 12000 + 2 * fade; i < frames; ++i) ASSERT_EQ(s.left[i], input.left[i - 2736]) << i;
}

TEST(Delay, OutputIsBitIdenticalAcrossBlockSizes) {
  constexpr std::size_t kFrames = 96000;
  const Stereo input{noise(kFrames, 11u), noise(kFrames, 12u)};
  auto render = [&](const std::vector<std::uint32_t>& pattern) {
    Delay delay;
    delay.setTimeMs(37.0);
    delay.setFeedback(0.8f);
    delay.setFeedbackLowCutHz(150.0);
    delay.setFeedbackHighCutHz(4000.0);
    delay.setMix(0.6f);
    delay.prepare(kSampleRate, 1024);
    Stereo s = input;
    processBlocks(delay, s, 0, 20000, pattern);
    delay.setTimeMs(61.5);
    delay.setFeedback(0.95f);
    delay.setPingPong(true);
    delay.setFeedbackHighCutHz(9000.0);
    processBlocks(delay, s, 20000, 20500, pattern);
    delay.setTempoSync(true);  // mid-crossfade
    delay.setTempoBpm(133.0);
    delay.setNoteDivision(0.75f);
    delay.setMix(1.0f);
    processBlocks(delay, s, 20500, 40000, pattern);
    std::fill(s.left.begin() + 40000, s.left.end(), 0.0f);
    std::fill(s.right.begin() + 40000, s.right.end(), 0.0f);
    processBlocks(delay, s, 40000, kFrames, pattern);
    return s;
  };
  const Stereo whole = render({1024});
  const Stereo sliced = render({7, 128, 441, 1, 333, 64});
  for (std::size_t i = 0; i < kFrames; ++i) {
    ASSERT_EQ(whole.left[i], sliced.left[i]) << i;
    ASSERT_EQ(whole.right[i], sliced.right[i]) << i;
  }
  EXPECT_GT(test::rmsOf(std::span<const float>(whole.left).subspan(40000)), 0.01);  // a real tail was compared
}

// With feedback 0.95 and the filters off, echo k is 0.95^(k-1); the loop flushes values below
// 1e-20, so the last echo is the last k with 0.95^(k-1) >= 1e-20: k = 898.
TEST(Delay, TailReachesExactZeroWhereTheFlushThresholdPredicts) {
  constexpr std::size_t kDelay = 240;  // 5 ms
  Delay delay;
  configureWetOnly(delay, 5.0, 0.95f);
  delay.prepare(kSampleRate, 512);
  auto s = impulse(1100 * kDelay);
  processBlocks(delay, s, 0, s.left.size(), {512});
  std::size_t lastNonZero = 0;
  for (std::size_t i = 0; i < s.left.size(); ++i) {
    if (s.left[i] != 0.0f || s.right[i] != 0.0f) lastNonZero = i;
  }
  const double predictedEcho = std::floor(std::log(1e-20) / std::log(0.95)) + 1.0;
  std::printf("last echo %zu, predicted %.0f\n", lastNonZero / kDelay, predictedEcho);
  EXPECT_EQ(lastNonZero % kDelay, 0u);
  EXPECT_NEAR(double(lastNonZero / kDelay), predictedEcho, 2.0);

  // Filters and ping-pong on, noise in: still exact zeros, sooner (the filters lose energy too).
  Delay filtered;
  filtered.setTimeMs(5.0);
  filtered.setFeedback(0.95f);
  filtered.setFeedbackLowCutHz(80.0);
  filtered.setFeedbackHighCutHz(6000.0);
  filtered.setPingPong(true);
  filtered.setMix(0.5f);
  filtered.prepare(kSampleRate, 512);
  Stereo burst{noise(1100 * kDelay, 5u), noise(1100 * kDelay, 6u)};
  std::fill(burst.left.begin() + 4800, burst.left.end(), 0.0f);
  std::fill(burst.right.begin() + 4800, burst.right.end(), 0.0f);
  processBlocks(filtered, burst, 0, burst.left.size(), {512});
  std::size_t filteredLast = 0;
  for (std::size_t i = 0; i < burst.left.size(); ++i) {
    if (burst.left[i] != 0.0f || burst.right[i] != 0.0f) filteredLast = i;
  }
  std::printf("filtered ping-pong tail: last non-zero sample %zu (%.2f s)\n", filteredLast, filteredLast / kSampleRate);
  EXPECT_LT(filteredLast, 4800 + 900 * kDelay);
}

// ---- Pooled lines: memory taken as the time needs it --------------------------------------

namespace {

using amplitude::dsp::DelayLine;
using amplitude::rt::PagePool;

TEST(PooledDelayLine, GrowingKeepsEveryRecentSampleWhereItWasAndAddsSilenceBeyond) {
  PagePool pool;
  pool.prepare(16);
  DelayLine line;
  line.attach(pool);
  ASSERT_TRUE(line.reserve(5000));  // two pages, joined at once (the write position is at 0)
  EXPECT_EQ(line.maxDelaySamples(), 2u * PagePool::kPageFloats);
  EXPECT_EQ(pool.available(), 14u);
  float next = 1.0f;
  for (int i = 0; i < 10'000; ++i) line.write(next++);  // wrapped once: the ring is full of history
  ASSERT_TRUE(line.reserve(20'000));                       // three more pages, pending
  EXPECT_EQ(line.maxDelaySamples(), 2u * PagePool::kPageFloats) << "pending until a page boundary";
  EXPECT_EQ(pool.available(), 11u);
  while (line.maxDelaySamples() == 2u * PagePool::kPageFloats) line.write(next++);
  EXPECT_EQ(line.maxDelaySamples(), 5u * PagePool::kPageFloats);
  // Everything the old ring held is still exactly `delay` samples back...
  const float newest = next - 1.0f;
  for (std::uint32_t delay = 1; delay <= 2 * PagePool::kPageFloats; ++delay) {
    ASSERT_EQ(line.read(delay), newest + 1.0f - static_cast<float>(delay)) << delay;
  }
  // ...and further back there is silence, not stale or reordered samples.
  for (std::uint32_t delay = 2 * PagePool::kPageFloats + 1; delay <= line.maxDelaySamples(); ++delay) {
    ASSERT_EQ(line.read(delay), 0.0f) << delay;
  }
  line.release();
  EXPECT_EQ(pool.available(), 16u);
}

TEST(PooledDelayLine, AReservationThePoolCannotCoverTakesNothing) {
  PagePool pool;
  pool.prepare(3);
  DelayLine line;
  line.attach(pool);
  EXPECT_FALSE(line.reserve(4 * PagePool::kPageFloats));
  EXPECT_EQ(pool.available(), 3u);
  EXPECT_TRUE(line.reserve(3 * PagePool::kPageFloats));
  EXPECT_EQ(pool.available(), 0u);
}

TEST(PooledDelay, ALongerTimeArrivesWithinAPageAndThenEchoesLandExactly) {
  PagePool pool;
  pool.prepare(48);
  amplitude::dsp::Delay delay;
  delay.attachMemory(pool);
  delay.prepare(48000.0, 128);  // reserves for the default time
  delay.releaseMemory();        // start empty, as a recycled node would
  delay.setMix(1.0f);
  delay.setFeedback(0.0f);
  delay.setTimeMs(50.0);  // 2400 samples: one page per channel
  delay.reset();
  EXPECT_EQ(pool.available(), 46u);
  delay.setTimeMs(500.0);  // 24000 samples: 6 pages per channel, joining at the next boundary
  EXPECT_FALSE(delay.memoryShortfall());
  std::vector<float> left(48000, 0.0f);
  std::vector<float> right(48000, 0.0f);
  left[8000] = right[8000] = 1.0f;  // after the pages joined (<= 4096 samples) and the 20 ms crossfade
  for (std::size_t at = 0; at < left.size(); at += 128) delay.process(left.data() + at, right.data() + at, 128);
  for (std::size_t i = 0; i < left.size(); ++i) {
    ASSERT_EQ(left[i], i == 8000 + 24000 ? 1.0f : 0.0f) << i;
  }
  EXPECT_EQ(pool.available(), 48u - 12u);

  amplitude::dsp::Delay greedy;  // 36 pages left cannot give 2 s (2 x 24 pages) to a second delay
  greedy.attachMemory(pool);
  greedy.prepare(48000.0, 128);
  greedy.setTimeMs(2000.0);
  EXPECT_TRUE(greedy.memoryShortfall());
  greedy.releaseMemory();
  delay.releaseMemory();
  EXPECT_EQ(pool.available(), 48u);
}

}  // namespace
