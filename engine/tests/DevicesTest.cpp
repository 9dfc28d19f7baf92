// The device nodes (EQ, dynamics, delay, reverb, pan, instruments) driven through the real engine
// and its command ring: declarations, pools, memory plan, and each device's defining behaviour,
// measured at the master and checked against the formulas that define it.
#include <amplitude/devices/CompressorNode.h>
#include <amplitude/devices/DelayNode.h>
#include <amplitude/devices/DrumMachineNode.h>
#include <amplitude/devices/LimiterNode.h>
#include <amplitude/devices/PanNode.h>
#include <amplitude/devices/ParametricEqNode.h>
#include <amplitude/devices/PolySynthNode.h>
#include <amplitude/devices/ReverbNode.h>
#include <amplitude/devices/SamplerNode.h>

#include "support/EngineHarness.h"
#include "support/SignalAnalysis.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstddef>
#if defined(__SANITIZE_ADDRESS__)
// From ASan's runtime (Debian ships no <sanitizer/allocator_interface.h> with gcc 12).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <span>
#include <vector>

namespace amplitude {
namespace {

using protocol::ErrorCode;
using test::EngineHarness;
namespace decl = protocol::devices;

constexpr double kRate = 48000.0;
constexpr std::uint32_t kQuantum = protocol::kFramesPerQuantum;
constexpr std::uint32_t kMaster = protocol::kMasterNodeId;
constexpr std::uint32_t kOscillator = protocol::boot_patch::kOscillatorNodeId;
constexpr std::uint32_t kBootGain = protocol::boot_patch::kOutputGainNodeId;

struct Stereo {
  std::vector<float> left;
  std::vector<float> right;
};

Stereo renderStereo(EngineHarness& harness, std::size_t quanta) {
  Stereo out;
  for (std::size_t q = 0; q < quanta; ++q) {
    harness.engine().renderQuantum();
    out.left.insert(out.left.end(), harness.engine().output(0), harness.engine().output(0) + kQuantum);
    out.right.insert(out.right.end(), harness.engine().output(1), harness.engine().output(1) + kQuantum);
  }
  return out;
}

/// Sends one command, renders a quantum, and returns why it was rejected (None if applied).
ErrorCode apply(EngineHarness& harness, protocol::CommandBody body, std::uint32_t sampleOffset = 0) {
  const std::uint32_t rejected = harness.state().commandsRejected;
  harness.send(body, sampleOffset);
  harness.render(1);
  if (harness.state().commandsRejected == rejected) return ErrorCode::None;
  EXPECT_EQ(harness.state().lastErrorSequence, harness.lastSequence());
  return harness.state().lastErrorCode;
}

/// An engine with the boot patch removed: only the master (node 0) is left.
void removeBootPatch(EngineHarness& harness) {
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kOscillator}), ErrorCode::None);
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kBootGain}), ErrorCode::None);
}

void add(EngineHarness& harness, std::uint32_t nodeId, std::uint32_t type) {
  ASSERT_EQ(apply(harness, protocol::AddNode{nodeId, type}), ErrorCode::None);
}
void connect(EngineHarness& harness, std::uint32_t from, std::uint32_t to, std::uint8_t toPort = 0) {
  ASSERT_EQ(apply(harness, protocol::Connect{from, to, 0, toPort, 1.0f}), ErrorCode::None);
}
void set(EngineHarness& harness, std::uint32_t nodeId, std::uint32_t paramId, float value) {
  ASSERT_EQ(apply(harness, protocol::SetParam{nodeId, paramId, value}), ErrorCode::None) << "param " << paramId;
}

/// Writes planar float32 PCM at `heapOffset` of the sample heap and describes it in entry `index`.
void putSample(EngineHarness& harness, std::uint32_t index, std::uint32_t heapOffset,
               const std::vector<std::vector<float>>& channels, float sampleRate = 48000.0f) {
  SharedRegion& shared = harness.engine().shared();
  const auto frames = static_cast<std::uint32_t>(channels[0].size());
  for (std::size_t c = 0; c < channels.size(); ++c) {
    std::memcpy(shared.sampleHeap + heapOffset + c * frames * sizeof(float), channels[c].data(), frames * sizeof(float));
  }
  shared.sampleTable.heapOffset[index] = heapOffset;
  shared.sampleTable.frames[index] = frames;
  shared.sampleTable.channelCount[index] = static_cast<std::uint32_t>(channels.size());
  shared.sampleTable.sampleRate[index] = sampleRate;
}

