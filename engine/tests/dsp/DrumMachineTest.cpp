// DrumMachine: pads play their own sample at gain * velocity^2 with the constant-power pan law,
// choke groups silence the other pads of the group within the ~1 ms fade, pitch transposes,
// two voices per pad, block-size independence, exact zero after the last hit.
#include <amplitude/dsp/instruments/DrumMachine.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

using namespace amplitude;
using dsp::DrumMachine;
using dsp::SampleView;

namespace {

constexpr double kSampleRate = 48000.0;

std::vector<float> noise(std::size_t frames, std::uint32_t seed) {
  std::vector<float> out(frames);
  for (auto& x : out) {
    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
    x = float(seed) / 2147483648.0f - 1.0f;
  }
  return out;
}

std::vector<float> sine(double hz, std::size_t frames) {
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) out[i] = float(0.8 * std::sin(2.0 * std::numbers::pi * hz * double(i) / kSampleRate));
  return out;
}

SampleView mono(const std::vector<float>& data) {
  SampleView view;
  view.channels[0] = data.data();
  view.frames = std::uint32_t(data.size());
  view.channelCount = 1;
  view.sampleRate = kSampleRate;
  return view;
}

struct Hit {
  std::size_t frame;
  std::uint8_t note;
  float velocity = 1.0f;
};
struct Stereo {
  std::vector<float> left, right;
};

Stereo render(DrumMachine& drums, std::vector<Hit> hits, std::size_t frames, const std::vector<std::uint32_t>& blockSizes = {1024}) {
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.frame < b.frame; });
  Stereo out{std::vector<float>(frames), std::vector<float>(frames)};
  std::size_t next = 0, blockIndex = 0;
  for (std::size_t done = 0; done < frames;) {
    for (; next < hits.size() && hits[next].frame == done; ++next) drums.noteOn(hits[next].note, hits[next].velocity);
    std::size_t block = std::min<std::size_t>(blockSizes[blockIndex++ % blockSizes.size()], frames - done);
    if (next < hits.size()) block = std::min(block, hits[next].frame - done);
    drums.process(out.left.data() + done, out.right.data() + done, std::uint32_t(block));
    done += block;
  }
  return out;
}

double largestStep(std::span<const float> x) {
  double step = 0.0;
  for (std::size_t i = 1; i < x.size(); ++i) step = std::fmax(step, std::fabs(double(x[i]) - x[i - 1]));
  return step;
}

}  // namespace

TEST(DrumMachine, PadsPlayTheirOwnSampleAtTheirLevelAndPan) {
  std::vector<std::vector<float>> samples;
  for (int pad = 0; pad < DrumMachine::kPads; ++pad) samples.push_back(noise(2000 + 100 * pad, 100 + pad));
  DrumMachine drums;
  drums.prepare(kSampleRate, 512);
  for (int pad = 0; pad < DrumMachine::kPads; ++pad) {
    drums.setPad(pad, mono(samples[pad]));
    drums.setPadGainDecibels(pad, -1.5 * pad);
    drums.setPadPan(pad, -1.0 + 2.0 * pad / 15.0);
  }
  for (int pad : {0, 3, 7, 12, 15}) {
    for (float velocity : {1.0f, 0.6f}) {
      drums.reset();
      const auto out = render(drums, {{0, std::uint8_t(36 + pad), velocity}}, samples[pad].size() + 50);
      const double pan = -1.0 + 2.0 * pad / 15.0;
      const double gain = std::pow(10.0, -1.5 * pad / 20.0) * velocity * velocity;
      const double leftGain = gain * std::cos(std::numbers::pi / 4.0 * (pan + 1.0));
      const double rightGain = gain * std::sin(std::numbers::pi / 4.0 * (pan + 1.0));
      for (std::size_t i = 0; i < samples[pad].size(); ++i) {
        ASSERT_NEAR(out.left[i], samples[pad][i] * leftGain, 1e-6) << "pad " << pad << " frame " << i;
        ASSERT_NEAR(out.right[i], samples[pad][i] * rightGain, 1e-6) << "pad " << pad << " frame " << i;
      }
      for (std::size_t i = samples[pad].size(); i < out.left.size(); ++i) ASSERT_EQ(out.left[i], 0.0f);
    }
  }
  // A note no pad listens to plays nothing; a re-mapped pad answers its new note.
  drums.reset();
  drums.setPadNote(2, 60);
  EXPECT_EQ(test::peakOf(render(drums, {{0, 38}}, 1000).left), 0.0);
  EXPECT_GT(test::peakOf(render(drums, {{0, 60}}, 1000).left), 0.1);
}

