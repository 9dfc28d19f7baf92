// ParametricEqNode: the eight-band dsp::ParametricEq on the node's stereo input, in place.
//
// Mapping: the declaration lays the bands out as five contiguous ids each (type, frequency, Q,
// gain, enabled), so band = id / 5 and the field is id % 5 (checked at compile time below).
// Enum values are rounded; their indices equal dsp::EqBandType. The DSP glides frequency, Q and
// gain and crossfades type and on/off changes itself, so the declared smoothing is 0. With every
// band off (the default) the input passes through bit for bit. No latency; a biquad holds two
// samples of state, so a quantum of tail is ample.
#pragma once

#include <amplitude/dsp/filters/ParametricEq.h>
#include <amplitude/graph/Node.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class ParametricEqNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::ParametricEq;
  static constexpr std::uint32_t kParamsPerBand = 5;
  static_assert(Declaration::kParams.size() == dsp::ParametricEq::kBands * kParamsPerBand);
  static_assert(Declaration::band1Type == 0 && Declaration::band1Frequency == 1 && Declaration::band1Q == 2 &&
                Declaration::band1Gain == 3 && Declaration::band1Enabled == 4 && Declaration::band2Type == 5 &&
                Declaration::band8Enabled == 39);

  void prepare(double sampleRate) override {
    eq_.prepare(sampleRate, graph::kQuantumFrames);
    reset();
  }

  void reset() noexcept override {
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    eq_.reset();
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    const int band = static_cast<int>(paramId / kParamsPerBand);
    switch (paramId % kParamsPerBand) {
      case Declaration::band1Type:
        eq_.setBandType(band, static_cast<dsp::EqBandType>(static_cast<std::uint32_t>(std::lround(value))));
        break;
      case Declaration::band1Frequency: eq_.setBandFrequency(band, value); break;
      case Declaration::band1Q: eq_.setBandQ(band, value); break;
      case Declaration::band1Gain: eq_.setBandGain(band, value); break;
      case Declaration::band1Enabled: eq_.setBandEnabled(band, std::lround(value) != 0); break;
      default: break;
    }
  }

  std::uint32_t tailFrames() const noexcept override { return graph::kQuantumFrames; }

  void process(const graph::ProcessContext& context) noexcept override {
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    std::memcpy(left, context.input->left + context.begin, context.frames * sizeof(float));
    std::memcpy(right, context.input->right + context.begin, context.frames * sizeof(float));
    eq_.process(left, right, context.frames);
  }

  /// The response the EQ settles to, for drawing its curve.
  double targetMagnitudeDb(double frequencyHz) const noexcept { return eq_.targetMagnitudeDb(frequencyHz); }

 private:
  dsp::ParametricEq eq_;
};

}  // namespace amplitude::devices