/// Deterministic noise in [-0.9, 0.9] (no two neighbours alike, so any misplaced frame shows).
std::vector<float> noise(std::size_t frames, std::uint32_t seed) {
  std::vector<float> out(frames);
  for (auto& sample : out) {
    seed = seed * 1664525u + 1013904223u;
    sample = 0.9f * (static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
  }
  return out;
}

double decibels(double ratio) { return 20.0 * std::log10(ratio); }

std::size_t nonZeroCount(const std::vector<float>& signal) {
  std::size_t count = 0;
  for (const float sample : signal) count += sample != 0.0f ? 1u : 0u;
  return count;
}

template <typename Node>
Node& nodeAs(EngineHarness& harness, std::uint32_t nodeId) {
  return *static_cast<Node*>(harness.engine().graph().node(nodeId));
}

// ---- Declarations, pools, memory ------------------------------------------------------------

template <typename Declaration>
void checkDeclaration(EngineHarness& harness, std::uint32_t nodeId) {
  SCOPED_TRACE(testing::Message() << "device type " << Declaration::kType);
  add(harness, nodeId, Declaration::kType);
  ASSERT_EQ(harness.engine().graph().node(nodeId)->isSource(), Declaration::kInputs == 0);
  for (std::size_t i = 0; i < Declaration::kParams.size(); ++i) {
    const protocol::ParamDeclaration& param = Declaration::kParams[i];
    SCOPED_TRACE(testing::Message() << "param " << param.name);
    EXPECT_EQ(param.id, i) << "ids are contiguous";
    EXPECT_FALSE(param.label.empty());
    EXPECT_LT(param.min, param.max);
    if (param.scale == protocol::ParamScale::Log) {
      EXPECT_GT(param.min, 0.0f);
    }
    if (param.scale == protocol::ParamScale::Enum) {
      EXPECT_EQ(param.min, 0.0f);
      EXPECT_EQ(param.max, std::round(param.max));
      EXPECT_EQ(param.defaultValue, std::round(param.defaultValue));
    }
    for (const float value : {param.min, param.max, param.defaultValue}) {
      EXPECT_EQ(apply(harness, protocol::SetParam{nodeId, param.id, value}), ErrorCode::None) << value;
    }
    const float below = param.min - std::fmax(1.0f, std::fabs(param.min) * 0.01f);
    const float above = param.max + std::fmax(1.0f, std::fabs(param.max) * 0.01f);
    EXPECT_EQ(apply(harness, protocol::SetParam{nodeId, param.id, below}), ErrorCode::ValueOutOfRange);
    EXPECT_EQ(apply(harness, protocol::SetParam{nodeId, param.id, above}), ErrorCode::ValueOutOfRange);
  }
  EXPECT_EQ(apply(harness, protocol::SetParam{nodeId, static_cast<std::uint32_t>(Declaration::kParams.size()), 0.0f}),
            ErrorCode::UnknownParam);
  EXPECT_EQ(apply(harness, protocol::NoteOn{nodeId, 60, 1.0f}),
            Declaration::kIsInstrument ? ErrorCode::None : ErrorCode::NotAnInstrument);
}

template <typename Declaration>
void setAll(EngineHarness& harness, std::uint32_t nodeId, bool maximum) {
  for (const auto& param : Declaration::kParams) {
    harness.send(protocol::SetParam{nodeId, param.id, maximum ? param.max : param.min});
  }
}

TEST(Devices, EveryDeviceIsAddedAndEveryParamTakesItsRangeAndRefusesValuesOutsideIt) {
  EngineHarness harness;
  checkDeclaration<decl::ParametricEq>(harness, 10);
  checkDeclaration<decl::Compressor>(harness, 11);
  checkDeclaration<decl::Limiter>(harness, 12);
  checkDeclaration<decl::Delay>(harness, 13);
  checkDeclaration<decl::Reverb>(harness, 14);
  checkDeclaration<decl::Pan>(harness, 15);
  checkDeclaration<decl::PolySynth>(harness, 16);
  checkDeclaration<decl::Sampler>(harness, 17);
  checkDeclaration<decl::DrumMachine>(harness, 18);
  // The effects in one chain, the instruments beside it, every parameter at its minimum, then at
  // its maximum: finite audio.
  harness.send(protocol::Play{});
  for (std::uint32_t id = 10; id < 15; ++id) harness.send(protocol::Connect{id, id + 1, 0, 0, 1.0f});
  harness.send(protocol::Connect{kOscillator, 10, 0, 0, 1.0f});
  for (const std::uint32_t id : {15u, 16u, 17u, 18u}) harness.send(protocol::Connect{id, kMaster, 0, 0, 1.0f});
  harness.render(1);
  const std::uint32_t rejected = harness.state().commandsRejected;
  for (const bool maximum : {false, true}) {
    setAll<decl::ParametricEq>(harness, 10, maximum);
    setAll<decl::Compressor>(harness, 11, maximum);
    setAll<decl::Limiter>(harness, 12, maximum);
    setAll<decl::Delay>(harness, 13, maximum);
    setAll<decl::Reverb>(harness, 14, maximum);
    setAll<decl::Pan>(harness, 15, maximum);
    setAll<decl::PolySynth>(harness, 16, maximum);
    setAll<decl::Sampler>(harness, 17, maximum);
    setAll<decl::DrumMachine>(harness, 18, maximum);
    harness.send(protocol::NoteOn{16, 48, 1.0f});
    const Stereo out = renderStereo(harness, 400);
    std::size_t audible = 0;
    for (std::size_t i = 0; i < out.left.size(); ++i) {
      ASSERT_TRUE(std::isfinite(out.left[i]) && std::isfinite(out.right[i])) << i;
      audible += out.left[i] != 0.0f ? 1u : 0u;
    }
    EXPECT_GT(audible, 0u);
  }
  EXPECT_EQ(harness.state().commandsRejected, rejected);
}

TEST(Devices, PoolsRunOutWithNodePoolExhausted) {
  EngineHarness harness;
  for (const graph::DeviceEntry& device : harness.engine().devices()) {
    if (device.isChannelStrip) continue;  // the master holds one; covered by the graph tests
    const std::uint32_t capacity = device.pool->capacity();  // Engine.cpp's memory plan
    SCOPED_TRACE(testing::Message() << "device type " << device.type << ", " << capacity << " nodes");
    constexpr std::uint32_t kFirstId = 1000;
    // The boot patch holds an oscillator and a gain of their pools.
    const std::uint32_t available = device.pool->available();
    const std::uint32_t rejected = harness.state().commandsRejected;
    for (std::uint32_t i = 0; i < available; ++i) harness.send(protocol::AddNode{kFirstId + i, device.type});
    harness.render(1);
    ASSERT_EQ(harness.state().commandsRejected, rejected);
    EXPECT_EQ(device.pool->available(), 0u);
    EXPECT_EQ(apply(harness, protocol::AddNode{kFirstId + available, device.type}), ErrorCode::NodePoolExhausted);
    for (std::uint32_t i = 0; i < available; ++i) harness.send(protocol::RemoveNode{kFirstId + i});
    harness.render(1);
    EXPECT_EQ(harness.state().commandsRejected, rejected + 1);
    EXPECT_EQ(device.pool->available(), available) << "freed by RemoveNode";
  }
}

TEST(Devices, TheEngineMemoryPlanFitsTheWebAssemblyBudget) {
  // The WebAssembly memory (protocol::kEngineMemoryBytes) holds the sample heap (inside the
  // SharedRegion, not counted here), the stack, static data, and whatever the engine allocates:
  // the graph, the delay page budget and every device pool. 4 MiB are kept for the stack, static
  // data and allocator overhead. glibc serves big blocks with mmap, which mallinfo2 counts in
  // hblkhd, not uordblks: both are summed. Pools are sized by the sample rate: check the highest.
  constexpr std::size_t kBudgetBytes = std::size_t{protocol::kEngineMemoryBytes} - protocol::kSampleHeapBytes - (std::size_t{4} << 20);
  // Under AddressSanitizer malloc is ASan's own and mallinfo2 reads zero: ask ASan instead.
  const auto allocated = []() -> std::size_t {
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#endif
  };
  for (const double rate : {44100.0, 48000.0, 96000.0, 192000.0}) {
    auto shared = std::make_unique<SharedRegion>();
    const std::size_t before = allocated();
    auto engine = std::make_unique<Engine>(*shared);
    engine->prepare(rate);
    const std::size_t used = allocated() - before;
    std::printf("[ memory   ] engine with every device pool, prepared at %.0f Hz: %.2f MiB (budget %.0f MiB)\n", rate,
                static_cast<double>(used) / (1 << 20), static_cast<double>(kBudgetBytes) / (1 << 20));
    EXPECT_LT(used, kBudgetBytes) << rate << " Hz";
    EXPECT_GT(used, std::size_t{protocol::kDelayMemoryBytes}) << "the delay page budget alone: measurement broken?";
  }
}

// ---- Parametric EQ --------------------------------------------------------------------------

/// |H(e^jw)| of the RBJ cookbook peaking filter, in dB, straight from the cookbook.
double rbjPeakingDb(double f0, double q, double gainDb, double f, double fs) {
  const double a = std::pow(10.0, gainDb / 40.0);
  const double w0 = 2.0 * std::numbers::pi * f0 / fs;
  const double alpha = std::sin(w0) / (2.0 * q);
  const std::complex<double> z1 = std::polar(1.0, -2.0 * std::numbers::pi * f / fs);
  const std::complex<double> z2 = z1 * z1;
  const auto numerator = (1.0 + alpha * a) - 2.0 * std::cos(w0) * z1 + (1.0 - alpha * a) * z2;
  const auto denominator = (1.0 + alpha / a) - 2.0 * std::cos(w0) * z1 + (1.0 - alpha / a) * z2;
  return decibels(std::abs(numerator / denominator));
}

TEST(Devices, EqPeakingBoostOnASineMatchesTheRbjMagnitude) {
  EngineHarness harness;
  constexpr std::uint32_t kEq = 10;
  constexpr double kF0 = 1000.0;
  constexpr double kQ = 2.0;
  constexpr double kGainDb = 9.0;
  ASSERT_NO_FATAL_FAILURE(add(harness, kEq, decl::ParametricEq::kType));
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kBootGain}), ErrorCode::None);
  connect(harness, kOscillator, kEq);
  connect(harness, kEq, kMaster);
  // Band 3 (ids 10..14), so the band layout is exercised beyond the first band.
  set(harness, kEq, decl::ParametricEq::band3Type, 0.0f);  // Peaking
  set(harness, kEq, decl::ParametricEq::band3Frequency, static_cast<float>(kF0));
  set(harness, kEq, decl::ParametricEq::band3Q, static_cast<float>(kQ));
  set(harness, kEq, decl::ParametricEq::band3Gain, static_cast<float>(kGainDb));
  harness.send(protocol::Play{});
  constexpr std::size_t kWindow = 9600;  // whole periods of every test frequency
  for (const double frequency : {1000.0, 500.0, 2000.0, 200.0, 5000.0}) {
    SCOPED_TRACE(testing::Message() << frequency << " Hz");
    harness.setFrequency(static_cast<float>(frequency));
    set(harness, kEq, decl::ParametricEq::band3Enabled, 0.0f);
    harness.render(100);
    const std::vector<float> dry = harness.render(kWindow / kQuantum);
    set(harness, kEq, decl::ParametricEq::band3Enabled, 1.0f);
    harness.render(100);  // past the 20 ms enable crossfade and the filter's transient
    const std::vector<float> wet = harness.render(kWindow / kQuantum);
    const double measuredDb = decibels(test::toneAmplitude(wet, frequency, kRate) / test::toneAmplitude(dry, frequency, kRate));
    EXPECT_NEAR(measuredDb, rbjPeakingDb(kF0, kQ, kGainDb, frequency, kRate), 0.1);
    if (frequency == kF0) {
      EXPECT_NEAR(measuredDb, kGainDb, 0.1);
    }
  }
  EXPECT_EQ(harness.state().commandsRejected, 0u);
}

