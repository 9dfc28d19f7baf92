// Reverb: stereo algorithmic reverb, an 8-line feedback delay network (FDN).
//
// Flow: pre-delay -> 4 series Schroeder all-passes per channel (input diffusion: an impulse
// becomes a dense burst before it reaches the network) -> 8 delay lines whose outputs pass a
// one-pole damping low-pass and a per-line gain, are mixed by an 8x8 Hadamard matrix (orthogonal,
// so the loop itself is lossless and only the gains set the decay; the fast transform costs
// 24 adds) and written back with the input. Left and right read different orthogonal sign
// patterns of the lines (decorrelated outputs); width scales their side (L - R) signal.
//
// Size 0..1 sets both the decay and the room: RT60 = 0.3 s * (8 / 0.3)^size (0.3 s at 0, 1.55 s
// at 0.5, 8 s at 1; logarithmic, like the ear), and the line lengths are base * (0.35 + 0.65 size),
// each rounded to a distinct prime (mutually prime lengths spread the echoes instead of piling
// them up). Line i's gain is g = 10^(-3 L_i / (RT60 fs)), computed as pow2(-3 log2(10) L_i /
// (RT60 fs)): every pass through a line costs exactly its share of 60 dB per RT60, so with
// damping 0 every mode decays at the documented rate. g < 1 for every size, so the network is
// stable for all parameter values.
// Damping 0..1 moves the loop low-pass cut-off from 20 kHz to 800 Hz on a log scale (damping 0
// is no filter at all): highs die sooner, as in real rooms. Unity gain at DC, so RT60 holds for
// the lows. Mix is equal power (dry = cos(mix pi/2), wet = sin(mix pi/2)): the tail is
// uncorrelated with the dry sound, so their powers add; mix 0 is exactly the input. Width acts on
// the wet signal only (0 = mono tail, L == R).
//
// Smoothing: size glides the line lengths (fractional, linearly interpolated reads) and gains
// linearly over 100 ms; a glide is a brief pitch bend of the tail, never a click, and steady
// lengths are whole samples (interpolation weights exactly 1 and 0). Pre-delay changes crossfade
// two taps over 20 ms; damping, mix gains and width ramp over 20 ms. Every recursive value (line
// inputs, damping and all-pass states) is flushed, so the tail decays to exact zero.
// Memory: lines sized for size 1 at the prepared rate (about 0.36 s of floats in all) plus
// 2 x 200 ms pre-delay.
// Life cycle: prepare (non-real-time, allocates) -> process/reset/setters (real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/time/DelayLine.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace amplitude::dsp {

class Reverb {
 public:
  static constexpr int kLines = 8;
  static constexpr double kShortestRt60Seconds = 0.3;
  static constexpr double kLongestRt60Seconds = 8.0;
  static constexpr double kMaxPreDelayMs = 200.0;
  static constexpr double kSizeGlideSeconds = 0.1;
  static constexpr double kSmoothingSeconds = 0.02;
  static constexpr double kMinDampingHz = 800.0;
  static constexpr double kMaxDampingHz = 20000.0;

  /// The documented size -> RT60 mapping, in seconds.
  static double rt60SecondsForSize(double size) noexcept {
    const double clamped = size < 0.0 ? 0.0 : (size > 1.0 ? 1.0 : size);
    return kShortestRt60Seconds * pow2(clamped * log2(kLongestRt60Seconds / kShortestRt60Seconds));
  }

