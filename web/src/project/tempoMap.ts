// Musical time to clock time: the document places everything in quarter-note beats, the engine
// counts frames. A TempoMap turns beats into seconds into frames through the tempo changes (each
// tempo holds until the next change), and back. A MeterMap turns bars into beats through the time
// signature changes. Its C++ twin is protocol/project/include/amplitude/project/TempoMap.h; both
// evaluate the same expressions in the same order, so they give the same doubles and the same
// frames, and both are held to protocol/project/vectors/tempo-map.json.

import type { TempoChange } from '../generated/project.generated';

/** Constant tempo from startBeat (at startSeconds) until the next segment. */
interface TempoSegment {
  readonly startBeat: number;
  readonly startSeconds: number;
  readonly beatsPerMinute: number;
}

/** Index of the last entry whose key is <= value (0 if none): the segment a position falls in. */
function segmentAt<T>(segments: readonly T[], key: (segment: T) => number, value: number): number {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (key(segments[middle]!) <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}

export class TempoMap {
  private readonly segments: TempoSegment[] = [];

  /** `changes` as a valid document has them: the first at beat 0, beats increasing. */
  constructor(changes: readonly Pick<TempoChange, 'beat' | 'beatsPerMinute'>[]) {
    let startSeconds = 0;
    changes.forEach((change, i) => {
      const previous = this.segments[i - 1];
      if (previous) startSeconds = previous.startSeconds + ((change.beat - previous.startBeat) * 60) / previous.beatsPerMinute;
      this.segments.push({ startBeat: change.beat, startSeconds, beatsPerMinute: change.beatsPerMinute });
    });
    if (this.segments.length === 0) throw new Error('TempoMap needs at least one tempo change');
  }

  beatsPerMinuteAt(beat: number): number {
    return this.segments[segmentAt(this.segments, (s) => s.startBeat, beat)]!.beatsPerMinute;
  }

  /** Seconds from the song's start; before beat 0 the first tempo extends backwards. */
  secondsAtBeat(beat: number): number {
    const s = this.segments[segmentAt(this.segments, (x) => x.startBeat, beat)]!;
    return s.startSeconds + ((beat - s.startBeat) * 60) / s.beatsPerMinute;
  }

  beatAtSeconds(seconds: number): number {
    const s = this.segments[segmentAt(this.segments, (x) => x.startSeconds, seconds)]!;
    return s.startBeat + ((seconds - s.startSeconds) * s.beatsPerMinute) / 60;
  }

  /** The frame nearest to the beat (halves round up): where the engine starts a clip or a note. */
  frameAtBeat(beat: number, sampleRate: number): number {
    return Math.floor(this.secondsAtBeat(beat) * sampleRate + 0.5);
  }

  beatAtFrame(frame: number, sampleRate: number): number {
    return this.beatAtSeconds(frame / sampleRate);
  }
}

interface MeterSegment {
  readonly startBar: number;
  readonly startBeat: number;
  readonly beatsPerBar: number;
}

export interface BarPosition {
  /** 0-based bar. */
  readonly bar: number;
  /** Quarter-note beats since the bar line. */
  readonly beatInBar: number;
}

export class MeterMap {
  private readonly segments: MeterSegment[] = [];

  /** `changes` as a valid document has them: the first at bar 0, bars increasing. */
  constructor(changes: readonly { readonly bar: number; readonly numerator: number; readonly denominator: number }[]) {
    let startBeat = 0;
    changes.forEach((change, i) => {
      const previous = this.segments[i - 1];
      if (previous) startBeat = previous.startBeat + (change.bar - previous.startBar) * previous.beatsPerBar;
      this.segments.push({ startBar: change.bar, startBeat, beatsPerBar: (change.numerator * 4) / change.denominator });
    });
    if (this.segments.length === 0) throw new Error('MeterMap needs at least one time signature change');
  }

  /** Quarter-note beats in a bar of the signature in force at `bar`. */
  beatsPerBarAt(bar: number): number {
    return this.segments[segmentAt(this.segments, (s) => s.startBar, bar)]!.beatsPerBar;
  }

  beatAtBar(bar: number): number {
    const s = this.segments[segmentAt(this.segments, (x) => x.startBar, bar)]!;
    return s.startBeat + (bar - s.startBar) * s.beatsPerBar;
  }

  barAtBeat(beat: number): BarPosition {
    const s = this.segments[segmentAt(this.segments, (x) => x.startBeat, beat)]!;
    const bars = Math.floor((beat - s.startBeat) / s.beatsPerBar);
    return { bar: s.startBar + bars, beatInBar: beat - (s.startBeat + bars * s.beatsPerBar) };
  }
}
