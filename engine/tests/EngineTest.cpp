// Invariants of the engine as a whole: it renders the boot patch at the requested frequency and
// level, applies every command at exactly its sample, rejects bad commands with a reason while
// playing on undisturbed, publishes a truthful state view, and renders deterministically.
#include "support/EngineHarness.h"

#include <amplitude/devices/OscillatorNode.h>
#include "support/SignalAnalysis.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <span>

using namespace amplitude;
using amplitude::test::EngineHarness;
using protocol::ErrorCode;

namespace {

constexpr double kSampleRate = 48000.0;
constexpr std::uint32_t kQuantum = Engine::kFramesPerQuantum;

std::span<const float> tail(const std::vector<float>& signal, std::size_t frames) {
  return std::span<const float>(signal).last(frames);
}

}  // namespace

TEST(Engine, IsSilentUntilPlayed) {
  EngineHarness harness;
  const auto out = harness.render(100);
  EXPECT_EQ(test::peakOf(out), 0.0);
  EXPECT_EQ(harness.state().playheadSamples, 0u);
  EXPECT_EQ(harness.state().quantum, 100u);
  EXPECT_EQ(harness.state().transport, protocol::TransportState::Stopped);
}

TEST(Engine, PlaysTheRequestedFrequencyAtTheRequestedLevel) {
  EngineHarness harness;
  harness.setFrequency(1000.0f);
  harness.setGainDecibels(-6.0f);
  harness.send(protocol::Play{});
  const auto out = harness.render(750);                  // 2 s
  const auto settled = tail(out, 48000);                 // the last second: 1000 whole periods
  EXPECT_NEAR(test::zeroCrossingFrequency(settled, kSampleRate), 1000.0, 0.01);
  EXPECT_NEAR(test::toDecibels(test::toneAmplitude(settled, 1000.0, kSampleRate)), -6.0, 0.001);
  EXPECT_EQ(harness.channelMismatches(), 0u);
  EXPECT_EQ(harness.state().playheadSamples, 750u * kQuantum);
  EXPECT_EQ(harness.state().commandsApplied, 3u);
  EXPECT_EQ(harness.state().commandsRejected, 0u);
}

TEST(Engine, DefaultsComeFromTheParameterDeclarations) {
  EngineHarness harness;
  harness.send(protocol::Play{});
  const auto out = harness.render(400);
  const auto settled = tail(out, 48000);  // 440 Hz: 440 whole periods in 1 s
  EXPECT_NEAR(test::zeroCrossingFrequency(settled, kSampleRate), 440.0, 0.01);
  EXPECT_NEAR(test::toDecibels(test::toneAmplitude(settled, 440.0, kSampleRate)), -12.0, 0.001);
}

TEST(Engine, GainChangeStartsExactlyAtItsSampleOffsetAndRampsLinearly) {
  EngineHarness reference;
  EngineHarness changed;
  for (auto* harness : {&reference, &changed}) {
    harness->setGainDecibels(0.0f);
    harness->send(protocol::Play{});
  }
  const auto before = reference.render(20);
  ASSERT_EQ(before, changed.render(20));

  constexpr std::uint32_t kOffset = 37;
  changed.setGainDecibels(-96.0f, kOffset);
  const auto expected = reference.render(10);
  const auto actual = changed.render(10);

  for (std::uint32_t i = 0; i < kOffset; ++i) ASSERT_EQ(actual[i], expected[i]) << "sample " << i;
  const auto rampSamples = static_cast<std::uint32_t>(std::lround(kSampleRate * 0.010));
  const double target = std::pow(10.0, -96.0 / 20.0);
  for (std::uint32_t k = 0; k < rampSamples; ++k) {
    const double gain = 1.0 + (target - 1.0) * (k + 1) / rampSamples;
    ASSERT_NEAR(actual[kOffset + k], expected[kOffset + k] * gain, 2e-6) << "ramp step " << k;
  }
  EXPECT_NE(actual[kOffset], expected[kOffset]);
  for (std::size_t i = kOffset + rampSamples; i < actual.size(); ++i) {
    ASSERT_NEAR(actual[i], expected[i] * target, 1e-9);
  }
}

TEST(Engine, CommandsOfOneQuantumApplyInSampleOrderWhateverTheirArrivalOrder) {
  EngineHarness harness;
  harness.send(protocol::Play{});
  harness.render(1);
  harness.setGainDecibels(-3.0f, 100);  // arrives first, applies last
  harness.setGainDecibels(-40.0f, 10);
  harness.render(400);
  const auto out = harness.render(375);
  const auto settled = tail(out, 48000);
  EXPECT_NEAR(test::toDecibels(test::toneAmplitude(settled, 440.0, kSampleRate)), -3.0, 0.001);
}

