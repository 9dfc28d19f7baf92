// TempoMap and MeterMap: musical time to clock time. The document places everything in
// quarter-note beats; the engine counts frames. A TempoMap turns beats into seconds into frames
// through the tempo changes (each tempo holds until the next change), and back; a MeterMap turns
// bars into beats through the time signature changes. The TypeScript twin is
// web/src/project/tempoMap.ts: both evaluate the same expressions in the same order (build with
// -ffp-contract=off, as amplitude_project's interface asks), so they give the same doubles and
// the same frames; both are held to protocol/project/vectors/tempo-map.json.
//
// Thread rules: immutable after construction; any thread. Construction allocates; the queries do
// not, so a prepared map may be read on the audio thread.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace amplitude::project {

namespace tempo_detail {
/// Index of the last segment whose key is <= value (0 if none): the segment a position falls in.
template <class Segment, class Key>
std::size_t segmentAt(const std::vector<Segment>& segments, Key key, double value) {
  std::size_t low = 0;
  std::size_t high = segments.size() - 1;
  while (low < high) {
    const std::size_t middle = (low + high + 1) / 2;
    if (key(segments[middle]) <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}
}  // namespace tempo_detail

class TempoMap {
 public:
  /// Takes anything with .beat and .beatsPerMinute (TempoChange), as a valid document has them:
  /// the first at beat 0, beats increasing.
  template <class Changes>
  explicit TempoMap(const Changes& changes) {
    double startSeconds = 0;
    for (const auto& change : changes) {
      if (!segments_.empty()) {
        const Segment& previous = segments_.back();
        startSeconds = previous.startSeconds + ((change.beat - previous.startBeat) * 60) / previous.beatsPerMinute;
      }
      segments_.push_back({change.beat, startSeconds, change.beatsPerMinute});
    }
    if (segments_.empty()) throw std::invalid_argument("TempoMap needs at least one tempo change");
  }

  double beatsPerMinuteAt(double beat) const { return segments_[segmentAtBeat(beat)].beatsPerMinute; }

  /// Seconds from the song's start; before beat 0 the first tempo extends backwards.
  double secondsAtBeat(double beat) const {
    const Segment& s = segments_[segmentAtBeat(beat)];
    return s.startSeconds + ((beat - s.startBeat) * 60) / s.beatsPerMinute;
  }

  double beatAtSeconds(double seconds) const {
    const Segment& s = segments_[tempo_detail::segmentAt(segments_, [](const Segment& x) { return x.startSeconds; }, seconds)];
    return s.startBeat + ((seconds - s.startSeconds) * s.beatsPerMinute) / 60;
  }

  /// The frame nearest to the beat (halves round up): where the engine starts a clip or a note.
  std::int64_t frameAtBeat(double beat, double sampleRate) const {
    return static_cast<std::int64_t>(std::floor(secondsAtBeat(beat) * sampleRate + 0.5));
  }

  double beatAtFrame(std::int64_t frame, double sampleRate) const {
    return beatAtSeconds(static_cast<double>(frame) / sampleRate);
  }

 private:
  struct Segment {
    double startBeat;
    double startSeconds;
    double beatsPerMinute;
  };
  std::size_t segmentAtBeat(double beat) const {
    return tempo_detail::segmentAt(segments_, [](const Segment& x) { return x.startBeat; }, beat);
  }
  std::vector<Segment> segments_;
};

struct BarPosition {
  std::int64_t bar;   ///< 0-based
  double beatInBar;   ///< quarter-note beats since the bar line
};

class MeterMap {
 public:
  /// Takes anything with .bar, .numerator and .denominator (TimeSignatureChange), as a valid
  /// document has them: the first at bar 0, bars increasing.
  template <class Changes>
  explicit MeterMap(const Changes& changes) {
    double startBeat = 0;
    for (const auto& change : changes) {
      if (!segments_.empty()) {
        const Segment& previous = segments_.back();
        startBeat = previous.startBeat + static_cast<double>(change.bar - previous.startBar) * previous.beatsPerBar;
      }
      segments_.push_back({static_cast<std::int64_t>(change.bar), startBeat,
                           static_cast<double>(change.numerator * 4) / static_cast<double>(change.denominator)});
    }
    if (segments_.empty()) throw std::invalid_argument("MeterMap needs at least one time signature change");
  }

  /// Quarter-note beats in a bar of the signature in force at `bar`.
  double beatsPerBarAt(std::int64_t bar) const { return segments_[segmentAtBar(bar)].beatsPerBar; }

  double beatAtBar(std::int64_t bar) const {
    const Segment& s = segments_[segmentAtBar(bar)];
    return s.startBeat + static_cast<double>(bar - s.startBar) * s.beatsPerBar;
  }

  BarPosition barAtBeat(double beat) const {
    const Segment& s = segments_[tempo_detail::segmentAt(segments_, [](const Segment& x) { return x.startBeat; }, beat)];
    const double bars = std::floor((beat - s.startBeat) / s.beatsPerBar);
    return {s.startBar + static_cast<std::int64_t>(bars), beat - (s.startBeat + bars * s.beatsPerBar)};
  }

 private:
  struct Segment {
    std::int64_t startBar;
    double startBeat;
    double beatsPerBar;
  };
  std::size_t segmentAtBar(std::int64_t bar) const {
    return tempo_detail::segmentAt(segments_, [](const Segment& x) { return static_cast<double>(x.startBar); }, static_cast<double>(bar));
  }
  std::vector<Segment> segments_;
};

}  // namespace amplitude::project
