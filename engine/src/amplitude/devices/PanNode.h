// PanNode: dsp::Pan, the constant-power panner (-3 dB each side at the centre), in place.
//
// Mapping: pan -1 (left) .. +1 (right) passes straight through; the DSP glides it over 20 ms,
// so the declared smoothing is 0. Unlike the channel strip's balance (unity at the centre), this
// is the mono pan law: a mono source keeps its loudness wherever it is placed.
#pragma once

#include <amplitude/dsp/mix/Pan.h>
#include <amplitude/graph/Node.h>

#include <cstring>

namespace amplitude::devices {

class PanNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Pan;

  void prepare(double sampleRate) override {
    pan_.prepare(sampleRate, graph::kQuantumFrames);
    reset();
  }

  void reset() noexcept override {
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    pan_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    if (paramId == Declaration::pan) pan_.setPan(value);
  }

  /// A move made during silence ends where it was going.
  void skip(const graph::ProcessContext& /*context*/) noexcept override { pan_.reset(); }

  void process(const graph::ProcessContext& context) noexcept override {
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    std::memcpy(left, context.input->left + context.begin, context.frames * sizeof(float));
    std::memcpy(right, context.input->right + context.begin, context.frames * sizeof(float));
    pan_.process(left, right, context.frames);
  }

 private:
  dsp::Pan pan_;
};

}  // namespace amplitude::devices
