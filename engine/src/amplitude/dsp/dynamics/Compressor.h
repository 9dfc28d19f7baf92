// Compressor: stereo-linked feed-forward compressor with soft knee, look-ahead, external
// sidechain and parallel (dry/wet) mix.
//
// Structure after Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design" (JAES
// 2012), their recommended log-domain design:
//   level x_G = 20 log10 max(|L|, |R|)         (stereo link: both channels get the same gain)
//   static gain computer g = staticGainDb(x_G)  (soft knee, eq. 4 of the paper)
//   x_L = -g (>= 0 dB of reduction) -> smooth branching peak detector (eq. 17):
//     y_L[n] = a y_L[n-1] + (1 - a) x_L[n],  a = alphaAttack if x_L > y_L[n-1] else alphaRelease,
//     alpha = exp(-1 / (t fs)), so a step in x_L is followed to 1 - 1/e in exactly t seconds.
//   gain = makeup - y_L (dB), applied to the audio delayed by the look-ahead.
// Smoothing the gain *reduction* (not the level) keeps attack and release independent of the
// ratio and threshold, and a steady level gives exactly the static curve.
// Cost: the dB conversions per sample use FastDecibels.h (deterministic, < 1e-7 dB error), not
// the 14-17-term DeterministicMath series. A block runs in chunks of kChunkFrames through five
// loops; the level, gain-computer and dB-to-gain loops carry no recursion and vectorise in the
// WebAssembly SIMD build (clang -Rpass=loop-vectorize); only the peak detector, the delay line
// and the parameter ramps (while they move) run serially. No per-sample transcendental calls.
// Live changes: threshold, ratio, knee, makeup and mix ramp linearly over 20 ms (LinearRamp,
// per sample, so the result does not depend on block boundaries); attack/release only change
// the detector's coefficients (no step in the gain); a look-ahead change cross-fades between the
// old and the new delay tap over 10 ms.
// Life cycle: prepare (non-real-time, allocates the look-ahead delay) -> setters/process/reset
// (audio thread, real-time safe, noexcept).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/dynamics/FastDecibels.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace amplitude::dsp {

class Compressor {
 public:
  static constexpr double kMaxLookaheadMs = 10.0;
  static constexpr double kParameterRampSeconds = 0.02;
  static constexpr double kLookaheadCrossfadeSeconds = 0.01;
  /// Levels below this (-200 dB) are treated as this: keeps the dB conversion finite and normal.
  static constexpr float kLevelFloor = 1.0e-10f;
  /// Gain reduction below this many dB is flushed to exactly 0 (the detector's denormal guard).
  static constexpr double kEnvelopeFloorDb = 1.0e-9;
  static constexpr std::uint32_t kChunkFrames = 64;

  /// The soft-knee static curve (gain in dB to add to a level of inputDb). Paper, eq. 4:
  /// 0 below the knee, (1/R - 1)(x - T + W/2)^2 / (2W) inside, (1/R - 1)(x - T) above.
  static double staticGainDb(double inputDb, double thresholdDb, double ratio, double kneeDb) noexcept {
    const double overshoot = inputDb - thresholdDb;
    const double slope = 1.0 / ratio - 1.0;
    if (2.0 * overshoot < -kneeDb) return 0.0;
    if (2.0 * overshoot > kneeDb) return slope * overshoot;
    if (kneeDb <= 0.0) return 0.0;  // hard knee and inputDb == thresholdDb exactly
    const double intoKnee = overshoot + 0.5 * kneeDb;
    return slope * intoKnee * intoKnee / (2.0 * kneeDb);
  }

