// Scripted engine sessions: command lists stamped with the absolute frame at which each applies.
// Tests and benchmarks render the same session in every build (native, WebAssembly SIMD and
// scalar, Node and the AudioWorklet) and compare the bits.
import { DEVICES, ENGINE_LIMITS, FRAMES_PER_QUANTUM, type Command } from '../generated/protocol.generated';

export interface TimedCommand {
  readonly frame: number;
  readonly command: Command;
}

const MASTER = ENGINE_LIMITS.masterNodeId;
const { Oscillator, Gain, ChannelStrip, ParametricEq, Compressor, Limiter, Delay, Reverb, PolySynth } = DEVICES;

/**
 * A busy mix that edits itself while it plays: four oscillator tracks with gain and channel
 * strips, a bus fed by pre-fader sends, curved and linear automation, parameter changes at odd
 * frames, nodes removed and added, solo and mute, a seek; and a device chain on every kind of
 * effect and the synth (see `addDeviceChain`). `frames` long at 48 kHz.
 */
export function busySession(frames = 96_000): TimedCommand[] {
  const at: TimedCommand[] = [];
  const add = (frame: number, command: Command) => at.push({ frame, command });
  const track = (index: number, frame: number) => {
    const osc = 20 + index;
    const gain = 30 + index;
    const strip = 10 + index;
    add(frame, { type: 'AddNode', nodeId: osc, deviceType: Oscillator.type });
    add(frame, { type: 'AddNode', nodeId: gain, deviceType: Gain.type });
    add(frame, { type: 'AddNode', nodeId: strip, deviceType: ChannelStrip.type });
    add(frame, { type: 'SetParam', nodeId: osc, paramId: Oscillator.params.frequency.id, value: 110 * (index + 1) * 1.01 });
    add(frame, { type: 'SetParam', nodeId: osc, paramId: Oscillator.params.waveform.id, value: index % 4 });
    add(frame, { type: 'SetParam', nodeId: gain, paramId: Gain.params.gain.id, value: -18 });
    add(frame, { type: 'SetParam', nodeId: strip, paramId: ChannelStrip.params.pan.id, value: index / 2 - 0.75 });
    add(frame, { type: 'Connect', sourceNodeId: osc, destinationNodeId: gain, sourcePort: 0, destinationPort: 0, gain: 1 });
    add(frame, { type: 'Connect', sourceNodeId: gain, destinationNodeId: strip, sourcePort: 0, destinationPort: 0, gain: 1 });
    add(frame, { type: 'Connect', sourceNodeId: strip, destinationNodeId: MASTER, sourcePort: 0, destinationPort: 0, gain: 1 });
  };
  add(0, { type: 'RemoveNode', nodeId: 1 }); // the boot patch's oscillator and gain
  add(0, { type: 'RemoveNode', nodeId: 2 });
  for (let i = 0; i < 4; i++) track(i, 0);
  add(0, { type: 'AddNode', nodeId: 40, deviceType: ChannelStrip.type });
  add(0, { type: 'Connect', sourceNodeId: 10, destinationNodeId: 40, sourcePort: 1, destinationPort: 0, gain: 0.5 });
  add(0, { type: 'Connect', sourceNodeId: 11, destinationNodeId: 40, sourcePort: 1, destinationPort: 0, gain: 0.25 });
  add(0, { type: 'Connect', sourceNodeId: 40, destinationNodeId: MASTER, sourcePort: 0, destinationPort: 0, gain: 1 });
  const volume = ChannelStrip.params.volume.id;
  const pan = ChannelStrip.params.pan.id;
  add(0, { type: 'AddAutomationPoint', nodeId: 10, paramId: volume, shape: 1, curvature: 600, positionSamples: 1000, value: -30 });
  add(0, { type: 'AddAutomationPoint', nodeId: 10, paramId: volume, shape: 0, curvature: 0, positionSamples: 20_000, value: 0 });
  add(0, { type: 'AddAutomationPoint', nodeId: 13, paramId: pan, shape: 0, curvature: 0, positionSamples: 5_000, value: -1 });
  add(0, { type: 'AddAutomationPoint', nodeId: 13, paramId: pan, shape: 2, curvature: 0, positionSamples: 25_003, value: 1 });
  add(0, { type: 'AddAutomationPoint', nodeId: 13, paramId: pan, shape: 0, curvature: 0, positionSamples: 40_000, value: 0 });
  add(0, { type: 'Play' });
  for (let frame = 777; frame < frames; frame += 1_013) {
    add(frame, { type: 'SetParam', nodeId: 30 + (frame % 3), paramId: Gain.params.gain.id, value: -24 + (frame % 17) });
  }
  for (let frame = 3_001; frame < frames; frame += 4_999) {
    add(frame, { type: 'SetParam', nodeId: 21, paramId: Oscillator.params.frequency.id, value: 200 + (frame % 900) });
  }
  add(30_001, { type: 'RemoveNode', nodeId: 22 });
  add(40_000, { type: 'AddNode', nodeId: 24, deviceType: Oscillator.type });
  add(40_000, { type: 'SetParam', nodeId: 24, paramId: Oscillator.params.waveform.id, value: 1 });
  add(40_000, { type: 'Connect', sourceNodeId: 24, destinationNodeId: 32, sourcePort: 0, destinationPort: 0, gain: 1 });
  add(50_005, { type: 'SetParam', nodeId: 12, paramId: ChannelStrip.params.solo.id, value: 1 });
  add(60_000, { type: 'SetParam', nodeId: 12, paramId: ChannelStrip.params.solo.id, value: 0 });
  add(61_234, { type: 'SetParam', nodeId: 11, paramId: ChannelStrip.params.mute.id, value: 1 });
  add(70_000, { type: 'Seek', positionSamples: 10_000n });
  add(80_000, { type: 'Disconnect', sourceNodeId: 10, destinationNodeId: 40, sourcePort: 1, destinationPort: 0 });
  addDeviceChain(add, frames);
  return at.sort((a, b) => a.frame - b.frame);
}

