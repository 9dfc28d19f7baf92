// Invariants of the tempo map and the metronome: clicks fall on the exact samples of the meter's
// beats through tempo and meter changes, accented on each bar's first beat; a count-in plays its
// bars of clicks with the playhead held; a malformed tempo map is refused.
#include <amplitude/timeline/TempoMap.h>

#include "support/EngineHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace amplitude {
namespace {

using timeline::Click;
using timeline::TempoMap;
constexpr double kRate = 48000.0;

std::vector<Click> clicksBetween(const TempoMap& map, std::uint64_t from, std::uint64_t to) {
  std::vector<Click> clicks;
  Click click;
  while (from < to && map.nextClick(from, to, kRate, click)) {
    clicks.push_back(click);
    from = click.sample + 1;
  }
  return clicks;
}

void setTable(protocol::TempoTable& table, std::uint32_t i, std::uint64_t sample, double beat, double bpm,
              std::uint32_t numerator, std::uint32_t denominator, double bar) {
  table.startSample[i] = sample;
  table.startBeat[i] = beat;
  table.beatsPerMinute[i] = bpm;
  table.numerator[i] = numerator;
  table.denominator[i] = denominator;
  table.barAtStart[i] = bar;
}

TEST(TempoMap, ClicksFallOnEveryBeatAndAccentBars) {
  TempoMap map;  // 120 BPM, 4/4: a beat every 24000 samples
  const auto clicks = clicksBetween(map, 0, 200'000);
  ASSERT_EQ(clicks.size(), 9u);
  for (std::size_t k = 0; k < clicks.size(); ++k) {
    EXPECT_EQ(clicks[k].sample, k * 24'000);
    EXPECT_EQ(clicks[k].downbeat, k % 4 == 0);
  }
}

TEST(TempoMap, FollowsTempoAndMeterChanges) {
  // Bar 0 in 4/4 at 120 BPM (96000 samples), then 6/8 at 90 BPM: an eighth every 16000 samples,
  // six to the bar.
  protocol::TempoTable table{};
  setTable(table, 0, 0, 0.0, 120.0, 4, 4, 0.0);
  setTable(table, 1, 96'000, 4.0, 90.0, 6, 8, 1.0);
  TempoMap map;
  ASSERT_TRUE(map.commit(table, 2));
  const auto clicks = clicksBetween(map, 0, 96'000 + 12 * 16'000);
  ASSERT_EQ(clicks.size(), 4u + 12u);
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(clicks[k].sample, k * 24'000);
  for (std::size_t k = 0; k < 12; ++k) {
    EXPECT_EQ(clicks[4 + k].sample, 96'000 + k * 16'000) << k;
    EXPECT_EQ(clicks[4 + k].downbeat, k % 6 == 0) << k;
  }
  EXPECT_EQ(map.tempoAt(95'999), 120.0);
  EXPECT_EQ(map.tempoAt(96'000), 90.0);
}

TEST(TempoMap, RefusesMalformedMaps) {
  protocol::TempoTable table{};
  TempoMap map;
  setTable(table, 0, 0, 0.0, 120.0, 4, 4, 0.0);
  EXPECT_FALSE(map.commit(table, 0));
  EXPECT_FALSE(map.commit(table, TempoMap::kCapacity + 1));
  setTable(table, 1, 0, 1.0, 120.0, 4, 4, 0.0);  // does not move forward
  EXPECT_FALSE(map.commit(table, 2));
  setTable(table, 1, 100, 1.0, 1e9, 4, 4, 0.0);  // tempo out of range
  EXPECT_FALSE(map.commit(table, 2));
  setTable(table, 1, 100, 1.0, 100.0, 4, 3, 0.0);  // not a power-of-two denominator
  EXPECT_FALSE(map.commit(table, 2));
  setTable(table, 1, 100, NAN, 100.0, 4, 4, 0.0);
  EXPECT_FALSE(map.commit(table, 2));
  EXPECT_EQ(map.tempoAt(1000), 120.0) << "a refused map changes nothing";
}

/// The engine with the boot patch removed: its output is the metronome alone.
class MetronomeOutput : public ::testing::Test {
 protected:
  MetronomeOutput() {
    harness.send(protocol::RemoveNode{protocol::boot_patch::kOscillatorNodeId});
    harness.send(protocol::RemoveNode{protocol::boot_patch::kOutputGainNodeId});
  }
  /// Click onsets: a click's first sample is sin(0) = 0 and its second is level * decay * sin(2 pi f / fs).
  /// `fromStart`: the render began in silence, so frame 0 can be an onset.
  static std::vector<std::pair<std::size_t, float>> onsets(const std::vector<float>& out, bool fromStart = true) {
    std::vector<std::pair<std::size_t, float>> found;
    for (std::size_t i = fromStart ? 0 : 1; i + 1 < out.size(); ++i) {
      if (out[i] == 0.0f && (i == 0 || out[i - 1] == 0.0f) && out[i + 1] != 0.0f) found.emplace_back(i, out[i + 1]);
    }
    return found;
  }
  static float secondSample(double level, double hz) {
    const double decay = std::exp(-1.0 / (timeline::Metronome::kDecaySeconds * kRate));
    return static_cast<float>(level * decay * std::sin(2 * std::numbers::pi * hz / kRate));
  }
  test::EngineHarness harness;
};

TEST_F(MetronomeOutput, ClicksOnTheBeatsWithTheAccentOnTheDownbeat) {
  harness.send(protocol::SetTempo{150.0f});  // a beat every 19200 samples
  harness.send(protocol::SetMetronome{1, 0, -6.0f});
  harness.send(protocol::Play{});
  const auto out = harness.render(900);  // 115200 frames: six beats
  const auto found = onsets(out);
  ASSERT_EQ(found.size(), 6u);
  const double level = std::pow(10.0, -6.0 / 20.0);
  for (std::size_t k = 0; k < found.size(); ++k) {
    EXPECT_EQ(found[k].first, k * 19'200);
    const bool downbeat = k % 4 == 0;
    EXPECT_NEAR(found[k].second, secondSample(level * (downbeat ? 1.0 : 0.6), downbeat ? 1500.0 : 1000.0), 1e-6) << k;
  }
}

TEST_F(MetronomeOutput, ACountInHoldsThePlayheadForItsBars) {
  harness.send(protocol::SetMetronome{1, 1, 0.0f});  // one bar of 4/4 at 120 BPM: 96000 samples
  harness.send(protocol::Seek{1000});
  harness.send(protocol::Play{});
  harness.render(1);
  EXPECT_EQ(harness.state().playheadSamples, 1000u);
  EXPECT_EQ(harness.state().countInSamplesLeft, 96'000u - 128u);
  const auto out = harness.render(1000);
  const auto found = onsets(out, false);  // the first click is still ringing at frame 0
  // Count-in clicks at 0, 24000, 48000, 72000 of the count-in (frame 0 was rendered above), then
  // the timeline starts at 1000: its next beat is at timeline 24000, i.e. 23000 frames later.
  ASSERT_GE(found.size(), 4u);
  EXPECT_EQ(found[0].first + 128, 24'000u);
  EXPECT_EQ(found[1].first + 128, 48'000u);
  EXPECT_EQ(found[2].first + 128, 72'000u);
  EXPECT_EQ(found[3].first + 128, 96'000u + 23'000u);
  EXPECT_EQ(harness.state().countInSamplesLeft, 0u);
  EXPECT_EQ(harness.state().playheadSamples, 1000u + 1001u * 128u - 96'000u);
}

TEST_F(MetronomeOutput, BadMetronomeAndTempoCommandsAreRefused) {
  harness.send(protocol::SetMetronome{2, 0, 0.0f});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, protocol::ErrorCode::ValueOutOfRange);
  harness.send(protocol::SetMetronome{1, 9, 0.0f});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, protocol::ErrorCode::ValueOutOfRange);
  harness.send(protocol::SetMetronome{1, 1, NAN});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, protocol::ErrorCode::NonFiniteValue);
  harness.send(protocol::CommitTempoMap{0});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, protocol::ErrorCode::InvalidTempoMap);
}

}  // namespace
}  // namespace amplitude
