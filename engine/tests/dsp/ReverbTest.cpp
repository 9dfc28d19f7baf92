// Invariants of the FDN reverb: the decay (RT60 from the Schroeder backward integral) follows the
// documented size mapping; pre-delay and line lengths place the first reflection exactly; mix 0
// is the input bit for bit; width 0 is a mono tail; the output stays finite whatever the
// parameters do; the result does not depend on block sizes; and tails end in exact zeros.
#include <amplitude/dsp/time/Reverb.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

using namespace amplitude;
using amplitude::dsp::Reverb;

namespace {

constexpr double kSampleRate = 48000.0;

struct Stereo {
  std::vector<float> left, right;
};

std::uint32_t nextRandom(std::uint32_t& state) {
  state ^= state << 13; state ^= state >> 17; state ^= state << 5;  // xorshift32
  return state;
}

std::vector<float> noise(std::size_t frames, std::uint32_t seed, float amplitude = 1.0f) {
  std::vector<float> out(frames);
  for (auto& x : out) x = amplitude * (float(nextRandom(seed)) / 4294967296.0f * 2.0f - 1.0f);
  return out;
}

void processBlocks(Reverb& reverb, Stereo& s, std::size_t begin, std::size_t end, const std::vector<std::uint32_t>& pattern) {
  for (std::size_t done = begin, k = 0; done < end; ++k) {
    const auto block = static_cast<std::uint32_t>(std::min<std::size_t>(end - done, pattern[k % pattern.size()]));
    reverb.process(s.left.data() + done, s.right.data() + done, block);
    done += block;
  }
}

Stereo impulseResponse(Reverb& reverb, std::size_t frames) {
  Stereo s{std::vector<float>(frames, 0.0f), std::vector<float>(frames, 0.0f)};
  s.left[0] = 1.0f;
  s.right[0] = 1.0f;
  processBlocks(reverb, s, 0, frames, {512});
  return s;
}

/// RT60 from the Schroeder backward integral of L^2 + R^2: least-squares slope of the energy
/// decay curve between -5 and -35 dB (T30), extrapolated to 60 dB.
double measuredRt60Seconds(const Stereo& ir) {
  std::vector<double> remaining(ir.left.size() + 1, 0.0);
  for (std::size_t i = ir.left.size(); i-- > 0;) {
    remaining[i] = remaining[i + 1] + double(ir.left[i]) * ir.left[i] + double(ir.right[i]) * ir.right[i];
  }
  double n = 0, sumT = 0, sumD = 0, sumTT = 0, sumTD = 0;
  for (std::size_t i = 0; i < ir.left.size(); ++i) {
    const double db = 10.0 * std::log10(remaining[i] / remaining[0]);
    if (db > -5.0) continue;
    if (db < -35.0) break;
    const double t = i / kSampleRate;
    n += 1; sumT += t; sumD += db; sumTT += t * t; sumTD += t * db;
  }
  const double slope = (n * sumTD - sumT * sumD) / (n * sumTT - sumT * sumT);  // dB per second
  return -60.0 / slope;
}

Reverb makeWetReverb(float size, float damping = 0.0f) {
  Reverb reverb;
  reverb.setSize(size);
  reverb.setDamping(damping);
  reverb.setPreDelayMs(0.0);
  reverb.setMix(1.0f);
  reverb.setWidth(1.0f);
  return reverb;
}

}  // namespace

