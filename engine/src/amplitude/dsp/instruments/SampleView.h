// SampleView: a non-owning view of an audio buffer that the samplers play, and the 4-point,
// 3rd-order Hermite (Catmull-Rom) interpolation they read it with.
//
// Why Hermite: it passes through the samples (a position on a sample returns it bit-exactly), is
// continuous in slope, and costs a handful of multiplies; for material well below Nyquist its
// error is far under -60 dB, which a sampler needs. Frames outside [0, frames) read as silence.
// The caller owns the buffers; they must stay valid and unchanged while any voice plays them.
#pragma once

#include <cstdint>

namespace amplitude::dsp {

struct SampleView {
  const float* channels[2] = {nullptr, nullptr};  // channels[1] is ignored when channelCount == 1
  std::uint32_t frames = 0;
  std::uint32_t channelCount = 0;  // 1 (mono) or 2 (stereo); 0 = empty
  double sampleRate = 48000.0;

  bool isPlayable() const noexcept {
    return frames > 0 && channelCount > 0 && channels[0] != nullptr && (channelCount == 1 || channels[1] != nullptr) &&
           sampleRate > 0.0;
  }
};

/// Hermite interpolation at fraction t in [0, 1) between x0 and x1; exactly x0 at t = 0.
inline float hermite4(float xm1, float x0, float x1, float x2, float t) noexcept {
  if (t == 0.0f) return x0;
  const float c1 = 0.5f * (x1 - xm1);
  const float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
  const float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
  return ((c3 * t + c2) * t + c1) * t + x0;
}

/// Frame `index` of `channel`, silence outside the buffer.
inline float sampleAt(const SampleView& view, std::uint32_t channel, std::int64_t index) noexcept {
  if (index < 0 || index >= static_cast<std::int64_t>(view.frames)) return 0.0f;
  return view.channels[channel][index];
}

}  // namespace amplitude::dsp
