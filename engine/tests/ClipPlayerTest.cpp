// Invariants of audio clips on the timeline: a clip placed at sample N starts at sample N across
// quantum boundaries, loops and seeks; it plays its source from the right frame, with its gain,
// its fades as their formulas say, and its source loop; bad clip descriptions are refused.
#include <amplitude/devices/ClipPlayerNode.h>

#include "support/EngineHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace amplitude {
namespace {

using protocol::ErrorCode;

class ClipPlayback : public ::testing::Test {
 protected:
  static constexpr std::uint32_t kPlayer = 20;
  static constexpr std::uint32_t kSourceFrames = 50'000;

  ClipPlayback() {
    // The source: frame k holds (k + 1) / 65536, so every output sample says which source frame
    // it came from (exactly representable: k + 1 < 2^24).
    auto& shared = harness.engine().shared();
    auto* pcm = reinterpret_cast<float*>(shared.sampleHeap);
    for (std::uint32_t k = 0; k < kSourceFrames; ++k) pcm[k] = static_cast<float>(k + 1) / 65536.0f;
    shared.sampleTable.frames[0] = kSourceFrames;
    shared.sampleTable.channelCount[0] = 1;
    shared.sampleTable.sampleRate[0] = 48000.0f;
    harness.send(protocol::RemoveNode{protocol::boot_patch::kOscillatorNodeId});
    harness.send(protocol::RemoveNode{protocol::boot_patch::kOutputGainNodeId});
    harness.send(protocol::AddNode{kPlayer, protocol::devices::ClipPlayer::kType});
    harness.send(protocol::Connect{kPlayer, protocol::kMasterNodeId, 0, 0, 1.0f});
  }

  struct Clip {
    std::uint32_t id = 1;
    std::uint64_t start = 0;
    std::uint64_t sourceStart = 0;
    std::uint64_t length = 1000;
    std::uint64_t loopLength = 0;
    float gain = 1.0f;
    std::uint32_t fadeIn = 0;
    std::uint32_t fadeOut = 0;
    std::uint32_t curve = 0;
  };

  ErrorCode place(const Clip& clip, std::uint32_t slot = 0) {
    auto& table = harness.engine().shared().clipTable;
    table.clipId[slot] = clip.id;
    table.sampleIndex[slot] = 0;
    table.timelineStart[slot] = clip.start;
    table.sourceStart[slot] = clip.sourceStart;
    table.length[slot] = clip.length;
    table.loopLength[slot] = clip.loopLength;
    table.gain[slot] = clip.gain;
    table.fadeIn[slot] = clip.fadeIn;
    table.fadeOut[slot] = clip.fadeOut;
    table.fadeCurve[slot] = clip.curve;
    const auto rejectedBefore = harness.state().commandsRejected;
    harness.send(protocol::PlaceClip{kPlayer, slot});
    harness.render(1);
    return harness.state().commandsRejected == rejectedBefore ? ErrorCode::None : harness.state().lastErrorCode;
  }

  static float source(std::uint64_t frame) { return static_cast<float>(frame + 1) / 65536.0f; }

