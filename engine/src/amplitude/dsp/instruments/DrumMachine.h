// DrumMachine: 16 sample pads, each a one-shot player of its own caller-owned SampleView with
// gain (dB), pan, pitch (semitones) and a choke group; two voices per pad, so a hit can ring
// under the next one.
//
// Design notes
//  - Trigger: MIDI note 36 + pad by default (setPadNote changes it). Drum pads are one-shot:
//    a hit plays its sample to the end; noteOff is accepted and ignored.
//  - Rate = (sample rate / output rate) * 2^(pitch / 12); 4-point Hermite interpolation
//    (SampleView.h); rate 1 plays the samples bit-exactly (times the gains).
//  - Level: gain = 10^(dB / 20) * velocity^2. Pan -1..+1 uses the constant-power law
//    left = cos(pi/4 * (pan + 1)), right = sin(pi/4 * (pan + 1)) (-3 dB each at the centre).
//    A stereo sample gets the same two gains on its two channels (a balance control).
//  - Live gain/pan/pitch changes reach ringing voices at 16-sample control steps, gains through
//    a 10 ms one-pole, so they do not zipper.
//  - Choke groups (1..15, 0 = none): a hit on a pad fades every voice of the *other* pads in its
//    group to zero over ~1 ms. A third hit on a pad whose two voices ring fades the older one
//    over ~1 ms and starts in it after the fade.
//  - setPad(): stops that pad's voices at once (the old buffer may be freed on return).
//  - Voices are summed in index order (pad-major); idle voices cost nothing.
// Life cycle: prepare (non-real-time) -> everything else (real-time safe, noexcept).
#pragma once

#include <amplitude/dsp/DeterministicMath.h>
#include <amplitude/dsp/instruments/SampleView.h>
#include <amplitude/dsp/instruments/VoiceAllocation.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace amplitude::dsp {

struct DrumPad {
  SampleView sample{};
  double gainDecibels = 0.0;
  double pan = 0.0;
  double pitchSemitones = 0.0;
  std::uint8_t chokeGroup = 0;
  std::uint8_t note = 36;
  // Derived in the setters, read by the voices.
  float leftGain = 0.70710678f;
  float rightGain = 0.70710678f;
  double pitchRatio = 1.0;
};

class DrumVoice {
 public:
  static constexpr std::uint32_t kControlInterval = 16;
  enum class State : std::uint8_t { Idle, Playing, Fading };

  void prepare(double sampleRate, std::uint32_t fadeSamples, double glide) noexcept {
    sampleRate_ = sampleRate;
    fadeSamples_ = fadeSamples;
    glide_ = glide;
    reset();
  }

  void reset() noexcept {
    state_ = State::Idle;
    hasPending_ = false;
    fade_.cancel();
  }

  void start(float velocity, std::uint64_t order, const DrumPad& pad) noexcept {
    hasPending_ = false;
    fade_.cancel();
    if (!pad.sample.isPlayable()) {
      state_ = State::Idle;
      return;
    }
    state_ = State::Playing;
    order_ = order;
    index_ = 0;
    fraction_ = 0.0;
    velocityGain_ = velocity * velocity;
    leftGain_ = targetLeft(pad);
    rightGain_ = targetRight(pad);
    rate_ = pad.sample.sampleRate / sampleRate_ * pad.pitchRatio;
    untilControl_ = kControlInterval;
  }

  /// Fades out over ~1 ms; then plays the pending hit if one is given, else goes idle.
  void fadeOut() noexcept {
    hasPending_ = false;
    if (state_ == State::Playing) {
      state_ = State::Fading;
      fade_.start(fadeSamples_);
    }
  }
  void stealFor(float velocity, std::uint64_t order) noexcept {
    fadeOut();
    hasPending_ = true;
    pendingVelocity_ = velocity;
    pendingOrder_ = order;
  }

  bool isIdle() const noexcept { return state_ == State::Idle; }
  bool isFree() const noexcept { return state_ == State::Idle || (state_ == State::Fading && !hasPending_); }
  std::uint64_t startOrder() const noexcept { return hasPending_ ? pendingOrder_ : order_; }

