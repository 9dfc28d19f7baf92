// The reference chains of the benchmarks issue (R1, R2), as numbers every candidate builds from,
// so the built-in-nodes graph, Tone.js and Elementary render the same work as the engine's
// benchmarkChainSession (web/src/audio/sessions.ts).
//
// R1 per track: source -> 3 peaking EQ bands -> compressor -> 250 ms feedback delay -> constant-
// power pan -> master gain 0.1. R2 adds a Freeverb-class reverb per track (8 comb + 4 all-pass
// per channel, mix 0.3). The source everywhere is a band-limited saw at the engine session's pitch
// (the engine's sessions cannot fill the sample heap yet, so no looped sample player).

export const SAMPLE_RATE = 48_000;
export const QUANTUM_FRAMES = 128;

export interface ChainSpec {
  tracks: number;
  reverb: boolean;
  seconds: number;
}

export const EQ_BANDS = [
  { frequency: 100, q: 0.7, gainDb: 3 },
  { frequency: 1000, q: 1, gainDb: -4 },
  { frequency: 8000, q: 0.7, gainDb: 2 },
] as const;

export const COMPRESSOR = { thresholdDb: -24, ratio: 4, attackMs: 3, releaseMs: 100 } as const;
export const DELAY = { seconds: 0.25, feedback: 0.4, mix: 0.3 } as const;
export const MASTER_GAIN = 0.1;

/** The engine session's pitch for this track (55 Hz up two octaves of semitones). */
export const sourceFrequency = (track: number) => 55 * 2 ** ((track % 24) / 12);
/** The engine session's pan position for this track, -1..1. */
export const panPosition = (track: number) => ((track % 9) - 4) / 4;
/** Constant-power pan gains (left, right). */
export function panGains(pan: number): [number, number] {
  const angle = ((pan + 1) * Math.PI) / 4;
  return [Math.cos(angle), Math.sin(angle)];
}

/** Freeverb (Jezar's tunings at 44.1 kHz, scaled to 48 kHz), room size 0.5, damping 0.5. */
export const FREEVERB = {
  combSamples: [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617].map((d) => Math.round((d * SAMPLE_RATE) / 44_100)),
  allpassSamples: [556, 441, 341, 225].map((d) => Math.round((d * SAMPLE_RATE) / 44_100)),
  combFeedback: 0.84, // roomsize 0.5 * 0.28 + 0.7
  damping: 0.2, // damp 0.5 * 0.4
  allpassFeedback: 0.5,
  inputGain: 0.015,
  mix: 0.3,
} as const;
