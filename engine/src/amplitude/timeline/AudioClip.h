// AudioClip: one clip of an audio track as the engine plays it, resolved from a ClipTable entry
// (positions in samples at the engine's rate, the source a validated SampleView).
#pragma once

#include <amplitude/dsp/instruments/SampleView.h>

#include <cstdint>

namespace amplitude::timeline {

enum class FadeCurve : std::uint32_t { Linear = 0, EqualPower = 1 };

struct AudioClip {
  std::uint32_t clipId = 0;
  dsp::SampleView sample{};
  std::uint64_t timelineStart = 0;  ///< first timeline frame
  std::uint64_t sourceStart = 0;    ///< sample frame played at timelineStart
  std::uint64_t length = 0;         ///< timeline frames
  std::uint64_t loopLength = 0;     ///< 0, or source frames after which playback returns to sourceStart
  float gain = 1.0f;
  std::uint32_t fadeIn = 0;
  std::uint32_t fadeOut = 0;
  FadeCurve fadeCurve = FadeCurve::Linear;
};

}  // namespace amplitude::timeline
