// Invariants of scheduled notes: the schedule finds exactly the events of any window, in order
// (note-offs before note-ons at one position), and the engine starts and stops each note on its
// exact sample while playing, across quanta, loops and seeks.
#include <amplitude/timeline/NoteSchedule.h>

#include "support/EngineHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace amplitude {
namespace {

using timeline::NoteEvent;
using timeline::NoteSchedule;

TEST(NoteSchedule, FindsExactlyTheEventsOfEveryWindowWhateverTheInsertionOrder) {
  NoteSchedule schedule;
  std::mt19937_64 random(7);
  std::vector<NoteEvent> all;
  for (int i = 0; i < 20'000; ++i) {
    // Positions spread over more than one lap of the bucket table, so hashing collides.
    const std::uint64_t position = random() % (NoteSchedule::kBuckets * (1ULL << NoteSchedule::kBucketShift) * 2);
    all.push_back({position, 1, static_cast<std::uint16_t>(1 + i % 7), static_cast<std::uint8_t>(i % 128),
                   static_cast<std::uint8_t>(i % 3 == 0 ? 0 : 1 + i % 127)});
    ASSERT_TRUE(schedule.add(all.back()));
  }
  for (int probe = 0; probe < 2'000; ++probe) {
    const std::uint64_t from = random() % (NoteSchedule::kBuckets * (1ULL << NoteSchedule::kBucketShift) * 2);
    const std::uint64_t to = from + 1 + random() % 128;
    std::uint64_t expected = to;
    for (const auto& event : all) {
      if (event.position >= from && event.position < to) expected = std::min(expected, event.position);
    }
    ASSERT_EQ(schedule.nextPosition(from, to), expected) << from;
    if (expected == to) continue;
    std::size_t seen = 0;
    bool onSeen = false;
    schedule.forEachAt(expected, [&](const NoteEvent& event) {
      ++seen;
      EXPECT_FALSE(onSeen && event.velocity == 0) << "note-offs come before note-ons at one position";
      onSeen |= event.velocity != 0;
    });
    EXPECT_EQ(seen, static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const NoteEvent& e) {
                return e.position == expected;
              })));
  }
  schedule.remove(1, 3);
  EXPECT_EQ(schedule.size(), static_cast<std::uint32_t>(std::count_if(all.begin(), all.end(), [](const NoteEvent& e) {
              return e.clipId != 3;
            })));
  schedule.remove(1, 0);
  EXPECT_EQ(schedule.size(), 0u);
}

TEST(NoteSchedule, RefusesEventsBeyondItsPool) {
  NoteSchedule schedule;
  for (std::uint32_t i = 0; i < NoteSchedule::kMaxEvents; ++i) ASSERT_TRUE(schedule.add({i, 1, 1, 60, 100}));
  EXPECT_FALSE(schedule.add({0, 1, 1, 60, 100}));
  schedule.remove(1, 1);
  EXPECT_TRUE(schedule.add({0, 1, 1, 60, 100}));
}

/// A sampler playing a looped sample of constant 1.0, attack and release 0: its output is exactly
/// 1.0 while a note sounds and exactly 0 otherwise.
class ScheduledNotes : public ::testing::Test {
 protected:
  ScheduledNotes() {
    using Sampler = protocol::devices::Sampler;
    auto& shared = harness.engine().shared();
    std::fill_n(reinterpret_cast<float*>(shared.sampleHeap), 1024, 1.0f);
    shared.sampleTable.frames[0] = 1024;
    shared.sampleTable.channelCount[0] = 1;
    shared.sampleTable.sampleRate[0] = 48000.0f;
    harness.send(protocol::RemoveNode{protocol::boot_patch::kOscillatorNodeId});
    harness.send(protocol::RemoveNode{protocol::boot_patch::kOutputGainNodeId});
    harness.send(protocol::AddNode{kSampler, Sampler::kType});
    harness.send(protocol::SetParam{kSampler, Sampler::playback, 2.0f});
    harness.send(protocol::SetParam{kSampler, Sampler::release, 0.0f});
    harness.send(protocol::AssignSample{kSampler, 0, 0});
    harness.send(protocol::Connect{kSampler, protocol::kMasterNodeId, 0, 0, 1.0f});
  }
  void note(std::uint64_t on, std::uint64_t off, std::uint16_t clip = 1) {
    harness.send(protocol::ScheduleNote{kSampler, 60, 127, clip, on});
    harness.send(protocol::ScheduleNote{kSampler, 60, 0, clip, off});
  }
  static constexpr std::uint32_t kSampler = 10;
  test::EngineHarness harness;
};

TEST_F(ScheduledNotes, StartAndStopOnTheirExactSamples) {
  note(1000, 1300);
  note(5003, 5130);  // inside one quantum and across the next boundary
  note(6000, 6001);  // a single frame
  harness.send(protocol::Play{});
  const auto out = harness.render(60);
  ASSERT_EQ(harness.state().commandsRejected, 0u);
  for (std::size_t frame = 0; frame < out.size(); ++frame) {
    const bool sounding = (frame >= 1000 && frame < 1300) || (frame >= 5003 && frame < 5130) || frame == 6000;
    ASSERT_EQ(out[frame], sounding ? 1.0f : 0.0f) << "frame " << frame;
  }
}

TEST_F(ScheduledNotes, ReplayEveryLoopPassAndNeverHangAcrossTheLoopPoint) {
  note(100, 200);
  note(1900, 2500);  // its note-off lies beyond the loop end: the loop point releases it
  harness.send(protocol::SetLoop{0, 2000});
  harness.send(protocol::Play{});
  const auto out = harness.render(64);  // 8192 frames: four passes
  for (std::size_t frame = 0; frame < out.size(); ++frame) {
    const std::size_t position = frame % 2000;
    const bool sounding = (position >= 100 && position < 200) || position >= 1900;
    ASSERT_EQ(out[frame], sounding ? 1.0f : 0.0f) << "frame " << frame;
  }
}

TEST_F(ScheduledNotes, StopAndSeekReleaseNotesAndClearingAClipSilencesIt) {
  note(0, 100'000, 1);
  note(0, 100'000, 2);
  harness.send(protocol::Play{});
  EXPECT_EQ(harness.render(2).back(), 1.0f);
  harness.send(protocol::Stop{});
  EXPECT_EQ(harness.render(1).back(), 0.0f) << "stop releases the scheduled note";
  harness.send(protocol::Seek{50'000});
  harness.send(protocol::Play{});
  EXPECT_EQ(harness.render(2).back(), 0.0f) << "the note-on is at 0, not under the new playhead";
  harness.send(protocol::ClearNotes{kSampler, 1});
  harness.send(protocol::ClearNotes{kSampler, 2});
  harness.send(protocol::Seek{0});
  EXPECT_EQ(harness.render(4).back(), 0.0f) << "cleared clips play nothing";
  harness.send(protocol::ScheduleNote{99, 60, 100, 1, 0});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, protocol::ErrorCode::UnknownNode);
  harness.send(protocol::ScheduleNote{protocol::kMasterNodeId, 60, 100, 1, 0});
  harness.render(1);
  EXPECT_EQ(harness.state().lastErrorCode, protocol::ErrorCode::NotAnInstrument);
}

}  // namespace
}  // namespace amplitude
