// DelayNode: dsp::Delay (stereo feedback delay, up to 2 s) on the node's stereo input, in place. Its
// lines take pages from the engine's delay memory as the time needs (EngineMemoryExhausted when
// that runs out: the delay then holds the longest time it has memory for).
//
// Mapping: time in ms; sync and ping-pong are Off/On switches; division is an enum of note
// values whose length in beats (quarter notes) is kDivisionBeats; feedback and mix are declared
// in percent and the DSP takes 0..1. Low cut at its minimum (20 Hz) means off (the DSP's 0 Hz);
// high cut at 20 kHz is the DSP's own "off". The tempo comes from the transport
// (context.beatsPerMinute) at every segment, skipped or processed. The DSP crossfades time
// changes and ramps everything else over 20 ms, so the declared smoothing is 0.
// Tail: a sound can sit silently in the line for its whole length before it is heard. When the
// graph starts skipping the node it clears the DSP once, so echoes a 0 % mix kept circulating
// silently can never come back later.
#pragma once

#include <amplitude/dsp/time/Delay.h>
#include <amplitude/graph/Node.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class DelayNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::Delay;
  static constexpr double kMaxDelaySeconds = 2.0;
  /// Lengths of the division choices in beats: 1/32, 1/16T, 1/16, 1/8T, 1/16D, 1/8, 1/4T, 1/8D,
  /// 1/4, 1/2T, 1/4D, 1/2, 1/1T, 1/2D, 1/1 (T = two thirds, D = one and a half).
  static constexpr float kDivisionBeats[] = {0.125f, 1.0f / 6.0f, 0.25f, 1.0f / 3.0f, 0.375f,
                                             0.5f,   2.0f / 3.0f, 0.75f, 1.0f,        4.0f / 3.0f,
                                             1.5f,   2.0f,        8.0f / 3.0f, 3.0f,  4.0f};
  static_assert(Declaration::kParams[Declaration::division].max + 1 == std::size(kDivisionBeats));

  /// Non-real-time, before prepare: the delay lines take pages from `pool` as the time needs.
  void attachMemory(rt::PagePool& pool) { delay_.attachMemory(pool); }

  protocol::ErrorCode status() const noexcept override { return status_; }
  void retire() noexcept override { delay_.releaseMemory(); }

  void prepare(double sampleRate) override {
    delay_.prepare(sampleRate, graph::kQuantumFrames, kMaxDelaySeconds);
    reset();
    delay_.releaseMemory();  // an idle pooled node holds no pages: AddNode's reset() takes them
  }

  void reset() noexcept override {
    delay_.releaseMemory();  // a recycled node starts with no pages; its default time takes some
    for (const auto& param : Declaration::kParams) setParam(param.id, param.defaultValue);
    status_ = delay_.memoryShortfall() ? protocol::ErrorCode::EngineMemoryExhausted : protocol::ErrorCode::None;
    delay_.reset();
    cleared_ = true;
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    switch (paramId) {
      case Declaration::time: delay_.setTimeMs(value); break;
      case Declaration::sync: delay_.setTempoSync(std::lround(value) != 0); break;
      case Declaration::division: delay_.setNoteDivision(kDivisionBeats[std::lround(value)]); break;
      case Declaration::feedback: delay_.setFeedback(value * 0.01f); break;
      case Declaration::lowCut:
        delay_.setFeedbackLowCutHz(value <= Declaration::kParams[Declaration::lowCut].min ? 0.0 : value);
        break;
      case Declaration::highCut: delay_.setFeedbackHighCutHz(value); break;
      case Declaration::pingPong: delay_.setPingPong(std::lround(value) != 0); break;
      case Declaration::mix: delay_.setMix(value * 0.01f); break;
      default: break;
    }
    const bool timing = paramId == Declaration::time || paramId == Declaration::sync || paramId == Declaration::division;
    status_ = timing && delay_.memoryShortfall() ? protocol::ErrorCode::EngineMemoryExhausted : protocol::ErrorCode::None;
  }

  std::uint32_t tailFrames() const noexcept override { return delay_.maxDelaySamples(); }

  void skip(const graph::ProcessContext& context) noexcept override {
    followTempo(context.beatsPerMinute);
    if (cleared_) return;
    delay_.reset();  // once per silence: bounded (two 2 s lines)
    cleared_ = true;
  }

  void process(const graph::ProcessContext& context) noexcept override {
    cleared_ = false;
    followTempo(context.beatsPerMinute);
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    std::memcpy(left, context.input->left + context.begin, context.frames * sizeof(float));
    std::memcpy(right, context.input->right + context.begin, context.frames * sizeof(float));
    delay_.process(left, right, context.frames);
  }

  /// The delay the echoes settle at, in samples.
  std::uint32_t delaySamples() const noexcept { return delay_.delaySamples(); }

 private:
  void followTempo(double beatsPerMinute) noexcept {
    if (beatsPerMinute == beatsPerMinute_) return;
    beatsPerMinute_ = beatsPerMinute;
    delay_.setTempoBpm(beatsPerMinute);
  }

  dsp::Delay delay_;
  protocol::ErrorCode status_ = protocol::ErrorCode::None;
  double beatsPerMinute_ = 0.0;
  bool cleared_ = true;
};

}  // namespace amplitude::devices