  void render(float* left, float* right, std::uint32_t frames, const DrumPad& pad) noexcept {
    const SampleView& view = pad.sample;
    const bool stereo = view.channelCount > 1;
    const auto end = static_cast<std::int64_t>(view.frames);
    for (std::uint32_t i = 0; i < frames && state_ != State::Idle; ++i) {
      if (untilControl_ == 0) updateControl(pad);
      --untilControl_;
      const auto t = static_cast<float>(fraction_);
      const float l = interpolate(view, 0, t);
      const float r = stereo ? interpolate(view, 1, t) : l;
      const float fade = state_ == State::Fading ? fade_.next() : 1.0f;
      left[i] += l * leftGain_ * fade;
      right[i] += r * rightGain_ * fade;
      fraction_ += rate_;
      const double whole = std::floor(fraction_);
      fraction_ -= whole;
      index_ += static_cast<std::int64_t>(whole);
      if (state_ == State::Fading) {
        if (!fade_.isActive()) {
          if (hasPending_) {
            start(pendingVelocity_, pendingOrder_, pad);
          } else {
            state_ = State::Idle;
          }
        }
      } else if (index_ >= end) {
        state_ = State::Idle;
      }
    }
  }

 private:
  float targetLeft(const DrumPad& pad) const noexcept { return pad.leftGain * velocityGain_; }
  float targetRight(const DrumPad& pad) const noexcept { return pad.rightGain * velocityGain_; }

  static void glideTo(float& value, float target, float glide) noexcept {
    if (value == target) return;
    value += (target - value) * glide;
    if (std::fabs(target - value) < 1.0e-6f) value = target;
  }

  void updateControl(const DrumPad& pad) noexcept {
    untilControl_ = kControlInterval;
    glideTo(leftGain_, targetLeft(pad), static_cast<float>(glide_));
    glideTo(rightGain_, targetRight(pad), static_cast<float>(glide_));
    rate_ = pad.sample.sampleRate / sampleRate_ * pad.pitchRatio;
  }

  float interpolate(const SampleView& view, std::uint32_t channel, float t) const noexcept {
    if (index_ >= 1 && index_ + 2 < static_cast<std::int64_t>(view.frames)) {
      const float* p = view.channels[channel] + index_;
      return hermite4(p[-1], p[0], p[1], p[2], t);
    }
    return hermite4(sampleAt(view, channel, index_ - 1), sampleAt(view, channel, index_),
                    sampleAt(view, channel, index_ + 1), sampleAt(view, channel, index_ + 2), t);
  }

  double sampleRate_ = 48000.0;
  double glide_ = 0.033;
  std::uint32_t fadeSamples_ = 48;
  State state_ = State::Idle;
  std::uint64_t order_ = 0;
  std::int64_t index_ = 0;
  double fraction_ = 0.0;
  double rate_ = 1.0;
  float velocityGain_ = 1.0f;
  float leftGain_ = 0.0f;
  float rightGain_ = 0.0f;
  std::uint32_t untilControl_ = kControlInterval;
  VoiceFade fade_;
  bool hasPending_ = false;
  float pendingVelocity_ = 0.0f;
  std::uint64_t pendingOrder_ = 0;
};

class DrumMachine {
 public:
  static constexpr int kPads = 16;
  static constexpr int kVoicesPerPad = 2;
  static constexpr std::uint8_t kFirstNote = 36;
  static constexpr double kFadeMs = 1.0;
  static constexpr double kGlideSeconds = 0.01;

  DrumMachine() noexcept {
    for (int pad = 0; pad < kPads; ++pad) {
      pads_[pad].note = static_cast<std::uint8_t>(kFirstNote + pad);
      updatePanGains(pads_[pad]);
    }
  }

  void prepare(double sampleRate, std::uint32_t /*maxBlockFrames*/) noexcept {
    const std::uint32_t fade = stealFadeSamples(sampleRate, kFadeMs);
    const double glide = 1.0 - amplitude::dsp::exp(-static_cast<double>(DrumVoice::kControlInterval) /
                                                   (kGlideSeconds * sampleRate));
    for (auto& voice : voices_) voice.prepare(sampleRate, fade, glide);
    reset();
  }

  void reset() noexcept {
    for (auto& voice : voices_) voice.reset();
    order_ = 0;
  }

