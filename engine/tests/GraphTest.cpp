// Invariants of the audio graph: edits while playing, refused edits that leave the graph playing,
// render order and skipping, latency compensation, solo, and sample-accurate automation.
#include <amplitude/devices/ChannelStripNode.h>
#include <amplitude/devices/GainNode.h>
#include <amplitude/graph/AudioGraph.h>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace amplitude::graph {
namespace {

using protocol::ErrorCode;
constexpr double kSampleRate = 48000.0;

/// Test source: a constant `level` on both channels, or a unit impulse every `period` frames.
class TestSource final : public Node {
 public:
  static constexpr std::array<protocol::ParamDeclaration, 2> kParams{
      protocol::ParamDeclaration{0, "level", "Level", "", -10.0f, 10.0f, 1.0f, protocol::ParamScale::Linear, 0.0f},
      protocol::ParamDeclaration{1, "period", "Period", "", 0.0f, 100000.0f, 0.0f, protocol::ParamScale::Linear, 0.0f}};
  void prepare(double) override { reset(); }
  void reset() noexcept override {
    level_ = 1.0f;
    period_ = 0;
    frame_ = 0;
  }
  void setParam(std::uint32_t id, float value) noexcept override {
    if (id == 0) level_ = value;
    if (id == 1) period_ = static_cast<std::uint32_t>(value);
  }
  bool isSource() const noexcept override { return true; }
  void process(const ProcessContext& context) noexcept override {
    for (std::uint32_t i = context.begin; i < context.begin + context.frames; ++i, ++frame_) {
      const float value = period_ == 0 ? level_ : (frame_ % period_ == 0 ? level_ : 0.0f);
      context.output->left[i] = context.output->right[i] = value;
    }
  }

 private:
  float level_ = 1.0f;
  std::uint32_t period_ = 0;
  std::uint64_t frame_ = 0;
};

/// Test effect: delays its input by `latency` frames and says so, like a look-ahead compressor.
class LatentDelay final : public Node {
 public:
  static constexpr std::array<protocol::ParamDeclaration, 1> kParams{
      protocol::ParamDeclaration{0, "latency", "Latency", "samples", 0.0f, 1000.0f, 100.0f, protocol::ParamScale::Linear, 0.0f}};
  void prepare(double) override { reset(); }
  void reset() noexcept override {
    latency_ = 100;
    history_.assign(4096, 0.0f);
    write_ = 0;
    processed_ = 0;
  }
  void setParam(std::uint32_t, float value) noexcept override { latency_ = static_cast<std::uint32_t>(value); }
  std::uint32_t latencySamples() const noexcept override { return latency_; }
  std::uint32_t tailFrames() const noexcept override { return latency_; }
  void process(const ProcessContext& context) noexcept override {
    ++processed_;
    for (std::uint32_t i = context.begin; i < context.begin + context.frames; ++i) {
      history_[write_ % 4096] = context.input->left[i];
      context.output->left[i] = context.output->right[i] = history_[(write_ + 4096 - latency_) % 4096];
      ++write_;
    }
  }
  std::uint32_t processed_ = 0;

 private:
  std::uint32_t latency_ = 100;
  std::vector<float> history_ = std::vector<float>(4096, 0.0f);  // sized before use: prepare() runs first
  std::uint32_t write_ = 0;
};

constexpr std::uint32_t kSourceType = 100;
constexpr std::uint32_t kLatentType = 101;
using Strip = protocol::devices::ChannelStrip;
using Gain = protocol::devices::Gain;

class GraphTest : public ::testing::Test {
 protected:
  GraphTest()
      : sources_(8), latents_(4), gains_(8), strips_(8),
        entries_{DeviceEntry{kSourceType, 0, false, false, TestSource::kParams, &sources_},
                 DeviceEntry{kLatentType, 1, false, false, LatentDelay::kParams, &latents_},
                 DeviceEntry{Gain::kType, 1, false, false, Gain::kParams, &gains_},
                 DeviceEntry{Strip::kType, 1, false, true, Strip::kParams, &strips_}},
        graph_(entries_) {
    graph_.prepare(kSampleRate);
  }

