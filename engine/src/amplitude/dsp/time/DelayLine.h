// DelayLine: a float ring buffer, the memory of delays, reverbs and all-passes.
// CrossfadingTap: a whole-sample read position that changes by crossfading, without clicks.
//
// Float storage halves the memory of double lines, which matters on the fixed WebAssembly heap;
// the buffer is sized once, in prepare, from the longest delay that will be read. Reads take the
// delay relative to the next write, so a loop reads its output, then writes its input.
// Life cycle: prepare (non-real-time, allocates) -> read/write/reset (real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace amplitude::dsp {

class DelayLine {
 public:
  /// Non-real-time. After this, read(delay) accepts 1 <= delay <= maxDelaySamples.
  void prepare(std::uint32_t maxDelaySamples) {
    size_ = std::max<std::uint32_t>(maxDelaySamples, 1u);
    buffer_.assign(size_, 0.0f);
    writeIndex_ = 0;
  }

  void reset() noexcept {
    std::fill(buffer_.begin(), buffer_.end(), 0.0f);
    writeIndex_ = 0;
  }

  bool isPrepared() const noexcept { return !buffer_.empty(); }
  std::uint32_t maxDelaySamples() const noexcept { return size_; }

  /// x[n - delay], where x[n] is the sample the next write() stores. 1 <= delay <= maxDelaySamples().
  float read(std::uint32_t delay) const noexcept {
    const std::uint32_t index = writeIndex_ >= delay ? writeIndex_ - delay : writeIndex_ + size_ - delay;
    return buffer_[index];
  }

  /// Linear interpolation between the neighbouring whole delays; exactly read(delay) when the
  /// delay is whole (weights 1 and 0). 1 <= delay <= maxDelaySamples() - 1.
  float readInterpolated(float delay) const noexcept {
    const auto whole = static_cast<std::uint32_t>(delay);
    const float fraction = delay - static_cast<float>(whole);
    return (1.0f - fraction) * read(whole) + fraction * read(whole + 1);
  }

  void write(float sample) noexcept {
    buffer_[writeIndex_] = sample;
    ++writeIndex_;
    writeIndex_ = writeIndex_ == size_ ? 0 : writeIndex_;
  }

 private:
  std::vector<float> buffer_;
  std::uint32_t size_ = 0;
  std::uint32_t writeIndex_ = 0;
};

/// Moves a whole-sample delay to a new value by a linear crossfade from the old tap to the new
/// one over a fixed number of samples. Unlike a gliding fractional read it does not resample
/// (no pitch sweep) and leaves steady delays on whole samples, uninterpolated. A target that
/// arrives during a crossfade starts when that crossfade ends, so work per sample is bounded.
class CrossfadingTap {
 public:
  /// Read positions for one sample: (1 - toWeight) * line[from] + toWeight * line[to].
  struct Taps {
    std::uint32_t from;
    std::uint32_t to;
    float toWeight;
  };

  void setFadeSamples(std::uint32_t fadeSamples) noexcept { fadeSamples_ = fadeSamples > 0 ? fadeSamples : 1; }

  /// Ends any crossfade at `delay`.
  void jumpTo(std::uint32_t delay) noexcept {
    current_ = next_ = target_ = delay;
    progress_ = 0;
  }

  void setTarget(std::uint32_t delay) noexcept { target_ = delay; }
  std::uint32_t target() const noexcept { return target_; }
  bool isFading() const noexcept { return progress_ != 0; }

  /// Advances one sample.
  Taps next() noexcept {
    if (progress_ == 0) {
      if (target_ == current_) return {current_, current_, 0.0f};
      next_ = target_;
    }
    ++progress_;
    const float weight = static_cast<float>(progress_) / static_cast<float>(fadeSamples_);
    const Taps taps{current_, next_, weight};
    if (progress_ == fadeSamples_) {  // weight is exactly 1: the new tap alone from here on
      current_ = next_;
      progress_ = 0;
    }
    return taps;
  }

  /// The crossfaded read; `extraDelay` shifts both taps (1 reads x[n - delay] after writing x[n]).
  static float read(const DelayLine& line, const Taps& taps, std::uint32_t extraDelay = 0) noexcept {
    return (1.0f - taps.toWeight) * line.read(taps.from + extraDelay) + taps.toWeight * line.read(taps.to + extraDelay);
  }

 private:
  std::uint32_t fadeSamples_ = 960;
  std::uint32_t current_ = 1;
  std::uint32_t next_ = 1;
  std::uint32_t target_ = 1;
  std::uint32_t progress_ = 0;
};

}  // namespace amplitude::dsp