  test::EngineHarness harness;
};

TEST_F(ClipPlayback, AClipPlacedAtSampleNStartsAtSampleN) {
  ASSERT_EQ(place({.id = 1, .start = 5003, .sourceStart = 100, .length = 2000}), ErrorCode::None);
  ASSERT_EQ(place({.id = 2, .start = 9000, .sourceStart = 0, .length = 130, .gain = 0.5f}, 1), ErrorCode::None);
  harness.send(protocol::Seek{0});
  harness.send(protocol::Play{});
  const auto out = harness.render(100);
  for (std::uint64_t t = 0; t < out.size(); ++t) {
    float expected = 0.0f;
    if (t >= 5003 && t < 7003) expected = source(100 + t - 5003);
    if (t >= 9000 && t < 9130) expected = source(t - 9000) * 0.5f;
    ASSERT_EQ(out[t], expected) << "frame " << t;
  }
}

TEST_F(ClipPlayback, PlaysFromTheRightFrameAfterSeeksAndAcrossLoops) {
  ASSERT_EQ(place({.id = 1, .start = 1000, .sourceStart = 0, .length = 40'000}), ErrorCode::None);
  harness.send(protocol::SetLoop{3000, 4500});
  harness.send(protocol::Seek{2000});
  harness.send(protocol::Play{});
  const auto out = harness.render(40);  // 5120 frames from 2000: through the loop three times
  for (std::uint64_t frame = 0; frame < out.size(); ++frame) {
    const std::uint64_t t = 2000 + frame < 4500 ? 2000 + frame : 3000 + (2000 + frame - 4500) % 1500;
    ASSERT_EQ(out[frame], source(t - 1000)) << "frame " << frame << " (timeline " << t << ")";
  }
}

TEST_F(ClipPlayback, FadesFollowTheirCurvesAndTheSourceLoops) {
  // A linear fade-in over 100 frames, an equal-power fade-out over 200, a source loop of 300.
  ASSERT_EQ(place({.id = 1, .start = 0, .sourceStart = 1000, .length = 2000, .loopLength = 300, .gain = 2.0f,
                   .fadeIn = 100, .fadeOut = 200, .curve = 1}),
            ErrorCode::None);
  harness.send(protocol::Seek{0});
  harness.send(protocol::Play{});
  const auto out = harness.render(20);
  for (std::uint64_t t = 0; t < 2000; ++t) {
    double fade = t < 100 ? t / 100.0 : 1.0;
    const std::uint64_t remaining = 2000 - t;
    if (remaining <= 200) fade = std::min(fade, (remaining - 1) / 200.0);
    if (fade < 1.0) fade = std::sin(fade * std::numbers::pi / 2);  // equal power on both fades
    const double expected = source(1000 + t % 300) * 2.0 * fade;
    ASSERT_NEAR(out[t], expected, 1e-6 * std::fabs(expected) + 1e-12) << "frame " << t;
  }
  EXPECT_EQ(out[1999], 0.0f) << "a fade-out ends in silence";
  EXPECT_EQ(out[2000], 0.0f);
}

TEST_F(ClipPlayback, BadClipsAreRefusedAndRemovingAClipSilencesIt) {
  EXPECT_EQ(place({.id = 0}), ErrorCode::InvalidClip);
  EXPECT_EQ(place({.id = 1, .length = 0}), ErrorCode::InvalidClip);
  EXPECT_EQ(place({.id = 1, .sourceStart = kSourceFrames}), ErrorCode::InvalidClip);
  EXPECT_EQ(place({.id = 1, .gain = NAN}), ErrorCode::InvalidClip);
  EXPECT_EQ(place({.id = 1, .length = 10, .fadeIn = 11}), ErrorCode::InvalidClip);
  EXPECT_EQ(place({.id = 1, .curve = 2}), ErrorCode::InvalidClip);
  harness.send(protocol::PlaceClip{kPlayer, protocol::kClipTableEntries});  // past the table
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, ErrorCode::InvalidClip);
  harness.engine().shared().sampleTable.channelCount[0] = 3;
  EXPECT_EQ(place({.id = 1}), ErrorCode::InvalidSample);
  harness.engine().shared().sampleTable.channelCount[0] = 1;

  ASSERT_EQ(place({.id = 7, .start = 0, .length = 100'000}), ErrorCode::None);
  harness.send(protocol::Play{});
  EXPECT_NE(harness.render(2).back(), 0.0f);
  harness.send(protocol::RemoveClip{kPlayer, 7});
  EXPECT_EQ(harness.render(1).back(), 0.0f);
  harness.send(protocol::RemoveClip{kPlayer, 7});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, ErrorCode::ClipNotFound);
  harness.send(protocol::PlaceClip{protocol::kMasterNodeId, 0});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, ErrorCode::NotAClipPlayer);
}

TEST_F(ClipPlayback, APlayerHoldsItsClipsUpToItsCapacity) {
  for (std::uint32_t id = 1; id <= devices::ClipPlayerNode::kMaxClips; ++id) {
    ASSERT_EQ(place({.id = id, .start = id * 10'000}), ErrorCode::None) << id;
  }
  EXPECT_EQ(place({.id = 9999}), ErrorCode::ClipPoolExhausted);
  EXPECT_EQ(place({.id = 5, .start = 1}), ErrorCode::None) << "replacing by id needs no room";
}

}  // namespace
}  // namespace amplitude