  void prepare(double sampleRate, std::uint32_t maxBlockFrames) {
    sampleRate_ = sampleRate;
    maxBlockFrames_ = maxBlockFrames;
    rampFrames_ = static_cast<std::uint32_t>(std::lround(kParameterRampSeconds * sampleRate));
    crossfadeFrames_ = static_cast<std::uint32_t>(std::lround(kLookaheadCrossfadeSeconds * sampleRate));
    if (crossfadeFrames_ == 0) crossfadeFrames_ = 1;
    maxDelayFrames_ = static_cast<std::uint32_t>(std::ceil(kMaxLookaheadMs * 0.001 * sampleRate));
    std::uint32_t ringSize = 1;
    while (ringSize <= maxDelayFrames_) ringSize <<= 1;
    delayLeft_.assign(ringSize, 0.0f);
    delayRight_.assign(ringSize, 0.0f);
    delayMask_ = ringSize - 1;
    setAttackMs(attackMs_);
    setReleaseMs(releaseMs_);
    delayFrames_ = lookaheadFrames(lookaheadMs_);
    reset();
  }

  /// Clears the delay line and the detector; parameters jump to their targets.
  void reset() noexcept {
    for (float& sample : delayLeft_) sample = 0.0f;
    for (float& sample : delayRight_) sample = 0.0f;
    writeIndex_ = 0;
    previousDelayFrames_ = delayFrames_;
    crossfadeRemaining_ = 0;
    envelopeDb_ = 0.0;
    gainReductionDb_ = 0.0f;
    threshold_.reset(threshold_.target());
    ratio_.reset(ratio_.target());
    knee_.reset(knee_.target());
    makeup_.reset(makeup_.target());
    mix_.reset(mix_.target());
  }

  void setThresholdDb(float decibels) noexcept { threshold_.setTarget(clamp(decibels, -60.0f, 0.0f), rampFrames_); }
  void setRatio(float ratio) noexcept { ratio_.setTarget(clamp(ratio, 1.0f, 20.0f), rampFrames_); }
  void setKneeDb(float decibels) noexcept { knee_.setTarget(clamp(decibels, 0.0f, 24.0f), rampFrames_); }
  void setMakeupDb(float decibels) noexcept { makeup_.setTarget(clamp(decibels, 0.0f, 24.0f), rampFrames_); }
  /// 0 = dry only, 1 = compressed only; the dry path is delayed like the wet one.
  void setMix(float mix) noexcept { mix_.setTarget(clamp(mix, 0.0f, 1.0f), rampFrames_); }

  void setAttackMs(double milliseconds) noexcept {
    attackMs_ = clamp(milliseconds, 0.1, 200.0);
    attackCoefficient_ = amplitude::dsp::exp(-1000.0 / (attackMs_ * sampleRate_));
  }

  void setReleaseMs(double milliseconds) noexcept {
    releaseMs_ = clamp(milliseconds, 5.0, 2000.0);
    releaseCoefficient_ = amplitude::dsp::exp(-1000.0 / (releaseMs_ * sampleRate_));
  }

  /// Delays the audio (not the detector) so the gain is already down when a transient arrives.
  /// Changes latencySamples(); the audio cross-fades from the old tap to the new one over 10 ms.
  void setLookaheadMs(double milliseconds) noexcept {
    lookaheadMs_ = clamp(milliseconds, 0.0, kMaxLookaheadMs);
    const std::uint32_t frames = lookaheadFrames(lookaheadMs_);
    if (frames == delayFrames_) return;
    previousDelayFrames_ = delayFrames_;
    delayFrames_ = frames;
    crossfadeRemaining_ = crossfadeFrames_;
  }

