// Limiter: stereo-linked look-ahead brick-wall limiter for the master bus.
//
// Guarantee: no output sample exceeds the ceiling, and the gain never jumps (no clicks).
// With a look-ahead of L samples (the audio is delayed by L) and a window of W = L + 1:
//   required[n] = ceiling / max(|L[n]|, |R[n]|, ceiling)     gain that just fits sample n
//   held[n]     = min(required[n-L .. n])                     sliding-window minimum
//   envelope[n] = min(held[n], held[n] - alpha (held[n] - envelope[n-1]))
//                 instant attack, exponential release (alpha = exp(-1 / (release fs)))
//   gain[n]     = mean(envelope[n-L .. n])                    box filter of length W
//   out[n]      = in[n-L] * gain[n]
// Every envelope[m] in gain[n]'s window (n-L <= m <= n) is <= held[m] <= required[n-L], so their
// mean is too: the delayed sample n-L always gets at most the gain it needs. The box filter
// turns the minimum's downward steps into linear ramps over the look-ahead, so the gain moves by
// at most 1/W per sample, and it reaches the required gain exactly when the peak comes out.
// Determinism and exactness: the box filter's running sum is kept in 32.32 fixed point
// (envelope rounded *down*, so rounding never raises the gain): the sum is exact, never drifts,
// and with no limiting gain == 1 exactly, so the output equals the delayed input bit for bit.
// The sliding minimum is a monotonic deque in a fixed ring (capacity W + 1): at most one entry
// expires per sample and the pops are bounded by the pushes, so the work stays bounded.
// Recursive state (the release) is flushed to exact unity below 1e-9 of gain difference.
// Ceiling changes need no extra smoothing: lowering it ramps in through the box filter,
// raising it releases. A look-ahead change restarts the limiter (its latency changes, the host
// re-aligns anyway): one look-ahead window of silence, the ceiling still holds.
// Life cycle: prepare (non-real-time, allocates rings for 5 ms) -> setters/process/reset
// (audio thread, real-time safe, noexcept).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace amplitude::dsp {

class Limiter {
 public:
  static constexpr double kMinLookaheadMs = 0.5;
  static constexpr double kMaxLookaheadMs = 5.0;
  static constexpr double kReleaseFlush = 1.0e-9;
  static constexpr std::uint32_t kChunkFrames = 64;

  void prepare(double sampleRate, std::uint32_t maxBlockFrames) {
    sampleRate_ = sampleRate;
    maxBlockFrames_ = maxBlockFrames;
    maxLookaheadFrames_ = static_cast<std::uint32_t>(std::ceil(kMaxLookaheadMs * 0.001 * sampleRate));
    std::uint32_t ringSize = 1;
    while (ringSize < maxLookaheadFrames_ + 2) ringSize <<= 1;  // holds W + 1 entries
    ringMask_ = ringSize - 1;
    delayLeft_.assign(ringSize, 0.0f);
    delayRight_.assign(ringSize, 0.0f);
    boxRing_.assign(ringSize, kFixedOne);
    dequeValue_.assign(ringSize, 1.0);
    dequeIndex_.assign(ringSize, 0);
    setCeilingDb(ceilingDb_);
    setReleaseMs(releaseMs_);
    lookaheadFrames_ = lookaheadFramesFor(lookaheadMs_);
    reset();
  }

  void reset() noexcept {
    for (float& sample : delayLeft_) sample = 0.0f;
    for (float& sample : delayRight_) sample = 0.0f;
    for (std::int64_t& value : boxRing_) value = kFixedOne;
    boxSum_ = static_cast<std::int64_t>(lookaheadFrames_ + 1) * kFixedOne;
    dequeHead_ = 0;
    dequeSize_ = 0;
    sampleIndex_ = 0;
    envelope_ = 1.0;
    gainReductionDb_ = 0.0f;
  }

  void setCeilingDb(float decibels) noexcept {
    ceilingDb_ = decibels < -24.0f ? -24.0f : (decibels > 0.0f ? 0.0f : decibels);
    // The float the output is compared with, so the double product rounds to at most it.
    ceiling_ = static_cast<double>(static_cast<float>(decibelsToGain(ceilingDb_)));
  }

  void setReleaseMs(double milliseconds) noexcept {
    releaseMs_ = milliseconds < 1.0 ? 1.0 : (milliseconds > 1000.0 ? 1000.0 : milliseconds);
    releaseCoefficient_ = amplitude::dsp::exp(-1000.0 / (releaseMs_ * sampleRate_));
  }

  /// Restarts the limiter if the latency changes (see the header comment).
  void setLookaheadMs(double milliseconds) noexcept {
    lookaheadMs_ = milliseconds < kMinLookaheadMs ? kMinLookaheadMs
                                                  : (milliseconds > kMaxLookaheadMs ? kMaxLookaheadMs : milliseconds);
    const std::uint32_t frames = lookaheadFramesFor(lookaheadMs_);
    if (frames == lookaheadFrames_) return;
    lookaheadFrames_ = frames;
    reset();
  }