  /// Non-real-time: allocates the lines for size 1 and 200 ms of pre-delay at `sampleRate`.
  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) {
    sampleRate_ = sampleRate;
    std::array<std::uint32_t, kLines> longest{};
    lineLengthsForScale(1.0, longest);
    for (int i = 0; i < kLines; ++i) lines_[i].prepare(longest[i] + 2);  // +1 for interpolation
    const auto maxPreDelay = static_cast<std::uint32_t>(std::ceil(kMaxPreDelayMs * sampleRate / 1000.0));
    preDelayLeft_.prepare(maxPreDelay + 1);  // read after write: delay + 1
    preDelayRight_.prepare(maxPreDelay + 1);
    for (int stage = 0; stage < kDiffusers; ++stage) {
      diffusersLeft_[stage].prepare(millisecondsToSamples(kDiffuserMsLeft[stage]));
      diffusersRight_[stage].prepare(millisecondsToSamples(kDiffuserMsRight[stage]));
    }
    rampSamples_ = millisecondsToSamples(kSmoothingSeconds * 1000.0);
    glideSamples_ = millisecondsToSamples(kSizeGlideSeconds * 1000.0);
    preDelayTap_.setFadeSamples(rampSamples_);
    setSize(size_);
    setDamping(damping_);
    setPreDelayMs(preDelayMs_);
    setMix(mix_);
    setWidth(width_);
    reset();
  }

  /// Bytes of delay-line storage prepare() allocated (it grows with the sample rate).
  std::size_t memoryBytes() const noexcept {
    std::size_t bytes = preDelayLeft_.memoryBytes() + preDelayRight_.memoryBytes();
    for (const auto& line : lines_) bytes += line.memoryBytes();
    for (const auto& diffuser : diffusersLeft_) bytes += diffuser.line.memoryBytes();
    for (const auto& diffuser : diffusersRight_) bytes += diffuser.line.memoryBytes();
    return bytes;
  }

  /// Silences the reverb; every smoothed parameter jumps to its target.
  void reset() noexcept {
    for (auto& line : lines_) line.reset();
    preDelayLeft_.reset();
    preDelayRight_.reset();
    for (auto& diffuser : diffusersLeft_) diffuser.line.reset();
    for (auto& diffuser : diffusersRight_) diffuser.line.reset();
    dampingState_.fill(0.0f);
    lengths_ = targetLengths_;
    gains_ = targetGains_;
    glideRemaining_ = 0;
    for (int i = 0; i < kLines; ++i) wholeLengths_[i] = static_cast<std::uint32_t>(targetLengths_[i]);
    preDelayTap_.jumpTo(preDelayTap_.target());
    for (LinearRamp* ramp : {&dampingCoefficient_, &dryGain_, &wetGain_, &widthRamp_}) ramp->reset(ramp->target());
  }

  /// 0..1: RT60 and room size, see rt60SecondsForSize. Glides over kSizeGlideSeconds.
  void setSize(float size) noexcept {
    size_ = size < 0.0f ? 0.0f : (size > 1.0f ? 1.0f : size);
    lineLengthsForScale(0.35 + 0.65 * size_, wholeLengths_);  // read only once the glide has ended
    const std::array<std::uint32_t, kLines>& lengths = wholeLengths_;
    const double rt60Samples = rt60SecondsForSize(size_) * sampleRate_;
    constexpr double kLog2Of10 = 3.321928094887362347870319429489;
    constexpr double kHadamardScale = 0.353553390593273762200422181052;  // 1 / sqrt(8)
    for (int i = 0; i < kLines; ++i) {
      targetLengths_[i] = static_cast<float>(lengths[i]);
      // The Hadamard matrix's 1/sqrt(8) normalisation is folded into the gain.
      targetGains_[i] = static_cast<float>(kHadamardScale * pow2(-3.0 * kLog2Of10 * lengths[i] / rt60Samples));
    }
    glideRemaining_ = glideSamples_;
    const float inverse = 1.0f / static_cast<float>(glideSamples_);
    for (int i = 0; i < kLines; ++i) {
      lengthSteps_[i] = (targetLengths_[i] - lengths_[i]) * inverse;
      gainSteps_[i] = (targetGains_[i] - gains_[i]) * inverse;
    }
  }

  /// 0 (no loop filter) .. 1 (loop low-pass at 800 Hz).
  void setDamping(float damping) noexcept {
    damping_ = damping < 0.0f ? 0.0f : (damping > 1.0f ? 1.0f : damping);
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    const double cutoffHz = kMaxDampingHz * pow2(damping_ * log2(kMinDampingHz / kMaxDampingHz));
    const float pole = damping_ <= 0.0f ? 0.0f : static_cast<float>(amplitude::dsp::exp(-kTwoPi * cutoffHz / sampleRate_));
    dampingCoefficient_.setTarget(pole, rampSamples_);
  }

  /// 0..200 ms.
  void setPreDelayMs(double ms) noexcept {
    preDelayMs_ = ms < 0.0 ? 0.0 : (ms > kMaxPreDelayMs ? kMaxPreDelayMs : ms);
    preDelayTap_.setTarget(static_cast<std::uint32_t>(std::floor(preDelayMs_ * sampleRate_ / 1000.0 + 0.5)));
  }

  /// 0 = dry only .. 1 = reverb only, equal-power law.
  void setMix(float mix) noexcept {
    mix_ = mix < 0.0f ? 0.0f : (mix > 1.0f ? 1.0f : mix);
    dryGain_.setTarget(static_cast<float>(cos2pi(0.25 * mix_)), rampSamples_);
    wetGain_.setTarget(static_cast<float>(sin2pi(0.25 * mix_)), rampSamples_);
  }

  /// 0 = mono tail .. 1 = full decorrelated stereo tail.
  void setWidth(float width) noexcept {
    width_ = width < 0.0f ? 0.0f : (width > 1.0f ? 1.0f : width);
    widthRamp_.setTarget(width_, rampSamples_);
  }

  /// The lengths (samples) the lines settle at for the current size.
  float lineLengthSamples(int line) const noexcept { return targetLengths_[line]; }

  /// Audio thread. In place.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    if (!lines_[0].isPrepared()) return;
    for (std::uint32_t n = 0; n < frames; ++n) {
      preDelayLeft_.write(left[n]);
      preDelayRight_.write(right[n]);
      const CrossfadingTap::Taps preDelay = preDelayTap_.next();
      float diffusedLeft = CrossfadingTap::read(preDelayLeft_, preDelay, 1);
      float diffusedRight = CrossfadingTap::read(preDelayRight_, preDelay, 1);
      for (auto& diffuser : diffusersLeft_) diffusedLeft = diffuser.process(diffusedLeft);
      for (auto& diffuser : diffusersRight_) diffusedRight = diffuser.process(diffusedRight);

      std::array<float, kLines> outputs;
      if (glideRemaining_ == 0) {  // steady: whole-sample reads (what the interpolation gives, cheaper)
        for (int i = 0; i < kLines; ++i) outputs[i] = lines_[i].read(wholeLengths_[i]);
      } else {
        advanceGlide();
        for (int i = 0; i < kLines; ++i) outputs[i] = lines_[i].readInterpolated(lengths_[i]);
      }

      const float pole = dampingCoefficient_.next();
      const float pass = 1.0f - pole;
      std::array<float, kLines> feedback;
      for (int i = 0; i < kLines; ++i) {
        dampingState_[i] = flushDenormal(pass * outputs[i] + pole * dampingState_[i]);
        feedback[i] = gains_[i] * dampingState_[i];
      }
      hadamard(feedback);
      for (int i = 0; i < kLines; ++i) {
        const float input = kInputGain * (kInputSignsLeft[i] * diffusedLeft + kInputSignsRight[i] * diffusedRight);
        lines_[i].write(flushDenormal(feedback[i] + input));
      }

      float wetLeft = 0.0f;
      float wetRight = 0.0f;
      for (int i = 0; i < kLines; ++i) {
        wetLeft += kOutputSignsLeft[i] * outputs[i];
        wetRight += kOutputSignsRight[i] * outputs[i];
      }
      const float mid = 0.5f * kOutputGain * (wetLeft + wetRight);
      const float side = 0.5f * kOutputGain * (wetLeft - wetRight) * widthRamp_.next();
      const float dry = dryGain_.next();
      const float wet = wetGain_.next();
      left[n] = dry * left[n] + wet * (mid + side);
      right[n] = dry * right[n] + wet * (mid - side);
    }
  }

 private:
  static constexpr int kDiffusers = 4;
  static constexpr float kDiffuserGain = 0.6f;
  // Short, unequal lengths: dense smearing that dies within ~70 ms, well before the tail.
  static constexpr double kDiffuserMsLeft[kDiffusers] = {1.53, 2.27, 3.71, 5.39};
  static constexpr double kDiffuserMsRight[kDiffusers] = {1.61, 2.41, 3.53, 5.17};
  static constexpr double kLineMsAtFullSize[kLines] = {23.1, 29.3, 34.7, 41.3, 47.9, 53.9, 61.7, 71.3};
  // Rows 1..4 of the 8x8 Hadamard matrix: mutually orthogonal injection and output patterns.
  static constexpr float kInputSignsLeft[kLines] = {1, -1, 1, -1, 1, -1, 1, -1};
  static constexpr float kInputSignsRight[kLines] = {1, 1, -1, -1, 1, 1, -1, -1};
  static constexpr float kOutputSignsLeft[kLines] = {1, -1, -1, 1, 1, -1, -1, 1};
  static constexpr float kOutputSignsRight[kLines] = {1, 1, 1, 1, -1, -1, -1, -1};
  static constexpr float kInputGain = 0.35355339f;   // 1/sqrt(8): unit power per input over the lines
  static constexpr float kOutputGain = 0.35355339f;

  /// Schroeder all-pass (z^-d - g) / (1 - g z^-d): flat magnitude, smeared phase.
  struct Diffuser {
    DelayLine line;
    std::uint32_t delay = 1;
    void prepare(std::uint32_t samples) {
      delay = samples;
      line.prepare(samples);
    }
    float process(float x) noexcept {
      const float delayed = line.read(delay);
      const float state = flushDenormal(x + kDiffuserGain * delayed);
      line.write(state);
      return delayed - kDiffuserGain * state;
    }
  };

  std::uint32_t millisecondsToSamples(double ms) const noexcept {
    const double samples = std::floor(ms * sampleRate_ / 1000.0 + 0.5);
    return samples < 1.0 ? 1u : static_cast<std::uint32_t>(samples);
  }

  static bool isPrime(std::uint32_t n) noexcept {
    if (n < 2) return false;
    if (n % 2 == 0) return n == 2;
    for (std::uint32_t divisor = 3; divisor * divisor <= n; divisor += 2) {
      if (n % divisor == 0) return false;
    }
    return true;
  }

  /// Distinct primes (hence mutually prime), increasing, near base * scale. Bounded work: prime
  /// gaps below 10^5 are at most 72, each test under 160 divisions.
  void lineLengthsForScale(double scale, std::array<std::uint32_t, kLines>& lengths) const noexcept {
    std::uint32_t previous = 1;
    for (int i = 0; i < kLines; ++i) {
      std::uint32_t candidate = millisecondsToSamples(kLineMsAtFullSize[i] * scale);
      candidate = candidate > previous ? candidate : previous + 1;
      while (!isPrime(candidate)) ++candidate;
      lengths[i] = previous = candidate;
    }
  }

  void advanceGlide() noexcept {
    if (--glideRemaining_ == 0) {  // land exactly on the targets
      lengths_ = targetLengths_;
      gains_ = targetGains_;
      return;
    }
    for (int i = 0; i < kLines; ++i) {
      lengths_[i] += lengthSteps_[i];
      gains_[i] += gainSteps_[i];
    }
  }

  /// In-place fast Walsh-Hadamard transform (unnormalised; the scale is in the gains).
  static void hadamard(std::array<float, kLines>& v) noexcept {
    for (int half = 1; half < kLines; half *= 2) {
      for (int block = 0; block < kLines; block += 2 * half) {
        for (int i = block; i < block + half; ++i) {
          const float a = v[i];
          const float b = v[i + half];
          v[i] = a + b;
          v[i + half] = a - b;
        }
      }
    }
  }

  double sampleRate_ = 48000.0;
  std::uint32_t rampSamples_ = 960;
  std::uint32_t glideSamples_ = 4800;

  float size_ = 0.5f;
  float damping_ = 0.3f;
  double preDelayMs_ = 10.0;
  float mix_ = 0.3f;
  float width_ = 1.0f;

  std::array<DelayLine, kLines> lines_;
  std::array<float, kLines> lengths_{};
  std::array<std::uint32_t, kLines> wholeLengths_{};  // the target lengths, for steady reads
  std::array<float, kLines> targetLengths_{};
  std::array<float, kLines> lengthSteps_{};
  std::array<float, kLines> gains_{};
  std::array<float, kLines> targetGains_{};
  std::array<float, kLines> gainSteps_{};
  std::array<float, kLines> dampingState_{};
  std::uint32_t glideRemaining_ = 0;

  DelayLine preDelayLeft_;
  DelayLine preDelayRight_;
  CrossfadingTap preDelayTap_;
  std::array<Diffuser, kDiffusers> diffusersLeft_;
  std::array<Diffuser, kDiffusers> diffusersRight_;

  LinearRamp dampingCoefficient_;
  LinearRamp dryGain_;
  LinearRamp wetGain_;
  LinearRamp widthRamp_;
};

}  // namespace amplitude::dsp
