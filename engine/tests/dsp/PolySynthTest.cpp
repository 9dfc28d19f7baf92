// PolySynth and its StateVariableFilter.
// Filter: magnitude responses equal the bilinear transform of the 2-pole analog prototype,
// stability under fast modulation, exact-zero tails, block-size independence.
// Synth: equal-tempered pitch, 16-voice polyphony, the stealing rule without clicks, the
// velocity curve, the filter envelope, exact silence when idle, block-size independence.
#include <amplitude/dsp/instruments/PolySynth.h>
#include <amplitude/dsp/instruments/StateVariableFilter.h>

#include "../support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

using namespace amplitude;
using dsp::FilterMode;
using dsp::PolySynth;
using dsp::StateVariableFilter;
using dsp::SvfCoefficients;
using dsp::SvfCore;
using dsp::Waveform;

namespace {

constexpr double kSampleRate = 48000.0;

std::vector<float> sine(double hz, std::size_t frames, double amplitude = 1.0) {
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i) out[i] = float(amplitude * std::sin(2.0 * std::numbers::pi * hz * double(i) / kSampleRate));
  return out;
}

/// Seeded white noise in [-1, 1) (xorshift32).
std::vector<float> noise(std::size_t frames, std::uint32_t seed) {
  std::vector<float> out(frames);
  for (auto& x : out) {
    seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;
    x = float(seed) / 2147483648.0f - 1.0f;
  }
  return out;
}

/// Analog prototype magnitudes after the bilinear transform with pre-warp at the cutoff:
/// w = tan(pi f / fs) / tan(pi fc / fs); LP 1/D, BP w/D, HP w^2/D, D = |1 - w^2 + j k w|.
double bilinearMagnitude(FilterMode mode, double f, double fc, double q) {
  const double w = std::tan(std::numbers::pi * f / kSampleRate) / std::tan(std::numbers::pi * fc / kSampleRate);
  const double d = std::hypot(1.0 - w * w, w / q);
  return mode == FilterMode::LowPass ? 1.0 / d : (mode == FilterMode::BandPass ? w / d : w * w / d);
}

/// Amplitude of `hz` with a Hann window (sidelobes fall fast, so neighbouring notes don't leak).
double hannAmplitude(std::span<const float> x, double hz) {
  double re = 0.0, im = 0.0, windowSum = 0.0;
  const double n = double(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * double(i) / n);
    const double phase = 2.0 * std::numbers::pi * hz * double(i) / kSampleRate;
    re += w * x[i] * std::cos(phase);
    im -= w * x[i] * std::sin(phase);
    windowSum += w;
  }
  return 2.0 * std::hypot(re, im) / windowSum;
}

double largestStep(std::span<const float> x) {
  double step = 0.0;
  for (std::size_t i = 1; i < x.size(); ++i) step = std::fmax(step, std::fabs(double(x[i]) - x[i - 1]));
  return step;
}

double noteHz(int note) { return 440.0 * std::pow(2.0, (note - 69) / 12.0); }

enum class Kind { On, Off, AllNotesOff, AllSoundOff };
struct Event {
  std::size_t frame;
  Kind kind;
  std::uint8_t note = 0;
  float velocity = 1.0f;
};

struct Stereo {
  std::vector<float> left, right;
};

/// Renders with events applied at their frames, in blocks cycling through `blockSizes`.
Stereo render(PolySynth& synth, std::vector<Event> events, std::size_t frames,
              const std::vector<std::uint32_t>& blockSizes = {1024}) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.frame < b.frame; });
  Stereo out{std::vector<float>(frames), std::vector<float>(frames)};
  std::size_t next = 0, blockIndex = 0;
  for (std::size_t done = 0; done < frames;) {
    for (; next < events.size() && events[next].frame == done; ++next) {
      const Event& e = events[next];
      switch (e.kind) {
        case Kind::On: synth.noteOn(e.note, e.velocity); break;
        case Kind::Off: synth.noteOff(e.note); break;
        case Kind::AllNotesOff: synth.allNotesOff(); break;
        case Kind::AllSoundOff: synth.allSoundOff(); break;
      }
    }
    std::size_t block = std::min<std::size_t>(blockSizes[blockIndex++ % blockSizes.size()], frames - done);
    if (next < events.size()) block = std::min(block, events[next].frame - done);
    synth.process(out.left.data() + done, out.right.data() + done, std::uint32_t(block));
    done += block;
  }
  return out;
}

