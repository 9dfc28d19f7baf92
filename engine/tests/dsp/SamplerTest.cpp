// Sampler: bit-exact playback at rate 1, equal-tempered transposition, Hermite resampling
// quality (THD+N), seamless loops, one-shot length, release to exact zero, block-size
// independence.
#include <amplitude/dsp/instruments/Sampler.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

using namespace amplitude;
using dsp::SampleView;
using dsp::Sampler;
using dsp::SamplerPlayback;

namespace {

constexpr double kSampleRate = 48000.0;

std::vector<float> sine(double cyclesPerSample, std::size_t frames, double amplitude = 0.9) {
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) out[i] = float(amplitude * std::sin(2.0 * std::numbers::pi * cyclesPerSample * double(i)));
  return out;
}

std::vector<float> noise(std::size_t frames, std::uint32_t seed) {
  std::vector<float> out(frames);
  for (auto& x : out) {
    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
    x = float(seed) / 2147483648.0f - 1.0f;
  }
  return out;
}

SampleView mono(const std::vector<float>& data, double rate = kSampleRate) {
  SampleView view;
  view.channels[0] = data.data();
  view.frames = std::uint32_t(data.size());
  view.channelCount = 1;
  view.sampleRate = rate;
  return view;
}

struct Event {
  std::size_t frame;
  bool on;
  std::uint8_t note;
  float velocity = 1.0f;
};
struct Stereo {
  std::vector<float> left, right;
};

Stereo render(Sampler& sampler, std::vector<Event> events, std::size_t frames, const std::vector<std::uint32_t>& blockSizes = {1024}) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.frame < b.frame; });
  Stereo out{std::vector<float>(frames), std::vector<float>(frames)};
  std::size_t next = 0, blockIndex = 0;
  for (std::size_t done = 0; done < frames;) {
    for (; next < events.size() && events[next].frame == done; ++next) {
      if (events[next].on) sampler.noteOn(events[next].note, events[next].velocity); else sampler.noteOff(events[next].note);
    }
    std::size_t block = std::min<std::size_t>(blockSizes[blockIndex++ % blockSizes.size()], frames - done);
    if (next < events.size()) block = std::min(block, events[next].frame - done);
    sampler.process(out.left.data() + done, out.right.data() + done, std::uint32_t(block));
    done += block;
  }
  return out;
}

Sampler makeSampler(const SampleView& view) {
  Sampler sampler;
  sampler.prepare(kSampleRate, 512);
  sampler.setSample(view);
  sampler.setRootNote(60);
  sampler.setAttackMs(0.0);
  sampler.setSustain(1.0);
  return sampler;
}

/// Residual power after least-squares removal of a sine at `hz` (and DC), relative to the
/// sine's power, in dB: THD+N.
double thdPlusNoiseDb(std::span<const float> x, double hz) {
  double scc = 0, sss = 0, scs = 0, sc = 0, ss = 0, sxc = 0, sxs = 0, sx = 0;
  const double n = double(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double c = std::cos(2.0 * std::numbers::pi * hz * double(i) / kSampleRate);
    const double s = std::sin(2.0 * std::numbers::pi * hz * double(i) / kSampleRate);
    scc += c * c; sss += s * s; scs += c * s; sc += c; ss += s;
    sxc += x[i] * c; sxs += x[i] * s; sx += x[i];
  }
  // Solve the 3x3 normal equations for [a, b, d] in x ~ a cos + b sin + d (Cramer's rule).
  const double m[3][3] = {{scc, scs, sc}, {scs, sss, ss}, {sc, ss, n}};
  const double r[3] = {sxc, sxs, sx};
  auto det = [](const double a[3][3]) {
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  };
  double coefficient[3];
  for (int k = 0; k < 3; ++k) {
    double mk[3][3];
    for (int i = 0; i < 3; ++i) for (int j = 0; j < 3; ++j) mk[i][j] = j == k ? r[i] : m[i][j];
    coefficient[k] = det(mk) / det(m);
  }
  double residual = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double c = std::cos(2.0 * std::numbers::pi * hz * double(i) / kSampleRate);
    const double s = std::sin(2.0 * std::numbers::pi * hz * double(i) / kSampleRate);
    const double e = x[i] - (coefficient[0] * c + coefficient[1] * s + coefficient[2]);
    residual += e * e;
  }
  const double signal = 0.5 * (coefficient[0] * coefficient[0] + coefficient[1] * coefficient[1]) * n;
  return 10.0 * std::log10(residual / signal);
}

double largestStep(std::span<const float> x) {
  double step = 0.0;
  for (std::size_t i = 1; i < x.size(); ++i) step = std::fmax(step, std::fabs(double(x[i]) - x[i - 1]));
  return step;
}

}  // namespace

