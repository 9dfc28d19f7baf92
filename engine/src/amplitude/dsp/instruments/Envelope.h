// Envelope: an ADSR gain envelope with sample-exact stage lengths.
//
// Timing is counted in whole samples so that a score renders the same in every build and block
// size: with A = round(attackMs * fs / 1000) (likewise D, R), next() returns the start level on
// the first sample after noteOn(), 1.0 exactly A samples later, the sustain level exactly D samples
// after that, and 0.0 exactly R samples after noteOff(), after which the envelope is idle.
//   - Attack is a straight line from the level the envelope had at noteOn() (so a retrigger
//     continues from where it is, without a click) to 1.0, always lasting A samples.
//   - Decay and release are exponential, which is how loudness decays naturally: each follows an
//     exponential towards a target slightly beyond its goal, (goal - span * kCurveOvershoot), so
//     that it lands exactly on the goal after its D or R samples instead of only approaching it.
//     With kCurveOvershoot = 0.001 the curve is the arc of a 60 dB exponential decay:
//       level(k) = goal + span * ((1 + e) * (e / (1 + e))^(k / N) - e),  e = kCurveOvershoot.
//     It runs as one multiply per sample (ratio computed with pow2 once per setting), not per
//     sample transcendental calls, and reaches exact zero, so no denormal tail is possible.
//   - A sustain change while sustaining glides there with a 10 ms one-pole (no zipper noise).
// Stage lengths are read when a stage starts: a setter changes the next attack/decay/release.
// Life cycle: prepare (non-real-time) -> noteOn/noteOff/next/process/reset (real-time safe).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

class Envelope {
 public:
  enum class Stage : std::uint8_t { Idle, Attack, Decay, Sustain, Release };