/// A pure sine voice: osc 1 sine, filter wide open, no envelope colouring.
void sinePatch(PolySynth& synth) {
  synth.setOscillator1Waveform(Waveform::Sine);
  synth.setOscillatorMix(0.0);
  synth.setFilterCutoffHz(20000.0);
  synth.setFilterResonance(0.0);
  synth.setFilterEnvelopeOctaves(0.0);
  synth.setAmpAttackMs(5.0);
  synth.setAmpDecayMs(10.0);
  synth.setAmpSustain(1.0);
  synth.setAmpReleaseMs(50.0);
  synth.setMasterGain(1.0f);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// StateVariableFilter

TEST(StateVariableFilter, ResponsesMatchTheBilinearPrototypeWithinATenthOfADecibel) {
  double worst = 0.0;
  for (FilterMode mode : {FilterMode::LowPass, FilterMode::BandPass, FilterMode::HighPass}) {
    for (double fc : {100.0, 1000.0, 5000.0, 15000.0}) {
      for (double q : {0.7071067811865476, 2.0, 8.0}) {
        for (double f : {50.0, 300.0, 1000.0, 2500.0, 7000.0, 16000.0}) {
          StateVariableFilter filter;
          filter.setCutoffHz(fc);
          filter.setQ(q);
          filter.setMode(mode);
          filter.prepare(kSampleRate, 512);
          auto signal = sine(f, 24000 + 48000);
          filter.process(signal.data(), signal.data(), std::uint32_t(signal.size()));
          // 1 s of whole periods after 0.5 s of settling.
          const double measured = test::toneAmplitude(std::span<const float>(signal).subspan(24000), f, kSampleRate);
          const double errorDb = 20.0 * std::log10(measured / bilinearMagnitude(mode, f, fc, q));
          worst = std::fmax(worst, std::fabs(errorDb));
          EXPECT_LT(std::fabs(errorDb), 0.1) << int(mode) << " fc " << fc << " q " << q << " f " << f;
        }
      }
    }
  }
  RecordProperty("worstErrorDb", std::to_string(worst));
}

TEST(StateVariableFilter, LowPassIsThreeDecibelsDownAtTheCutoffForButterworthQ) {
  for (double fc : {200.0, 1000.0, 8000.0}) {
    StateVariableFilter filter;
    filter.setCutoffHz(fc);
    filter.setQ(std::numbers::sqrt2 / 2.0);
    filter.prepare(kSampleRate, 512);
    auto signal = sine(fc, 96000);
    filter.process(signal.data(), signal.data(), 96000);
    const double gain = test::toneAmplitude(std::span<const float>(signal).subspan(48000), fc, kSampleRate);
    EXPECT_NEAR(gain, std::numbers::sqrt2 / 2.0, 0.01 * std::numbers::sqrt2 / 2.0) << fc;
  }
}

TEST(StateVariableFilter, StaysStableUnderFastModulationAtHighResonance) {
  // Coefficients jumping every sample between 20 Hz and 20 kHz at Q = 40 with full-scale noise.
  const auto in = noise(96000, 12345);
  SvfCore core;
  std::uint32_t seed = 777;
  double peak = 0.0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    seed = seed * 1664525u + 1013904223u;
    const double hz = 20.0 * std::pow(1000.0, double(seed >> 8) / 16777216.0);
    const auto y = core.tick(SvfCoefficients::make(hz, 40.0, kSampleRate), in[i]);
    ASSERT_TRUE(std::isfinite(y.low) && std::isfinite(y.band) && std::isfinite(y.high)) << i;
    peak = std::fmax(peak, std::fabs(y.low));
  }
  EXPECT_LT(peak, 200.0);  // bounded (a resonant peak of Q = 40 on noise), never blowing up
  // The smoothed filter swept by setCutoffHz every 16 samples with a saw-like input.
  StateVariableFilter filter;
  filter.setQ(20.0);
  filter.prepare(kSampleRate, 16);
  std::vector<float> block(16);
  double sweptPeak = 0.0;
  for (int b = 0; b < 6000; ++b) {
    filter.setCutoffHz(b % 2 ? 20.0 : 20000.0);
    for (int i = 0; i < 16; ++i) block[i] = float(((b * 16 + i) % 100) / 50.0 - 1.0);
    filter.process(block.data(), block.data(), 16);
    sweptPeak = std::fmax(sweptPeak, test::peakOf(block));
  }
  EXPECT_TRUE(std::isfinite(sweptPeak));
  EXPECT_LT(sweptPeak, 100.0);
}