TEST(Reverb, Rt60FollowsTheSizeMappingAndGrowsWithSize) {
  double previous = 0.0;
  for (float size : {0.0f, 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 1.0f}) {
    Reverb reverb = makeWetReverb(size);
    reverb.prepare(kSampleRate, 512);
    const double documented = Reverb::rt60SecondsForSize(size);
    const auto ir = impulseResponse(reverb, static_cast<std::size_t>((1.6 * documented + 0.3) * kSampleRate));
    const double measured = measuredRt60Seconds(ir);
    std::printf("size %.1f: RT60 measured %.3f s, documented %.3f s (%+.1f%%)\n", size, measured, documented,
                100.0 * (measured / documented - 1.0));
    EXPECT_NEAR(measured / documented, 1.0, 0.25) << "size " << size;
    EXPECT_GT(measured, previous) << "size " << size;
    previous = measured;
  }
  EXPECT_NEAR(Reverb::rt60SecondsForSize(0.0), 0.3, 1e-12);
  EXPECT_NEAR(Reverb::rt60SecondsForSize(1.0), 8.0, 1e-9);
}

TEST(Reverb, DampingShortensTheHighFrequencyDecayOnly) {
  Reverb bright = makeWetReverb(0.5f, 0.0f);
  Reverb dark = makeWetReverb(0.5f, 0.8f);
  bright.prepare(kSampleRate, 512);
  dark.prepare(kSampleRate, 512);
  const std::size_t frames = 65536;
  const auto brightIr = impulseResponse(bright, frames);
  const auto darkIr = impulseResponse(dark, frames);
  // Energy above 8 kHz in the second half second of the tail, dark relative to bright.
  const auto spectrum = [](const Stereo& ir) { return test::powerSpectrum(std::span<const float>(ir.left).subspan(24000, 32768)); };
  const auto brightSpectrum = spectrum(brightIr);
  const auto darkSpectrum = spectrum(darkIr);
  double brightHigh = 0, darkHigh = 0, brightLow = 0, darkLow = 0;
  for (std::size_t k = 1; k < brightSpectrum.size(); ++k) {
    const double hz = k * kSampleRate / 32768;
    if (hz > 8000.0) { brightHigh += brightSpectrum[k]; darkHigh += darkSpectrum[k]; }
    if (hz < 200.0) { brightLow += brightSpectrum[k]; darkLow += darkSpectrum[k]; }
  }
  const double highDb = 10.0 * std::log10(darkHigh / brightHigh);
  const double lowDb = 10.0 * std::log10(darkLow / brightLow);
  std::printf("damping 0.8 vs 0 at 0.5 s: above 8 kHz %.1f dB, below 200 Hz %.1f dB\n", highDb, lowDb);
  EXPECT_LT(highDb, -30.0);
  EXPECT_GT(lowDb, -3.0);
}

TEST(Reverb, FirstReflectionArrivesAfterPreDelayPlusTheShortestLine) {
  for (double preDelayMs : {0.0, 50.0, 200.0}) {
    Reverb reverb = makeWetReverb(0.4f);
    reverb.setPreDelayMs(preDelayMs);
    reverb.prepare(kSampleRate, 512);
    const auto expected = static_cast<std::size_t>(std::lround(preDelayMs * kSampleRate / 1000.0) +
                                                   reverb.lineLengthSamples(0));
    const auto ir = impulseResponse(reverb, expected + 100);
    std::size_t first = 0;
    while (first < ir.left.size() && ir.left[first] == 0.0f && ir.right[first] == 0.0f) ++first;
    EXPECT_EQ(first, expected) << preDelayMs << " ms";
  }
}

TEST(Reverb, LineLengthsAreDistinctPrimesScaledBySize) {
  Reverb reverb;
  for (float size : {0.0f, 0.5f, 1.0f}) {
    reverb.setSize(size);
    reverb.prepare(kSampleRate, 512);
    for (int i = 0; i < Reverb::kLines; ++i) {
      const auto length = static_cast<std::uint32_t>(reverb.lineLengthSamples(i));
      for (std::uint32_t d = 2; d * d <= length; ++d) ASSERT_NE(length % d, 0u) << length;
      if (i > 0) {
        EXPECT_GT(reverb.lineLengthSamples(i), reverb.lineLengthSamples(i - 1));
      }
    }
  }
  reverb.setSize(0.0f);
  const float small = reverb.lineLengthSamples(7);
  reverb.setSize(1.0f);
  EXPECT_NEAR(reverb.lineLengthSamples(7) / small, 1.0 / 0.35, 0.01);  // lengths scale 0.35 .. 1
}

