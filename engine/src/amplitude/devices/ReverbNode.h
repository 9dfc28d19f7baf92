// ReverbNode: dsp::Reverb (8-line feedback delay network) on the node's stereo input, in place.
//
// Mapping: size, damping, mix and width are declared in percent and the DSP takes 0..1;
// pre-delay passes through in ms. The DSP glides size over 100 ms and ramps or crossfades the
// rest over 20 ms, so the declared smoothing is 0.
// Tail: the tail itself decays to exact zero (every recursive value is flushed) and the graph
// keeps processing while it sounds. tailFrames() bounds how long the reverb can hold sound while
// its output is silent: the longest pre-delay (200 ms) plus the diffusers (< 13 ms) and the
// longest network line at full size (71.3 ms), rounded up to kNetworkBoundMs = 100 ms.
// When the graph starts skipping the node it clears the DSP once, so whatever a 0 % mix kept
// circulating silently can never come back later as a stale tail.
#pragma once

#include <amplitude/dsp/time/Reverb.h>
#include <amplitude/graph/Node.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class ReverbNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Reverb;
  static constexpr double kNetworkBoundMs = 100.0;

  void prepare(double sampleRate) override {
    reverb_.prepare(sampleRate, graph::kQuantumFrames);
    tailFrames_ = static_cast<std::uint32_t>(
        std::ceil((dsp::Reverb::kMaxPreDelayMs + kNetworkBoundMs) * 0.001 * sampleRate));
    reset();
  }

  /// What one reverb costs at the prepared rate: the engine sizes its reverb pool by it.
  std::size_t memoryBytes() const noexcept { return reverb_.memoryBytes(); }

  void reset() noexcept override {
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    reverb_.reset();
    cleared_ = true;
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    switch (paramId) {
      case Declaration::size: reverb_.setSize(value * 0.01f); break;
      case Declaration::damping: reverb_.setDamping(value * 0.01f); break;
      case Declaration::preDelay: reverb_.setPreDelayMs(value); break;
      case Declaration::mix: reverb_.setMix(value * 0.01f); break;
      case Declaration::width: reverb_.setWidth(value * 0.01f); break;
      default: break;
    }
  }

  std::uint32_t tailFrames() const noexcept override { return tailFrames_; }

  void skip(const graph::ProcessContext& /*context*/) noexcept override {
    if (cleared_) return;
    reverb_.reset();  // once per silence: bounded (the lines are a few hundred kB)
    cleared_ = true;
  }

  void process(const graph::ProcessContext& context) noexcept override {
    cleared_ = false;
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    std::memcpy(left, context.input->left + context.begin, context.frames * sizeof(float));
    std::memcpy(right, context.input->right + context.begin, context.frames * sizeof(float));
    reverb_.process(left, right, context.frames);
  }

 private:
  dsp::Reverb reverb_;
  std::uint32_t tailFrames_ = 0;
  bool cleared_ = true;
};

}  // namespace amplitude::devices
