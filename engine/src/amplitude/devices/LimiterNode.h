// LimiterNode: dsp::Limiter (look-ahead brick wall) on the node's stereo input, in place.
//
// Mapping: ceiling (dB), release (ms) and look-ahead (ms) pass straight through. The ceiling needs
// no smoothing (the limiter's box filter ramps any gain change) and a look-ahead change restarts
// the limiter, so the declared smoothing is 0. Latency is the look-ahead, which the graph
// compensates; tail: the look-ahead line holds at most kMaxLookaheadMs of audio (+1 sample).
#pragma once

#include <amplitude/dsp/dynamics/Limiter.h>
#include <amplitude/graph/Node.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class LimiterNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Limiter;

  void prepare(double sampleRate) override {
    limiter_.prepare(sampleRate, graph::kQuantumFrames);
    maxLookaheadFrames_ = static_cast<std::uint32_t>(std::ceil(dsp::Limiter::kMaxLookaheadMs * 0.001 * sampleRate));
    reset();
  }

  void reset() noexcept override {
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    limiter_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    switch (paramId) {
      case Declaration::ceiling: limiter_.setCeilingDb(value); break;
      case Declaration::release: limiter_.setReleaseMs(value); break;
      case Declaration::lookahead: limiter_.setLookaheadMs(value); break;
      default: break;
    }
  }

  std::uint32_t latencySamples() const noexcept override { return limiter_.latencySamples(); }
  std::uint32_t tailFrames() const noexcept override { return maxLookaheadFrames_ + 1; }

  void process(const graph::ProcessContext& context) noexcept override {
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    std::memcpy(left, context.input->left + context.begin, context.frames * sizeof(float));
    std::memcpy(right, context.input->right + context.begin, context.frames * sizeof(float));
    limiter_.process(left, right, context.frames);
  }

  float gainReductionDb() const noexcept { return limiter_.gainReductionDb(); }

 private:
  dsp::Limiter limiter_;
  std::uint32_t maxLookaheadFrames_ = 0;
};

}  // namespace amplitude::devices