TEST(StateVariableFilter, OutputDoesNotDependOnBlockSizeAndDecaysToExactZero) {
  auto makeFilter = [] {
    StateVariableFilter filter;
    filter.setCutoffHz(300.0);
    filter.setQ(10.0);
    filter.prepare(kSampleRate, 1024);
    return filter;
  };
  auto input = noise(48000, 99);
  std::fill(input.begin() + 4800, input.end(), 0.0f);  // then silence: the ringing must end in zeros
  StateVariableFilter a = makeFilter(), b = makeFilter();
  std::vector<float> one(input.size()), many(input.size());
  const std::vector<std::uint32_t> sizes{7, 128, 441, 1, 300};
  for (std::size_t done = 0, k = 0; done < input.size(); ++k) {
    // Live parameter changes at fixed sample positions in both renders.
    const std::size_t block = std::min<std::size_t>({input.size() - done, 1024, 2400 - done % 2400});
    if (done % 2400 == 0) {
      a.setCutoffHz(300.0 + double(done) / 10.0);
      b.setCutoffHz(300.0 + double(done) / 10.0);
    }
    a.process(input.data() + done, one.data() + done, std::uint32_t(block));
    for (std::size_t sub = 0; sub < block;) {
      const std::size_t n = std::min<std::size_t>(sizes[k++ % sizes.size()], block - sub);
      b.process(input.data() + done + sub, many.data() + done + sub, std::uint32_t(n));
      sub += n;
    }
    done += block;
  }
  EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0);
  for (float x : one) ASSERT_NE(std::fpclassify(x), FP_SUBNORMAL);
  for (std::size_t i = 40000; i < one.size(); ++i) ASSERT_EQ(one[i], 0.0f) << i;
}

// ---------------------------------------------------------------------------------------------
// PolySynth

TEST(PolySynth, FundamentalIsEqualTemperedFromA440) {
  for (int note : {33, 57, 60, 69, 76, 93, 100}) {
    PolySynth synth;
    synth.prepare(kSampleRate, 512);
    sinePatch(synth);
    const auto out = render(synth, {{0, Kind::On, std::uint8_t(note)}}, 48000 + 2400);
    const double measured = test::zeroCrossingFrequency(std::span<const float>(out.left).subspan(2400), kSampleRate);
    EXPECT_NEAR(measured, noteHz(note), 0.05) << "note " << note;
    EXPECT_EQ(out.left, out.right);
  }
}

TEST(PolySynth, SixteenNotesSoundTogetherAtFullLevel) {
  PolySynth synth;
  synth.prepare(kSampleRate, 512);
  sinePatch(synth);
  std::vector<Event> events;
  for (int n = 0; n < 16; ++n) events.push_back({0, Kind::On, std::uint8_t(48 + 2 * n)});
  const auto out = render(synth, events, 4800 + 48000);
  EXPECT_EQ(synth.activeVoiceCount(), 16u);
  const std::span<const float> steady = std::span<const float>(out.left).subspan(4800);
  for (int n = 0; n < 16; ++n) {
    const double hz = noteHz(48 + 2 * n);
    const double expected = bilinearMagnitude(FilterMode::LowPass, hz, 20000.0, std::numbers::sqrt2 / 2.0);
    EXPECT_NEAR(hannAmplitude(steady, hz), expected, 0.005) << "note " << 48 + 2 * n;
  }
}

