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