  /// Renders `quanta` whole quanta and returns the master's left channel.
  std::vector<float> render(std::size_t quanta, bool playing = true) {
    std::vector<float> out;
    for (std::size_t q = 0; q < quanta; ++q) {
      graph_.process(0, kQuantumFrames, timeline_, playing, 120.0);
      if (playing) timeline_ += kQuantumFrames;
      out.insert(out.end(), graph_.masterOutput().left, graph_.masterOutput().left + kQuantumFrames);
    }
    return out;
  }

  NodePool<TestSource> sources_;
  NodePool<LatentDelay> latents_;
  NodePool<devices::GainNode> gains_;
  NodePool<devices::ChannelStripNode> strips_;
  DeviceEntry entries_[4];
  AudioGraph graph_;
  std::uint64_t timeline_ = 0;
};

TEST_F(GraphTest, ASourceConnectedToTheMasterIsHeardExactly) {
  ASSERT_EQ(graph_.addNode(1, kSourceType), ErrorCode::None);
  ASSERT_EQ(graph_.setParam(1, 0, 0.25f), ErrorCode::None);
  ASSERT_EQ(graph_.connect(1, 0, 0, 0, 1.0f), ErrorCode::None);
  for (const float sample : render(2)) ASSERT_EQ(sample, 0.25f);  // centre pan and 0 dB: identity
}

TEST_F(GraphTest, InputsSumAndConnectionGainsApply) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, kSourceType);
  graph_.setParam(2, 0, 0.5f);
  graph_.connect(1, 0, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 0.5f);
  EXPECT_EQ(render(1).back(), 1.25f);
}

TEST_F(GraphTest, ACycleIsRefusedAndTheGraphKeepsPlaying) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, Gain::kType);
  graph_.addNode(3, Gain::kType);
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 3, 0, 0, 1.0f);
  graph_.connect(3, 0, 0, 0, 1.0f);
  graph_.setParam(2, Gain::gain, 0.0f);
  graph_.setParam(3, Gain::gain, 0.0f);
  render(4);
  EXPECT_EQ(graph_.connect(3, 2, 0, 0, 1.0f), ErrorCode::CycleRefused);
  EXPECT_EQ(graph_.connect(2, 2, 0, 0, 1.0f), ErrorCode::CycleRefused);
  EXPECT_EQ(graph_.connect(0, 2, 0, 0, 1.0f), ErrorCode::CycleRefused);  // the master feeds nothing back
  EXPECT_NEAR(render(1).back(), 1.0f, 1e-6f);
}

TEST_F(GraphTest, BadEditsGetTheirErrorCodes) {
  EXPECT_EQ(graph_.addNode(1, 999), ErrorCode::UnknownDevice);
  EXPECT_EQ(graph_.addNode(AudioGraph::kMaxNodeId + 1, kSourceType), ErrorCode::UnknownNode);
  EXPECT_EQ(graph_.addNode(0, Strip::kType), ErrorCode::ReservedNode);
  EXPECT_EQ(graph_.removeNode(0), ErrorCode::ReservedNode);
  ASSERT_EQ(graph_.addNode(1, kSourceType), ErrorCode::None);
  EXPECT_EQ(graph_.addNode(1, kSourceType), ErrorCode::NodeIdInUse);
  EXPECT_EQ(graph_.connect(1, 7, 0, 0, 1.0f), ErrorCode::UnknownNode);
  EXPECT_EQ(graph_.connect(1, 0, 1, 0, 1.0f), ErrorCode::PortOutOfRange);  // a source has no pre-fader port
  EXPECT_EQ(graph_.connect(1, 0, 0, 1, 1.0f), ErrorCode::PortOutOfRange);  // a strip has no sidechain
  EXPECT_EQ(graph_.connect(0, 1, 0, 0, 1.0f), ErrorCode::PortOutOfRange);  // a source has no input
  EXPECT_EQ(graph_.connect(1, 0, 0, 0, 5.0f), ErrorCode::ValueOutOfRange);
  EXPECT_EQ(graph_.connect(1, 0, 0, 0, NAN), ErrorCode::NonFiniteValue);
  EXPECT_EQ(graph_.disconnect(1, 0, 0, 0), ErrorCode::ConnectionNotFound);
  EXPECT_EQ(graph_.setParam(1, 9, 0.0f), ErrorCode::UnknownParam);
  EXPECT_EQ(graph_.setParam(1, 0, 11.0f), ErrorCode::ValueOutOfRange);
  EXPECT_EQ(graph_.noteOn(1, 60, 1.0f), ErrorCode::NotAnInstrument);
  EXPECT_EQ(graph_.removeNode(42), ErrorCode::UnknownNode);
}