  void process(float* left, float* right, std::uint32_t frames) noexcept {
    double minimumGain = 1.0;
    for (std::uint32_t offset = 0; offset < frames; offset += kChunkFrames) {
      const std::uint32_t count = frames - offset < kChunkFrames ? frames - offset : kChunkFrames;
      processChunk(left + offset, right + offset, count, minimumGain);
    }
    const double reduction = -gainToDecibels(minimumGain);
    gainReductionDb_ = reduction > 0.0 ? static_cast<float>(reduction) : 0.0f;
  }

  /// Largest gain reduction of the last process() call in dB, >= 0.
  float gainReductionDb() const noexcept { return gainReductionDb_; }
  std::uint32_t latencySamples() const noexcept { return lookaheadFrames_; }
  /// The sample-peak ceiling as a linear gain (the float value output samples never exceed).
  double ceilingGain() const noexcept { return ceiling_; }

 private:
  static constexpr std::int64_t kFixedOne = std::int64_t{1} << 32;

  std::uint32_t lookaheadFramesFor(double milliseconds) const noexcept {
    auto frames = static_cast<std::uint32_t>(std::lround(milliseconds * 0.001 * sampleRate_));
    frames = frames < 1 ? 1 : frames;
    return maxLookaheadFrames_ != 0 && frames > maxLookaheadFrames_ ? maxLookaheadFrames_ : frames;
  }

  void processChunk(float* left, float* right, std::uint32_t count, double& minimumGain) noexcept {
    double gain[kChunkFrames];

    // 1. Required gain per sample (no recursion: vectorisable). fmax keeps it <= 1 and
    //    avoids dividing by zero.
    const double ceiling = ceiling_;
    for (std::uint32_t i = 0; i < count; ++i) {
      const double peak = std::fmax(std::fabs(left[i]), std::fabs(right[i]));
      gain[i] = ceiling / std::fmax(peak, ceiling);
    }

    // 2. Sliding minimum, release, box filter (serial).
    const std::uint32_t lookahead = lookaheadFrames_;
    const double window = static_cast<double>(lookahead + 1);
    constexpr double kFixedScale = static_cast<double>(kFixedOne);
    double envelope = envelope_;
    for (std::uint32_t i = 0; i < count; ++i) {
      const double required = gain[i];
      const std::uint64_t now = sampleIndex_++;
      while (dequeSize_ != 0 && dequeValue_[(dequeHead_ + dequeSize_ - 1) & ringMask_] >= required) --dequeSize_;
      const std::uint32_t back = (dequeHead_ + dequeSize_) & ringMask_;
      dequeValue_[back] = required;
      dequeIndex_[back] = now;
      ++dequeSize_;
      if (now - dequeIndex_[dequeHead_] > lookahead) {  // one entry leaves the window per sample
        dequeHead_ = (dequeHead_ + 1) & ringMask_;
        --dequeSize_;
      }
      const double held = dequeValue_[dequeHead_];
      double belowHeld = std::fmax(held - envelope, 0.0) * releaseCoefficient_;
      belowHeld = belowHeld < kReleaseFlush ? 0.0 : belowHeld;
      envelope = held - belowHeld;
      const auto fixed = static_cast<std::int64_t>(std::floor(envelope * kFixedScale));
      const std::uint32_t slot = static_cast<std::uint32_t>(now) & ringMask_;
      const std::uint32_t leaving = static_cast<std::uint32_t>(now - lookahead - 1) & ringMask_;
      boxSum_ += fixed - boxRing_[leaving];
      boxRing_[slot] = fixed;
      gain[i] = static_cast<double>(boxSum_) / kFixedScale / window;
      minimumGain = std::fmin(minimumGain, gain[i]);
    }
    envelope_ = envelope;

    // 3. Delay and apply.
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t write = static_cast<std::uint32_t>(sampleIndex_ - count + i) & ringMask_;
      delayLeft_[write] = left[i];
      delayRight_[write] = right[i];
      const std::uint32_t read = (write - lookahead) & ringMask_;
      left[i] = static_cast<float>(static_cast<double>(delayLeft_[read]) * gain[i]);
      right[i] = static_cast<float>(static_cast<double>(delayRight_[read]) * gain[i]);
    }
  }

  double sampleRate_ = 48000.0;
  std::uint32_t maxBlockFrames_ = 0;
  float ceilingDb_ = -0.3f;
  double ceiling_ = 1.0;  // set from ceilingDb_ in prepare()
  double releaseMs_ = 100.0;
  double releaseCoefficient_ = 0.0;
  double lookaheadMs_ = 1.5;
  std::uint32_t lookaheadFrames_ = 72;
  std::uint32_t maxLookaheadFrames_ = 0;

  std::vector<float> delayLeft_;
  std::vector<float> delayRight_;
  std::vector<std::int64_t> boxRing_;  // envelope history in 32.32 fixed point
  std::int64_t boxSum_ = 0;
  std::vector<double> dequeValue_;  // monotonic deque (increasing values) of required gains
  std::vector<std::uint64_t> dequeIndex_;
  std::uint32_t ringMask_ = 0;
  std::uint32_t dequeHead_ = 0;
  std::uint32_t dequeSize_ = 0;
  std::uint64_t sampleIndex_ = 0;
  double envelope_ = 1.0;
  float gainReductionDb_ = 0.0f;
};

}  // namespace amplitude::dsp