TEST(Reverb, MixZeroIsTheInputExactly) {
  const std::size_t frames = 48000;
  const Stereo input{noise(frames, 21u), noise(frames, 22u)};
  Reverb reverb;
  reverb.setSize(0.8f);
  reverb.setMix(0.0f);
  reverb.prepare(kSampleRate, 512);
  Stereo s = input;
  processBlocks(reverb, s, 0, frames, {512});
  for (std::size_t i = 0; i < frames; ++i) {
    ASSERT_EQ(s.left[i], input.left[i]) << i;
    ASSERT_EQ(s.right[i], input.right[i]) << i;
  }
  // From a wet mix back to 0: exact again once the 20 ms gain ramp has landed, with a tail running.
  reverb.setMix(0.7f);
  s = input;
  processBlocks(reverb, s, 0, 24000, {512});
  EXPECT_NE(s.left[23999], input.left[23999]);
  reverb.setMix(0.0f);
  processBlocks(reverb, s, 24000, frames, {512});
  for (std::size_t i = 24000 + 960; i < frames; ++i) {
    ASSERT_EQ(s.left[i], input.left[i]) << i;
    ASSERT_EQ(s.right[i], input.right[i]) << i;
  }
}

TEST(Reverb, WidthZeroGivesIdenticalChannels) {
  const std::size_t frames = 48000;
  const Stereo input{noise(frames, 31u), noise(frames, 32u)};
  for (float width : {0.0f, 1.0f}) {
    Reverb reverb;
    reverb.setMix(1.0f);
    reverb.setWidth(width);
    reverb.prepare(kSampleRate, 512);
    Stereo s = input;
    processBlocks(reverb, s, 0, frames, {512});
    double lr = 0, ll = 0, rr = 0;
    for (std::size_t i = 0; i < frames; ++i) {
      if (width == 0.0f) {
        ASSERT_EQ(s.left[i], s.right[i]) << i;
      }
      lr += double(s.left[i]) * s.right[i];
      ll += double(s.left[i]) * s.left[i];
      rr += double(s.right[i]) * s.right[i];
    }
    if (width == 1.0f) {
      const double correlation = lr / std::sqrt(ll * rr);
      std::printf("width 1: L/R correlation of the tail %.3f\n", correlation);
      EXPECT_LT(std::fabs(correlation), 0.3);  // the full-width tail really is decorrelated
    }
  }
}

TEST(Reverb, OutputStaysFiniteUnderAnyParameterMovement) {
  Reverb reverb;
  reverb.prepare(kSampleRate, 256);
  std::uint32_t seed = 77u;
  const auto uniform = [&] { return float(nextRandom(seed)) / 4294967296.0f; };
  const std::size_t frames = 10 * 48000;
  Stereo s{noise(frames, 41u, 8.0f), noise(frames, 42u, 8.0f)};  // 18 dB over full scale
  double peak = 0.0;
  for (std::size_t done = 0; done < frames; done += 256) {
    reverb.setSize(uniform() < 0.5f ? 1.0f : uniform());  // favour the longest, least damped decay
    reverb.setDamping(uniform() < 0.5f ? 0.0f : uniform());
    reverb.setPreDelayMs(200.0 * uniform());
    reverb.setMix(uniform());
    reverb.setWidth(uniform());
    reverb.process(s.left.data() + done, s.right.data() + done, 256);
    for (std::size_t i = done; i < done + 256; ++i) {
      ASSERT_TRUE(std::isfinite(s.left[i]) && std::isfinite(s.right[i])) << i;
      peak = std::fmax(peak, std::fmax(std::fabs(s.left[i]), std::fabs(s.right[i])));
    }
  }
  std::printf("peak under random parameter movement with input peak 8: %.1f\n", peak);
  EXPECT_LT(peak, 1000.0);
}