TEST_F(GraphTest, PoolsRunOutWithAnErrorAndRefillOnRemove) {
  for (std::uint32_t id = 1; id <= 8; ++id) ASSERT_EQ(graph_.addNode(id, kSourceType), ErrorCode::None);
  EXPECT_EQ(graph_.addNode(9, kSourceType), ErrorCode::NodePoolExhausted);
  ASSERT_EQ(graph_.removeNode(3), ErrorCode::None);
  EXPECT_EQ(graph_.addNode(9, kSourceType), ErrorCode::None);
}

TEST_F(GraphTest, RemovingANodeDropsItsConnections) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, Gain::kType);
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 1.0f);
  graph_.setParam(2, Gain::gain, 0.0f);
  render(4);
  ASSERT_EQ(graph_.removeNode(2), ErrorCode::None);
  EXPECT_EQ(graph_.disconnect(1, 2, 0, 0), ErrorCode::UnknownNode);
  EXPECT_EQ(render(1).back(), 0.0f);
  // The id can be reused at once, and the new node starts from its defaults.
  ASSERT_EQ(graph_.addNode(2, Gain::kType), ErrorCode::None);
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 1.0f);
  EXPECT_NEAR(render(1).back(), std::pow(10.0, -12.0 / 20.0), 1e-6);
}

TEST_F(GraphTest, NodesThatDoNotReachTheMasterCostNothing) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, kLatentType);
  graph_.connect(1, 2, 0, 0, 1.0f);  // a branch that ends nowhere
  render(2);
  EXPECT_EQ(graph_.processedLastSegment(), 0u);  // the master is silent and skipped too
  EXPECT_EQ(static_cast<LatentDelay*>(graph_.node(2))->processed_, 0u);
  graph_.connect(2, 0, 0, 0, 1.0f);
  render(2);
  EXPECT_EQ(graph_.processedLastSegment(), 3u);
}

TEST_F(GraphTest, SilentBranchesAreSkippedOnceTheirTailHasEnded) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, kLatentType);  // tail = latency = 100 frames
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 1.0f);
  render(2);
  auto& latent = *static_cast<LatentDelay*>(graph_.node(2));
  graph_.setParam(1, 0, 0.0f);  // the source goes silent; the delay still holds 100 frames of signal
  const auto tail = render(1);
  EXPECT_EQ(tail[99], 1.0f) << "the tail plays out";
  EXPECT_EQ(tail[100], 0.0f);
  render(2);  // silent in and out for longer than the tail
  const std::uint32_t before = latent.processed_;
  render(10);
  EXPECT_EQ(latent.processed_, before) << "a finished tail is not processed";
  graph_.setParam(1, 0, 1.0f);
  const auto back = render(1);
  EXPECT_EQ(latent.processed_, before + 1);
  EXPECT_EQ(back[100], 1.0f);  // and the delay line came back clean: 100 zeros, then signal
  EXPECT_EQ(back[99], 0.0f);
}

TEST_F(GraphTest, LatencyCompensationAlignsParallelPathsAtTheMaster) {
  // One impulse source feeds a latent path and a plain path; only one of them is audible at a
  // time (the other's connection gain is 0). After compensation both renders are identical: the
  // plain path is delayed by exactly the latent node's latency.
  const auto renderPath = [&](bool throughLatentNode) {
    graph_.prepare(kSampleRate);
    timeline_ = 0;
    graph_.addNode(1, kSourceType);
    graph_.setParam(1, 1, 1000.0f);  // an impulse every 1000 frames
    graph_.addNode(2, kLatentType);
    graph_.addNode(3, Strip::kType);  // identity at its defaults
    graph_.connect(1, 2, 0, 0, 1.0f);
    graph_.connect(1, 3, 0, 0, 1.0f);
    graph_.connect(2, 0, 0, 0, throughLatentNode ? 1.0f : 0.0f);
    graph_.connect(3, 0, 0, 0, throughLatentNode ? 0.0f : 1.0f);
    return render(40);
  };
  const auto latent = renderPath(true);
  const auto direct = renderPath(false);
  EXPECT_EQ(graph_.totalLatency(), 100u);
  ASSERT_EQ(latent.size(), direct.size());
  std::size_t firstImpulse = latent.size();
  for (std::size_t i = 0; i < latent.size(); ++i) {
    ASSERT_FLOAT_EQ(latent[i], direct[i]) << "frame " << i;
    if (firstImpulse == latent.size() && latent[i] != 0.0f) firstImpulse = i;
  }
  EXPECT_EQ(firstImpulse, 100u) << "both paths are late by the latent node's 100 frames";
}

