// ParametricEq: eight cookbook biquad bands in series on a stereo signal, adjustable live.
//
// Each band owns one BiquadParameterRamp (frequency in octaves, Q, gain in dB, ~20 ms, new
// coefficients every 16 samples while moving, landing exactly on the target) and two
// StereoBiquad sections. The second section exists for switching: enabling, disabling or
// changing the type of a band cannot be interpolated through coefficients, so the band
// crossfades linearly over 20 ms from what it was (its old section, or the dry signal) to what
// it becomes (the new section starting from silence, or the dry signal). A change requested
// while a crossfade runs starts when it ends.
// A band that is disabled and not fading is skipped entirely, so disabled bands cost nothing
// and an EQ with every band disabled (the default) passes its input through bit for bit.
// Bands are independent and in series, so each processes the whole block before the next; the
// 16-sample update grid is counted continuously, so results never depend on block sizes.
// Life cycle: prepare (non-real-time) -> process/reset/setters (audio thread, real-time safe).
#pragma once

#include <amplitude/dsp/filters/Biquad.h>
#include <amplitude/dsp/filters/BiquadDesign.h>

#include <cmath>
#include <cstdint>

namespace amplitude::dsp {

/// Values equal those of BiquadType.
enum class EqBandType : std::uint32_t {
  Peaking = 0,
  LowShelf = 1,
  HighShelf = 2,
  LowPass = 3,
  HighPass = 4,
  BandPass = 5,
  Notch = 6,
};

class ParametricEq {
 public:
  static constexpr int kBands = 8;
  static constexpr double kCrossfadeSeconds = 0.02;
  static constexpr std::uint32_t kUpdateInterval = BiquadParameterRamp::kUpdateInterval;

  /// Nothing is allocated: the crossfade works on 16-sample chunks in stack buffers.
  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    sampleRate_ = sampleRate;
    const double frames = std::floor(kCrossfadeSeconds * sampleRate + 0.5);
    crossfadeFrames_ = frames < 1.0 ? 1u : static_cast<std::uint32_t>(frames);
    for (Band& band : bands_) {
      band.ramp.prepare(sampleRate);
      band.ramp.setTarget(band.requestedHz, band.requestedQ, band.requestedGainDb);
    }
    reset();
  }

  /// Clears all filter memories and completes every ramp and crossfade.
  void reset() noexcept {
    for (Band& band : bands_) {
      band.ramp.snapToTarget();
      band.fading = false;
      band.enabled = band.targetEnabled;
      band.type = band.targetType;
      band.sections[0].reset();
      band.sections[1].reset();
      redesign(band);
    }
    phase_ = 0;
  }

  void setBand(int band, EqBandType type, float frequencyHz, float q, float gainDb, bool enabled) noexcept {
    if (!isValid(band)) return;
    Band& b = bands_[band];
    b.requestedHz = frequencyHz;
    b.requestedQ = q;
    b.requestedGainDb = gainDb;
    retarget(b);
    b.targetType = sanitise(type);
    b.targetEnabled = enabled;
  }
  void setBandFrequency(int band, float frequencyHz) noexcept {
    if (!isValid(band)) return;
    bands_[band].requestedHz = frequencyHz;
    retarget(bands_[band]);
  }
  void setBandQ(int band, float q) noexcept {
    if (!isValid(band)) return;
    bands_[band].requestedQ = q;
    retarget(bands_[band]);
  }
  void setBandGain(int band, float gainDb) noexcept {
    if (!isValid(band)) return;
    bands_[band].requestedGainDb = gainDb;
    retarget(bands_[band]);
  }
  void setBandType(int band, EqBandType type) noexcept {
    if (isValid(band)) bands_[band].targetType = sanitise(type);
  }
  void setBandEnabled(int band, bool enabled) noexcept {
    if (isValid(band)) bands_[band].targetEnabled = enabled;
  }

  /// Whether the band costs anything in process() (enabled, fading, or about to fade in).
  bool isBandActive(int band) const noexcept {
    if (!isValid(band)) return false;
    const Band& b = bands_[band];
    return b.enabled || b.fading || b.targetEnabled;
  }

  /// The response the EQ settles to at `frequencyHz` (sum of the enabled bands' responses),
  /// e.g. for drawing the curve.
  double targetMagnitudeDb(double frequencyHz) const noexcept {
    double sum = 0.0;
    for (const Band& b : bands_) {
      if (!b.targetEnabled) continue;
      sum += magnitudeDb(designBiquad(static_cast<BiquadType>(b.targetType), sampleRate_, b.ramp.targetFrequencyHz(),
                                      b.ramp.targetQ(), b.ramp.targetGainDb()),
                         frequencyHz, sampleRate_);
    }
    return sum;
  }