TEST(Reverb, OutputIsBitIdenticalAcrossBlockSizes) {
  constexpr std::size_t kFrames = 4 * 48000;
  const Stereo input{noise(kFrames, 51u), noise(kFrames, 52u)};
  auto render = [&](const std::vector<std::uint32_t>& pattern) {
    Reverb reverb;
    reverb.setSize(0.6f);
    reverb.setDamping(0.4f);
    reverb.setPreDelayMs(23.0);
    reverb.setMix(0.5f);
    reverb.setWidth(0.8f);
    reverb.prepare(kSampleRate, 1024);
    Stereo s = input;
    processBlocks(reverb, s, 0, 30000, pattern);
    reverb.setSize(0.9f);  // glides over 100 ms
    reverb.setPreDelayMs(140.0);
    reverb.setDamping(0.1f);
    processBlocks(reverb, s, 30000, 32000, pattern);
    reverb.setSize(0.2f);  // mid-glide
    reverb.setWidth(0.3f);
    reverb.setMix(0.9f);
    processBlocks(reverb, s, 32000, 60000, pattern);
    std::fill(s.left.begin() + 60000, s.left.end(), 0.0f);
    std::fill(s.right.begin() + 60000, s.right.end(), 0.0f);
    processBlocks(reverb, s, 60000, kFrames, pattern);
    return s;
  };
  const Stereo whole = render({1024});
  const Stereo sliced = render({7, 128, 441, 1, 333, 64});
  for (std::size_t i = 0; i < kFrames; ++i) {
    ASSERT_EQ(whole.left[i], sliced.left[i]) << i;
    ASSERT_EQ(whole.right[i], sliced.right[i]) << i;
  }
  EXPECT_GT(test::rmsOf(std::span<const float>(whole.left).subspan(60000)), 0.001);  // a real tail was compared
}

// Values below 1e-20 are flushed in the loop, so a tail decaying at 60 dB per RT60 reaches exact
// zero about (400 dB + its starting level) / 60 dB RT60s after the input stops.
TEST(Reverb, TailReachesExactZeroAfterTheInputStops) {
  for (float size : {0.3f, 1.0f}) {
    Reverb reverb;
    reverb.setSize(size);
    reverb.setDamping(0.0f);  // the slowest decay
    reverb.setMix(1.0f);
    reverb.prepare(kSampleRate, 512);
    const double rt60 = Reverb::rt60SecondsForSize(size);
    const std::size_t burst = 12000;
    const auto frames = static_cast<std::size_t>((rt60 * 460.0 / 60.0 + 2.0) * kSampleRate);
    Stereo s{noise(frames, 61u), noise(frames, 62u)};
    std::fill(s.left.begin() + burst, s.left.end(), 0.0f);
    std::fill(s.right.begin() + burst, s.right.end(), 0.0f);
    processBlocks(reverb, s, 0, frames, {512});
    const double level = test::rmsOf(std::span<const float>(s.left).subspan(burst, 4800));
    std::size_t lastNonZero = 0;
    for (std::size_t i = 0; i < frames; ++i) {
      if (s.left[i] != 0.0f || s.right[i] != 0.0f) lastNonZero = i;
    }
    const double seconds = double(lastNonZero - burst) / kSampleRate;
    const double predicted = rt60 * (400.0 + test::toDecibels(level)) / 60.0;
    std::printf("size %.1f: tail exactly 0 after %.2f s (predicted ~%.2f s from RT60 %.2f s)\n", size, seconds, predicted, rt60);
    EXPECT_LT(lastNonZero + kSampleRate, frames);  // at least a second of exact zeros at the end
    EXPECT_NEAR(seconds / predicted, 1.0, 0.15);
  }
}