  static constexpr double kCurveOvershoot = 0.001;
  static constexpr double kMaxStageMs = 60000.0;
  static constexpr double kSustainGlideSeconds = 0.01;

  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    sampleRate_ = sampleRate;
    // Per-sample one-pole coefficient for the sustain glide: 1 - e^(-1 / (tau * fs)).
    sustainGlide_ = 1.0 - amplitude::dsp::exp(-1.0 / (kSustainGlideSeconds * sampleRate));
    setAttackMs(attackMs_);
    setDecayMs(decayMs_);
    setReleaseMs(releaseMs_);
    reset();
  }

  void reset() noexcept {
    stage_ = Stage::Idle;
    level_ = 0.0;
    position_ = 0;
  }

  void setAttackMs(double ms) noexcept {
    attackMs_ = clampMs(ms);
    attackSamples_ = toSamples(attackMs_);
  }
  void setDecayMs(double ms) noexcept {
    decayMs_ = clampMs(ms);
    decaySamples_ = toSamples(decayMs_);
    decayRatio_ = curveRatio(decaySamples_);
  }
  /// 0..1 of full level.
  void setSustain(double level) noexcept { sustain_ = level < 0.0 ? 0.0 : (level > 1.0 ? 1.0 : level); }
  void setReleaseMs(double ms) noexcept {
    releaseMs_ = clampMs(ms);
    releaseSamples_ = toSamples(releaseMs_);
    releaseRatio_ = curveRatio(releaseSamples_);
  }

  /// Gate on: attack from the current level (a retrigger does not jump).
  void noteOn() noexcept {
    if (attackSamples_ == 0) {
      level_ = 1.0;
      startCurve(Stage::Decay, 1.0, sustain_, decaySamples_, decayRatio_);
      return;
    }
    stage_ = Stage::Attack;
    position_ = 0;
    attackStart_ = level_;
    attackStep_ = (1.0 - level_) / static_cast<double>(attackSamples_);
  }

  /// Gate off: release from the current level to 0 in exactly R samples.
  void noteOff() noexcept {
    if (stage_ == Stage::Idle || stage_ == Stage::Release) return;
    if (level_ == 0.0 || releaseSamples_ == 0) {
      reset();
      return;
    }
    startCurve(Stage::Release, level_, 0.0, releaseSamples_, releaseRatio_);
  }

  /// Returns this sample's level and advances one sample.
  float next() noexcept {
    const double out = level_;
    advance();
    return static_cast<float>(out);
  }

  void process(float* out, std::uint32_t frames) noexcept {
    for (std::uint32_t i = 0; i < frames; ++i) out[i] = next();
  }

  bool isIdle() const noexcept { return stage_ == Stage::Idle; }
  bool isReleasing() const noexcept { return stage_ == Stage::Release; }
  Stage stage() const noexcept { return stage_; }
  /// The level next() returns next.
  float level() const noexcept { return static_cast<float>(level_); }
  std::uint32_t attackSamples() const noexcept { return attackSamples_; }
  std::uint32_t decaySamples() const noexcept { return decaySamples_; }
  std::uint32_t releaseSamples() const noexcept { return releaseSamples_; }
  double sustain() const noexcept { return sustain_; }

 private:
  static double clampMs(double ms) noexcept { return ms < 0.0 ? 0.0 : (ms > kMaxStageMs ? kMaxStageMs : ms); }

  std::uint32_t toSamples(double ms) const noexcept {
    return static_cast<std::uint32_t>(std::floor(ms * sampleRate_ / 1000.0 + 0.5));
  }

  /// Per-sample ratio r with r^N = e / (1 + e).
  static double curveRatio(std::uint32_t samples) noexcept {
    if (samples == 0) return 0.0;
    const double log2EndRatio = amplitude::dsp::log2(kCurveOvershoot / (1.0 + kCurveOvershoot));
    return amplitude::dsp::pow2(log2EndRatio / static_cast<double>(samples));
  }

  void startCurve(Stage stage, double from, double goal, std::uint32_t samples, double ratio) noexcept {
    stage_ = stage;
    position_ = 0;
    curveGoal_ = goal;
    curveLength_ = samples;
    curveRatio_ = ratio;
    const double span = from - goal;
    curveOffset_ = goal - span * kCurveOvershoot;
    curveDistance_ = span * (1.0 + kCurveOvershoot);
  }

  void advance() noexcept {
    switch (stage_) {
      case Stage::Idle: return;
      case Stage::Attack:
        if (++position_ >= attackSamples_) {
          level_ = 1.0;
          startCurve(Stage::Decay, 1.0, sustain_, decaySamples_, decayRatio_);
        } else {
          level_ = attackStart_ + attackStep_ * static_cast<double>(position_);
        }
        return;
      case Stage::Decay:
      case Stage::Release:
        if (++position_ >= curveLength_) {
          level_ = curveGoal_;
          if (stage_ == Stage::Release) {
            reset();
          } else {
            stage_ = Stage::Sustain;
          }
        } else {
          curveDistance_ *= curveRatio_;
          level_ = curveOffset_ + curveDistance_;
        }
        return;
      case Stage::Sustain:
        if (level_ != sustain_) {
          level_ += (sustain_ - level_) * sustainGlide_;
          if (std::fabs(level_ - sustain_) < 1.0e-7) level_ = sustain_;
        }
        return;
    }
  }

  double sampleRate_ = 48000.0;
  double attackMs_ = 5.0;
  double decayMs_ = 100.0;
  double sustain_ = 1.0;
  double releaseMs_ = 100.0;
  std::uint32_t attackSamples_ = 240;
  std::uint32_t decaySamples_ = 4800;
  std::uint32_t releaseSamples_ = 4800;
  double decayRatio_ = 0.0;
  double releaseRatio_ = 0.0;
  double sustainGlide_ = 0.002;

  Stage stage_ = Stage::Idle;
  double level_ = 0.0;
  std::uint32_t position_ = 0;
  double attackStart_ = 0.0;
  double attackStep_ = 0.0;
  double curveGoal_ = 0.0;
  double curveOffset_ = 0.0;
  double curveDistance_ = 0.0;
  double curveRatio_ = 0.0;
  std::uint32_t curveLength_ = 0;
};

}  // namespace amplitude::dsp
