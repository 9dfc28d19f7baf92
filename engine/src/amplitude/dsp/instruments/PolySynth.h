// PolySynth: a 16-voice subtractive synthesizer. Per voice: two band-limited oscillators (osc 2
// detuned by octave, semitones and cents) mixed into a resonant TPT state-variable low-pass with
// its own ADSR (amount in octaves) and key tracking, then an amplitude ADSR and velocity gain.
//
// Design notes
//  - Pitch: f = 440 * 2^((note - 69) / 12), computed with pow2 once per note; osc 2 runs at
//    f * 2^(octave + semitones / 12 + cents / 1200) (one multiply per sub-block).
//  - Control rate: every kControlInterval (16) samples of a voice, counted from its note start,
//    the filter cutoff 2^(log2(cutoff) + keyTracking * (note - 60) / 12 + envOctaves * filterEnv)
//    is recomputed (one pow2, one tanPi) and live parameter changes (cutoff, resonance, envelope
//    amount, key tracking, mix) glide there with a 10 ms one-pole: no zipper noise, and the
//    result does not depend on how the host slices blocks.
//  - Velocity: gain = velocity^2 (velocity 0..1; 0.5 -> -12 dB), the usual "square law" feel.
//    A retrigger glides the velocity gain over ~2 ms. noteOn with velocity 0 is a noteOff.
//  - Voice allocation (VoiceAllocation.h): the same note reuses its voice (envelopes restart
//    from their current level, oscillators keep running); else a free voice; else the releasing
//    voice with the lowest level; else the oldest. A stolen voice fades out over ~2 ms and then
//    starts the new note (which is therefore ~2 ms late instead of clicking).
//  - Resonance 0..1 maps to Q = 0.7071 * 2^(5 * resonance) (0.707 .. 22.6).
//  - Voices are summed in voice-index order; idle voices are skipped entirely. Output is mono,
//    written identically to left and right, times the master gain (20 ms linear ramp).
// Life cycle: prepare (non-real-time) -> everything else (real-time safe, noexcept).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/Oscillator.h>
#include <amplitude/dsp/instruments/Envelope.h>
#include <amplitude/dsp/instruments/StateVariableFilter.h>
#include <amplitude/dsp/instruments/VoiceAllocation.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace amplitude::dsp {

/// Parameter values shared by all voices, read at each voice's control sub-block.
struct PolySynthControls {
  Waveform oscillator1 = Waveform::Saw;
  Waveform oscillator2 = Waveform::Saw;
  double oscillator2Ratio = 1.0;   // frequency ratio osc 2 / osc 1
  double oscillatorMix = 0.0;      // 0 = osc 1 only, 1 = osc 2 only
  double cutoffOctaves = 14.287712379549449;  // log2(20000 Hz)
  double q = 0.7071067811865476;
  double filterEnvelopeOctaves = 0.0;
  double keyTracking = 0.0;        // octaves of cutoff per octave of pitch, around note 60
  double glide = 0.033;            // per-sub-block one-pole coefficient (10 ms)
  double sampleRate = 48000.0;
};

class PolySynthVoice : public VoiceLifecycle {
 public:
  static constexpr std::uint32_t kControlInterval = 16;

  void prepare(double sampleRate, std::uint32_t fadeSamples) noexcept {
    sampleRate_ = sampleRate;
    setFadeSamples(fadeSamples);
    ampEnvelope_.prepare(sampleRate, 0);
    filterEnvelope_.prepare(sampleRate, 0);
    reset();
  }

  void reset() noexcept {
    resetLifecycle();
    ampEnvelope_.reset();
    filterEnvelope_.reset();
    svf_.reset();
  }

  Envelope& ampEnvelope() noexcept { return ampEnvelope_; }
  Envelope& filterEnvelope() noexcept { return filterEnvelope_; }

  void start(std::uint8_t note, float velocity, std::uint64_t order, const PolySynthControls& c) noexcept {
    beginNote(note, order);
    gateOn_ = true;
    phase1_ = phase2_ = 0.0;
    baseIncrement_ = 440.0 * amplitude::dsp::pow2((static_cast<double>(note) - 69.0) / 12.0) / sampleRate_;
    increment1_ = clampIncrement(baseIncrement_);
    svf_.reset();
    ampEnvelope_.reset();
    filterEnvelope_.reset();
    ampEnvelope_.noteOn();
    filterEnvelope_.noteOn();
    velocityGain_.reset(velocityToGain(velocity));
    baseOctaves_ = targetBaseOctaves(c);
    envelopeOctaves_ = c.filterEnvelopeOctaves;
    q_ = c.q;
    mix_ = c.oscillatorMix;
    coefficientsValid_ = false;
    untilControl_ = 0;
  }

