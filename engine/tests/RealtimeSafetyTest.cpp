// Invariant: the render call never allocates and never takes a lock, however busy the command
// stream (parameter changes, transport toggles, seeks, bad commands, bursts that fill the ring).
// The counters are shown to work first, so a silent hook cannot pass the test.
#include "support/EngineHarness.h"
#include "support/RealtimeCounters.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <mutex>

using namespace amplitude;
using amplitude::test::EngineHarness;
using amplitude::test::ScopedRealtimeCounters;

namespace {

/// One render call inside the counted region; the producer's work stays outside it.
void renderCounted(EngineHarness& harness, test::RealtimeViolations& total) {
  ScopedRealtimeCounters counters;
  harness.engine().renderQuantum();
  const auto counts = counters.counts();
  total.allocations += counts.allocations;
  total.locks += counts.locks;
}

}  // namespace

TEST(RealtimeCounters, SeeAllocationsAndLocksOnTheArmedThread) {
  std::mutex mutex;
  ScopedRealtimeCounters counters;
  auto* leaked = new int(3);
  { std::lock_guard guard(mutex); }
  const auto counts = counters.counts();
  delete leaked;
  EXPECT_EQ(counts.allocations, 1u);
  EXPECT_EQ(counts.locks, 1u);
}

TEST(RealtimeSafety, RenderNeitherAllocatesNorLocksOverTwentyThousandBusyQuanta) {
  EngineHarness harness;
  rt::CommandRing producer(harness.engine().shared().ringControl, harness.engine().shared().ringRecords);
  protocol::CommandRecord record;
  std::uint32_t sequence = 0;
  auto push = [&](protocol::CommandBody body, std::uint32_t offset) {
    protocol::encodeCommand({++sequence, offset, body}, record);
    producer.tryPush(record);  // a full ring is fine here: the test is about the consumer
  };

  constexpr std::uint32_t kQuanta = 20'000;
  test::RealtimeViolations total;
  for (std::uint32_t q = 0; q < kQuanta; ++q) {
    // The producer works outside the counted region, like the UI thread would.
    push(protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, 0, 100.0f + (q % 500)}, q % 128);
    push(protocol::SetParam{protocol::boot_patch::kOutputGainNodeId, 0, -float(q % 60)}, (q * 7) % 128);
    if (q % 97 == 0) push(protocol::Play{}, q % 128);
    if (q % 331 == 0) push(protocol::Stop{}, 5);
    if (q % 1009 == 0) push(protocol::Seek{q * 1000ULL}, 0);
    if (q % 13 == 0) push(protocol::SetParam{77, 0, 0.0f}, 0);  // rejected: unknown node
    if (q % 4999 == 0) {
      for (int i = 0; i < 2000; ++i) push(protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, 1, float(i % 4)}, i % 128);
    }
    renderCounted(harness, total);
  }
  EXPECT_EQ(total.allocations, 0u);
  EXPECT_EQ(total.locks, 0u);
  EXPECT_GT(harness.state().commandsApplied, 2u * kQuanta);
  EXPECT_GT(harness.state().commandsRejected, 0u);
}

TEST(RealtimeSafety, AGraphEditedWhilePlayingNeitherAllocatesNorLocksOverAHundredThousandQuanta) {
  // Every device type (and an unknown one, refused), nodes added and removed, connections
  // made, refused as cycles and broken, automation written and cleared, solo and mute toggled,
  // pools driven to exhaustion and back: all inside the counted render calls.
  EngineHarness harness;
  rt::CommandRing producer(harness.engine().shared().ringControl, harness.engine().shared().ringRecords);
  protocol::CommandRecord record;
  std::uint32_t sequence = 0;
  auto push = [&](protocol::CommandBody body, std::uint32_t offset = 0) {
    protocol::encodeCommand({++sequence, offset, body}, record);
    producer.tryPush(record);
  };
  using Strip = protocol::devices::ChannelStrip;
  constexpr std::uint32_t kQuanta = 100'000;
  constexpr std::uint32_t kFirstId = 100;
  constexpr std::uint32_t kIds = 48;
  test::RealtimeViolations total;
  auto& tempo = harness.engine().shared().tempoTable;
  tempo.beatsPerMinute[0] = 133.0;
  tempo.numerator[0] = 7;
  tempo.denominator[0] = 8;
  push(protocol::Play{});
  for (std::uint32_t q = 0; q < kQuanta; ++q) {
    const std::uint32_t round = q / 8;
    if (q % 5'000 == 0) {
      push(protocol::SetMetronome{1, static_cast<std::uint8_t>(q % 2), -12.0f});
      push(protocol::CommitTempoMap{1});
      push(protocol::SetLoop{q * 128ULL, q * 128ULL + 100'000});
      push(protocol::Stop{});
      push(protocol::Play{});  // with a count-in every other time
    }  // each round of 8 quanta works on one node and a partner
    const std::uint32_t id = kFirstId + round % kIds;
    const std::uint32_t other = kFirstId + (round * 7 + 3) % kIds;
    switch (q % 8) {
      case 0: {
        const auto devices = harness.engine().devices();
        const std::uint32_t pick = (round / kIds) % (devices.size() + 1);
        push(protocol::AddNode{id, pick < devices.size() ? devices[pick].type : 999}, q % 128);
        break;
      }
      case 1: push(protocol::Connect{id, other, 0, static_cast<std::uint8_t>(q % 2), 1.0f}, q % 128); break;
      case 2: push(protocol::Connect{other, protocol::kMasterNodeId, static_cast<std::uint8_t>(q % 2), 0, 0.5f}); break;
      case 3: push(protocol::Connect{protocol::boot_patch::kOscillatorNodeId, id, 0, 0, 1.0f}); break;
      case 4: push(protocol::AddAutomationPoint{id, 0, 0, 0, static_cast<std::uint32_t>(q * 128 % 100'000), 0.0f}); break;
      case 5: push(protocol::SetParam{id, Strip::solo, static_cast<float>(q % 3 == 0)}, 77); break;
      case 6: push(protocol::Disconnect{id, other, 0, 0}); break;
      case 7:
        if (round % 8 == 0) push(protocol::ClearAutomation{id, 0});
        if (round % 8 == 4) push(protocol::ClearNotes{id, 0});
        push(protocol::ScheduleNote{id, static_cast<std::uint8_t>(q % 128), static_cast<std::uint8_t>(q % 2 ? 100 : 0), 1,
                                    q * 128ULL + 77});
        if (round % 3 == 0) push(protocol::RemoveNode{id});
        push(protocol::NoteOn{id, 60, 0.8f});
        break;
    }
    if (q % 10'007 == 0) {
      for (std::uint32_t i = 0; i < 600; ++i) push(protocol::AddNode{2000 + i, protocol::devices::Gain::kType});  // exhaust
    }
    if (q % 10'007 == 5) {
      for (std::uint32_t i = 0; i < 600; ++i) push(protocol::RemoveNode{2000 + i});
    }
    renderCounted(harness, total);
  }
  EXPECT_EQ(total.allocations, 0u);
  EXPECT_EQ(total.locks, 0u);
  const auto state = harness.state();
  // Both kinds of traffic really happened: edits that changed the graph and edits it refused
  // (cycles, exhausted pools, unknown devices, notes to non-instruments).
  EXPECT_GT(state.commandsApplied, kQuanta / 8);
  EXPECT_GT(state.commandsRejected, kQuanta / 8);
  std::printf("[ figures  ] %u commands applied, %u rejected over %u quanta\n", state.commandsApplied,
              state.commandsRejected, kQuanta);
  EXPECT_EQ(state.quantum, kQuanta);
}