TEST(Devices, EqWithEveryBandOffPassesItsInputThroughBitForBit) {
  EngineHarness harness;
  constexpr std::uint32_t kEq = 10;
  constexpr std::uint32_t kStrip = 11;
  add(harness, kEq, decl::ParametricEq::kType);
  // Enable a band, then take the node back and add it again: the recycled node starts like new.
  set(harness, kEq, decl::ParametricEq::band5Enabled, 1.0f);
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kEq}), ErrorCode::None);
  add(harness, kEq, decl::ParametricEq::kType);
  // The EQ (all bands off by default) against a polarity-inverted plain path: exact silence.
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kBootGain}), ErrorCode::None);
  add(harness, kStrip, decl::ChannelStrip::kType);
  set(harness, kStrip, decl::ChannelStrip::invert, 1.0f);
  connect(harness, kOscillator, kEq);
  connect(harness, kOscillator, kStrip);
  connect(harness, kEq, kMaster);
  connect(harness, kStrip, kMaster);
  harness.send(protocol::Play{});
  EXPECT_EQ(nonZeroCount(harness.render(100)), 0u);
  EXPECT_EQ(harness.engine().graph().totalLatency(), 0u);
  // Not silence by accident: without the inverted path the tone is there at full level.
  ASSERT_EQ(apply(harness, protocol::Disconnect{kStrip, kMaster, 0, 0}), ErrorCode::None);
  harness.render(10);
  EXPECT_NEAR(test::toneAmplitude(harness.render(75), 440.0, kRate), 1.0, 1e-4);
}