TEST_F(GraphTest, CompensatedParallelPathsNullWhenSubtracted) {
  // The null test: the same impulse train through a latent node whose effect is disabled (a pure
  // delay) and, polarity-inverted, through a plain path. Connection gains cannot be negative, so
  // the inverted copy comes from a second source with level -1.
  graph_.addNode(1, kSourceType);
  graph_.setParam(1, 1, 333.0f);
  graph_.addNode(4, kSourceType);
  graph_.setParam(4, 1, 333.0f);
  graph_.setParam(4, 0, -1.0f);  // the same impulse train, inverted
  graph_.addNode(2, kLatentType);
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 1.0f);
  graph_.connect(4, 0, 0, 0, 1.0f);
  double energy = 0.0;
  for (const float sample : render(100)) energy += double(sample) * sample;
  EXPECT_EQ(energy, 0.0) << "compensated paths null to silence";
  EXPECT_EQ(graph_.totalLatency(), 100u);

  // Without the latent node there is nothing to compensate.
  graph_.removeNode(2);
  graph_.connect(1, 0, 0, 0, 1.0f);
  render(1);
  EXPECT_EQ(graph_.totalLatency(), 0u);
}

TEST_F(GraphTest, SoloMutesTheOthersButNotWhatTheSoloedStripFeedsOrIsFedBy) {
  // Sources 1..3 -> strips 11..13 -> master; strip 13 is a bus fed by a pre-fader send of 11.
  for (std::uint32_t i = 1; i <= 2; ++i) {
    graph_.addNode(i, kSourceType);
    graph_.addNode(10 + i, Strip::kType);
    graph_.connect(i, 10 + i, 0, 0, 1.0f);
    graph_.connect(10 + i, 0, 0, 0, 1.0f);
  }
  graph_.setParam(2, 0, 0.5f);
  graph_.addNode(13, Strip::kType);
  graph_.connect(11, 13, 1, 0, 0.25f);
  graph_.connect(13, 0, 0, 0, 1.0f);
  EXPECT_EQ(render(10).back(), 1.0f + 0.5f + 0.25f);

  graph_.setParam(12, Strip::solo, 1.0f);  // strip 12 alone
  EXPECT_EQ(render(10).back(), 0.5f);
  graph_.setParam(13, Strip::soloSafe, 1.0f);  // the bus keeps playing what it receives
  EXPECT_EQ(render(10).back(), 0.5f) << "strip 11 is muted, so its pre-fader send is too";
  graph_.setParam(12, Strip::solo, 0.0f);
  graph_.setParam(13, Strip::soloSafe, 0.0f);
  graph_.setParam(13, Strip::solo, 1.0f);  // soloing the bus keeps the track that feeds it
  const float bus = render(10).back();
  EXPECT_EQ(bus, 1.0f + 0.25f);
  graph_.setParam(13, Strip::solo, 0.0f);
  EXPECT_EQ(render(10).back(), 1.75f);
}

TEST_F(GraphTest, MuteFadesInsteadOfClicking) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, Strip::kType);
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 1.0f);
  render(1);
  graph_.setParam(2, Strip::mute, 1.0f);
  const auto fade = render(3);
  const auto fadeFrames = static_cast<std::size_t>(std::lround(devices::ChannelStripNode::kMuteFadeSeconds * kSampleRate));
  for (std::size_t i = 1; i < fadeFrames; ++i) EXPECT_LT(fade[i], fade[i - 1]);
  EXPECT_NEAR(fade[fadeFrames / 2 - 1], 0.5f, 1.0f / fadeFrames);
  EXPECT_EQ(fade[fadeFrames], 0.0f);
}

