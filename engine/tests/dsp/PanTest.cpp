// Invariants of the constant-power panner: -3.01 dB per side at centre, exact silence on the far
// side at a hard pan, constant L^2 + R^2 at every position, bounded per-sample steps while a pan
// jump ramps, and results independent of how the host slices blocks.
#include <amplitude/dsp/mix/Pan.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

using namespace amplitude;
using amplitude::dsp::Pan;

namespace {

constexpr double kSampleRate = 48000.0;

std::vector<float> sine(double hz, std::size_t frames) {
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) out[i] = float(0.5 * std::sin(2.0 * std::numbers::pi * hz * i / kSampleRate));
  return out;
}

std::vector<float> noise(std::size_t frames, std::uint32_t seed) {
  std::vector<float> out(frames);
  for (auto& x : out) {
    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;  // xorshift32
    x = float(seed) / 4294967296.0f * 2.0f - 1.0f;
  }
  return out;
}

/// Processes [begin, end) in blocks cycling through `pattern`.
void processBlocks(Pan& pan, std::vector<float>& left, std::vector<float>& right, std::size_t begin, std::size_t end,
                   const std::vector<std::uint32_t>& pattern) {
  for (std::size_t done = begin, k = 0; done < end; ++k) {
    const auto block = static_cast<std::uint32_t>(std::min<std::size_t>(end - done, pattern[k % pattern.size()]));
    pan.process(left.data() + done, right.data() + done, block);
    done += block;
  }
}

struct Stereo { std::vector<float> left, right; };

Stereo panMono(float position, const std::vector<float>& mono) {
  Pan pan;
  pan.setPan(position);
  pan.prepare(kSampleRate, 512);
  Stereo out{mono, mono};
  processBlocks(pan, out.left, out.right, 0, mono.size(), {512});
  return out;
}

}  // namespace

TEST(Pan, CentreIsMinus3dBOnEachSide) {
  const auto input = sine(1000.0, 48000);
  const auto out = panMono(0.0f, input);
  const double inputRms = test::rmsOf(input);
  const double leftDb = test::toDecibels(test::rmsOf(out.left) / inputRms);
  const double rightDb = test::toDecibels(test::rmsOf(out.right) / inputRms);
  std::printf("centre: left %.4f dB, right %.4f dB\n", leftDb, rightDb);
  EXPECT_NEAR(leftDb, -3.0103, 0.01);
  EXPECT_NEAR(rightDb, -3.0103, 0.01);
}

TEST(Pan, HardPanSilencesTheFarSideExactly) {
  const auto input = sine(440.0, 4800);
  const auto hardLeft = panMono(-1.0f, input);
  const auto hardRight = panMono(1.0f, input);
  for (std::size_t i = 0; i < input.size(); ++i) {
    ASSERT_EQ(hardLeft.right[i], 0.0f) << i;
    ASSERT_EQ(hardRight.left[i], 0.0f) << i;
    ASSERT_NEAR(hardLeft.left[i], input[i], 1e-7) << i;
    ASSERT_NEAR(hardRight.right[i], input[i], 1e-7) << i;
  }
}

TEST(Pan, PowerIsConstantAndGainsFollowTheSineCosineLaw) {
  const auto input = sine(1000.0, 48000);
  const double inputPower = test::rmsOf(input) * test::rmsOf(input);
  double previousLeft = 2.0;
  for (int step = 0; step <= 20; ++step) {
    const float position = -1.0f + 0.1f * static_cast<float>(step);
    const auto out = panMono(position, input);
    const double left = test::rmsOf(out.left);
    const double right = test::rmsOf(out.right);
    const double powerDb = 10.0 * std::log10((left * left + right * right) / inputPower);
    EXPECT_NEAR(powerDb, 0.0, 0.01) << "pan " << position;
    const double theta = (double(position) + 1.0) * std::numbers::pi / 4.0;
    EXPECT_NEAR(left / test::rmsOf(input), std::cos(theta), 1e-5) << "pan " << position;
    EXPECT_NEAR(right / test::rmsOf(input), std::sin(theta), 1e-5) << "pan " << position;
    EXPECT_LT(left, previousLeft);  // strictly monotonic sweep
    previousLeft = left;
  }
}

TEST(Pan, JumpIsRampedWithBoundedSteps) {
  Pan pan;
  pan.setPan(-1.0f);
  pan.prepare(kSampleRate, 256);
  const std::uint32_t ramp = pan.rampSamples();
  ASSERT_EQ(ramp, 960u);  // 20 ms at 48 kHz
  std::vector<float> left(4096, 1.0f), right(4096, 1.0f);
  processBlocks(pan, left, right, 0, 1000, {256});
  pan.setPan(1.0f);  // hard left -> hard right
  processBlocks(pan, left, right, 1000, left.size(), {256});
  // The gains follow the ramped angle: |d gain / d pan| <= pi/4, and the pan moves 2/ramp per sample.
  const double allowed = std::numbers::pi / 4.0 * 2.0 / ramp * 1.001;
  double largest = 0.0;
  for (std::size_t i = 1; i < left.size(); ++i) {
    largest = std::fmax(largest, std::fabs(left[i] - left[i - 1]));
    largest = std::fmax(largest, std::fabs(right[i] - right[i - 1]));
  }
  std::printf("largest step %.6g, allowed %.6g (an unramped jump would be 1)\n", largest, allowed);
  EXPECT_LE(largest, allowed);
  EXPECT_GT(largest, 0.5 * allowed);
  EXPECT_EQ(right[999], 0.0f);
  EXPECT_NEAR(left[1000 + ramp / 2 - 1], std::cos(std::numbers::pi / 4.0), 1e-3);  // halfway: centre
  EXPECT_GT(left[1000 + ramp - 2], 0.0f);   // still moving one sample before the end
  EXPECT_EQ(left[1000 + ramp - 1], 0.0f);   // lands exactly on hard right after `ramp` samples
  EXPECT_EQ(left.back(), 0.0f);
}

TEST(Pan, OutputIsBitIdenticalAcrossBlockSizes) {
  const auto inputLeft = noise(48000, 1u);
  const auto inputRight = noise(48000, 2u);
  auto render = [&](const std::vector<std::uint32_t>& pattern) {
    Pan pan;
    pan.prepare(kSampleRate, 1024);
    Stereo out{inputLeft, inputRight};
    processBlocks(pan, out.left, out.right, 0, 10000, pattern);
    pan.setPan(-0.7f);
    processBlocks(pan, out.left, out.right, 10000, 10500, pattern);
    pan.setPan(0.9f);  // mid-ramp change
    processBlocks(pan, out.left, out.right, 10500, 48000, pattern);
    return out;
  };
  const auto whole = render({1024});
  const auto sliced = render({7, 128, 441, 1, 333, 64});
  for (std::size_t i = 0; i < whole.left.size(); ++i) {
    ASSERT_EQ(whole.left[i], sliced.left[i]) << i;
    ASSERT_EQ(whole.right[i], sliced.right[i]) << i;
  }
}

TEST(Pan, SilenceInGivesExactZeroOut) {  // no recursive state: nothing can linger or go denormal
  Pan pan;
  pan.prepare(kSampleRate, 512);
  std::vector<float> left = noise(4800, 3u), right = noise(4800, 4u);
  left.resize(9600, 0.0f);
  right.resize(9600, 0.0f);
  pan.setPan(0.3f);
  processBlocks(pan, left, right, 0, left.size(), {512});
  for (std::size_t i = 4800; i < left.size(); ++i) {
    ASSERT_EQ(left[i], 0.0f);
    ASSERT_EQ(right[i], 0.0f);
  }
}