TEST(PolySynth, SeventeenthNoteStealsQuietestReleasingThenOldestWithoutAClick) {
  PolySynth synth;
  synth.prepare(kSampleRate, 512);
  sinePatch(synth);
  synth.setAmpReleaseMs(2000.0);
  // 16 low notes (65..185 Hz) keep the natural sample-to-sample change of the mix small.
  std::vector<Event> events;
  for (int n = 0; n < 16; ++n) events.push_back({std::size_t(10 * n), Kind::On, std::uint8_t(36 + n), n == 5 ? 0.5f : 1.0f});
  events.push_back({6000, Kind::Off, 40});  // releasing at full level
  events.push_back({6000, Kind::Off, 41});  // releasing at velocity 0.5: the quietest
  events.push_back({12000, Kind::On, 80});  // steals note 41
  events.push_back({18000, Kind::On, 81});  // steals note 40, the only releasing voice left
  events.push_back({24000, Kind::On, 82});  // steals the oldest: note 36
  const auto out = render(synth, events, 30000);

  PolySynth check;
  check.prepare(kSampleRate, 512);
  sinePatch(check);
  check.setAmpReleaseMs(2000.0);
  auto until = [&](std::size_t frame) {
    std::vector<Event> head;
    for (const auto& e : events) if (e.frame < frame) head.push_back(e);
    PolySynth s;
    s.prepare(kSampleRate, 512);
    sinePatch(s);
    s.setAmpReleaseMs(2000.0);
    render(s, head, frame);
    return s;
  };
  {
    auto s = until(12000 + 200);
    EXPECT_FALSE(s.isNoteActive(41));
    EXPECT_TRUE(s.isNoteActive(40));
    EXPECT_TRUE(s.isNoteActive(80));
    EXPECT_EQ(s.activeVoiceCount(), 16u);
  }
  {
    auto s = until(18000 + 200);
    EXPECT_FALSE(s.isNoteActive(40));
    EXPECT_TRUE(s.isNoteActive(36));
  }
  {
    auto s = until(24000 + 200);
    EXPECT_FALSE(s.isNoteActive(36));
    EXPECT_TRUE(s.isNoteActive(37));
    EXPECT_TRUE(s.isNoteActive(82));
  }
  // Click bound around each steal: the largest possible change of the held sines
  // (sum of 2 pi f a / fs), plus the 2 ms (96-sample) fade of the stolen voice, plus the
  // 5 ms (240-sample) attack of the new one. A cut would add up to the stolen voice's amplitude.
  double sineSlope = 0.0;
  for (int n = 0; n < 16; ++n) sineSlope += 2.0 * std::numbers::pi * noteHz(36 + n) / kSampleRate;
  for (std::size_t at : {12000u, 18000u, 24000u}) {
    const double newSlope = 2.0 * std::numbers::pi * noteHz(82) / kSampleRate;
    const double bound = sineSlope + newSlope + 1.0 / 96.0 + 1.0 / 240.0;
    const double measured = largestStep(std::span<const float>(out.left).subspan(at - 10, 500));
    EXPECT_LT(measured, bound) << "steal at " << at;
    RecordProperty("stealStep" + std::to_string(at), std::to_string(measured));
  }
}

TEST(PolySynth, SameNoteRetriggerReusesItsVoice) {
  PolySynth synth;
  synth.prepare(kSampleRate, 512);
  sinePatch(synth);
  const auto out = render(synth, {{0, Kind::On, 60}, {4800, Kind::Off, 60}, {6000, Kind::On, 60}}, 12000);
  EXPECT_EQ(synth.activeVoiceCount(), 1u);
  // No jump at the retrigger: the level continues (slope bound of one 262 Hz sine).
  EXPECT_LT(largestStep(std::span<const float>(out.left).subspan(5990, 40)), 2.0 * std::numbers::pi * noteHz(60) / kSampleRate * 1.01);
}

TEST(PolySynth, VelocityGainIsTheSquareOfVelocity) {
  double reference = 0.0;
  for (float velocity : {1.0f, 0.5f, 0.25f, 0.8f}) {
    PolySynth synth;
    synth.prepare(kSampleRate, 512);
    sinePatch(synth);
    const auto out = render(synth, {{0, Kind::On, 69, velocity}}, 4800 + 4800);
    // 0.1 s = exactly 44 periods of 440 Hz.
    const double level = test::toneAmplitude(std::span<const float>(out.left).subspan(4800), 440.0, kSampleRate);
    if (velocity == 1.0f) reference = level;
    EXPECT_NEAR(level / reference, double(velocity) * velocity, 1e-4) << velocity;
    EXPECT_NEAR(PolySynth::velocityToGain(velocity), velocity * velocity, 1e-7);
  }
}

TEST(PolySynth, FilterEnvelopeOpensTheHighFrequenciesDuringTheAttack) {
  auto highBandPower = [](double envelopeOctaves, std::size_t from) {
    PolySynth synth;
    synth.prepare(kSampleRate, 512);
    synth.setOscillator1Waveform(Waveform::Saw);
    synth.setFilterCutoffHz(200.0);
    synth.setFilterEnvelopeOctaves(envelopeOctaves);
    synth.setFilterAttackMs(30.0);
    synth.setFilterDecayMs(150.0);
    synth.setFilterSustain(0.0);
    synth.setAmpAttackMs(1.0);
    synth.setAmpSustain(1.0);
    const auto out = render(synth, {{0, Kind::On, 45}}, 48000);
    // Hann-windowed, so the strong low harmonics do not leak into the high band.
    std::vector<float> window(out.left.begin() + long(from), out.left.begin() + long(from) + 1024);
    for (std::size_t i = 0; i < window.size(); ++i) window[i] *= float(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * double(i) / 1024.0));
    const auto power = test::powerSpectrum(window);
    double high = 0.0;
    for (std::size_t k = 43; k < power.size(); ++k) high += power[k];  // above 2 kHz
    return high;
  };
  const double opened = highBandPower(6.0, 1000);       // around the filter envelope's peak
  const double settled = highBandPower(6.0, 30000);     // envelope decayed to 0: cutoff 200 Hz
  const double withoutEnvelope = highBandPower(0.0, 1000);
  const double riseDb = 10.0 * std::log10(opened / settled);
  EXPECT_GT(riseDb, 30.0);
  EXPECT_GT(10.0 * std::log10(opened / withoutEnvelope), 30.0);
  RecordProperty("highBandRiseDb", std::to_string(riseDb));
}

