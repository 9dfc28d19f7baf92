// Delay: stereo feedback delay with tempo sync, filtered repeats and ping-pong.
//
// Per channel: out[n] = line[n - D]; line[n] = in[n] + feedback * highCut(lowCut(out[n])).
// The filters sit in the feedback path only: echo 1 is the untouched input and every further
// repeat passes them once more, so repeats get progressively darker (high cut) and thinner (low
// cut), as on tape and analogue delays. Both are one-pole filters with coefficient
// c = 1 - e^(-2 pi fc / fs) and state s = c x + (1 - c) s; the high cut outputs s, the low cut
// x - s. Low cut 0 Hz (c = 0) and high cut >= 20 kHz (c = 1) pass the signal
// bit-exactly, so with both off each echo is exactly the previous one times the feedback.
// D = round(time * fs) whole samples, time = timeMs or, with tempo sync, beats * 60 / bpm.
//
// Time changes crossfade linearly over 20 ms from the old read tap to the new one (CrossfadingTap)
// rather than gliding a fractional read: a gliding read resamples (the repeats sweep in pitch)
// and its interpolation low-passes every repeat; the crossfade keeps echoes on whole samples.
// Ping-pong: the input summed to mono, (L + R) / 2, feeds only the left line and each line feeds
// the other, so echo 1 is on the left, echo 2 on the right, and so on. Toggling it blends the two
// routings over 20 ms (the 2x2 routing stays orthogonal-bounded, so the loop stays stable).
// Mix law: equal power, dry = cos(mix * pi/2), wet = sin(mix * pi/2): echoes are delayed copies,
// largely uncorrelated with the dry sound, so their powers add and mix 0.5 keeps the loudness;
// mix 0 is exactly the input and mix 1 exactly the echoes.
// Feedback, filter coefficients, routing and mix gains ramp linearly over 20 ms. Every value
// written into the loop is flushed (flushDenormalBranchless, DelayLine.h), so a tail decays to exact zero.
// Life cycle: prepare (non-real-time, allocates) -> process/reset/setters (real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/time/DelayLine.h>

