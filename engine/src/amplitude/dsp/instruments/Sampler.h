// Sampler: a 16-voice instrument that plays one caller-owned audio buffer (SampleView, mono or
// stereo) across the keyboard.
//
// Design notes
//  - Rate: (sample rate / output rate) * 2^((note - rootNote) / 12) * 2^(fineCents / 1200), one
//    pow2 per note (and per voice when the tuning changes). The play position is an integer frame
//    plus a double fraction, so it never loses precision on long samples, and a rate of exactly
//    1.0 reproduces the buffer bit for bit (Hermite returns the sample itself at fraction 0).
//  - Interpolation: 4-point 3rd-order Hermite (SampleView.h). In Loop mode the taps are read
//    through the loop: frames at or past loopEnd come from loopStart on, and after the first
//    wrap the frame before loopStart is loopEnd - 1, so a loop is seamless.
//  - Playback modes: OneShot plays from the start offset to the end of the sample and ignores
//    noteOff; Gated does the same but noteOff starts the amp release; Loop plays to loopEnd, then
//    repeats [loopStart, loopEnd) while held and through the release. A voice goes idle when its
//    envelope or the sample ends. An invalid loop (end <= start or past the end) loops everything.
//  - Velocity gain = velocity^2 (0.5 -> -12 dB); noteOn with velocity 0 is a noteOff.
//  - Allocation as in VoiceAllocation.h (free, else quietest releasing, else oldest); stolen
//    voices fade over ~2 ms. Retriggering a sounding note fades that voice out over ~2 ms and
//    restarts the sample in it (a restart mid-waveform would click).
//  - setSample(): stops every voice at once, without a fade: the caller may free the previous
//    buffer as soon as setSample returns, so no voice may read it again. Swap samples in silence.
//  - Output gain (dB) ramps over 20 ms. Voices are summed in voice-index order; idle voices cost
//    nothing.
// Life cycle: prepare (non-real-time) -> everything else (real-time safe, noexcept).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/LinearRamp.h>
#include <amplitude/dsp/instruments/Envelope.h>
#include <amplitude/dsp/instruments/SampleView.h>
#include <amplitude/dsp/instruments/VoiceAllocation.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace amplitude::dsp {

enum class SamplerPlayback : std::uint8_t { OneShot, Gated, Loop };

struct SamplerControls {
  SampleView sample{};
  SamplerPlayback playback = SamplerPlayback::OneShot;
  double sampleRate = 48000.0;
  double rootNote = 60.0;
  double fineCents = 0.0;
  std::uint32_t startOffset = 0;
  std::uint32_t loopStart = 0;  // effective loop, always 0 <= start < end <= frames when frames > 0
  std::uint32_t loopEnd = 0;
};

class SamplerVoice : public VoiceLifecycle {
 public:
  void prepare(double sampleRate, std::uint32_t fadeSamples) noexcept {
    setFadeSamples(fadeSamples);
    envelope_.prepare(sampleRate, 0);
    reset();
  }

  void reset() noexcept {
    resetLifecycle();
    envelope_.reset();
  }

  Envelope& envelope() noexcept { return envelope_; }

  void start(std::uint8_t note, float velocity, std::uint64_t order, const SamplerControls& c) noexcept {
    if (!c.sample.isPlayable() || c.startOffset >= c.sample.frames) {
      resetLifecycle();
      return;
    }
    beginNote(note, order);
    gateOn_ = true;
    index_ = c.startOffset;
    fraction_ = 0.0;
    wrapped_ = false;
    updateRate(c);
    envelope_.reset();
    envelope_.noteOn();
    velocityGain_ = velocityToGain(velocity);
  }

  void updateRate(const SamplerControls& c) noexcept {
    const double semitones = static_cast<double>(note_) - c.rootNote + c.fineCents / 100.0;
    rate_ = c.sample.sampleRate / c.sampleRate * amplitude::dsp::pow2(semitones / 12.0);
  }

  void release() noexcept {
    gateOn_ = false;
    envelope_.noteOff();
  }



  bool isReleasing() const noexcept { return state_ == State::Playing && envelope_.isReleasing(); }
  bool isGateOnFor(std::uint8_t note) const noexcept { return isPlayingNote(note) && gateOn_; }
  float currentLevel() const noexcept { return state_ == State::Idle ? 0.0f : envelope_.level() * velocityGain_; }