// ---- Compressor -----------------------------------------------------------------------------

TEST(Devices, CompressorLookAheadIsCompensatedAndAnInvertedParallelPathNullsExactly) {
  EngineHarness harness;
  constexpr std::uint32_t kCompressor = 10;
  constexpr std::uint32_t kStrip = 11;
  constexpr float kLookaheadMs = 5.0f;
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kBootGain}), ErrorCode::None);
  add(harness, kCompressor, decl::Compressor::kType);
  add(harness, kStrip, decl::ChannelStrip::kType);
  // The effect is off (mix 0: only the look-ahead delay remains), the look-ahead is on.
  set(harness, kCompressor, decl::Compressor::mix, 0.0f);
  set(harness, kCompressor, decl::Compressor::lookahead, kLookaheadMs);
  set(harness, kStrip, decl::ChannelStrip::invert, 1.0f);
  connect(harness, kOscillator, kCompressor);
  connect(harness, kOscillator, kStrip);
  connect(harness, kCompressor, kMaster);
  connect(harness, kStrip, kMaster);
  harness.send(protocol::Play{});
  harness.render(1);
  const auto expectedLatency = static_cast<std::uint32_t>(std::lround(kLookaheadMs * 0.001 * kRate));
  EXPECT_EQ(nodeAs<devices::CompressorNode>(harness, kCompressor).latencySamples(), expectedLatency);
  EXPECT_EQ(harness.engine().graph().totalLatency(), expectedLatency);
  EXPECT_EQ(harness.state().latencySamples, expectedLatency);

  harness.render(20);  // the 20 ms mix ramp and the 10 ms look-ahead crossfade are over
  const Stereo nulled = renderStereo(harness, 200);
  for (std::size_t i = 0; i < nulled.left.size(); ++i) {
    ASSERT_EQ(nulled.left[i], 0.0f) << i;
    ASSERT_EQ(nulled.right[i], 0.0f) << i;
  }
  // Not silence by accident: with the polarity switched back the two paths add up (+6.02 dB).
  set(harness, kStrip, decl::ChannelStrip::invert, 0.0f);
  harness.render(10);
  const std::vector<float> summed = harness.render(75);
  EXPECT_NEAR(test::toneAmplitude(summed, 440.0, kRate), 2.0, 1e-4);
}

TEST(Devices, CompressorSidechainDucksTheSignalByTheStaticCurve) {
  EngineHarness harness;
  constexpr std::uint32_t kCompressor = 10;
  constexpr std::uint32_t kKey = 11;  // the sidechain source: a sampler looping DC at full scale
  constexpr double kThresholdDb = -20.0;
  constexpr double kRatio = 4.0;
  constexpr double kMainDb = -30.0;  // the main signal alone stays below the knee
  add(harness, kCompressor, decl::Compressor::kType);
  add(harness, kKey, decl::Sampler::kType);
  putSample(harness, 0, 0, {std::vector<float>(4800, 1.0f)});
  ASSERT_EQ(apply(harness, protocol::AssignSample{kKey, 0, 0}), ErrorCode::None);
  set(harness, kKey, decl::Sampler::playback, 2.0f);  // Loop
  harness.setFrequency(1000.0f);
  harness.setGainDecibels(static_cast<float>(kMainDb));
  ASSERT_EQ(apply(harness, protocol::Disconnect{kBootGain, kMaster, 0, 0}), ErrorCode::None);
  connect(harness, kBootGain, kCompressor);
  connect(harness, kKey, kCompressor, 1);
  connect(harness, kCompressor, kMaster);
  harness.send(protocol::Play{});
  harness.render(100);
  const std::vector<float> alone = harness.render(75);
  const double aloneAmplitude = test::toneAmplitude(alone, 1000.0, kRate);
  EXPECT_NEAR(decibels(aloneAmplitude), kMainDb, 0.01) << "below threshold - knee/2: untouched";

  ASSERT_EQ(apply(harness, protocol::NoteOn{kKey, 60, 1.0f}), ErrorCode::None);
  harness.render(150);  // 400 ms: 40 attack time constants
  const std::vector<float> ducked = harness.render(75);
  // Key level 0 dBFS, 20 dB over the threshold, beyond the knee: (1/R - 1)(x - T).
  const double expectedDb = (1.0 / kRatio - 1.0) * (0.0 - kThresholdDb);
  EXPECT_NEAR(decibels(test::toneAmplitude(ducked, 1000.0, kRate) / aloneAmplitude), expectedDb, 0.05);
  EXPECT_NEAR(nodeAs<devices::CompressorNode>(harness, kCompressor).gainReductionDb(), -expectedDb, 0.01);
}