/**
 * Synth -> 3-band EQ -> look-ahead compressor (sidechained from track 0's strip) -> tempo-synced
 * ping-pong delay -> strip -> a reverb send -> a limiter before the master. Every effect runs,
 * latency compensation delays the other tracks, notes land inside quanta.
 */
function addDeviceChain(add: (frame: number, command: Command) => void, frames: number) {
  const [synth, eq, compressor, delay, strip, reverb, reverbReturn, limiter] = [50, 51, 52, 53, 54, 55, 56, 57];
  const set = (frame: number, nodeId: number, paramId: number, value: number) =>
    add(frame, { type: 'SetParam', nodeId, paramId, value });
  const connect = (frame: number, from: number, to: number, sourcePort = 0, destinationPort = 0, gain = 1) =>
    add(frame, { type: 'Connect', sourceNodeId: from, destinationNodeId: to, sourcePort, destinationPort, gain });
  add(0, { type: 'SetTempo', beatsPerMinute: 128 });
  add(0, { type: 'AddNode', nodeId: synth, deviceType: PolySynth.type });
  add(0, { type: 'AddNode', nodeId: eq, deviceType: ParametricEq.type });
  add(0, { type: 'AddNode', nodeId: compressor, deviceType: Compressor.type });
  add(0, { type: 'AddNode', nodeId: delay, deviceType: Delay.type });
  add(0, { type: 'AddNode', nodeId: strip, deviceType: ChannelStrip.type });
  add(0, { type: 'AddNode', nodeId: reverb, deviceType: Reverb.type });
  add(0, { type: 'AddNode', nodeId: reverbReturn, deviceType: ChannelStrip.type });
  add(0, { type: 'AddNode', nodeId: limiter, deviceType: Limiter.type });
  const p = ParametricEq.params;
  for (const [enabled, frequency, gain] of [
    [p.band3Enabled, p.band3Frequency, p.band3Gain],
    [p.band4Enabled, p.band4Frequency, p.band4Gain],
    [p.band7Enabled, p.band7Frequency, p.band7Gain],
  ] as const) {
    set(0, eq, enabled.id, 1);
    set(0, eq, gain.id, frequency.id === p.band4Frequency.id ? -4 : 3);
  }
  set(0, compressor, Compressor.params.threshold.id, -24);
  set(0, compressor, Compressor.params.lookahead.id, 3);
  set(0, delay, Delay.params.sync.id, 1);
  set(0, delay, Delay.params.pingPong.id, 1);
  set(0, delay, Delay.params.feedback.id, 40);
  set(0, delay, Delay.params.mix.id, 30);
  set(0, reverb, Reverb.params.size.id, 60);
  set(0, reverb, Reverb.params.mix.id, 100);
  set(0, limiter, Limiter.params.ceiling.id, -1);
  set(0, synth, PolySynth.params.filterEnvAmount.id, 3);
  connect(0, synth, eq);
  connect(0, eq, compressor);
  connect(0, 10, compressor, 0, 1); // sidechain from track 0
  connect(0, compressor, delay);
  connect(0, delay, strip);
  connect(0, strip, reverb, 1, 0, 0.3); // pre-fader send
  connect(0, reverb, reverbReturn);
  connect(0, strip, limiter);
  connect(0, reverbReturn, limiter);
  connect(0, limiter, MASTER);
  const chord = [48, 55, 60, 64, 67, 71];
  for (let frame = 1_111, step = 0; frame < frames - 2_000; frame += 6_007, step++) {
    const note = chord[step % chord.length]! + (step % 3) * 12;
    add(frame, { type: 'NoteOn', nodeId: synth, note, velocity: 0.4 + (step % 5) * 0.12 });
    add(frame + 4_321, { type: 'NoteOff', nodeId: synth, note });
  }
  for (let k = 0; k < 10; k++) {
    // Scheduled notes (timeline events) beside the live NoteOns above: on their exact samples.
    const position = 2_222n + BigInt(k) * 7_777n;
    add(0, { type: 'ScheduleNote', nodeId: synth, note: 72 + k, velocity: 90, clipId: 7, positionSamples: position });
    add(0, { type: 'ScheduleNote', nodeId: synth, note: 72 + k, velocity: 0, clipId: 7, positionSamples: position + 3_001n });
  }
  set(45_678, compressor, Compressor.params.lookahead.id, 6); // latency changes while playing
  set(52_000, reverb, Reverb.params.size.id, 20);
  add(64_000, { type: 'SetTempo', beatsPerMinute: 97 });
}

