// TempoMap: the timeline's tempo and meter segments, and the metronome's beat grid on it.
//
// The UI owns the project's musical time and sends the map already resolved to samples (the
// TempoTable: each segment's first sample, its position in quarter-note beats and in bars, its
// tempo and meter); the engine copies it on commit and only answers two questions, both with
// plain IEEE double arithmetic so every build agrees: the tempo at a sample (for tempo-synced
// devices) and where the next metronome click falls.
#pragma once

#include <amplitude/protocol/Protocol.generated.h>

#include <cmath>
#include <cstdint>

namespace amplitude::timeline {

struct TempoSegment {
  std::uint64_t startSample = 0;
  double startBeat = 0.0;  ///< quarter notes
  double beatsPerMinute = 120.0;
  std::uint32_t numerator = 4;
  std::uint32_t denominator = 4;
  double barAtStart = 0.0;
};

/// A metronome click: its exact sample and whether it starts a bar.
struct Click {
  std::uint64_t sample = 0;
  bool downbeat = false;
};

class TempoMap {
 public:
  static constexpr std::uint32_t kCapacity = protocol::kTempoTableEntries;

  TempoMap() noexcept { reset(); }

  void reset() noexcept {
    segments_[0] = TempoSegment{};
    count_ = 1;
  }

  /// Copies and checks `count` entries of the shared table. False (and nothing changed) when the
  /// map is malformed.
  bool commit(const protocol::TempoTable& table, std::uint32_t count) noexcept {
    if (count == 0 || count > kCapacity || table.startSample[0] != 0) return false;
    for (std::uint32_t i = 0; i < count; ++i) {
      const double bpm = table.beatsPerMinute[i];
      const std::uint32_t denominator = table.denominator[i];
      const bool powerOfTwo = denominator != 0 && (denominator & (denominator - 1)) == 0;
      if (!(bpm >= 20.0 && bpm <= 999.0) || table.numerator[i] < 1 || table.numerator[i] > 32 || !powerOfTwo ||
          denominator > 32 || !std::isfinite(table.startBeat[i]) || !std::isfinite(table.barAtStart[i])) {
        return false;
      }
      if (i > 0 && (table.startSample[i] <= table.startSample[i - 1] || !(table.startBeat[i] > table.startBeat[i - 1]))) {
        return false;
      }
    }
    for (std::uint32_t i = 0; i < count; ++i) {
      segments_[i] = TempoSegment{table.startSample[i], table.startBeat[i], table.beatsPerMinute[i],
                                  table.numerator[i],  table.denominator[i], table.barAtStart[i]};
    }
    count_ = count;
    return true;
  }

  /// A single constant tempo from sample 0 (SetTempo), keeping the first segment's meter.
  void setConstantTempo(double beatsPerMinute) noexcept {
    const TempoSegment first = segments_[0];
    segments_[0] = TempoSegment{0, 0.0, beatsPerMinute, first.numerator, first.denominator, 0.0};
    count_ = 1;
  }

  const TempoSegment& segmentAt(std::uint64_t sample) const noexcept {
    std::uint32_t i = count_ - 1;
    while (i > 0 && segments_[i].startSample > sample) --i;
    return segments_[i];
  }

  double tempoAt(std::uint64_t sample) const noexcept { return segmentAt(sample).beatsPerMinute; }

  /// Samples in one bar at `sample`'s tempo and meter.
  double barSamples(std::uint64_t sample, double sampleRate) const noexcept {
    const TempoSegment& segment = segmentAt(sample);
    return barQuarters(segment) * 60.0 * sampleRate / segment.beatsPerMinute;
  }

  /// The first click in [from, to), if any.
  bool nextClick(std::uint64_t from, std::uint64_t to, double sampleRate, Click& click) const noexcept {
    std::uint32_t i = count_ - 1;
    while (i > 0 && segments_[i].startSample > from) --i;
    for (; i < count_; ++i) {
      const TempoSegment& segment = segments_[i];
      const std::uint64_t segmentEnd = i + 1 < count_ ? segments_[i + 1].startSample : to;
      const std::uint64_t first = from > segment.startSample ? from : segment.startSample;
      const std::uint64_t last = segmentEnd < to ? segmentEnd : to;
      if (first >= last) continue;
      // Meter beats (numerator per bar) as a function of the sample, within the segment.
      const double beatsPerSample = segment.beatsPerMinute / (60.0 * sampleRate) * (segment.denominator / 4.0);
      const double atStart = segment.barAtStart * segment.numerator;
      const double atFirst = atStart + static_cast<double>(first - segment.startSample) * beatsPerSample;
      const double next = std::ceil(atFirst - 1e-9);
      const double offset = std::ceil((next - atStart) / beatsPerSample - 1e-6);
      const std::uint64_t sample = segment.startSample + static_cast<std::uint64_t>(offset > 0.0 ? offset : 0.0);
      if (sample >= first && sample < last) {
        const double beatInBar = std::fmod(next, static_cast<double>(segment.numerator));
        click = Click{sample, beatInBar == 0.0};
        return true;
      }
    }
    return false;
  }

 private:
  static double barQuarters(const TempoSegment& segment) noexcept {
    return segment.numerator * 4.0 / segment.denominator;
  }

  TempoSegment segments_[kCapacity];
  std::uint32_t count_ = 1;
};

}  // namespace amplitude::timeline