// ---- Delay ----------------------------------------------------------------------------------

/// A one-frame sample of 1.0 on a sampler: NoteOn plays a unit impulse at its sample offset.
void addImpulseSource(EngineHarness& harness, std::uint32_t nodeId) {
  add(harness, nodeId, decl::Sampler::kType);
  putSample(harness, 7, 4096, {std::vector<float>(1, 1.0f)});
  ASSERT_EQ(apply(harness, protocol::AssignSample{nodeId, 7, 0}), ErrorCode::None);
}

/// The frames where the signal is not exactly zero, with their values.
std::vector<std::pair<std::size_t, float>> nonZero(const std::vector<float>& signal) {
  std::vector<std::pair<std::size_t, float>> found;
  for (std::size_t i = 0; i < signal.size(); ++i) {
    if (signal[i] != 0.0f) found.emplace_back(i, signal[i]);
  }
  return found;
}

TEST(Devices, DelayEchoesLandOnTheirSampleAndTempoSyncFollowsSetTempo) {
  EngineHarness harness;
  removeBootPatch(harness);
  constexpr std::uint32_t kSource = 10;
  constexpr std::uint32_t kDelay = 11;
  addImpulseSource(harness, kSource);
  add(harness, kDelay, decl::Delay::kType);
  connect(harness, kSource, kDelay);
  connect(harness, kDelay, kMaster);
  constexpr float kTimeMs = 10.0f;
  constexpr float kFeedback = 0.5f;
  set(harness, kDelay, decl::Delay::time, kTimeMs);
  set(harness, kDelay, decl::Delay::feedback, kFeedback * 100.0f);
  set(harness, kDelay, decl::Delay::mix, 100.0f);  // echoes only: dry gain cos(pi/2) = 0
  harness.render(10);                             // 20 ms ramps done

  constexpr std::uint32_t kOffset = 17;
  harness.send(protocol::NoteOn{kSource, 60, 1.0f}, kOffset);
  const Stereo echoes = renderStereo(harness, 20);
  const auto delay = static_cast<std::size_t>(std::lround(kTimeMs * 0.001 * kRate));
  const auto found = nonZero(echoes.left);
  // Echo k (k = 1, 2, ...) at offset + k * D with level feedback^(k - 1); nothing in between.
  const std::size_t echoCount = (echoes.left.size() - 1 - kOffset) / delay;
  ASSERT_EQ(found.size(), echoCount);
  for (std::size_t k = 1; k <= echoCount; ++k) {
    EXPECT_EQ(found[k - 1].first, kOffset + k * delay) << k;
    EXPECT_NEAR(found[k - 1].second, std::pow(kFeedback, static_cast<double>(k - 1)), 1e-6) << k;
  }
  EXPECT_EQ(nonZero(echoes.right), found);

  // Tempo sync: a 1/8 note is half a beat, 60 / bpm * 0.5 seconds. First the echoes must leave
  // the 2 s line, or a longer delay would read them again.
  set(harness, kDelay, decl::Delay::feedback, 0.0f);
  const std::size_t lineQuanta = static_cast<std::size_t>(devices::DelayNode::kMaxDelaySeconds * kRate) / kQuantum + 1;
  set(harness, kDelay, decl::Delay::sync, 1.0f);
  set(harness, kDelay, decl::Delay::division, 5.0f);  // "1/8"
  harness.render(10);
  const auto synced = [](double bpm) { return static_cast<std::size_t>(std::lround(0.5 * 60.0 / bpm * kRate)); };
  EXPECT_EQ(nodeAs<devices::DelayNode>(harness, kDelay).delaySamples(), synced(120.0));  // the engine's default
  for (const float bpm : {150.0f, 97.0f}) {
    SCOPED_TRACE(testing::Message() << bpm << " bpm");
    harness.render(lineQuanta);  // the previous impulse has left the line
    ASSERT_EQ(apply(harness, protocol::SetTempo{bpm}), ErrorCode::None);
    harness.render(10);
    EXPECT_EQ(nodeAs<devices::DelayNode>(harness, kDelay).delaySamples(), synced(bpm));
    harness.send(protocol::NoteOn{kSource, 60, 1.0f}, kOffset);
    const std::vector<float> out = harness.render(synced(bpm) / kQuantum + 2);
    const auto echo = nonZero(out);
    ASSERT_EQ(echo.size(), 1u);
    EXPECT_EQ(echo[0].first, kOffset + synced(bpm));
  }
}