  /// Filters both channels in place.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    for (Band& band : bands_) {
      if (band.enabled || band.fading || band.targetEnabled) processBand(band, left, right, frames);
    }
    phase_ = (phase_ + frames) % kUpdateInterval;
  }

 private:
  struct Band {
    BiquadParameterRamp ramp;
    StereoBiquad sections[2];
    float requestedHz = 1000.0f;
    float requestedQ = 0.70710678f;
    float requestedGainDb = 0.0f;
    EqBandType targetType = EqBandType::Peaking;
    bool targetEnabled = false;
    // What is audible (or being faded to): sections[current] with `type` when enabled.
    EqBandType type = EqBandType::Peaking;
    bool enabled = false;
    int current = 0;
    // Crossfade from sections[1 - current] (type outgoingType), or from dry if fadingFromDry.
    bool fading = false;
    bool fadingFromDry = false;
    EqBandType outgoingType = EqBandType::Peaking;
    std::uint32_t fadePosition = 0;
  };

  static bool isValid(int band) noexcept { return band >= 0 && band < kBands; }

  static EqBandType sanitise(EqBandType type) noexcept {
    return static_cast<std::uint32_t>(type) <= static_cast<std::uint32_t>(EqBandType::Notch) ? type
                                                                                            : EqBandType::Peaking;
  }

  /// A silent band has nothing to glide from: its parameters jump.
  static void retarget(Band& b) noexcept {
    b.ramp.setTarget(b.requestedHz, b.requestedQ, b.requestedGainDb);
    if (!b.enabled && !b.fading) b.ramp.snapToTarget();
  }

  BiquadCoefficients design(EqBandType type, const BiquadParameterRamp& ramp) const noexcept {
    return designBiquad(static_cast<BiquadType>(type), sampleRate_, ramp.frequencyHz(), ramp.q(), ramp.gainDb());
  }

  void redesign(Band& b) const noexcept {
    if (b.enabled) b.sections[b.current].setCoefficients(design(b.type, b.ramp));
    if (b.fading && !b.fadingFromDry) b.sections[1 - b.current].setCoefficients(design(b.outgoingType, b.ramp));
  }

  /// Starts the crossfade for a requested enable/disable/type change, if any and none runs.
  void startPendingChange(Band& b) noexcept {
    if (b.fading) return;
    if (b.targetEnabled == b.enabled && (!b.enabled || b.targetType == b.type)) return;
    if (!b.enabled && !b.targetEnabled) {  // inaudible: nothing to fade
      b.type = b.targetType;
      return;
    }
    b.fadingFromDry = !b.enabled;
    b.outgoingType = b.type;
    if (b.enabled) b.current = 1 - b.current;  // the old section keeps running as the outgoing one
    b.type = b.targetType;
    b.enabled = b.targetEnabled;
    b.sections[b.current].reset();  // the incoming filter starts from silence, under the fade
    redesign(b);
    b.fading = true;
    b.fadePosition = 0;
  }

  void processBand(Band& b, float* left, float* right, std::uint32_t frames) noexcept {
    startPendingChange(b);
    std::uint32_t phase = phase_;
    std::uint32_t done = 0;
    while (done < frames) {
      if (!b.fading && !b.ramp.isMoving()) {  // steady: one pass over the rest of the block
        if (b.enabled) b.sections[b.current].process(left + done, right + done, frames - done);
        return;
      }
      if (phase == 0 && b.ramp.isMoving()) {
        b.ramp.step();
        redesign(b);
      }
      std::uint32_t n = kUpdateInterval - phase;
      if (frames - done < n) n = frames - done;
      if (b.fading) {
        if (crossfadeFrames_ - b.fadePosition < n) n = crossfadeFrames_ - b.fadePosition;
        crossfade(b, left + done, right + done, n);
        if (b.fadePosition == crossfadeFrames_) {
          b.fading = false;
          if (!b.fadingFromDry) b.sections[1 - b.current].reset();
          startPendingChange(b);
        }
      } else if (b.enabled) {
        b.sections[b.current].process(left + done, right + done, n);
      }
      phase = (phase + n) % kUpdateInterval;
      done += n;
    }
  }

  /// n <= kUpdateInterval samples of the linear crossfade, in place.
  void crossfade(Band& b, float* left, float* right, std::uint32_t n) noexcept {
    float outgoingLeft[kUpdateInterval];
    float outgoingRight[kUpdateInterval];
    for (std::uint32_t i = 0; i < n; ++i) {
      outgoingLeft[i] = left[i];
      outgoingRight[i] = right[i];
    }
    if (!b.fadingFromDry) b.sections[1 - b.current].process(outgoingLeft, outgoingRight, n);
    if (b.enabled) b.sections[b.current].process(left, right, n);  // else the incoming signal is dry
    // Position / length by division: correctly rounded, so the last sample weighs exactly 1.
    const float length = static_cast<float>(crossfadeFrames_);
    for (std::uint32_t i = 0; i < n; ++i) {
      const float incoming = static_cast<float>(b.fadePosition + i + 1) / length;
      left[i] = outgoingLeft[i] + incoming * (left[i] - outgoingLeft[i]);
      right[i] = outgoingRight[i] + incoming * (right[i] - outgoingRight[i]);
    }
    b.fadePosition += n;
  }

  double sampleRate_ = 48000.0;
  std::uint32_t crossfadeFrames_ = 960;
  std::uint32_t phase_ = 0;  // position in the 16-sample update grid
  Band bands_[kBands];
};

}  // namespace amplitude::dsp