TEST(Engine, PlayAtAnOffsetStartsThereAndAdvancesThePlayheadFromThere) {
  EngineHarness harness;
  harness.render(3);
  harness.send(protocol::Play{}, 64);
  const auto out = harness.render(1);
  for (std::uint32_t i = 0; i <= 64; ++i) ASSERT_EQ(out[i], 0.0f) << i;  // sin(0) = 0 at 64 too
  EXPECT_NE(out[65], 0.0f);
  EXPECT_EQ(harness.state().playheadSamples, kQuantum - 64);
  EXPECT_EQ(harness.state().transport, protocol::TransportState::Playing);
}

TEST(Engine, StopFadesOutWithoutAClickAndKeepsThePlayhead) {
  EngineHarness harness;
  harness.setGainDecibels(0.0f);
  harness.send(protocol::Play{});
  harness.render(50);
  const auto playhead = harness.state().playheadSamples;
  harness.send(protocol::Stop{}, 0);
  const auto out = harness.render(10);
  const auto fade = static_cast<std::size_t>(std::lround(kSampleRate * amplitude::devices::OscillatorNode::kTransportFadeSeconds));
  for (std::size_t i = 1; i < fade; ++i) {
    // A 2 ms fade of a 440 Hz tone: consecutive samples never jump by more than the tone does.
    ASSERT_LT(std::fabs(out[i] - out[i - 1]), 2 * std::numbers::pi * 440.0 / kSampleRate + 1e-3);
  }
  for (std::size_t i = fade; i < out.size(); ++i) ASSERT_EQ(out[i], 0.0f) << i;
  EXPECT_EQ(harness.state().playheadSamples, playhead);
  EXPECT_EQ(harness.state().transport, protocol::TransportState::Stopped);
}