  /// Adds this voice's output to left and right.
  void render(float* left, float* right, std::uint32_t frames, const SamplerControls& c) noexcept {
    const SampleView& view = c.sample;
    const bool stereo = view.channelCount > 1;
    for (std::uint32_t i = 0; i < frames && state_ != State::Idle; ++i) {
      const bool looping = c.playback == SamplerPlayback::Loop;
      const auto t = static_cast<float>(fraction_);
      float l = interpolate(c, 0, looping, t);
      float r = stereo ? interpolate(c, 1, looping, t) : l;
      float gain = envelope_.next() * velocityGain_;
      gain *= fadeGain();
      left[i] += l * gain;
      right[i] += r * gain;
      advance(c, looping);
      if (state_ == State::Fading) {
        if (fadeEnded()) finishFade(c);
      } else if (envelope_.isIdle() || (!looping && index_ >= static_cast<std::int64_t>(view.frames))) {
        state_ = State::Idle;
      }
    }
  }

  static float velocityToGain(float velocity) noexcept {
    const float v = velocity < 0.0f ? 0.0f : (velocity > 1.0f ? 1.0f : velocity);
    return v * v;
  }

 private:
  float frameAt(const SamplerControls& c, std::uint32_t channel, bool looping, std::int64_t frame) const noexcept {
    if (looping) {
      const std::int64_t start = c.loopStart;
      const std::int64_t end = c.loopEnd;
      if (frame >= end) {
        frame = start + (frame - start) % (end - start);
      } else if (wrapped_ && frame < start) {
        frame += end - start;
      }
    }
    return sampleAt(c.sample, channel, frame);
  }

  float interpolate(const SamplerControls& c, std::uint32_t channel, bool looping, float t) const noexcept {
    const std::int64_t limit = looping ? c.loopEnd : c.sample.frames;
    const std::int64_t lowest = looping && wrapped_ ? c.loopStart : 0;
    if (index_ - 1 >= lowest && index_ + 2 < limit) {
      const float* p = c.sample.channels[channel] + index_;
      return hermite4(p[-1], p[0], p[1], p[2], t);
    }
    return hermite4(frameAt(c, channel, looping, index_ - 1), frameAt(c, channel, looping, index_),
                    frameAt(c, channel, looping, index_ + 1), frameAt(c, channel, looping, index_ + 2), t);
  }

  void advance(const SamplerControls& c, bool looping) noexcept {
    fraction_ += rate_;
    const double whole = std::floor(fraction_);
    fraction_ -= whole;
    index_ += static_cast<std::int64_t>(whole);
    if (looping && index_ >= static_cast<std::int64_t>(c.loopEnd)) {
      const std::int64_t start = c.loopStart;
      index_ = start + (index_ - start) % (static_cast<std::int64_t>(c.loopEnd) - start);
      wrapped_ = true;
    }
  }

  void finishFade(const SamplerControls& c) noexcept {
    PendingNote next;
    if (!takeOver(next)) return;
    start(next.note, next.velocity, next.order, c);
    if (next.released) release();
  }


  bool gateOn_ = false;
  bool wrapped_ = false;
  std::int64_t index_ = 0;
  double fraction_ = 0.0;
  double rate_ = 1.0;
  float velocityGain_ = 1.0f;
  Envelope envelope_;
};