TEST(Sampler, RateOneReproducesTheBufferBitExactly) {
  const auto left = noise(20000, 1), right = noise(20000, 2);
  {
    Sampler sampler = makeSampler(mono(left));
    const auto out = render(sampler, {{0, true, 60}}, 20000 + 100, {441});
    EXPECT_EQ(std::memcmp(out.left.data(), left.data(), left.size() * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(out.right.data(), left.data(), left.size() * sizeof(float)), 0);
    for (std::size_t i = 20000; i < out.left.size(); ++i) ASSERT_EQ(out.left[i], 0.0f);  // one-shot ended
  }
  SampleView stereo = mono(left);
  stereo.channels[1] = right.data();
  stereo.channelCount = 2;
  Sampler sampler = makeSampler(stereo);
  sampler.setStartOffset(1234);
  const auto out = render(sampler, {{0, true, 60}}, 20000 - 1234, {128});
  EXPECT_EQ(std::memcmp(out.left.data(), left.data() + 1234, out.left.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(out.right.data(), right.data() + 1234, out.right.size() * sizeof(float)), 0);
}

TEST(Sampler, TranspositionFollowsEqualTemperament) {
  const auto buffer = sine(500.0 / kSampleRate, 3 * 48000);
  struct Case { int semitones; double fineCents; };
  for (auto [semitones, cents] : {Case{12, 0.0}, Case{-12, 0.0}, Case{7, 0.0}, Case{3, 25.0}}) {
    Sampler sampler = makeSampler(mono(buffer));
    sampler.setFineTuneCents(cents);
    const auto out = render(sampler, {{0, true, std::uint8_t(60 + semitones)}}, 48000);
    const double expected = 500.0 * std::pow(2.0, (semitones + cents / 100.0) / 12.0);
    EXPECT_NEAR(test::zeroCrossingFrequency(out.left, kSampleRate), expected, 0.001 * expected) << semitones;
  }
  // A sample recorded at 44.1 kHz plays at its own pitch on a 48 kHz output.
  Sampler sampler = makeSampler(mono(buffer, 44100.0));
  const auto out = render(sampler, {{0, true, 60}}, 48000);
  EXPECT_NEAR(test::zeroCrossingFrequency(out.left, kSampleRate), 500.0 * 44100.0 / 48000.0, 0.001 * 459.375);
}

TEST(Sampler, HermiteResamplingOfAOneKilohertzSineAtRate1_37IsCleanerThanMinus60Decibels) {
  // 1 kHz at 48 kHz in the buffer; a sample rate of 65760 Hz makes the playback rate 1.37.
  const auto buffer = sine(1000.0 / kSampleRate, 3 * 48000);
  Sampler sampler = makeSampler(mono(buffer, 1.37 * kSampleRate));
  const auto out = render(sampler, {{0, true, 60}}, 48000 + 100);
  const double thdn = thdPlusNoiseDb(std::span<const float>(out.left).subspan(100, 48000), 1370.0);
  EXPECT_LT(thdn, -60.0);
  RecordProperty("thdPlusNoiseDb", std::to_string(thdn));
}

TEST(Sampler, LoopedSingleCycleIsSeamless) {
  // 100 frames of noise (played once), then one 64-frame cycle of a sine, looped.
  std::vector<float> buffer = noise(100, 5);
  const auto cycle = sine(1.0 / 64.0, 64);
  buffer.insert(buffer.end(), cycle.begin(), cycle.end());
  Sampler sampler = makeSampler(mono(buffer));
  sampler.setPlayback(SamplerPlayback::Loop);
  sampler.setLoop(100, 164);
  const auto out = render(sampler, {{0, true, 65}}, 48000 + 200);  // rate 2^(5/12)
  const double expected = 750.0 * std::pow(2.0, 5.0 / 12.0);       // 1001.13 Hz
  const std::span<const float> looped = std::span<const float>(out.left).subspan(200);
  EXPECT_NEAR(test::zeroCrossingFrequency(looped, kSampleRate), expected, 0.01);
  const double thdn = thdPlusNoiseDb(looped, expected);
  EXPECT_LT(thdn, -60.0);
  // Continuity: no step larger than a 0.9-amplitude sine of that frequency can make.
  EXPECT_LT(largestStep(looped), 0.9 * 2.0 * std::numbers::pi * expected / kSampleRate * 1.02);
  RecordProperty("loopThdPlusNoiseDb", std::to_string(thdn));
}

TEST(Sampler, OneShotGoesIdleAfterFramesOverRateSamples) {
  const std::vector<float> buffer(1000, 0.5f);
  for (int semitones : {0, 5, 12, -7}) {
    Sampler sampler = makeSampler(mono(buffer));
    const double rate = std::pow(2.0, semitones / 12.0);
    const auto expected = std::size_t(std::ceil(1000.0 / rate));  // 1000, 750, 500, 1499
    sampler.noteOn(std::uint8_t(60 + semitones), 1.0f);
    std::vector<float> l(1), r(1);
    std::size_t played = 0;
    while (sampler.activeVoiceCount() > 0 && played < 5000) {
      sampler.process(l.data(), r.data(), 1);
      ++played;
    }
    EXPECT_EQ(played, expected) << semitones;
    sampler.process(l.data(), r.data(), 1);
    EXPECT_EQ(l[0], 0.0f);
  }
}

TEST(Sampler, GatedNoteReleasesToExactZeroAndVelocityIsSquared) {
  const auto buffer = sine(480.0 / kSampleRate, 48000);
  Sampler sampler = makeSampler(mono(buffer));
  sampler.setPlayback(SamplerPlayback::Gated);
  sampler.setReleaseMs(20.0);  // 960 samples
  const auto out = render(sampler, {{0, true, 60, 0.5f}, {4800, false, 60}}, 8000);
  // 0.1 s of 480 Hz = 48 whole periods, at 0.9 * 0.5^2.
  EXPECT_NEAR(test::toneAmplitude(std::span<const float>(out.left).subspan(0, 4800), 480.0, kSampleRate), 0.9 * 0.25, 1e-4);
  EXPECT_NE(out.left[4800 + 959], 0.0f);
  for (std::size_t i = 4800 + 960; i < out.left.size(); ++i) ASSERT_EQ(out.left[i], 0.0f) << i;
  for (float x : out.left) ASSERT_NE(std::fpclassify(x), FP_SUBNORMAL);
  EXPECT_EQ(sampler.activeVoiceCount(), 0u);
}

TEST(Sampler, RetriggerAndStealingDoNotClick) {
  const auto buffer = sine(200.0 / kSampleRate, 96000);
  Sampler sampler = makeSampler(mono(buffer));
  std::vector<Event> events;
  for (int n = 0; n < 17; ++n) events.push_back({std::size_t(100 * n), true, std::uint8_t(40 + n), 0.25f});
  events.push_back({5000, true, 45, 0.25f});  // retrigger: fade, restart
  const auto out = render(sampler, events, 8000);
  EXPECT_EQ(sampler.activeVoiceCount(), 16u);
  EXPECT_FALSE(sampler.isNoteActive(40));  // the oldest was stolen for the 17th
  EXPECT_TRUE(sampler.isNoteActive(56));
  // Bound: every voice at its fastest (0.9 * 0.0625 * 2 pi f / fs), plus a 96-sample fade.
  double bound = 0.0;
  for (int n = 0; n < 17; ++n) bound += 0.9 * 0.0625 * 2.0 * std::numbers::pi * 200.0 * std::pow(2.0, (n - 20) / 12.0) / kSampleRate;
  EXPECT_LT(largestStep(std::span<const float>(out.left).subspan(1500, 6000)), bound + 0.9 * 0.0625 / 96.0);
}

TEST(Sampler, OutputIsBitIdenticalAcrossBlockSizesAndEndsInExactZero) {
  const auto left = sine(331.0 / kSampleRate, 30000), right = noise(30000, 9);
  SampleView view = mono(left, 44100.0);
  view.channels[1] = right.data();
  view.channelCount = 2;
  auto make = [&] {
    Sampler sampler = makeSampler(view);
    sampler.setPlayback(SamplerPlayback::Loop);
    sampler.setLoop(5000, 17345);
    sampler.setAttackMs(4.0);
    sampler.setDecayMs(80.0);
    sampler.setSustain(0.5);
    sampler.setReleaseMs(60.0);
    sampler.setGainDecibels(-3.0);
    sampler.setFineTuneCents(13.0);
    return sampler;
  };
  std::vector<Event> events;
  for (int n = 0; n < 20; ++n) events.push_back({std::size_t(700 * n + 11), true, std::uint8_t(50 + 2 * n), 0.2f + 0.04f * n});
  for (int n = 0; n < 20; ++n) events.push_back({std::size_t(30000 + 300 * n), false, std::uint8_t(50 + 2 * n)});
  events.push_back({9000, true, 54, 1.0f});
  Sampler a = make(), b = make();
  const auto one = render(a, events, 48000, {1024});
  const auto many = render(b, events, 48000, {7, 128, 441, 1, 333});
  EXPECT_GT(test::peakOf(one.left), 0.1);
  EXPECT_EQ(std::memcmp(one.left.data(), many.left.data(), one.left.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(one.right.data(), many.right.data(), one.right.size() * sizeof(float)), 0);
  // The last release starts at 35700 and lasts 2880 samples.
  for (std::size_t i = 35700 + 2880; i < one.left.size(); ++i) {
    ASSERT_EQ(one.left[i], 0.0f) << i;
    ASSERT_EQ(one.right[i], 0.0f) << i;
  }
  EXPECT_EQ(a.activeVoiceCount(), 0u);
}