/** The command file amplitude-render reads: per entry a u64 frame and a 32-byte record. */
export function encodeSessionFile(session: readonly TimedCommand[], encode: (view: DataView, at: number, command: Command) => void): Uint8Array {
  const entry = 8 + 32;
  const bytes = new Uint8Array(session.length * entry);
  const view = new DataView(bytes.buffer);
  session.forEach(({ frame, command }, index) => {
    view.setBigUint64(index * entry, BigInt(frame), true);
    encode(view, index * entry + 8, command);
  });
  return bytes;
}

/** Which commands go into the quantum starting at `quantumStart`, with their offsets. */
export function* commandsForQuantum(session: readonly TimedCommand[], cursor: { next: number }, quantumStart: number) {
  while (cursor.next < session.length && session[cursor.next]!.frame < quantumStart + FRAMES_PER_QUANTUM) {
    const { frame, command } = session[cursor.next++]!;
    yield { command, sampleOffset: Math.max(frame, quantumStart) - quantumStart };
  }
}

/**
 * The benchmark chain of the benchmarks issue (R1), per track: source -> 3 peaking EQ bands
 * (100 Hz Q0.7 +3 dB, 1 kHz Q1 -4 dB, 8 kHz Q0.7 +2 dB) -> compressor (-24 dB, 4:1, 3 ms /
 * 100 ms) -> feedback delay 250 ms (feedback 0.4, mix 0.3) -> constant-power pan -> master. The
 * source is a band-limited saw until the sample heap can be filled from a session.
 * `withReverb` adds a reverb per track after the pan (R2).
 */
export function benchmarkChainSession(tracks: number, withReverb = false): TimedCommand[] {
  const at: TimedCommand[] = [];
  const add = (command: Command) => at.push({ frame: 0, command });
  const set = (nodeId: number, paramId: number, value: number) => add({ type: 'SetParam', nodeId, paramId, value });
  const connect = (from: number, to: number) =>
    add({ type: 'Connect', sourceNodeId: from, destinationNodeId: to, sourcePort: 0, destinationPort: 0, gain: 1 });
  const { Pan } = DEVICES;
  const eq = ParametricEq.params;
  add({ type: 'RemoveNode', nodeId: 1 });
  add({ type: 'RemoveNode', nodeId: 2 });
  for (let track = 0; track < tracks; track++) {
    const base = 100 + track * 8;
    const [source, equaliser, compressor, delay, pan, reverb] = [base, base + 1, base + 2, base + 3, base + 4, base + 5];
    add({ type: 'AddNode', nodeId: source, deviceType: Oscillator.type });
    add({ type: 'AddNode', nodeId: equaliser, deviceType: ParametricEq.type });
    add({ type: 'AddNode', nodeId: compressor, deviceType: Compressor.type });
    add({ type: 'AddNode', nodeId: delay, deviceType: Delay.type });
    add({ type: 'AddNode', nodeId: pan, deviceType: Pan.type });
    set(source, Oscillator.params.waveform.id, 1);
    set(source, Oscillator.params.frequency.id, 55 * 2 ** ((track % 24) / 12));
    const bands = [
      [eq.band1Type, eq.band1Frequency, eq.band1Q, eq.band1Gain, eq.band1Enabled, 100, 0.7, 3],
      [eq.band2Type, eq.band2Frequency, eq.band2Q, eq.band2Gain, eq.band2Enabled, 1000, 1, -4],
      [eq.band3Type, eq.band3Frequency, eq.band3Q, eq.band3Gain, eq.band3Enabled, 8000, 0.7, 2],
    ] as const;
    for (const [type, frequency, q, gain, enabled, hz, quality, decibels] of bands) {
      set(equaliser, type.id, 0); // peaking
      set(equaliser, frequency.id, hz);
      set(equaliser, q.id, quality);
      set(equaliser, gain.id, decibels);
      set(equaliser, enabled.id, 1);
    }
    set(compressor, Compressor.params.threshold.id, -24);
    set(compressor, Compressor.params.ratio.id, 4);
    set(compressor, Compressor.params.attack.id, 3);
    set(compressor, Compressor.params.release.id, 100);
    set(delay, Delay.params.time.id, 250);
    set(delay, Delay.params.feedback.id, 40);
    set(delay, Delay.params.mix.id, 30);
    set(pan, DEVICES.Pan.params.pan.id, ((track % 9) - 4) / 4);
    connect(source, equaliser);
    connect(equaliser, compressor);
    connect(compressor, delay);
    connect(delay, pan);
    if (withReverb) {
      add({ type: 'AddNode', nodeId: reverb, deviceType: Reverb.type });
      connect(pan, reverb);
      connect(reverb, MASTER);
    } else {
      connect(pan, MASTER);
    }
  }
  add({ type: 'Play' });
  return at;
}