TEST(PolySynth, IdleSynthOutputsExactZeroAndTailsEndInExactZero) {
  PolySynth synth;
  synth.prepare(kSampleRate, 512);
  synth.setFilterResonance(0.9);
  synth.setFilterEnvelopeOctaves(3.0);
  synth.setAmpReleaseMs(100.0);
  auto out = render(synth, {}, 2048);
  for (float x : out.left) ASSERT_EQ(x, 0.0f);
  out = render(synth, {{0, Kind::On, 60}, {0, Kind::On, 67}, {10, Kind::On, 72}, {4800, Kind::AllNotesOff}}, 4800 + 4800 + 2000);
  for (std::size_t i = 4800 + 4800; i < out.left.size(); ++i) {
    ASSERT_EQ(out.left[i], 0.0f) << i;
    ASSERT_EQ(out.right[i], 0.0f) << i;
  }
  for (float x : out.left) ASSERT_NE(std::fpclassify(x), FP_SUBNORMAL);
  EXPECT_EQ(synth.activeVoiceCount(), 0u);
}

TEST(PolySynth, AllSoundOffFadesOutWithinTwoMilliseconds) {
  PolySynth synth;
  synth.prepare(kSampleRate, 512);
  sinePatch(synth);
  const auto out = render(synth, {{0, Kind::On, 45}, {4000, Kind::AllSoundOff}}, 6000);
  for (std::size_t i = 4000 + 96; i < out.left.size(); ++i) ASSERT_EQ(out.left[i], 0.0f) << i;
  EXPECT_GT(std::fabs(out.left[4000 + 40]), 0.0f);
  EXPECT_LT(largestStep(std::span<const float>(out.left).subspan(3990, 120)),
            2.0 * std::numbers::pi * noteHz(45) / kSampleRate + 1.0 / 96.0);
  EXPECT_EQ(synth.activeVoiceCount(), 0u);
}

TEST(PolySynth, OutputIsBitIdenticalAcrossBlockSizes) {
  auto make = [] {
    PolySynth synth;
    synth.prepare(kSampleRate, 1024);
    synth.setOscillator1Waveform(Waveform::Saw);
    synth.setOscillator2Waveform(Waveform::Square);
    synth.setOscillator2Semitones(7);
    synth.setOscillator2FineCents(-9.0);
    synth.setOscillatorMix(0.4);
    synth.setFilterCutoffHz(800.0);
    synth.setFilterResonance(0.6);
    synth.setFilterEnvelopeOctaves(3.5);
    synth.setFilterKeyTracking(0.5);
    synth.setFilterAttackMs(12.0);
    synth.setFilterDecayMs(180.0);
    synth.setFilterSustain(0.3);
    synth.setAmpAttackMs(3.0);
    synth.setAmpReleaseMs(120.0);
    synth.setMasterGain(0.3f);
    return synth;
  };
  std::vector<Event> events;
  for (int n = 0; n < 20; ++n) events.push_back({std::size_t(500 * n + 3), Kind::On, std::uint8_t(40 + 3 * n), 0.3f + 0.03f * n});
  events.push_back({4000, Kind::Off, 43});
  events.push_back({5000, Kind::On, 46, 0.9f});  // retrigger
  events.push_back({12000, Kind::AllNotesOff});
  events.push_back({20000, Kind::On, 60});
  events.push_back({21000, Kind::AllSoundOff});
  PolySynth a = make(), b = make();
  const auto one = render(a, events, 48000, {1024});
  const auto many = render(b, events, 48000, {7, 128, 441, 1, 16, 333});
  EXPECT_GT(test::peakOf(one.left), 0.05);
  EXPECT_EQ(std::memcmp(one.left.data(), many.left.data(), one.left.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(one.right.data(), many.right.data(), one.right.size() * sizeof(float)), 0);
  for (std::size_t i = 21000 + 96; i < one.left.size(); ++i) ASSERT_EQ(one.left[i], 0.0f) << i;
}
