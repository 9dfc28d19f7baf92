// Envelope: stage lengths land on exact samples (attack end, decay end, release end), the
// decay/release curves follow their documented formula, a retrigger continues from the current
// level, and the output is independent of block size and ends in exact zeros.
#include <amplitude/dsp/instruments/Envelope.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using amplitude::dsp::Envelope;

namespace {

constexpr double kSampleRate = 48000.0;

struct GateEvent {
  std::size_t frame;
  bool on;
};

/// Renders `frames` samples, applying gate events at their frames, in blocks cycling through
/// `blockSizes` (split further at events).
std::vector<float> render(Envelope& envelope, const std::vector<GateEvent>& events, std::size_t frames,
                          const std::vector<std::uint32_t>& blockSizes = {1024}) {
  std::vector<float> out(frames);
  std::size_t next = 0;
  std::size_t blockIndex = 0;
  for (std::size_t done = 0; done < frames;) {
    while (next < events.size() && events[next].frame == done) {
      if (events[next].on) envelope.noteOn(); else envelope.noteOff();
      ++next;
    }
    std::size_t block = std::min<std::size_t>(blockSizes[blockIndex++ % blockSizes.size()], frames - done);
    if (next < events.size()) block = std::min(block, events[next].frame - done);
    envelope.process(out.data() + done, static_cast<std::uint32_t>(block));
    done += block;
  }
  return out;
}

/// The documented exponential segment: level(k) = goal + span * ((1 + e) * (e / (1 + e))^(k/N) - e).
double curve(double from, double goal, double k, double n) {
  const double e = Envelope::kCurveOvershoot;
  return goal + (from - goal) * ((1.0 + e) * std::pow(e / (1.0 + e), k / n) - e);
}

Envelope makeEnvelope(double attackMs, double decayMs, double sustain, double releaseMs, double rate = kSampleRate) {
  Envelope envelope;
  envelope.setAttackMs(attackMs);
  envelope.setDecayMs(decayMs);
  envelope.setSustain(sustain);
  envelope.setReleaseMs(releaseMs);
  envelope.prepare(rate, 512);
  return envelope;
}

}  // namespace

TEST(Envelope, AttackIsLinearAndReachesFullLevelAtTheRoundedSample) {
  struct Case { double attackMs; double rate; };
  for (auto [attackMs, rate] : {Case{10.0, 48000.0}, Case{7.3, 44100.0}, Case{0.99, 96000.0}}) {
    Envelope envelope = makeEnvelope(attackMs, 100.0, 0.5, 100.0, rate);
    const auto n = static_cast<std::size_t>(std::lround(attackMs * rate / 1000.0));  // 480, 322, 95
    ASSERT_EQ(envelope.attackSamples(), n);
    const auto out = render(envelope, {{0, true}}, n + 10);
    EXPECT_EQ(out[0], 0.0f);
    for (std::size_t k = 0; k < n; ++k) {
      EXPECT_NEAR(out[k], double(k) / double(n), 1e-6) << k;
      EXPECT_LT(out[k], 1.0f) << k;
    }
    EXPECT_EQ(out[n], 1.0f) << attackMs << " ms at " << rate;
    EXPECT_LT(out[n + 1], 1.0f);  // decay has begun
  }
}

TEST(Envelope, DecayFollowsTheDocumentedCurveAndLandsOnSustainExactly) {
  Envelope envelope = makeEnvelope(10.0, 50.0, 0.3, 100.0);
  const std::size_t attack = 480;
  const std::size_t decay = 2400;
  const auto out = render(envelope, {{0, true}}, attack + decay + 1000);
  for (std::size_t k : {1u, 100u, 1200u, 2000u, 2399u}) {
    EXPECT_NEAR(out[attack + k], curve(1.0, 0.3, double(k), double(decay)), 2e-6) << k;
  }
  EXPECT_GT(out[attack + decay - 1], 0.3f);
  EXPECT_EQ(out[attack + decay], static_cast<float>(0.3));
  for (std::size_t i = attack + decay; i < out.size(); ++i) ASSERT_EQ(out[i], static_cast<float>(0.3)) << i;
  EXPECT_EQ(envelope.stage(), Envelope::Stage::Sustain);
}

