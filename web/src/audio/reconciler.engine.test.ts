// End to end in Node: a project document, reconciled into commands and shared memory, played by
// the real engine (the SIMD .wasm) lands a MIDI note and an audio clip on their exact frames:
// silence before, sound from that frame on.
import { describe, expect, it } from 'vitest';
import type { ProjectDocument } from '../generated/project.generated';
import type { Command } from '../generated/protocol.generated';
import { addAsset, addClip, addTrack, moveClips, newAudioClip, newMidiClip, setStrip } from '../state/edits';
import { createEmptyProject } from '../state/newProject';
import { SharedEngineMemory } from './engineMemory';
import { startEngineInNode } from './nodeEngine.testing';
import { Reconciler } from './reconciler';

const RATE = 48_000;
const FRAMES = 96_000;

/** Renders `document` from frame 0 with the transport playing; returns the left channel and the state. */
function render(document: ProjectDocument, audio: Float32Array) {
  const engine = startEngineInNode('simd', RATE);
  const reconciler = new Reconciler(RATE, new SharedEngineMemory(engine.memory.buffer, engine.layout), () => ({ sampleRate: RATE, channels: [audio] }));
  const result = reconciler.reconcile(document);
  const commands: Command[] = [...Reconciler.initialCommands(), ...result.commands, { type: 'Play' }];
  let sequence = 1;
  for (const command of commands) if (!engine.ring.tryPush(command, sequence++, 0)) throw new Error('ring full');
  const interleaved = engine.renderInterleaved(FRAMES);
  const out = new Float32Array(FRAMES).map((_, i) => interleaved[2 * i]!);
  return { out, state: engine.readState(), problems: result.problems };
}

const firstSound = (samples: Float32Array) => samples.findIndex((v) => v !== 0);

function project() {
  let doc = createEmptyProject('e2e', new Date(0));
  doc = addTrack('instrument', 'Synth', 'trk-synth')(doc);
  doc = addTrack('audio', 'Audio', 'trk-audio')(doc);
  // 120 BPM at 48 kHz: 24000 frames per beat. The note at beat 1.3 -> frame 31200 (inside a quantum:
  // 31200 = 243 * 128 + 96). The clip at beat 2.7 -> frame 64800 (= 506 * 128 + 32).
  const note = { id: 'n1', pitch: 69, velocity: 0.8, releaseVelocity: 0.5, channel: 0, startBeat: 0.3, lengthBeats: 0.5 };
  doc = addClip('trk-synth', { ...newMidiClip('m', 1, 2, [note]), id: 'clip-midi' })(doc);
  const asset = { id: 'asset-dc', name: 'dc.wav', sha256: '0'.repeat(64), sampleRate: RATE, channels: 1, frames: 12_000, mime: 'audio/wav' };
  doc = addClip('trk-audio', { ...newAudioClip(asset, 2.7, 0.25), id: 'clip-audio' })(addAsset(asset)(doc));
  return doc;
}

describe('reconciled documents in the real engine', () => {
  const dc = new Float32Array(12_000).fill(0.5);

  it('starts a MIDI note on its exact frame', () => {
    const { out, state } = render(setStrip('trk-audio', { mute: true })(project()), dc);
    expect(state.commandsRejected, `engine refused a command: code ${state.lastErrorCode}`).toBe(0);
    // The envelope starts from 0 on the onset frame, so the first non-zero sample is the next one.
    expect(firstSound(out)).toBe(31_201);
    // Moved 37 frames later (across a quantum boundary), the note is the same samples, 37 later.
    const later = moveClips(['clip-midi'], 37 / 24_000)(setStrip('trk-audio', { mute: true })(project()));
    const shifted = render(later, dc).out;
    expect(firstSound(shifted)).toBe(31_238);
    let largest = 0;
    let difference = 0;
    for (let i = 31_200; i < 60_000 - 37; i++) {
      largest = Math.max(largest, Math.abs(out[i]!));
      difference = Math.max(difference, Math.abs(out[i]! - shifted[i + 37]!));
    }
    expect(largest).toBeGreaterThan(0.05);
    expect(difference, `largest sample ${largest}`).toBeLessThan(1e-6);
  });

  it('starts an audio clip on its exact frame, at its level', () => {
    const { out, state, problems } = render(setStrip('trk-synth', { mute: true })(project()), dc);
    expect(problems).toEqual([]);
    expect(state.commandsRejected, `engine refused a command: code ${state.lastErrorCode}`).toBe(0);
    expect(firstSound(out)).toBe(64_800);
    // 0.25 beat = 6000 frames of a 0.5 DC, through unity strips at the centre.
    expect(out[64_800 + 3000]).toBeCloseTo(0.5, 5);
    expect(out[64_800 + 6000 + 10]).toBe(0);
  });
});