// ---- Reverb ---------------------------------------------------------------------------------

TEST(Devices, ReverbTailDecaysToExactZeroAndThenTheNodeIsSkipped) {
  EngineHarness harness;
  removeBootPatch(harness);
  constexpr std::uint32_t kSource = 10;
  constexpr std::uint32_t kReverb = 11;
  addImpulseSource(harness, kSource);
  add(harness, kReverb, decl::Reverb::kType);
  connect(harness, kSource, kReverb);
  connect(harness, kReverb, kMaster);
  set(harness, kReverb, decl::Reverb::size, 0.0f);  // RT60 0.3 s
  set(harness, kReverb, decl::Reverb::damping, 0.0f);
  set(harness, kReverb, decl::Reverb::preDelay, 0.0f);
  set(harness, kReverb, decl::Reverb::mix, 100.0f);
  harness.render(150);  // ramps done; a new node has run out its tail bound on silence
  const std::uint32_t idle = harness.engine().graph().processedLastSegment();
  EXPECT_EQ(idle, 1u) << "only the sampler (a source) runs while everything is silent";

  harness.send(protocol::NoteOn{kSource, 60, 1.0f});
  const std::size_t kQuanta = 10 * 48000 / kQuantum;  // 10 s
  std::vector<float> tail;
  std::vector<std::uint32_t> processed;
  for (std::size_t q = 0; q < kQuanta; ++q) {
    const std::vector<float> block = harness.render(1);
    tail.insert(tail.end(), block.begin(), block.end());
    processed.push_back(harness.engine().graph().processedLastSegment());
  }
  for (const float sample : tail) ASSERT_TRUE(std::isfinite(sample));
  const auto rms = [&tail](double fromSeconds, double toSeconds) {
    double sum = 0.0;
    const auto from = static_cast<std::size_t>(fromSeconds * kRate);
    const auto to = static_cast<std::size_t>(toSeconds * kRate);
    for (std::size_t i = from; i < to; ++i) sum += static_cast<double>(tail[i]) * tail[i];
    return std::sqrt(sum / static_cast<double>(to - from));
  };
  // Decay at the documented rate: 60 dB per RT60 (damping 0 leaves every mode at that rate).
  const double rt60 = dsp::Reverb::rt60SecondsForSize(0.0);
  ASSERT_GT(rms(0.1, 0.15), 0.0);
  EXPECT_NEAR(decibels(rms(0.1, 0.15) / rms(0.1 + rt60, 0.15 + rt60)), 60.0, 3.0);

  // The tail reaches exact zero: within the time a 60 dB/RT60 decay needs from the peak down to
  // the flush floor (kDenormalFloor), plus one RT60 of margin.
  std::size_t last = 0;
  float peak = 0.0f;
  for (std::size_t i = 0; i < tail.size(); ++i) {
    if (tail[i] != 0.0f) last = i;
    peak = std::fmax(peak, std::fabs(tail[i]));
  }
  const double bound = (decibels(peak / dsp::kDenormalFloor) / 60.0 + 1.0) * rt60;
  EXPECT_LT(static_cast<double>(last) / kRate, bound);
  EXPECT_GT(static_cast<double>(last) / kRate, rt60);
  // Processed (source, reverb, master) while it rings; once the output has been silent for
  // tailFrames() the reverb and the master are skipped.
  const std::uint32_t tailFrames = nodeAs<devices::ReverbNode>(harness, kReverb).tailFrames();
  EXPECT_EQ(tailFrames, static_cast<std::uint32_t>(std::ceil((dsp::Reverb::kMaxPreDelayMs + 100.0) * 0.001 * kRate)));
  EXPECT_EQ(processed[last / kQuantum], 3u);
  const std::size_t firstSkipped = (last / kQuantum + 1) + (tailFrames + kQuantum - 1) / kQuantum;
  EXPECT_EQ(processed[firstSkipped - 1], 2u) << "the reverb still runs out its tail bound";
  EXPECT_EQ(processed[firstSkipped], idle);
  EXPECT_EQ(processed.back(), idle);
}

// ---- Pan ------------------------------------------------------------------------------------

TEST(Devices, PanFollowsTheConstantPowerLaw) {
  EngineHarness harness;
  constexpr std::uint32_t kPan = 10;
  add(harness, kPan, decl::Pan::kType);
  ASSERT_EQ(apply(harness, protocol::Disconnect{kBootGain, kMaster, 0, 0}), ErrorCode::None);
  harness.setGainDecibels(0.0f);
  connect(harness, kBootGain, kPan);
  connect(harness, kPan, kMaster);
  harness.send(protocol::Play{});
  for (const float pan : {0.0f, -1.0f, 0.5f}) {
    set(harness, kPan, decl::Pan::pan, pan);
    harness.render(20);
    const Stereo out = renderStereo(harness, 75);
    const double theta = (pan + 1.0) * std::numbers::pi / 4.0;
    EXPECT_NEAR(test::toneAmplitude(out.left, 440.0, kRate), std::cos(theta), 1e-4) << pan;
    EXPECT_NEAR(test::toneAmplitude(out.right, 440.0, kRate), std::sin(theta), 1e-4) << pan;
  }
}

// ---- Instruments ----------------------------------------------------------------------------