  /// Stops the pad's voices at once, then plays `sample` on its next hits.
  void setPad(int pad, const SampleView& sample) noexcept {
    if (!isPad(pad)) return;
    for (int v = 0; v < kVoicesPerPad; ++v) voices_[pad * kVoicesPerPad + v].reset();
    pads_[pad].sample = sample;
  }
  void setPadGainDecibels(int pad, double decibels) noexcept {
    if (!isPad(pad)) return;
    pads_[pad].gainDecibels = decibels < -120.0 ? -120.0 : (decibels > 24.0 ? 24.0 : decibels);
    updatePanGains(pads_[pad]);
  }
  /// -1 (left) .. +1 (right).
  void setPadPan(int pad, double pan) noexcept {
    if (!isPad(pad)) return;
    pads_[pad].pan = pan < -1.0 ? -1.0 : (pan > 1.0 ? 1.0 : pan);
    updatePanGains(pads_[pad]);
  }
  void setPadPitchSemitones(int pad, double semitones) noexcept {
    if (!isPad(pad)) return;
    pads_[pad].pitchSemitones = semitones < -48.0 ? -48.0 : (semitones > 48.0 ? 48.0 : semitones);
    pads_[pad].pitchRatio = amplitude::dsp::pow2(pads_[pad].pitchSemitones / 12.0);
  }
  /// 0 = no group.
  void setPadChokeGroup(int pad, std::uint8_t group) noexcept {
    if (isPad(pad)) pads_[pad].chokeGroup = group;
  }
  void setPadNote(int pad, std::uint8_t note) noexcept {
    if (isPad(pad)) pads_[pad].note = note;
  }

  void noteOn(std::uint8_t note, float velocity) noexcept {
    if (!(velocity > 0.0f)) return;
    const float v = velocity > 1.0f ? 1.0f : velocity;
    for (int pad = 0; pad < kPads; ++pad) {
      if (pads_[pad].note == note) trigger(pad, v);
    }
  }

  /// Pads are one-shot: accepted and ignored.
  void noteOff(std::uint8_t /*note*/) noexcept {}

  /// Writes (does not add) `frames` samples to left and right.
  void process(float* left, float* right, std::uint32_t frames) noexcept {
    for (std::uint32_t i = 0; i < frames; ++i) left[i] = right[i] = 0.0f;
    for (std::size_t v = 0; v < voices_.size(); ++v) {
      if (voices_[v].isIdle()) continue;
      voices_[v].render(left, right, frames, pads_[v / kVoicesPerPad]);
    }
  }

  std::uint32_t activeVoiceCount() const noexcept {
    std::uint32_t count = 0;
    for (const auto& voice : voices_) count += voice.isIdle() ? 0u : 1u;
    return count;
  }
  std::uint32_t activeVoiceCount(int pad) const noexcept {
    if (!isPad(pad)) return 0;
    std::uint32_t count = 0;
    for (int v = 0; v < kVoicesPerPad; ++v) count += voices_[pad * kVoicesPerPad + v].isIdle() ? 0u : 1u;
    return count;
  }

 private:
  static bool isPad(int pad) noexcept { return pad >= 0 && pad < kPads; }

  static void updatePanGains(DrumPad& pad) noexcept {
    const double gain = amplitude::dsp::decibelsToGain(pad.gainDecibels);
    const double turns = (pad.pan + 1.0) / 8.0;  // pi/4 * (pan + 1) radians
    pad.leftGain = static_cast<float>(gain * amplitude::dsp::cos2pi(turns));
    pad.rightGain = static_cast<float>(gain * amplitude::dsp::sin2pi(turns));
  }

  void trigger(int pad, float velocity) noexcept {
    ++order_;
    const std::uint8_t group = pads_[pad].chokeGroup;
    if (group != 0) {
      for (int other = 0; other < kPads; ++other) {
        if (other == pad || pads_[other].chokeGroup != group) continue;
        for (int v = 0; v < kVoicesPerPad; ++v) voices_[other * kVoicesPerPad + v].fadeOut();
      }
    }
    DrumVoice* chosen = nullptr;
    for (int v = 0; v < kVoicesPerPad && chosen == nullptr; ++v) {
      if (voices_[pad * kVoicesPerPad + v].isFree()) chosen = &voices_[pad * kVoicesPerPad + v];
    }
    if (chosen == nullptr) {
      chosen = &voices_[pad * kVoicesPerPad];
      for (int v = 1; v < kVoicesPerPad; ++v) {
        DrumVoice& candidate = voices_[pad * kVoicesPerPad + v];
        if (candidate.startOrder() < chosen->startOrder()) chosen = &candidate;
      }
    }
    if (chosen->isIdle()) {
      chosen->start(velocity, order_, pads_[pad]);
    } else {
      chosen->stealFor(velocity, order_);
    }
  }

  std::array<DrumPad, kPads> pads_{};
  std::array<DrumVoice, static_cast<std::size_t>(kPads * kVoicesPerPad)> voices_{};
  std::uint64_t order_ = 0;
};

}  // namespace amplitude::dsp
