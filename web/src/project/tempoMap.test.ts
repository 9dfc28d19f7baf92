// Invariant: beats, seconds and frames convert through the tempo changes exactly as the shared
// vectors say (protocol/project/vectors/tempo-map.json, which the C++ TempoMap is held to), at
// and between changes, and conversions round-trip.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MeterMap, TempoMap } from './tempoMap';

interface TempoCase {
  name: string;
  sampleRate: number;
  tempoChanges: { beat: number; beatsPerMinute: number }[];
  atBeats: { beat: number; seconds: number; frame: number }[];
  atSeconds: { seconds: number; beat: number }[];
  atFrames: { frame: number; beat: number }[];
}
interface MeterCase {
  name: string;
  timeSignatureChanges: { bar: number; numerator: number; denominator: number }[];
  atBars: { bar: number; beat: number }[];
  atBeats: { beat: number; bar: number; beatInBar: number }[];
}
const vectors = JSON.parse(readFileSync(new URL('../../../protocol/project/vectors/tempo-map.json', import.meta.url), 'utf8')) as {
  tolerance: number;
  tempo: TempoCase[];
  meter: MeterCase[];
};
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(vectors.tolerance * Math.max(1, Math.abs(expected)));

describe('TempoMap', () => {
  it.each(vectors.tempo.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const map = new TempoMap(c.tempoChanges);
    for (const p of c.atBeats) {
      close(map.secondsAtBeat(p.beat), p.seconds);
      expect(map.frameAtBeat(p.beat, c.sampleRate)).toBe(p.frame);
      close(map.beatAtSeconds(map.secondsAtBeat(p.beat)), p.beat);
    }
    for (const p of c.atSeconds) close(map.beatAtSeconds(p.seconds), p.beat);
    for (const p of c.atFrames) {
      close(map.beatAtFrame(p.frame, c.sampleRate), p.beat);
      expect(map.frameAtBeat(map.beatAtFrame(p.frame, c.sampleRate), c.sampleRate)).toBe(p.frame);
    }
  });

  it('round-trips every frame of the first minute through beats', () => {
    const map = new TempoMap([{ beat: 0, beatsPerMinute: 97 }, { beat: 3.5, beatsPerMinute: 133.25 }, { beat: 17.75, beatsPerMinute: 20 }]);
    for (let frame = 0; frame < 44100 * 60; frame += 7) expect(map.frameAtBeat(map.beatAtFrame(frame, 44100), 44100)).toBe(frame);
  });

  it('extends the first tempo before beat 0 (count-in)', () => {
    const map = new TempoMap([{ beat: 0, beatsPerMinute: 120 }]);
    expect(map.secondsAtBeat(-4)).toBe(-2);
    expect(map.beatAtSeconds(-1)).toBe(-2);
    expect(map.beatsPerMinuteAt(-1)).toBe(120);
  });
});

describe('MeterMap', () => {
  it.each(vectors.meter.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const map = new MeterMap(c.timeSignatureChanges);
    for (const p of c.atBars) close(map.beatAtBar(p.bar), p.beat);
    for (const p of c.atBeats) {
      const position = map.barAtBeat(p.beat);
      expect(position.bar).toBe(p.bar);
      close(position.beatInBar, p.beatInBar);
    }
  });
});