  /// In place, detecting on its own input.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    process(left, right, nullptr, nullptr, frames);
  }

  /// In place, detecting on the sidechain (both nullptr = own input; one nullptr = mono sidechain).
  void process(float* left, float* right, const float* sidechainLeft, const float* sidechainRight,
               std::uint32_t frames) noexcept {
    if (sidechainLeft == nullptr && sidechainRight == nullptr) {
      sidechainLeft = left;
      sidechainRight = right;
    } else if (sidechainLeft == nullptr) {
      sidechainLeft = sidechainRight;
    } else if (sidechainRight == nullptr) {
      sidechainRight = sidechainLeft;
    }
    double maxReductionDb = 0.0;
    for (std::uint32_t offset = 0; offset < frames; offset += kChunkFrames) {
      const std::uint32_t count = frames - offset < kChunkFrames ? frames - offset : kChunkFrames;
      processChunk(left + offset, right + offset, sidechainLeft + offset, sidechainRight + offset, count,
                   maxReductionDb);
    }
    gainReductionDb_ = static_cast<float>(maxReductionDb);
  }

  /// Largest gain reduction of the last process() call in dB, >= 0 (6 = 6 dB down), makeup excluded.
  float gainReductionDb() const noexcept { return gainReductionDb_; }
  std::uint32_t latencySamples() const noexcept { return delayFrames_; }

 private:
  /// staticGainDb with its divisions done once, branch-free: the reduction (>= 0 dB) the
  /// detector chases. Equal to -staticGainDb up to the last bits of the knee's rounding.
  struct GainComputer {
    double threshold;
    double slope;           // 1/R - 1 (<= 0)
    double halfKnee;        // W / 2
    double inverseTwoKnee;  // 1 / (2W), 0 for a hard knee
    static GainComputer make(float thresholdDb, float ratio, float kneeDb) noexcept {
      const double knee = kneeDb;
      return {thresholdDb, 1.0 / static_cast<double>(ratio) - 1.0, 0.5 * knee, knee > 0.0 ? 1.0 / (2.0 * knee) : 0.0};
    }
    double reductionDb(double levelDb) const noexcept {
      const double overshoot = levelDb - threshold;
      const double intoKnee = overshoot + halfKnee > 0.0 ? overshoot + halfKnee : 0.0;  // 0 below the knee
      const double kneeGain = slope * intoKnee * intoKnee * inverseTwoKnee;
      const double lineGain = slope * overshoot;
      return -(overshoot > halfKnee ? lineGain : kneeGain);
    }
  };

  template <typename T>
  static T clamp(T value, T low, T high) noexcept {
    return value < low ? low : (value > high ? high : value);
  }

  std::uint32_t lookaheadFrames(double milliseconds) const noexcept {
    const auto frames = static_cast<std::uint32_t>(std::lround(milliseconds * 0.001 * sampleRate_));
    return frames < maxDelayFrames_ ? frames : maxDelayFrames_;
  }

  void processChunk(float* left, float* right, const float* sidechainLeft, const float* sidechainRight,
                    std::uint32_t count, double& maxReductionDb) noexcept {
    double levelDb[kChunkFrames];
    double gainDb[kChunkFrames];
    float mix[kChunkFrames];

    // 1. Detector level in dB (no recursion: vectorisable). Reads the whole chunk's sidechain
    //    before step 3 overwrites it (in-place processing with the internal sidechain).
    for (std::uint32_t i = 0; i < count; ++i) {
      // Ternaries rather than std::fmax: the same result without NaNs, and GCC only vectorises these.
      const float magnitudeLeft = std::fabs(sidechainLeft[i]);
      const float magnitudeRight = std::fabs(sidechainRight[i]);
      const float level = magnitudeLeft > magnitudeRight ? magnitudeLeft : magnitudeRight;
      levelDb[i] = fastGainToDecibels(level > kLevelFloor ? level : kLevelFloor);
    }

    // 2. Static curve. While no parameter ramps (the usual case) the curve is constant and this
    //    loop vectorises; while they ramp it is re-derived per sample. Both paths evaluate the
    //    same GainComputer from the same values, so a sample's result does not depend on which
    //    path (i.e. on where the host's block boundaries fall).
    double targetDb[kChunkFrames];
    double makeupDb[kChunkFrames];
    const bool ramping = threshold_.isRamping() || ratio_.isRamping() || knee_.isRamping() ||
                         makeup_.isRamping() || mix_.isRamping();
    if (!ramping) {
      const GainComputer curve = GainComputer::make(threshold_.current(), ratio_.current(), knee_.current());
      const double makeup = makeup_.current();
      const float wet = mix_.current();
      for (std::uint32_t i = 0; i < count; ++i) {
        targetDb[i] = curve.reductionDb(levelDb[i]);
        makeupDb[i] = makeup;
        mix[i] = wet;
      }
    } else {
      for (std::uint32_t i = 0; i < count; ++i) {
        const float threshold = threshold_.next();
        const float ratio = ratio_.next();
        const GainComputer curve = GainComputer::make(threshold, ratio, knee_.next());
        targetDb[i] = curve.reductionDb(levelDb[i]);
        makeupDb[i] = makeup_.next();
        mix[i] = mix_.next();
      }
    }

    // 3. Branching peak detector on the gain reduction (the only serial recursion).
    double envelope = envelopeDb_;
    const double attack = attackCoefficient_;
    const double release = releaseCoefficient_;
    for (std::uint32_t i = 0; i < count; ++i) {
      const double target = targetDb[i];
      const double coefficient = target > envelope ? attack : release;
      envelope = coefficient * envelope + (1.0 - coefficient) * target;
      envelope = envelope < kEnvelopeFloorDb ? 0.0 : envelope;
      maxReductionDb = std::fmax(maxReductionDb, envelope);
      gainDb[i] = makeupDb[i] - envelope;
    }
    envelopeDb_ = envelope;

    // 4. Gain to linear (vectorisable) and applied to the delayed audio; the dry part shares the
    //    delayed sample, so mix = 0 passes the input through bit-exactly, only delayed.
    double applied[kChunkFrames];
    for (std::uint32_t i = 0; i < count; ++i) {
      const double wetMix = static_cast<double>(mix[i]);
      applied[i] = (1.0 - wetMix) + wetMix * fastDecibelsToGain(gainDb[i]);
    }
    std::uint32_t write = writeIndex_;
    for (std::uint32_t i = 0; i < count; ++i) {
      delayLeft_[write] = left[i];
      delayRight_[write] = right[i];
      const std::uint32_t read = (write - delayFrames_) & delayMask_;
      float delayedLeft = delayLeft_[read];
      float delayedRight = delayRight_[read];
      if (crossfadeRemaining_ != 0) {
        const std::uint32_t readOld = (write - previousDelayFrames_) & delayMask_;
        const float oldWeight = static_cast<float>(crossfadeRemaining_) / static_cast<float>(crossfadeFrames_);
        delayedLeft += (delayLeft_[readOld] - delayedLeft) * oldWeight;
        delayedRight += (delayRight_[readOld] - delayedRight) * oldWeight;
        --crossfadeRemaining_;
      }
      left[i] = static_cast<float>(static_cast<double>(delayedLeft) * applied[i]);
      right[i] = static_cast<float>(static_cast<double>(delayedRight) * applied[i]);
      write = (write + 1) & delayMask_;
    }
    writeIndex_ = write;
  }

  double sampleRate_ = 48000.0;
  std::uint32_t maxBlockFrames_ = 0;
  std::uint32_t rampFrames_ = 960;
  std::uint32_t crossfadeFrames_ = 480;

  LinearRamp threshold_ = initialRamp(-20.0f);
  LinearRamp ratio_ = initialRamp(4.0f);
  LinearRamp knee_ = initialRamp(6.0f);
  LinearRamp makeup_ = initialRamp(0.0f);
  LinearRamp mix_ = initialRamp(1.0f);
  double attackMs_ = 10.0;
  double releaseMs_ = 100.0;
  double lookaheadMs_ = 0.0;
  double attackCoefficient_ = 0.0;
  double releaseCoefficient_ = 0.0;

  std::vector<float> delayLeft_;
  std::vector<float> delayRight_;
  std::uint32_t delayMask_ = 0;
  std::uint32_t maxDelayFrames_ = 0;
  std::uint32_t writeIndex_ = 0;
  std::uint32_t delayFrames_ = 0;
  std::uint32_t previousDelayFrames_ = 0;
  std::uint32_t crossfadeRemaining_ = 0;

  double envelopeDb_ = 0.0;  // y_L: smoothed gain reduction in dB, >= 0
  float gainReductionDb_ = 0.0f;

  static LinearRamp initialRamp(float value) noexcept {
    LinearRamp ramp;
    ramp.reset(value);
    return ramp;
  }
};

}  // namespace amplitude::dsp
