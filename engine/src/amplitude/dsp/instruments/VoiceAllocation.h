// Voice allocation shared by the polyphonic instruments (PolySynth, Sampler).
//
// Rule: a free voice if any (lowest index first, so allocation is deterministic); otherwise steal
// the releasing voice with the lowest current level (the least audible loss; ties go to the
// older one); otherwise the oldest voice. A stolen voice is not cut: it fades to zero with a
// VoiceFade (about 2 ms, no click) and the new note starts in it when the fade ends.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace amplitude::dsp {

/// Linear fade from the current gain to exactly 0 over a fixed number of samples.
class VoiceFade {
 public:
  void start(std::uint32_t samples) noexcept {
    length_ = samples == 0 ? 1 : samples;
    remaining_ = length_;
  }
  void cancel() noexcept { remaining_ = 0; }
  bool isActive() const noexcept { return remaining_ != 0; }
  /// Gain for this sample: (N-1)/N, (N-2)/N, ..., 0; the fade is over after the sample at 0.
  float next() noexcept {
    if (remaining_ == 0) return 1.0f;
    --remaining_;
    return static_cast<float>(remaining_) / static_cast<float>(length_);
  }

 private:
  std::uint32_t length_ = 1;
  std::uint32_t remaining_ = 0;
};

/// The life of a voice that the instruments share: idle, playing a note, or fading out (stolen,
/// or silenced) with possibly the next note waiting to take the voice over when the fade ends.
/// The instrument's voice derives from it and adds its sound; it calls beginNote() when a note
/// starts and takeOver() when a fade ends.
class VoiceLifecycle {
 public:
  enum class State : std::uint8_t { Idle, Playing, Fading };

  /// Fades out over ~2 ms, then plays `note` (a stolen voice).
  void steal(std::uint8_t note, float velocity, std::uint64_t order) noexcept {
    startFade();
    hasPending_ = true;
    pendingNote_ = note;
    pendingVelocity_ = velocity;
    pendingOrder_ = order;
    pendingReleased_ = false;
  }

  /// Fades out over ~2 ms and goes idle (all sound off).
  void silence() noexcept {
    hasPending_ = false;
    startFade();
  }

  void releasePending() noexcept { pendingReleased_ = true; }
  void updatePendingVelocity(float velocity) noexcept {
    pendingVelocity_ = velocity;
    pendingReleased_ = false;
  }

  bool isIdle() const noexcept { return state_ == State::Idle; }
  bool isFree() const noexcept { return state_ == State::Idle || (state_ == State::Fading && !hasPending_); }
  bool isPlayingNote(std::uint8_t note) const noexcept { return state_ == State::Playing && note_ == note; }
  bool hasPendingNote(std::uint8_t note) const noexcept { return state_ == State::Fading && hasPending_ && pendingNote_ == note; }
  std::uint64_t startOrder() const noexcept { return hasPending_ ? pendingOrder_ : order_; }
  State state() const noexcept { return state_; }

 protected:
  struct PendingNote {
    std::uint8_t note;
    float velocity;
    std::uint64_t order;
    bool released;  ///< its note-off came while it waited
  };

  void setFadeSamples(std::uint32_t samples) noexcept { fadeSamples_ = samples; }
  std::uint32_t fadeSamples() const noexcept { return fadeSamples_; }

  void resetLifecycle() noexcept {
    state_ = State::Idle;
    hasPending_ = false;
    fade_.cancel();
  }

  void beginNote(std::uint8_t note, std::uint64_t order) noexcept {
    state_ = State::Playing;
    hasPending_ = false;
    fade_.cancel();
    note_ = note;
    order_ = order;
  }

  /// This sample's gain from the steal fade (1 unless fading).
  float fadeGain() noexcept { return state_ == State::Fading ? fade_.next() : 1.0f; }
  bool fadeEnded() const noexcept { return state_ == State::Fading && !fade_.isActive(); }

  /// At the end of a fade: the note that takes the voice over, or none (the voice goes idle).
  bool takeOver(PendingNote& next) noexcept {
    if (!hasPending_) {
      state_ = State::Idle;
      return false;
    }
    next = {pendingNote_, pendingVelocity_, pendingOrder_, pendingReleased_};
    return true;
  }

  State state_ = State::Idle;
  std::uint8_t note_ = 0;
  std::uint64_t order_ = 0;

 private:
  void startFade() noexcept {
    if (state_ == State::Playing) {
      state_ = State::Fading;
      fade_.start(fadeSamples_);
    }
  }

  std::uint32_t fadeSamples_ = 96;
  VoiceFade fade_;
  bool hasPending_ = false;
  bool pendingReleased_ = false;
  std::uint8_t pendingNote_ = 0;
  float pendingVelocity_ = 0.0f;
  std::uint64_t pendingOrder_ = 0;
};

/// Fade length of a stolen or silenced voice.
inline std::uint32_t stealFadeSamples(double sampleRate, double milliseconds = 2.0) noexcept {
  const double samples = sampleRate * milliseconds / 1000.0 + 0.5;
  return samples < 1.0 ? 1u : static_cast<std::uint32_t>(samples);
}

/// `Voice` provides: bool isFree() (idle, or fading out with nothing to play next),
/// bool isReleasing(), float currentLevel(), std::uint64_t startOrder() (larger = newer).
template <typename Voice, std::size_t N>
std::size_t selectVoiceToUse(const std::array<Voice, N>& voices) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (voices[i].isFree()) return i;
  }
  std::size_t best = N;
  for (std::size_t i = 0; i < N; ++i) {
    if (!voices[i].isReleasing()) continue;
    if (best == N || voices[i].currentLevel() < voices[best].currentLevel() ||
        (voices[i].currentLevel() == voices[best].currentLevel() && voices[i].startOrder() < voices[best].startOrder())) {
      best = i;
    }
  }
  if (best != N) return best;
  best = 0;
  for (std::size_t i = 1; i < N; ++i) {
    if (voices[i].startOrder() < voices[best].startOrder()) best = i;
  }
  return best;
}

/// Note-on routing shared by the polyphonic instruments. A note that is already sounding goes to
/// `sameNote(voice)` (the synth retriggers its envelopes, the sampler restarts its sample); a note
/// waiting for a stolen voice only takes the new velocity; otherwise selectVoiceToUse chooses a
/// voice, which starts the note at once if idle or after its steal fade.
/// `Voice` also provides isPlayingNote, hasPendingNote, updatePendingVelocity, isIdle, start, steal.
template <typename Voice, std::size_t N, typename Controls, typename SameNote>
void routeNoteOn(std::array<Voice, N>& voices, std::uint8_t note, float velocity, std::uint64_t order,
                 const Controls& controls, SameNote&& sameNote) noexcept {
  for (auto& voice : voices) {
    if (voice.isPlayingNote(note)) {
      sameNote(voice);
      return;
    }
    if (voice.hasPendingNote(note)) {
      voice.updatePendingVelocity(velocity);
      return;
    }
  }
  Voice& voice = voices[selectVoiceToUse(voices)];
  if (voice.isIdle()) {
    voice.start(note, velocity, order, controls);
  } else {
    voice.steal(note, velocity, order);
  }
}

}  // namespace amplitude::dsp