TEST(Engine, SeekMovesThePlayhead) {
  EngineHarness harness;
  harness.send(protocol::Seek{5'000'000'000ULL});
  harness.send(protocol::Play{});
  harness.render(2);
  EXPECT_EQ(harness.state().playheadSamples, 5'000'000'000ULL + 2 * kQuantum);
}

TEST(Engine, BadCommandsAreReportedWithTheirReasonAndChangeNothing) {
  EngineHarness reference;
  EngineHarness harness;
  for (auto* h : {&reference, &harness}) h->send(protocol::Play{});
  reference.render(5);
  harness.render(5);

  struct Case { protocol::CommandBody body; std::uint32_t offset; ErrorCode expected; };
  const Case cases[] = {
      {protocol::SetParam{99, 0, 1.0f}, 0, ErrorCode::UnknownNode},
      {protocol::SetParam{protocol::boot_patch::kOutputGainNodeId, 7, 1.0f}, 0, ErrorCode::UnknownParam},
      {protocol::SetParam{protocol::boot_patch::kOutputGainNodeId, 0, 40.0f}, 0, ErrorCode::ValueOutOfRange},
      {protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, 0, 5.0f}, 0, ErrorCode::ValueOutOfRange},
      {protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, 0, std::numeric_limits<float>::quiet_NaN()}, 0,
       ErrorCode::NonFiniteValue},
      {protocol::SetParam{protocol::boot_patch::kOutputGainNodeId, 0, -std::numeric_limits<float>::infinity()}, 0,
       ErrorCode::NonFiniteValue},
      {protocol::Play{}, kQuantum, ErrorCode::SampleOffsetOutOfRange},
  };
  std::uint32_t rejected = 0;
  for (const Case& c : cases) {
    harness.send(c.body, c.offset);
    ASSERT_EQ(harness.render(1), reference.render(1));
    const auto state = harness.state();
    EXPECT_EQ(state.commandsRejected, ++rejected);
    EXPECT_EQ(state.lastErrorCode, c.expected);
    EXPECT_EQ(state.lastErrorSequence, harness.lastSequence());
  }

  protocol::CommandRecord wrongVersion;
  protocol::encodeCommand({4242, 0, protocol::Stop{}}, wrongVersion);
  wrongVersion.bytes[2] = std::byte{9};
  harness.sendRaw(wrongVersion);
  ASSERT_EQ(harness.render(1), reference.render(1));
  EXPECT_EQ(harness.state().lastErrorCode, ErrorCode::SchemaVersionMismatch);
  EXPECT_EQ(harness.state().lastErrorSequence, 4242u);
  EXPECT_EQ(harness.state().transport, protocol::TransportState::Playing);
}

TEST(Engine, AFullRingIsAppliedWithinOneQuantum) {
  EngineHarness harness;
  for (std::uint32_t i = 0; i < protocol::kCommandRingCapacity; ++i) harness.setFrequency(100.0f + i, i % kQuantum);
  harness.render(1);
  EXPECT_EQ(harness.state().commandsApplied, protocol::kCommandRingCapacity);
}

TEST(Engine, MetersShowPeakAndRmsOfTheOutput) {
  EngineHarness harness;
  harness.setFrequency(1000.0f);
  harness.setGainDecibels(-6.0f);
  harness.send(protocol::Play{});
  harness.render(1500);  // 4 s: many RMS time constants
  const double amplitude = std::pow(10.0, -6.0 / 20.0);
  const auto state = harness.state();
  for (int channel = 0; channel < 2; ++channel) {
    EXPECT_NEAR(state.meterPeak[channel], amplitude, 1e-3);
    EXPECT_NEAR(state.meterRms[channel], amplitude / std::numbers::sqrt2, 1e-3);
  }
  harness.send(protocol::Stop{});
  harness.render(94);  // 0.25 s of silence: the peak falls 5 dB, the mean square by e^(-0.25 / 0.3 s)
  const auto early = harness.state();
  for (int channel = 0; channel < 2; ++channel) {
    EXPECT_NEAR(early.meterPeak[channel] / (amplitude * std::pow(10.0, -5.0 / 20.0)), 1.0, 0.02);
    EXPECT_NEAR(early.meterRms[channel] / (amplitude / std::numbers::sqrt2 * std::exp(-0.25 / 0.6)), 1.0, 0.02);
  }
  harness.render(281);  // 1 s in: the integrator alone would now read above the fallen peak
  const auto after = harness.state();
  for (int channel = 0; channel < 2; ++channel) {
    EXPECT_NEAR(after.meterPeak[channel] / (amplitude * 0.1), 1.0, 0.02);
    ASSERT_GT(amplitude / std::numbers::sqrt2 * std::exp(-1.0 / 0.6), after.meterPeak[channel]);
    EXPECT_EQ(after.meterRms[channel], after.meterPeak[channel]) << "RMS is never shown above the peak";
  }
}

TEST(Engine, SameCommandsRenderBitIdentically) {
  EngineHarness first;
  EngineHarness second;
  for (auto* h : {&first, &second}) {
    h->setFrequency(777.7f, 5);
    h->send(protocol::Play{}, 3);
    h->send(protocol::SetParam{protocol::boot_patch::kOscillatorNodeId, protocol::devices::Oscillator::waveform, 1.0f}, 90);
  }
  EXPECT_EQ(first.render(300), second.render(300));
}

TEST(Engine, PublishesEveryChannelStripsMetersInRenderOrder) {
  EngineHarness harness;
  using Strip = protocol::devices::ChannelStrip;
  harness.send(protocol::AddNode{10, Strip::kType});
  harness.send(protocol::Disconnect{protocol::boot_patch::kOutputGainNodeId, protocol::kMasterNodeId, 0, 0});
  harness.send(protocol::Connect{protocol::boot_patch::kOutputGainNodeId, 10, 0, 0, 1.0f});
  harness.send(protocol::Connect{10, protocol::kMasterNodeId, 0, 0, 1.0f});
  harness.send(protocol::SetParam{10, Strip::volume, -6.0f});
  harness.setFrequency(1000.0f);
  harness.send(protocol::Play{});
  harness.render(1500);  // 4 s: the 300 ms RMS integrator has settled
  ASSERT_EQ(harness.state().commandsRejected, 0u);

  rt::ChannelMeter meters[rt::ChannelMeterPublisher::kCapacity];
  const std::uint32_t count =
      rt::ChannelMeterPublisher::read(harness.engine().shared().channelMeters, meters, rt::ChannelMeterPublisher::kCapacity);
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(meters[0].nodeId, 10u);
  EXPECT_EQ(meters[1].nodeId, protocol::kMasterNodeId);
  const double expected = std::pow(10.0, (-12.0 - 6.0) / 20.0);  // boot gain -12 dB, strip -6 dB
  for (int channel = 0; channel < 2; ++channel) {
    EXPECT_NEAR(meters[0].peak[channel], expected, 1e-3);
    EXPECT_NEAR(meters[0].rms[channel], expected / std::numbers::sqrt2, 1e-3);
    EXPECT_NEAR(meters[1].peak[channel], expected, 1e-3);
  }
  EXPECT_EQ(harness.state().latencySamples, 0u);
  EXPECT_EQ(harness.state().nodesProcessed, 4u);  // oscillator, gain, strip, master
}

TEST(Engine, ResetReturnsToTheBootPatchWithoutAllocating) {
  EngineHarness harness;
  using Strip = protocol::devices::ChannelStrip;
  harness.send(protocol::AddNode{10, Strip::kType});
  harness.send(protocol::Connect{protocol::boot_patch::kOutputGainNodeId, 10, 0, 0, 1.0f});
  harness.send(protocol::Connect{10, protocol::kMasterNodeId, 0, 0, 1.0f});
  harness.send(protocol::SetParam{protocol::kMasterNodeId, Strip::volume, -20.0f});
  harness.send(protocol::Play{});
  harness.render(10);
  harness.engine().reset();
  const auto state = harness.state();
  EXPECT_EQ(state.commandsApplied, 0u);
  EXPECT_EQ(state.transport, protocol::TransportState::Stopped);
  EXPECT_EQ(harness.engine().graph().node(10), nullptr);
  harness.setFrequency(1000.0f);
  harness.send(protocol::Play{});
  const auto out = harness.render(400);
  const std::span<const float> settled(out.data() + out.size() - 48000, 48000);
  EXPECT_NEAR(20.0 * std::log10(test::toneAmplitude(settled, 1000.0, 48000.0)), -12.0, 0.01)
      << "the boot patch at its default gain, through a master back at 0 dB";
}

TEST(Engine, LoopsSeamlesslyWithNothingSkippedOrDoubled) {
  // A constant source through a strip whose volume is automated as a staircase of hold segments
  // (a new level every 100 frames of timeline): each output frame shows exactly which timeline
  // position was rendered there. The loop [2000, 4000) must give ..., 3998, 3999, 2000, 2001, ...
  EngineHarness harness;
  using Strip = protocol::devices::ChannelStrip;
  using Sampler = protocol::devices::Sampler;
  auto& shared = harness.engine().shared();
  auto* pcm = reinterpret_cast<float*>(shared.sampleHeap);
  std::fill_n(pcm, 1024, 1.0f);
  shared.sampleTable.heapOffset[0] = 0;
  shared.sampleTable.frames[0] = 1024;
  shared.sampleTable.channelCount[0] = 1;
  shared.sampleTable.sampleRate[0] = 48000.0f;
  harness.send(protocol::RemoveNode{protocol::boot_patch::kOscillatorNodeId});
  harness.send(protocol::RemoveNode{protocol::boot_patch::kOutputGainNodeId});
  harness.send(protocol::AddNode{10, Sampler::kType});
  harness.send(protocol::SetParam{10, Sampler::playback, 2.0f});  // loop the whole sample
  harness.send(protocol::AssignSample{10, 0, 0});
  harness.send(protocol::AddNode{11, Strip::kType});
  harness.send(protocol::Connect{10, 11, 0, 0, 1.0f});
  harness.send(protocol::Connect{11, protocol::kMasterNodeId, 0, 0, 1.0f});
  const auto levelAt = [](std::uint64_t position) { return -60.0f + static_cast<float>(position / 100); };
  for (std::uint32_t step = 0; step < 60; ++step) {
    harness.send(protocol::AddAutomationPoint{11, Strip::volume, 2, 0, step * 100, levelAt(step * 100)});
  }
  harness.send(protocol::SetLoop{2000, 4000});
  harness.send(protocol::NoteOn{10, 60, 1.0f});
  harness.send(protocol::Play{});
  const auto out = harness.render(80);  // 10240 frames: five passes through the loop
  ASSERT_EQ(harness.state().commandsRejected, 0u) << static_cast<int>(harness.state().lastErrorCode);
  for (std::uint64_t frame = 0; frame < out.size(); ++frame) {
    const std::uint64_t position = frame < 4000 ? frame : 2000 + (frame - 4000) % 2000;
    ASSERT_EQ(out[frame], static_cast<float>(dsp::decibelsToGain(levelAt(position)))) << "frame " << frame;
  }
  EXPECT_EQ(harness.state().playheadSamples, 2000 + (out.size() - 4000) % 2000);

  // Looping off: the playhead runs on past the old loop end.
  harness.send(protocol::SetLoop{0, 0});
  harness.render(20);
  EXPECT_GT(harness.state().playheadSamples, 4000u);
}