#include <algorithm>

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace amplitude::dsp {

class Delay {
 public:
  static constexpr double kMinTimeMs = 1.0;
  static constexpr double kMaxTimeMs = 2000.0;
  static constexpr float kMaxFeedback = 0.95f;
  static constexpr double kMaxLowCutHz = 5000.0;        // 0 Hz = low cut off
  static constexpr double kHighCutOffHz = 20000.0;      // at or above: high cut off
  static constexpr double kMinHighCutHz = 200.0;
  static constexpr double kSmoothingSeconds = 0.02;     // ramps and the time crossfade

  /// Non-real-time, before prepare: the lines take pages from `pool` as the delay time needs
  /// them (instead of owning storage for the longest delay).
  void attachMemory(rt::PagePool& pool) {
    lineLeft_.attach(pool);
    lineRight_.attach(pool);
    pooled_ = true;
  }

  /// Non-real-time: sizes two float lines of ceil(maxDelaySeconds * fs) samples (owned lines),
  /// or only sets that maximum (pooled lines, which grow as the time needs).
  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/, double maxDelaySeconds = 2.0) {
    sampleRate_ = sampleRate;
    const double maxSeconds = maxDelaySeconds > 0.0 ? maxDelaySeconds : kMaxTimeMs / 1000.0;
    maxDelaySamples_ = static_cast<std::uint32_t>(std::ceil(maxSeconds * sampleRate));
    maxDelaySamples_ = maxDelaySamples_ > 1 ? maxDelaySamples_ : 1;
    if (!pooled_) {
      lineLeft_.prepare(maxDelaySamples_);
      lineRight_.prepare(maxDelaySamples_);
    }
    rampSamples_ = static_cast<std::uint32_t>(std::floor(sampleRate * kSmoothingSeconds + 0.5));
    tap_.setFadeSamples(rampSamples_);
    updateDelayTarget();
    setFeedback(feedbackValue_);
    setFeedbackLowCutHz(lowCutHz_);
    setFeedbackHighCutHz(highCutHz_);
    setPingPong(pingPongOn_);
    setMix(mixValue_);
    reset();
  }

  /// Clears the lines and filters; every smoothed parameter jumps to its target.
  void reset() noexcept {
    lineLeft_.reset();
    lineRight_.reset();
    lowCutStateLeft_ = lowCutStateRight_ = highCutStateLeft_ = highCutStateRight_ = 0.0f;
    tap_.jumpTo(tap_.target());
    for (LinearRamp* ramp : {&feedback_, &lowCutCoefficient_, &highCutCoefficient_, &pingPong_, &dryGain_, &wetGain_}) {
      ramp->reset(ramp->target());
    }
  }

  /// 1..2000 ms (and at most the prepared maximum). Used while tempo sync is off.
  void setTimeMs(double ms) noexcept {
    timeMs_ = ms < kMinTimeMs ? kMinTimeMs : (ms > kMaxTimeMs ? kMaxTimeMs : ms);
    updateDelayTarget();
  }
  void setTempoSync(bool on) noexcept {
    tempoSync_ = on;
    updateDelayTarget();
  }
  /// Delay in beats when synced: 0.25 = a sixteenth, 0.75 = a dotted eighth (1/64..16 beats).
  void setNoteDivision(float beats) noexcept {
    noteBeats_ = beats < 1.0f / 64.0f ? 1.0f / 64.0f : (beats > 16.0f ? 16.0f : beats);
    updateDelayTarget();
  }
  void setTempoBpm(double bpm) noexcept {
    tempoBpm_ = bpm < 20.0 ? 20.0 : (bpm > 999.0 ? 999.0 : bpm);
    updateDelayTarget();
  }
  /// 0..0.95, linear gain per repeat.
  void setFeedback(float feedback) noexcept {
    feedbackValue_ = feedback < 0.0f ? 0.0f : (feedback > kMaxFeedback ? kMaxFeedback : feedback);
    feedback_.setTarget(feedbackValue_, rampSamples_);
  }
  /// 0 (off) .. 5000 Hz.
  void setFeedbackLowCutHz(double hz) noexcept {
    lowCutHz_ = hz < 0.0 ? 0.0 : (hz > kMaxLowCutHz ? kMaxLowCutHz : hz);
    lowCutCoefficient_.setTarget(lowCutHz_ <= 0.0 ? 0.0f : onePoleCoefficient(lowCutHz_), rampSamples_);
  }
  /// 200 Hz .. 20 kHz; 20 kHz and above is off.
  void setFeedbackHighCutHz(double hz) noexcept {
    highCutHz_ = hz < kMinHighCutHz ? kMinHighCutHz : hz;
    highCutCoefficient_.setTarget(highCutHz_ >= kHighCutOffHz ? 1.0f : onePoleCoefficient(highCutHz_), rampSamples_);
  }
  void setPingPong(bool on) noexcept {
    pingPongOn_ = on;
    pingPong_.setTarget(on ? 1.0f : 0.0f, rampSamples_);
  }
  /// 0 = dry only .. 1 = echoes only, equal-power law.
  void setMix(float mix) noexcept {
    mixValue_ = mix < 0.0f ? 0.0f : (mix > 1.0f ? 1.0f : mix);
    const double turns = 0.25 * mixValue_;  // mix * (pi/2) in turns of 2 pi
    dryGain_.setTarget(static_cast<float>(cos2pi(turns)), rampSamples_);
    wetGain_.setTarget(static_cast<float>(sin2pi(turns)), rampSamples_);
  }

  /// Audio thread, pooled lines: every page back to the pool (the line is silent and empty until
  /// the next time setting reserves again).
  void releaseMemory() noexcept {
    lineLeft_.release();
    lineRight_.release();
  }

  /// Pooled lines: the last time setting needed more pages than the pool had; the delay is held
  /// at the longest time the lines can give until memory is freed.
  bool memoryShortfall() const noexcept { return shortfall_; }

  /// The delay the echoes settle at, in samples.
  std::uint32_t delaySamples() const noexcept { return desiredDelay_; }
  std::uint32_t maxDelaySamples() const noexcept { return maxDelaySamples_; }
  std::uint32_t rampSamples() const noexcept { return rampSamples_; }

  /// Audio thread. In place.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    if (pooled_ && tap_.target() != desiredDelay_) applyDelayTarget();  // pages may have arrived
    if (!lineLeft_.isPrepared() || !lineRight_.isPrepared()) return;
    for (std::uint32_t i = 0; i < frames; ++i) {
      const CrossfadingTap::Taps taps = tap_.next();
      const float outLeft = CrossfadingTap::read(lineLeft_, taps);
      const float outRight = CrossfadingTap::read(lineRight_, taps);

      const float low = lowCutCoefficient_.next();
      const float high = highCutCoefficient_.next();
      lowCutStateLeft_ = flushDenormal(low * outLeft + (1.0f - low) * lowCutStateLeft_);
      lowCutStateRight_ = flushDenormal(low * outRight + (1.0f - low) * lowCutStateRight_);
      highCutStateLeft_ = flushDenormal(high * (outLeft - lowCutStateLeft_) + (1.0f - high) * highCutStateLeft_);
      highCutStateRight_ = flushDenormal(high * (outRight - lowCutStateRight_) + (1.0f - high) * highCutStateRight_);

      // Routing: straight (pingPong 0) or crossed with a mono input (pingPong 1).
      const float crossed = pingPong_.next();
      const float straight = 1.0f - crossed;
      const float feedback = feedback_.next();
      const float mono = 0.5f * (left[i] + right[i]);
      const float inLeft = straight * left[i] + crossed * mono +
                           feedback * (straight * highCutStateLeft_ + crossed * highCutStateRight_);
      const float inRight = straight * right[i] + feedback * (straight * highCutStateRight_ + crossed * highCutStateLeft_);
      lineLeft_.write(flushDenormal(inLeft));
      lineRight_.write(flushDenormal(inRight));

      const float dry = dryGain_.next();
      const float wet = wetGain_.next();
      left[i] = dry * left[i] + wet * outLeft;
      right[i] = dry * right[i] + wet * outRight;
    }
  }

 private:
  float onePoleCoefficient(double hz) const noexcept {
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    return static_cast<float>(1.0 - amplitude::dsp::exp(-kTwoPi * hz / sampleRate_));
  }

  void updateDelayTarget() noexcept {
    const double ms = tempoSync_ ? noteBeats_ * 60000.0 / tempoBpm_ : timeMs_;
    const double samples = std::floor(ms * sampleRate_ / 1000.0 + 0.5);
    const double limit = static_cast<double>(maxDelaySamples_);
    desiredDelay_ = static_cast<std::uint32_t>(samples < 1.0 ? 1.0 : (samples > limit ? limit : samples));
    if (pooled_) shortfall_ = !(lineLeft_.reserve(desiredDelay_) && lineRight_.reserve(desiredDelay_));
    applyDelayTarget();
  }

  /// The tap follows the wanted delay as far as the lines reach now (pooled pages join the ring
  /// at the next page boundary, at most 4096 samples later).
  void applyDelayTarget() noexcept {
    const std::uint32_t reach = std::min(lineLeft_.maxDelaySamples(), lineRight_.maxDelaySamples());
    tap_.setTarget(!pooled_ || reach == 0 || desiredDelay_ <= reach ? desiredDelay_ : reach);
  }

  double sampleRate_ = 48000.0;
  std::uint32_t maxDelaySamples_ = 96000;
  std::uint32_t desiredDelay_ = 1;
  bool pooled_ = false;
  bool shortfall_ = false;
  std::uint32_t rampSamples_ = 960;

  // Parameters as last set (prepare recomputes the targets from them at the new rate).
  double timeMs_ = 250.0;
  bool tempoSync_ = false;
  float noteBeats_ = 0.5f;
  double tempoBpm_ = 120.0;
  float feedbackValue_ = 0.35f;
  double lowCutHz_ = 0.0;
  double highCutHz_ = kHighCutOffHz;
  bool pingPongOn_ = false;
  float mixValue_ = 0.5f;

  DelayLine lineLeft_;
  DelayLine lineRight_;
  CrossfadingTap tap_;
  LinearRamp feedback_;
  LinearRamp lowCutCoefficient_;
  LinearRamp highCutCoefficient_;
  LinearRamp pingPong_;
  LinearRamp dryGain_;
  LinearRamp wetGain_;
  float lowCutStateLeft_ = 0.0f;
  float lowCutStateRight_ = 0.0f;
  float highCutStateLeft_ = 0.0f;
  float highCutStateRight_ = 0.0f;
};

}  // namespace amplitude::dsp