TEST(DrumMachine, ChokeGroupSilencesTheOtherPadsWithinTheFade) {
  const auto openHat = sine(3000.0, 48000);
  const std::vector<float> closedHat(4800, 0.0f);  // silent, so only the choked pad is heard
  const auto ride = sine(500.0, 48000);
  DrumMachine drums;
  drums.prepare(kSampleRate, 512);
  drums.setPad(0, mono(openHat));
  drums.setPad(1, mono(closedHat));
  drums.setPad(2, mono(ride));
  drums.setPadChokeGroup(0, 1);
  drums.setPadChokeGroup(1, 1);
  drums.setPadChokeGroup(2, 2);  // another group: untouched
  drums.setPadPan(0, -1.0);      // open hat left only
  drums.setPadPan(2, 1.0);       // ride right only
  const auto out = render(drums, {{0, 36}, {0, 38}, {10000, 37}}, 20000);
  EXPECT_GT(test::peakOf(std::span<const float>(out.left).subspan(9000, 1000)), 0.7);
  const std::size_t fade = 48;  // 1 ms
  for (std::size_t i = 10000 + fade; i < out.left.size(); ++i) ASSERT_EQ(out.left[i], 0.0f) << i;
  EXPECT_NE(out.left[10000 + fade / 2], 0.0f);  // a fade, not a cut
  // The fade adds at most 0.8/48 per sample to the hat's own fastest change.
  EXPECT_LT(largestStep(std::span<const float>(out.left).subspan(9990, 100)),
            0.8 * 2.0 * std::numbers::pi * 3000.0 / kSampleRate + 0.8 / 48.0);
  // The ride (group 2) rings on: same level before and after.
  EXPECT_NEAR(test::toneAmplitude(std::span<const float>(out.right).subspan(11000, 4800), 500.0, kSampleRate), 0.8, 1e-4);
  EXPECT_EQ(drums.activeVoiceCount(0), 0u);
}

TEST(DrumMachine, PitchTransposesFrequencyAndLength) {
  const auto tone = sine(1000.0, 24000);
  for (double semitones : {12.0, -12.0, 7.0}) {
    DrumMachine drums;
    drums.prepare(kSampleRate, 512);
    drums.setPad(4, mono(tone));
    drums.setPadPitchSemitones(4, semitones);
    const double rate = std::pow(2.0, semitones / 12.0);
    const auto length = std::size_t(std::ceil(24000.0 / rate));
    const auto out = render(drums, {{0, 40}}, length + 100);
    EXPECT_NEAR(test::zeroCrossingFrequency(std::span<const float>(out.left).subspan(0, length - 10), kSampleRate), 1000.0 * rate,
                0.001 * 1000.0 * rate) << semitones;
    EXPECT_GT(test::peakOf(std::span<const float>(out.left).subspan(length - 40, 40)), 0.1);  // plays to its end
    for (std::size_t i = length; i < out.left.size(); ++i) ASSERT_EQ(out.left[i], 0.0f) << semitones << " " << i;
  }
}

TEST(DrumMachine, APadUsesAtMostTwoVoices) {
  const auto tone = sine(200.0, 48000);
  DrumMachine drums;
  drums.prepare(kSampleRate, 512);
  drums.setPad(0, mono(tone));
  const auto out = render(drums, {{0, 36}, {1000, 36}, {2000, 36}, {3000, 36}}, 5000);
  EXPECT_EQ(drums.activeVoiceCount(0), 2u);
  EXPECT_EQ(drums.activeVoiceCount(), 2u);
  // Each hit that steals fades the older voice over 1 ms: no clicks.
  const double bound = 2.0 * 0.8 * 0.7072 * 2.0 * std::numbers::pi * 200.0 / kSampleRate + 0.8 * 0.7072 / 48.0;
  EXPECT_LT(largestStep(std::span<const float>(out.left).subspan(1500)), bound);
}

TEST(DrumMachine, OutputIsBitIdenticalAcrossBlockSizesAndEndsInExactZero) {
  std::vector<std::vector<float>> samples;
  for (int pad = 0; pad < DrumMachine::kPads; ++pad) samples.push_back(noise(1500 + 211 * pad, 7 + pad));
  auto make = [&] {
    DrumMachine drums;
    drums.prepare(kSampleRate, 1024);
    for (int pad = 0; pad < DrumMachine::kPads; ++pad) {
      drums.setPad(pad, mono(samples[pad]));
      drums.setPadGainDecibels(pad, -0.7 * pad);
      drums.setPadPan(pad, std::sin(pad));
      drums.setPadPitchSemitones(pad, pad % 5 - 2.5);
      drums.setPadChokeGroup(pad, std::uint8_t(pad % 3));
    }
    return drums;
  };
  std::vector<Hit> hits;
  std::uint32_t seed = 42;
  for (int n = 0; n < 60; ++n) {
    seed = seed * 1664525u + 1013904223u;
    hits.push_back({std::size_t(n * 311 + (seed >> 28)), std::uint8_t(36 + (seed >> 8) % 16), 0.3f + float((seed >> 4) % 7) / 10.0f});
  }
  DrumMachine a = make(), b = make();
  const auto one = render(a, hits, 48000, {1024});
  const auto many = render(b, hits, 48000, {7, 128, 441, 1, 333});
  EXPECT_GT(test::peakOf(one.left), 0.1);
  EXPECT_EQ(std::memcmp(one.left.data(), many.left.data(), one.left.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(one.right.data(), many.right.data(), one.right.size() * sizeof(float)), 0);
  // The last hit is before 19000; the longest sample at the lowest pitch lasts < 4700 * 2^(2.5/12) < 5500.
  for (std::size_t i = 19000 + 5500; i < one.left.size(); ++i) ASSERT_EQ(one.left[i], 0.0f) << i;
  for (float x : one.left) ASSERT_NE(std::fpclassify(x), FP_SUBNORMAL);
  EXPECT_EQ(a.activeVoiceCount(), 0u);
}