class Sampler {
 public:
  static constexpr std::size_t kMaxVoices = 16;
  static constexpr double kStealFadeMs = 2.0;
  static constexpr double kGainRampSeconds = 0.02;

  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    controls_.sampleRate = sampleRate;
    const std::uint32_t fade = stealFadeSamples(sampleRate, kStealFadeMs);
    for (auto& voice : voices_) {
      voice.prepare(sampleRate, fade);
      // Defaults for a sampler: full level while held, short release.
      voice.envelope().setAttackMs(attackMs_);
      voice.envelope().setDecayMs(decayMs_);
      voice.envelope().setSustain(sustain_);
      voice.envelope().setReleaseMs(releaseMs_);
    }
    gainRampSamples_ = static_cast<std::uint32_t>(kGainRampSeconds * sampleRate + 0.5);
    reset();
  }

  void reset() noexcept {
    for (auto& voice : voices_) voice.reset();
    gain_.reset(gainTarget_);
    order_ = 0;
  }

  /// Stops all voices immediately (see the header comment), then plays `sample` from now on.
  void setSample(const SampleView& sample) noexcept {
    for (auto& voice : voices_) voice.reset();
    controls_.sample = sample;
    updateLoop();
  }

  void noteOn(std::uint8_t note, float velocity) noexcept {
    if (!(velocity > 0.0f)) {
      noteOff(note);
      return;
    }
    ++order_;
    routeNoteOn(voices_, note, velocity, order_, controls_, [&](auto& voice) {
      voice.steal(note, velocity, order_);  // same note: fade out and restart the sample in the same voice
    });
  }

  void noteOff(std::uint8_t note) noexcept {
    if (controls_.playback == SamplerPlayback::OneShot) return;
    for (auto& voice : voices_) {
      if (voice.isGateOnFor(note)) voice.release();
      if (voice.hasPendingNote(note)) voice.releasePending();
    }
  }

  void setPlayback(SamplerPlayback playback) noexcept { controls_.playback = playback; }
  void setRootNote(std::uint8_t note) noexcept {
    controls_.rootNote = note;
    updateRates();
  }
  void setFineTuneCents(double cents) noexcept {
    controls_.fineCents = cents < -1200.0 ? -1200.0 : (cents > 1200.0 ? 1200.0 : cents);
    updateRates();
  }
  /// Frames; applies to notes started afterwards.
  void setStartOffset(std::uint32_t frame) noexcept { startOffsetRequest_ = frame; updateLoop(); }
  /// Loop region [startFrame, endFrame) in frames of the sample.
  void setLoop(std::uint32_t startFrame, std::uint32_t endFrame) noexcept {
    loopStartRequest_ = startFrame;
    loopEndRequest_ = endFrame;
    updateLoop();
  }
  void setAttackMs(double ms) noexcept { attackMs_ = ms; for (auto& v : voices_) v.envelope().setAttackMs(ms); }
  void setDecayMs(double ms) noexcept { decayMs_ = ms; for (auto& v : voices_) v.envelope().setDecayMs(ms); }
  void setSustain(double level) noexcept { sustain_ = level; for (auto& v : voices_) v.envelope().setSustain(level); }
  void setReleaseMs(double ms) noexcept { releaseMs_ = ms; for (auto& v : voices_) v.envelope().setReleaseMs(ms); }
  /// Output gain in dB, ramped over 20 ms.
  void setGainDecibels(double decibels) noexcept {
    gainTarget_ = static_cast<float>(amplitude::dsp::decibelsToGain(decibels < -120.0 ? -120.0 : decibels));
    gain_.setTarget(gainTarget_, gainRampSamples_);
  }

  /// Writes (does not add) `frames` samples to left and right.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    for (std::uint32_t i = 0; i < frames; ++i) left[i] = right[i] = 0.0f;
    bool anyActive = false;
    for (auto& voice : voices_) {
      if (voice.isIdle()) continue;
      anyActive = true;
      voice.render(left, right, frames, controls_);
    }
    if (!anyActive && !gain_.isRamping()) return;
    for (std::uint32_t i = 0; i < frames; ++i) {
      const float g = gain_.next();
      left[i] *= g;
      right[i] *= g;
    }
  }

  std::uint32_t activeVoiceCount() const noexcept {
    std::uint32_t count = 0;
    for (const auto& voice : voices_) count += voice.isIdle() ? 0u : 1u;
    return count;
  }
  bool isNoteActive(std::uint8_t note) const noexcept {
    for (const auto& voice : voices_) {
      if (voice.isPlayingNote(note) || voice.hasPendingNote(note)) return true;
    }
    return false;
  }

 private:
  void updateLoop() noexcept {
    const std::uint32_t frames = controls_.sample.frames;
    controls_.startOffset = startOffsetRequest_;
    if (loopEndRequest_ > loopStartRequest_ && loopEndRequest_ <= frames) {
      controls_.loopStart = loopStartRequest_;
      controls_.loopEnd = loopEndRequest_;
    } else {
      controls_.loopStart = 0;
      controls_.loopEnd = frames;
    }
  }

  void updateRates() noexcept {
    for (auto& voice : voices_) {
      if (!voice.isIdle()) voice.updateRate(controls_);
    }
  }

  SamplerControls controls_{};
  std::array<SamplerVoice, kMaxVoices> voices_{};
  LinearRamp gain_{};
  float gainTarget_ = 1.0f;
  std::uint32_t gainRampSamples_ = 960;
  std::uint64_t order_ = 0;
  std::uint32_t startOffsetRequest_ = 0;
  std::uint32_t loopStartRequest_ = 0;
  std::uint32_t loopEndRequest_ = 0;
  double attackMs_ = 0.0;
  double decayMs_ = 0.0;
  double sustain_ = 1.0;
  double releaseMs_ = 50.0;
};

}  // namespace amplitude::dsp
