// ClipPlayerNode: an audio track's clips, played from the sample heap at their timeline
// positions while the transport plays.
//
// Each output frame t belongs to a clip when timelineStart <= t < timelineStart + length; it plays
// source frame sourceStart + (t - timelineStart), wrapped by loopLength when the clip loops, times
// the clip's gain and its fades (linear or equal-power). Because the graph hands every node the
// timeline position of its segment, a clip starts on its exact sample wherever quanta, loops and
// seeks put it. Overlapping clips sum. A mono sample plays on both channels.
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/graph/Node.h>
#include <amplitude/timeline/AudioClip.h>

#include <cmath>
#include <cstring>

namespace amplitude::devices {

class ClipPlayerNode final : public graph::Node {
 public:
  using Declaration = protocol::devices::ClipPlayer;
  static constexpr std::uint32_t kMaxClips = 128;

  void prepare(double sampleRate) override {
    rampSamples_ = static_cast<std::uint32_t>(std::lround(0.01 * sampleRate));
    reset();
  }

  void reset() noexcept override {
    clipCount_ = 0;
    gain_.reset(1.0f);
  }

  void setParam(std::uint32_t paramId, float value) noexcept override {
    if (paramId == Declaration::gain) gain_.setTarget(static_cast<float>(dsp::decibelsToGain(value)), rampSamples_);
  }

  bool isSource() const noexcept override { return true; }

  protocol::ErrorCode placeClip(const timeline::AudioClip& clip) noexcept override {
    for (std::uint32_t i = 0; i < clipCount_; ++i) {
      if (clips_[i].clipId == clip.clipId) {
        clips_[i] = clip;
        return protocol::ErrorCode::None;
      }
    }
    if (clipCount_ == kMaxClips) return protocol::ErrorCode::ClipPoolExhausted;
    clips_[clipCount_++] = clip;
    return protocol::ErrorCode::None;
  }

  protocol::ErrorCode removeClip(std::uint32_t clipId) noexcept override {
    for (std::uint32_t i = 0; i < clipCount_; ++i) {
      if (clips_[i].clipId == clipId) {
        clips_[i] = clips_[--clipCount_];
        return protocol::ErrorCode::None;
      }
    }
    return protocol::ErrorCode::ClipNotFound;
  }

  void skip(const graph::ProcessContext& context) noexcept override { gain_.advance(context.frames); }

  void process(const graph::ProcessContext& context) noexcept override {
    float* left = context.output->left + context.begin;
    float* right = context.output->right + context.begin;
    std::memset(left, 0, context.frames * sizeof(float));
    std::memset(right, 0, context.frames * sizeof(float));
    if (context.playing) {
      const std::uint64_t from = context.timeline;
      const std::uint64_t to = from + context.frames;
      for (std::uint32_t i = 0; i < clipCount_; ++i) {
        const timeline::AudioClip& clip = clips_[i];
        const std::uint64_t clipEnd = clip.timelineStart + clip.length;
        if (clip.timelineStart >= to || clipEnd <= from) continue;
        const std::uint64_t first = clip.timelineStart > from ? clip.timelineStart : from;
        const std::uint64_t last = clipEnd < to ? clipEnd : to;
        renderClip(clip, first, last, left + (first - from), right + (first - from));
      }
    }
    if (gain_.isRamping() || gain_.current() != 1.0f) {
      for (std::uint32_t i = 0; i < context.frames; ++i) {
        const float gain = gain_.next();
        left[i] *= gain;
        right[i] *= gain;
      }
    }
  }

  std::uint32_t clipCount() const noexcept { return clipCount_; }

 private:
  static float fadeGain(const timeline::AudioClip& clip, std::uint64_t offset) noexcept {
    double shape = 1.0;
    if (offset < clip.fadeIn) shape = static_cast<double>(offset) / clip.fadeIn;
    const std::uint64_t remaining = clip.length - offset;  // 1 at the last frame
    if (remaining <= clip.fadeOut) {
      const double out = static_cast<double>(remaining - 1) / clip.fadeOut;
      shape = out < shape ? out : shape;
    }
    if (clip.fadeCurve == timeline::FadeCurve::EqualPower && shape < 1.0) shape = dsp::sin2pi(0.25 * shape);
    return static_cast<float>(shape);
  }

  /// Timeline frames [first, last) of `clip` added into left/right.
  static void renderClip(const timeline::AudioClip& clip, std::uint64_t first, std::uint64_t last, float* left,
                         float* right) noexcept {
    const float* source0 = clip.sample.channels[0];
    const float* source1 = clip.sample.channelCount == 2 ? clip.sample.channels[1] : source0;
    const bool fading = clip.fadeIn > 0 || clip.fadeOut > 0;
    for (std::uint64_t t = first; t < last; ++t) {
      const std::uint64_t offset = t - clip.timelineStart;
      const std::uint64_t source = clip.sourceStart + (clip.loopLength > 0 ? offset % clip.loopLength : offset);
      if (source >= clip.sample.frames) continue;  // past the end of the audio: silence
      const float gain = fading ? clip.gain * fadeGain(clip, offset) : clip.gain;
      left[t - first] += source0[source] * gain;
      right[t - first] += source1[source] * gain;
    }
  }

  timeline::AudioClip clips_[kMaxClips];
  std::uint32_t clipCount_ = 0;
  dsp::LinearRamp gain_;
  std::uint32_t rampSamples_ = 480;
};

}  // namespace amplitude::devices