TEST(Devices, PolySynthNoteOnPlaysItsPitchAtTheVelocityLevel) {
  EngineHarness harness;
  removeBootPatch(harness);
  constexpr std::uint32_t kSynth = 10;
  add(harness, kSynth, decl::PolySynth::kType);
  connect(harness, kSynth, kMaster);
  set(harness, kSynth, decl::PolySynth::osc1Waveform, 0.0f);  // Sine
  constexpr std::uint8_t kNote = 64;
  constexpr float kVelocity = 0.5f;
  ASSERT_EQ(apply(harness, protocol::NoteOn{kSynth, kNote, kVelocity}), ErrorCode::None);
  harness.render(75);  // attack 5 ms, decay 100 ms to sustain 100 %
  const Stereo out = renderStereo(harness, 375);  // 1 s
  const double expectedHz = 440.0 * std::pow(2.0, (kNote - 69) / 12.0);
  EXPECT_NEAR(test::zeroCrossingFrequency(out.left, kRate), expectedHz, 0.02);
  const double cycles = std::floor(expectedHz * 1.0);  // a whole number of periods for the DFT
  const auto frames = static_cast<std::size_t>(std::lround(cycles / expectedHz * kRate));
  EXPECT_NEAR(test::toneAmplitude(std::span(out.left).first(frames), expectedHz, kRate), kVelocity * kVelocity, 2e-3);
  EXPECT_EQ(out.left, out.right);
  // A chord's notes are separate voices; NoteOff releases them (100 ms) to silence.
  EXPECT_EQ(nodeAs<devices::PolySynthNode>(harness, kSynth).activeVoiceCount(), 1u);
  ASSERT_EQ(apply(harness, protocol::NoteOff{kSynth, kNote}), ErrorCode::None);
  harness.render(60);
  EXPECT_EQ(nodeAs<devices::PolySynthNode>(harness, kSynth).activeVoiceCount(), 0u);
  for (const float sample : harness.render(2)) EXPECT_EQ(sample, 0.0f);
}

TEST(Devices, SamplerPlaysAnAssignedSampleBitExactlyAtRateOne) {
  EngineHarness harness;
  removeBootPatch(harness);
  constexpr std::uint32_t kSampler = 10;
  add(harness, kSampler, decl::Sampler::kType);
  connect(harness, kSampler, kMaster);
  const std::vector<float> left = noise(3001, 1);
  const std::vector<float> right = noise(3001, 2);
  // A stereo sample (planar). Rate = (sample rate / output rate) * 2^((note - root) / 12):
  // 1 at the root note, and 1 for a 24 kHz sample an octave up.
  struct Case {
    float sampleRate;
    std::uint8_t note;
  };
  for (const Case c : {Case{48000.0f, 60}, Case{24000.0f, 72}}) {
    SCOPED_TRACE(testing::Message() << c.sampleRate << " Hz, note " << int{c.note});
    putSample(harness, 3, 1024, {left, right}, c.sampleRate);
    ASSERT_EQ(apply(harness, protocol::AssignSample{kSampler, 3, 0}), ErrorCode::None);
    constexpr std::uint32_t kOffset = 33;
    harness.send(protocol::NoteOn{kSampler, c.note, 1.0f}, kOffset);
    const Stereo out = renderStereo(harness, 30);
    for (std::size_t i = 0; i < out.left.size(); ++i) {
      const bool inside = i >= kOffset && i - kOffset < left.size();
      ASSERT_EQ(out.left[i], inside ? left[i - kOffset] : 0.0f) << i;
      ASSERT_EQ(out.right[i], inside ? right[i - kOffset] : 0.0f) << i;
    }
  }
  // A node taken back and added again has forgotten its sample.
  ASSERT_EQ(apply(harness, protocol::RemoveNode{kSampler}), ErrorCode::None);
  add(harness, kSampler, decl::Sampler::kType);
  connect(harness, kSampler, kMaster);
  ASSERT_EQ(apply(harness, protocol::NoteOn{kSampler, 60, 1.0f}), ErrorCode::None);
  for (const float sample : harness.render(10)) EXPECT_EQ(sample, 0.0f);
}