  /// Same note again: envelopes restart from where they are, oscillators keep their phase.
  void retrigger(float velocity, std::uint64_t order) noexcept {
    order_ = order;
    gateOn_ = true;
    ampEnvelope_.noteOn();
    filterEnvelope_.noteOn();
    velocityGain_.setTarget(velocityToGain(velocity), fadeSamples());
  }

  void release() noexcept {
    gateOn_ = false;
    ampEnvelope_.noteOff();
    filterEnvelope_.noteOff();
  }




  bool isReleasing() const noexcept { return state_ == State::Playing && ampEnvelope_.isReleasing(); }
  bool isGateOnFor(std::uint8_t note) const noexcept { return isPlayingNote(note) && gateOn_; }
  float currentLevel() const noexcept { return state_ == State::Idle ? 0.0f : ampEnvelope_.level() * velocityGain_.current(); }

  /// Adds this voice's output to `out`.
  void render(float* out, std::uint32_t frames, const PolySynthControls& c) noexcept {
    for (std::uint32_t i = 0; i < frames && state_ != State::Idle; ++i) {
      if (untilControl_ == 0) updateControl(c);
      --untilControl_;
      const double shape1 = shape(c.oscillator1, phase1_, increment1_);
      const double shape2 = shape(c.oscillator2, phase2_, increment2_);
      phase1_ += increment1_;
      if (phase1_ >= 1.0) phase1_ -= 1.0;
      phase2_ += increment2_;
      if (phase2_ >= 1.0) phase2_ -= 1.0;
      const float mixed = static_cast<float>(shape1) * gain1_ + static_cast<float>(shape2) * gain2_;
      const float filtered = svf_.tick(coefficients_, mixed).low;
      filterEnvelope_.next();
      float gain = ampEnvelope_.next() * velocityGain_.next();
      gain *= fadeGain();
      out[i] += filtered * gain;
      if (state_ == State::Fading) {
        if (fadeEnded()) finishFade(c);
      } else if (ampEnvelope_.isIdle()) {
        state_ = State::Idle;
      }
    }
  }

  static float velocityToGain(float velocity) noexcept {
    const float v = velocity < 0.0f ? 0.0f : (velocity > 1.0f ? 1.0f : velocity);
    return v * v;
  }

 private:
  static double clampIncrement(double increment) noexcept { return increment > 0.49 ? 0.49 : increment; }

  static double shape(Waveform waveform, double t, double dt) noexcept {
    switch (waveform) {
      case Waveform::Sine: return amplitude::dsp::sin2pi(t);
      case Waveform::Saw: return Oscillator::saw(t, dt);
      case Waveform::Square: return Oscillator::square(t, dt);
      case Waveform::Triangle: return Oscillator::triangle(t, dt);
    }
    return 0.0;
  }

  double targetBaseOctaves(const PolySynthControls& c) const noexcept {
    return c.cutoffOctaves + c.keyTracking * (static_cast<double>(note_) - 60.0) / 12.0;
  }

  static void glideTo(double& value, double target, double glide) noexcept {
    if (value == target) return;
    value += (target - value) * glide;
    if (std::fabs(target - value) < 1.0e-5) value = target;
  }

  void updateControl(const PolySynthControls& c) noexcept {
    untilControl_ = kControlInterval;
    glideTo(baseOctaves_, targetBaseOctaves(c), c.glide);
    glideTo(envelopeOctaves_, c.filterEnvelopeOctaves, c.glide);
    glideTo(q_, c.q, c.glide);
    glideTo(mix_, c.oscillatorMix, c.glide);
    gain1_ = static_cast<float>(1.0 - mix_);
    gain2_ = static_cast<float>(mix_);
    increment2_ = clampIncrement(baseIncrement_ * c.oscillator2Ratio);
    const double octaves = baseOctaves_ + envelopeOctaves_ * static_cast<double>(filterEnvelope_.level());
    if (!coefficientsValid_ || octaves != lastOctaves_ || q_ != lastQ_) {
      coefficients_ = SvfCoefficients::make(amplitude::dsp::pow2(octaves), q_, c.sampleRate);
      lastOctaves_ = octaves;
      lastQ_ = q_;
      coefficientsValid_ = true;
    }
  }

