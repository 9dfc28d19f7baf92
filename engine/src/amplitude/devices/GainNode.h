// GainNode: gain in decibels, ramped linearly in amplitude over the declared smoothing time so a
// change never clicks; automation ramps reach their value exactly at the chunk end.
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/graph/Node.h>

#include <cmath>

namespace amplitude::devices {

class GainNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Gain;

  void prepare(double sampleRate) override {
    rampSamples_ = static_cast<std::uint32_t>(
        std::lround(Declaration::kParams[Declaration::gain].smoothingMs * 0.001 * sampleRate));
    reset();
  }

  void reset() noexcept override {
    gain_.reset(static_cast<float>(dsp::decibelsToGain(Declaration::kParams[Declaration::gain].defaultValue)));
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    if (paramId == Declaration::gain) gain_.setTarget(static_cast<float>(dsp::decibelsToGain(value)), rampSamples_);
  }

  void automateParam(std::uint32_t paramId, float value, std::uint32_t frames) noexcept override {
    if (paramId == Declaration::gain) gain_.setTarget(static_cast<float>(dsp::decibelsToGain(value)), frames);
  }

  void skip(const graph::ProcessContext& context) noexcept override { gain_.advance(context.frames); }

  void process(const graph::ProcessContext& context) noexcept override {
    const float* inLeft = context.input->left + context.begin;
    const float* inRight = context.input->right + context.begin;
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    for (std::uint32_t i = 0; i < context.frames; ++i) {
      const float gain = gain_.next();
      left[i] = inLeft[i] * gain;
      right[i] = inRight[i] * gain;
    }
  }

 private:
  dsp::LinearRamp gain_;
  std::uint32_t rampSamples_ = 0;
};

}  // namespace amplitude::devices