TEST(Devices, DrumMachinePadsTriggerOnTheirNotesWithGainAndPan) {
  EngineHarness harness;
  removeBootPatch(harness);
  constexpr std::uint32_t kDrums = 10;
  add(harness, kDrums, decl::DrumMachine::kType);
  connect(harness, kDrums, kMaster);
  const std::vector<float> hit = noise(500, 3);
  putSample(harness, 5, 0, {hit});
  constexpr std::uint32_t kPad = 2;  // "Pad 3", note 36 + 2
  ASSERT_EQ(apply(harness, protocol::AssignSample{kDrums, 5, kPad}), ErrorCode::None);

  ASSERT_EQ(apply(harness, protocol::NoteOn{kDrums, 36 + kPad - 1, 1.0f}), ErrorCode::None);  // pad 2: empty
  for (const float sample : harness.render(5)) EXPECT_EQ(sample, 0.0f);

  struct Case {
    float gainDb;
    float pan;
    float velocity;
  };
  for (const Case c : {Case{0.0f, 0.0f, 1.0f}, Case{-6.0f, -1.0f, 0.5f}, Case{3.0f, 0.5f, 0.8f}}) {
    SCOPED_TRACE(testing::Message() << c.gainDb << " dB, pan " << c.pan << ", velocity " << c.velocity);
    set(harness, kDrums, decl::DrumMachine::pad3Gain, c.gainDb);
    set(harness, kDrums, decl::DrumMachine::pad3Pan, c.pan);
    ASSERT_EQ(apply(harness, protocol::NoteOn{kDrums, 36 + kPad, c.velocity}), ErrorCode::None);
    const Stereo out = renderStereo(harness, 5);
    // Gain 10^(dB/20) * velocity^2, constant-power pan cos/sin(pi/4 (pan + 1)).
    const double gain = std::pow(10.0, c.gainDb / 20.0) * c.velocity * c.velocity;
    const double theta = (c.pan + 1.0) * std::numbers::pi / 4.0;
    for (std::size_t i = 0; i < out.left.size(); ++i) {
      const std::size_t frame = i + kQuantum;  // the hit began in the quantum apply() rendered
      const float expected = frame < hit.size() ? hit[frame] : 0.0f;
      ASSERT_NEAR(out.left[i], expected * gain * std::cos(theta), 1e-6) << i;
      ASSERT_NEAR(out.right[i], expected * gain * std::sin(theta), 1e-6) << i;
      if (c.pan == -1.0f) {
        ASSERT_EQ(out.right[i], 0.0f);
      }
    }
    harness.render(5);
  }
  // The trigger note is a parameter: pad 3 answers note 60 instead of 38.
  set(harness, kDrums, decl::DrumMachine::pad3Note, 60.0f);
  ASSERT_EQ(apply(harness, protocol::NoteOn{kDrums, 36 + kPad, 1.0f}), ErrorCode::None);
  EXPECT_EQ(nodeAs<devices::DrumMachineNode>(harness, kDrums).activeVoiceCount(kPad), 0u);
  ASSERT_EQ(apply(harness, protocol::NoteOn{kDrums, 60, 1.0f}), ErrorCode::None);
  EXPECT_EQ(nodeAs<devices::DrumMachineNode>(harness, kDrums).activeVoiceCount(kPad), 1u);
}

TEST(Devices, AssignSampleReportsBadEntriesPlayersAndSlots) {
  EngineHarness harness;
  constexpr std::uint32_t kSampler = 10;
  constexpr std::uint32_t kDrums = 11;
  add(harness, kSampler, decl::Sampler::kType);
  add(harness, kDrums, decl::DrumMachine::kType);
  putSample(harness, 1, 0, {noise(64, 4)});
  harness.engine().shared().sampleTable.channelCount[2] = 0;  // an empty entry
  harness.engine().shared().sampleTable.frames[2] = 64;
  putSample(harness, 4, 256, {noise(64, 5)});
  harness.engine().shared().sampleTable.heapOffset[4] = 8;  // not 16-byte aligned

  EXPECT_EQ(apply(harness, protocol::AssignSample{kSampler, 2, 0}), ErrorCode::InvalidSample);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kSampler, 4, 0}), ErrorCode::InvalidSample);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kSampler, protocol::kSampleTableEntries, 0}), ErrorCode::InvalidSample);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kBootGain, 1, 0}), ErrorCode::NotASamplePlayer);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kSampler, 1, 1}), ErrorCode::PortOutOfRange);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kDrums, 1, 16}), ErrorCode::PortOutOfRange);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kSampler, 1, 0}), ErrorCode::None);
  EXPECT_EQ(apply(harness, protocol::AssignSample{kDrums, 1, 15}), ErrorCode::None);
}

TEST(Devices, DelaysShareAFixedMemoryBudgetAndSayWhenItIsSpent) {
  // Each delay holds pages for the time it is set to; the budget is kDelayMemoryBytes whatever the
  // sample rate. 40 delays at their 250 ms default, then each asked for 2 s until memory runs out.
  EngineHarness harness;
  constexpr std::uint32_t kDelays = 40;
  constexpr std::uint32_t kFirstId = 300;
  const auto pagesFor = [](double seconds) {
    const auto samples = static_cast<std::uint32_t>(std::lround(seconds * kRate));
    return 2 * ((samples + rt::PagePool::kPageFloats - 1) / rt::PagePool::kPageFloats);  // two channels
  };
  const std::uint32_t budget = protocol::kDelayMemoryBytes / (rt::PagePool::kPageFloats * sizeof(float));
  for (std::uint32_t i = 0; i < kDelays; ++i) ASSERT_EQ(apply(harness, protocol::AddNode{kFirstId + i, decl::Delay::kType}), ErrorCode::None);
  const std::uint32_t expectedLong = (budget - kDelays * pagesFor(0.25)) / (pagesFor(2.0) - pagesFor(0.25));
  ASSERT_LT(expectedLong, kDelays) << "the test needs the budget to run out";
  std::uint32_t granted = 0;
  for (std::uint32_t i = 0; i < kDelays; ++i) {
    const ErrorCode result = apply(harness, protocol::SetParam{kFirstId + i, decl::Delay::time, 2000.0f});
    if (result == ErrorCode::None) {
      ++granted;
    } else {
      EXPECT_EQ(result, ErrorCode::EngineMemoryExhausted);
    }
  }
  EXPECT_EQ(granted, expectedLong);
  // Removing delays gives their memory back: the refused ones can have it now.
  for (std::uint32_t i = 0; i < expectedLong; ++i) ASSERT_EQ(apply(harness, protocol::RemoveNode{kFirstId + i}), ErrorCode::None);
  EXPECT_EQ(apply(harness, protocol::SetParam{kFirstId + kDelays - 1, decl::Delay::time, 2000.0f}), ErrorCode::None);
}

}  // namespace
}  // namespace amplitude