  void finishFade(const PolySynthControls& c) noexcept {
    PendingNote next;
    if (!takeOver(next)) return;
    start(next.note, next.velocity, next.order, c);
    if (next.released) release();
  }

  double sampleRate_ = 48000.0;
  bool gateOn_ = false;
  double phase1_ = 0.0;
  double phase2_ = 0.0;
  double baseIncrement_ = 0.0;
  double increment1_ = 0.0;
  double increment2_ = 0.0;
  float gain1_ = 1.0f;
  float gain2_ = 0.0f;
  double baseOctaves_ = 0.0;
  double envelopeOctaves_ = 0.0;
  double q_ = 0.7071067811865476;
  double mix_ = 0.0;
  double lastOctaves_ = 0.0;
  double lastQ_ = 0.0;
  bool coefficientsValid_ = false;
  std::uint32_t untilControl_ = 0;
  SvfCoefficients coefficients_{};
  SvfCore svf_;
  Envelope ampEnvelope_;
  Envelope filterEnvelope_;
  LinearRamp velocityGain_;
};

class PolySynth {
 public:
  static constexpr std::size_t kMaxVoices = 16;
  static constexpr double kStealFadeMs = 2.0;
  static constexpr double kGlideSeconds = 0.01;
  static constexpr double kMasterGainRampSeconds = 0.02;

  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    controls_.sampleRate = sampleRate;
    controls_.glide = 1.0 - amplitude::dsp::exp(-static_cast<double>(PolySynthVoice::kControlInterval) /
                                                (kGlideSeconds * sampleRate));
    const std::uint32_t fade = stealFadeSamples(sampleRate, kStealFadeMs);
    for (auto& voice : voices_) voice.prepare(sampleRate, fade);
    masterRampSamples_ = static_cast<std::uint32_t>(kMasterGainRampSeconds * sampleRate + 0.5);
    reset();
  }

  void reset() noexcept {
    for (auto& voice : voices_) voice.reset();
    masterGain_.reset(masterGainTarget_);
    order_ = 0;
  }

  void noteOn(std::uint8_t note, float velocity) noexcept {
    if (!(velocity > 0.0f)) {
      noteOff(note);
      return;
    }
    ++order_;
    routeNoteOn(voices_, note, velocity, order_, controls_, [&](auto& voice) {
      voice.retrigger(velocity, order_);  // same note: its envelopes restart from where they are
    });
  }

  void noteOff(std::uint8_t note) noexcept {
    for (auto& voice : voices_) {
      if (voice.isGateOnFor(note)) voice.release();
      if (voice.hasPendingNote(note)) voice.releasePending();
    }
  }

  /// Every held note enters its release.
  void allNotesOff() noexcept {
    for (auto& voice : voices_) {
      if (voice.state() == PolySynthVoice::State::Playing) voice.release();
      if (voice.state() == PolySynthVoice::State::Fading) voice.releasePending();
    }
  }

  /// Every voice fades out over ~2 ms and goes idle; pending notes are dropped.
  void allSoundOff() noexcept {
    for (auto& voice : voices_) voice.silence();
  }

  // Oscillators.
  void setOscillator1Waveform(Waveform waveform) noexcept { controls_.oscillator1 = waveform; }
  void setOscillator2Waveform(Waveform waveform) noexcept { controls_.oscillator2 = waveform; }
  void setOscillator2Octave(int octaves) noexcept { osc2Octave_ = clampInt(octaves, -4, 4); updateOsc2Ratio(); }
  void setOscillator2Semitones(int semitones) noexcept { osc2Semitones_ = clampInt(semitones, -24, 24); updateOsc2Ratio(); }
  void setOscillator2FineCents(double cents) noexcept { osc2Cents_ = clamp(cents, -100.0, 100.0); updateOsc2Ratio(); }
  /// 0 = oscillator 1 only, 1 = oscillator 2 only (linear crossfade).
  void setOscillatorMix(double mix) noexcept { controls_.oscillatorMix = clamp(mix, 0.0, 1.0); }

  // Filter.
  void setFilterCutoffHz(double hz) noexcept {
    controls_.cutoffOctaves = amplitude::dsp::log2(clamp(hz, SvfCoefficients::kMinCutoffHz, SvfCoefficients::kMaxCutoffHz));
  }
  void setFilterResonance(double resonance) noexcept { controls_.q = resonanceToQ(resonance); }
  void setFilterEnvelopeOctaves(double octaves) noexcept { controls_.filterEnvelopeOctaves = clamp(octaves, -10.0, 10.0); }
  void setFilterKeyTracking(double amount) noexcept { controls_.keyTracking = clamp(amount, 0.0, 1.0); }
  void setFilterAttackMs(double ms) noexcept { for (auto& v : voices_) v.filterEnvelope().setAttackMs(ms); }
  void setFilterDecayMs(double ms) noexcept { for (auto& v : voices_) v.filterEnvelope().setDecayMs(ms); }
  void setFilterSustain(double level) noexcept { for (auto& v : voices_) v.filterEnvelope().setSustain(level); }
  void setFilterReleaseMs(double ms) noexcept { for (auto& v : voices_) v.filterEnvelope().setReleaseMs(ms); }

  // Amplitude.
  void setAmpAttackMs(double ms) noexcept { for (auto& v : voices_) v.ampEnvelope().setAttackMs(ms); }
  void setAmpDecayMs(double ms) noexcept { for (auto& v : voices_) v.ampEnvelope().setDecayMs(ms); }
  void setAmpSustain(double level) noexcept { for (auto& v : voices_) v.ampEnvelope().setSustain(level); }
  void setAmpReleaseMs(double ms) noexcept { for (auto& v : voices_) v.ampEnvelope().setReleaseMs(ms); }
  /// Linear gain on the voice sum, ramped over 20 ms.
  void setMasterGain(float gain) noexcept {
    masterGainTarget_ = gain < 0.0f ? 0.0f : gain;
    masterGain_.setTarget(masterGainTarget_, masterRampSamples_);
  }

  /// Writes (does not add) `frames` samples to left and right.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    for (std::uint32_t i = 0; i < frames; ++i) left[i] = 0.0f;
    bool anyActive = false;
    for (auto& voice : voices_) {
      if (voice.isIdle()) continue;
      anyActive = true;
      voice.render(left, frames, controls_);
    }
    if (!anyActive && !masterGain_.isRamping()) {
      for (std::uint32_t i = 0; i < frames; ++i) right[i] = 0.0f;
      return;
    }
    for (std::uint32_t i = 0; i < frames; ++i) {
      left[i] *= masterGain_.next();
      right[i] = left[i];
    }
  }

  std::uint32_t activeVoiceCount() const noexcept {
    std::uint32_t count = 0;
    for (const auto& voice : voices_) count += voice.isIdle() ? 0u : 1u;
    return count;
  }
  /// True while `note` is sounding (held or releasing) or waiting for a stolen voice's fade.
  bool isNoteActive(std::uint8_t note) const noexcept {
    for (const auto& voice : voices_) {
      if (voice.isPlayingNote(note) || voice.hasPendingNote(note)) return true;
    }
    return false;
  }

  static float velocityToGain(float velocity) noexcept { return PolySynthVoice::velocityToGain(velocity); }
  static double resonanceToQ(double resonance) noexcept {
    return 0.7071067811865476 * amplitude::dsp::pow2(5.0 * clamp(resonance, 0.0, 1.0));
  }

 private:
  static double clamp(double x, double lo, double hi) noexcept { return x < lo ? lo : (x > hi ? hi : x); }
  static int clampInt(int x, int lo, int hi) noexcept { return x < lo ? lo : (x > hi ? hi : x); }

  void updateOsc2Ratio() noexcept {
    controls_.oscillator2Ratio = amplitude::dsp::pow2(static_cast<double>(osc2Octave_) +
                                                      static_cast<double>(osc2Semitones_) / 12.0 + osc2Cents_ / 1200.0);
  }

  PolySynthControls controls_{};
  std::array<PolySynthVoice, kMaxVoices> voices_{};
  LinearRamp masterGain_{};
  float masterGainTarget_ = 1.0f;
  std::uint32_t masterRampSamples_ = 960;
  std::uint64_t order_ = 0;
  int osc2Octave_ = 0;
  int osc2Semitones_ = 0;
  double osc2Cents_ = 0.0;
};

}  // namespace amplitude::dsp