TEST(Envelope, ReleaseReachesExactZeroAtTheRoundedSampleThenIdles) {
  Envelope envelope = makeEnvelope(1.0, 10.0, 0.8, 100.0);
  const std::size_t off = 5000;
  const std::size_t release = 4800;
  const auto out = render(envelope, {{0, true}, {off, false}}, off + release + 2000);
  EXPECT_EQ(out[off - 1], 0.8f);
  EXPECT_EQ(out[off], 0.8f);  // the release starts from the held level: no jump
  for (std::size_t k : {1u, 480u, 2400u, 4000u, 4799u}) {
    EXPECT_NEAR(out[off + k], curve(0.8, 0.0, double(k), double(release)), 2e-6) << k;
  }
  // The curve is a 60 dB exponential arc: halfway through it is sqrt(e (1 + e)) - e (-30.27 dB).
  const double e = Envelope::kCurveOvershoot;
  EXPECT_NEAR(20.0 * std::log10(out[off + release / 2] / 0.8), 20.0 * std::log10(std::sqrt(e * (1.0 + e)) - e), 0.001);
  EXPECT_GT(out[off + release - 1], 0.0f);
  for (std::size_t i = off + release; i < out.size(); ++i) ASSERT_EQ(out[i], 0.0f) << i;
  EXPECT_TRUE(envelope.isIdle());
}

TEST(Envelope, ReleaseDuringAttackStartsFromTheCurrentLevel) {
  Envelope envelope = makeEnvelope(100.0, 10.0, 1.0, 20.0);
  const auto out = render(envelope, {{0, true}, {1200, false}}, 1200 + 960 + 10);
  EXPECT_NEAR(out[1199], 1199.0 / 4800.0, 1e-6);
  EXPECT_EQ(out[1200], out[1199] + (out[1199] - out[1198]));  // one more attack step, then release
  EXPECT_NEAR(out[1200 + 480], curve(out[1200], 0.0, 480.0, 960.0), 2e-6);
  EXPECT_EQ(out[1200 + 960], 0.0f);
  EXPECT_TRUE(envelope.isIdle());
}

TEST(Envelope, RetriggerContinuesFromTheCurrentLevelWithoutAJump) {
  Envelope envelope = makeEnvelope(20.0, 50.0, 0.6, 200.0);
  const std::size_t off = 4000;
  const std::size_t again = off + 2000;
  const auto out = render(envelope, {{0, true}, {off, false}, {again, true}}, again + 2000);
  const float before = out[again - 1];
  ASSERT_GT(before, 0.05f);
  ASSERT_LT(before, 0.6f);
  // A linear attack from the level the release had reached, to 1.0 in exactly 960 samples.
  const double levelAtRetrigger = curve(0.6, 0.0, 2000.0, 9600.0);
  EXPECT_NEAR(out[again], levelAtRetrigger, 2e-6);
  double largestStep = 0.0;
  for (std::size_t i = again - 100; i < again + 960; ++i) largestStep = std::fmax(largestStep, std::fabs(out[i + 1] - out[i]));
  EXPECT_LE(largestStep, (1.0 - levelAtRetrigger) / 960.0 + 1e-6);
  EXPECT_EQ(out[again + 960], 1.0f);
  EXPECT_LT(out[again + 959], 1.0f);
}

TEST(Envelope, SustainChangesGlideInsteadOfJumping) {
  Envelope envelope = makeEnvelope(1.0, 1.0, 1.0, 100.0);
  std::vector<float> out(12000);
  envelope.noteOn();
  envelope.process(out.data(), 1000);
  envelope.setSustain(0.2);
  envelope.process(out.data() + 1000, 11000);
  EXPECT_EQ(out[999], 1.0f);
  double largestStep = 0.0;
  for (std::size_t i = 1000; i < out.size(); ++i) largestStep = std::fmax(largestStep, std::fabs(out[i] - out[i - 1]));
  EXPECT_LT(largestStep, 0.8 / 480.0 * 1.01);  // a 10 ms time constant: at most 1/480 of the jump per sample
  // After 10 ms, 1/e of the distance remains.
  EXPECT_NEAR((out[1000 + 480] - 0.2) / 0.8, std::exp(-1.0), 1e-3);
  EXPECT_EQ(out.back(), static_cast<float>(0.2));  // and it settles exactly (within 16 time constants)
}

TEST(Envelope, OutputDoesNotDependOnBlockSize) {
  const std::vector<GateEvent> events{{0, true}, {3000, false}, {3500, true}, {9000, false}, {9001, true}, {20000, false}};
  Envelope a = makeEnvelope(3.3, 47.0, 0.42, 71.0);
  Envelope b = makeEnvelope(3.3, 47.0, 0.42, 71.0);
  const auto one = render(a, events, 30000, {1024});
  const auto many = render(b, events, 30000, {7, 128, 441, 1, 64, 333});
  ASSERT_EQ(one.size(), many.size());
  EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0);
}

TEST(Envelope, TailEndsInExactZerosWithoutDenormals) {
  Envelope envelope = makeEnvelope(0.0, 2000.0, 0.0, 3000.0);  // long tails
  const auto out = render(envelope, {{0, true}, {48000, false}}, 48000 + 144000 + 100);
  for (float x : out) ASSERT_TRUE(x == 0.0f || std::fabs(x) >= 1e-20f) << x;
  EXPECT_EQ(out[48000 + 144000], 0.0f);
  EXPECT_TRUE(envelope.isIdle());
}