TEST_F(GraphTest, AutomationIsSampleAccurate) {
  graph_.addNode(1, kSourceType);
  graph_.addNode(2, Strip::kType);
  graph_.connect(1, 2, 0, 0, 1.0f);
  graph_.connect(2, 0, 0, 0, 1.0f);
  // Pan: 0 until frame 1000 (hold), then a linear ramp from -1 at 1000 to +1 at 3000.
  ASSERT_EQ(graph_.addAutomationPoint(2, Strip::pan, 0, 0.0f, SegmentShape::Hold, 0.0f), ErrorCode::None);
  ASSERT_EQ(graph_.addAutomationPoint(2, Strip::pan, 1000, -1.0f, SegmentShape::Linear, 0.0f), ErrorCode::None);
  ASSERT_EQ(graph_.addAutomationPoint(2, Strip::pan, 3000, 1.0f, SegmentShape::Linear, 0.0f), ErrorCode::None);
  std::vector<float> left;
  std::vector<float> right;
  for (int q = 0; q < 30; ++q) {
    graph_.process(0, kQuantumFrames, timeline_, true, 120.0);
    timeline_ += kQuantumFrames;
    left.insert(left.end(), graph_.masterOutput().left, graph_.masterOutput().left + kQuantumFrames);
    right.insert(right.end(), graph_.masterOutput().right, graph_.masterOutput().right + kQuantumFrames);
  }
  // Frame 999 is still centred, frame 1000 is hard left, exactly.
  EXPECT_EQ(left[999], 1.0f);
  EXPECT_EQ(right[999], 1.0f);
  EXPECT_EQ(left[1000], 1.0f);
  EXPECT_EQ(right[1000], 0.0f);
  // On the linear segment the pan position at frame f is -1 + 2 (f - 1000) / 2000; the balance
  // gains follow from it (within float rounding of the ramps).
  for (std::size_t f = 1001; f < 3000; f += 37) {
    const double pan = -1.0 + 2.0 * (f - 1000.0) / 2000.0;
    EXPECT_NEAR(left[f], devices::ChannelStripNode::panGainLeft(pan), 2e-3) << f;
    EXPECT_NEAR(right[f], devices::ChannelStripNode::panGainRight(pan), 2e-3) << f;
  }
  EXPECT_EQ(left[3000], 0.0f);
  EXPECT_EQ(right[3500], 1.0f);

  // Curved segments bend as declared: c = +1 reaches the midpoint value early.
  ASSERT_EQ(graph_.clearAutomation(2, Strip::pan), ErrorCode::None);
  graph_.addAutomationPoint(2, Strip::volume, 4000, -40.0f, SegmentShape::Curved, 1.0f);
  graph_.addAutomationPoint(2, Strip::volume, 6000, 0.0f, SegmentShape::Linear, 0.0f);
  graph_.setParam(2, Strip::pan, 0.0f);
  timeline_ = 3840;
  std::vector<float> curved;
  for (int q = 0; q < 20; ++q) {
    graph_.process(0, kQuantumFrames, timeline_, true, 120.0);
    timeline_ += kQuantumFrames;
    curved.insert(curved.end(), graph_.masterOutput().left, graph_.masterOutput().left + kQuantumFrames);
  }
  const double t = 0.25;  // frame 4500
  const double expectedDb = -40.0 + 40.0 * (t + 1.0 * t * (1.0 - t));
  EXPECT_NEAR(20.0 * std::log10(curved[4500 - 3840]), expectedDb, 0.05);
}

TEST_F(GraphTest, BadAutomationIsRefused) {
  graph_.addNode(2, Strip::kType);
  EXPECT_EQ(graph_.addAutomationPoint(9, Strip::pan, 0, 0.0f, SegmentShape::Linear, 0.0f), ErrorCode::UnknownNode);
  EXPECT_EQ(graph_.addAutomationPoint(2, 77, 0, 0.0f, SegmentShape::Linear, 0.0f), ErrorCode::UnknownParam);
  EXPECT_EQ(graph_.addAutomationPoint(2, Strip::pan, 0, 3.0f, SegmentShape::Linear, 0.0f), ErrorCode::ValueOutOfRange);
  EXPECT_EQ(graph_.addAutomationPoint(2, Strip::pan, 0, 0.0f, static_cast<SegmentShape>(7), 0.0f), ErrorCode::ValueOutOfRange);
  EXPECT_EQ(graph_.addAutomationPoint(2, Strip::pan, 0, 0.0f, SegmentShape::Curved, 2.0f), ErrorCode::ValueOutOfRange);
}

}  // namespace
}  // namespace amplitude::graph
