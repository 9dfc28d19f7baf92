// CompressorNode: dsp::Compressor on the node's stereo input, in place, detecting on the
// sidechain (input port 1) when one is connected and on its own input otherwise.
//
// Mapping: threshold, ratio, knee, makeup (dB), attack and release (ms) and look-ahead (ms) pass
// straight through; mix is declared in percent (0..100) and the DSP takes 0..1. The DSP ramps
// threshold, ratio, knee, makeup and mix over 20 ms and crossfades look-ahead changes itself, so
// the declared smoothing is 0. Latency is the look-ahead (the graph delays parallel paths to
// match). Tail: the look-ahead line can hold up to kMaxLookaheadMs of audio while the output is
// still silent.
#pragma once

#include <amplitude/dsp/dynamics/Compressor.h>
#include <amplitude/graph/Node.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class CompressorNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Compressor;

  void prepare(double sampleRate) override {
    compressor_.prepare(sampleRate, graph::kQuantumFrames);
    maxLookaheadFrames_ =
        static_cast<std::uint32_t>(std::ceil(dsp::Compressor::kMaxLookaheadMs * 0.001 * sampleRate));
    reset();
  }

  void reset() noexcept override {
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    compressor_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    switch (paramId) {
      case Declaration::threshold: compressor_.setThresholdDb(value); break;
      case Declaration::ratio: compressor_.setRatio(value); break;
      case Declaration::knee: compressor_.setKneeDb(value); break;
      case Declaration::attack: compressor_.setAttackMs(value); break;
      case Declaration::release: compressor_.setReleaseMs(value); break;
      case Declaration::makeup: compressor_.setMakeupDb(value); break;
      case Declaration::lookahead: compressor_.setLookaheadMs(value); break;
      case Declaration::mix: compressor_.setMix(value * 0.01f); break;
      default: break;
    }
  }

  std::uint32_t latencySamples() const noexcept override { return compressor_.latencySamples(); }
  std::uint32_t tailFrames() const noexcept override { return maxLookaheadFrames_; }

  void process(const graph::ProcessContext& context) noexcept override {
    const std::uint32_t begin = context.begin;
    float* left = context.output->left + begin;
    float* right = context.output->right + begin;
    std::memcpy(left, context.input->left + begin, context.frames * sizeof(float));
    std::memcpy(right, context.input->right + begin, context.frames * sizeof(float));
    const float* sidechainLeft = context.sidechain != nullptr ? context.sidechain->left + begin : nullptr;
    const float* sidechainRight = context.sidechain != nullptr ? context.sidechain->right + begin : nullptr;
    compressor_.process(left, right, sidechainLeft, sidechainRight, context.frames);
  }

  /// Largest gain reduction of the last segment in dB (for a meter).
  float gainReductionDb() const noexcept { return compressor_.gainReductionDb(); }

 private:
  dsp::Compressor compressor_;
  std::uint32_t maxLookaheadFrames_ = 0;
};

}  // namespace amplitude::devices
