// Invariant: a project document renders to the same samples in the browser's path (the
// reconciler's commands and shared memory, the WebAssembly engine) and natively
// (amplitude-render --project, the C++ loader over the same engine code). Two implementations of
// "document -> engine" that must never drift apart.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProjectDocument } from '../generated/project.generated';
import type { Command } from '../generated/protocol.generated';
import { addAsset, addClip, addInsert, addTrack, newAudioClip, newMidiClip, setInsertParam, setStrip, setTempo } from '../state/edits';
import { createEmptyProject } from '../state/newProject';
import { SharedEngineMemory } from './engineMemory';
import { startEngineInNode } from './nodeEngine.testing';
import { Reconciler } from './reconciler';
import { SETTLE_SECONDS } from '../export/renderDocument';
import { FRAMES_PER_QUANTUM } from '../generated/protocol.generated';

const RATE = 48_000;
const FRAMES = 144_000;
const renderer = new URL('../../../build/native/engine/amplitude-render', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'amplitude-parity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function renderInBrowserPath(document: ProjectDocument, audio: Float32Array) {
  const engine = startEngineInNode('simd', RATE);
  const reconciler = new Reconciler(RATE, new SharedEngineMemory(engine.memory.buffer, engine.layout), () => ({ sampleRate: RATE, channels: [audio] }));
  const result = reconciler.reconcile(document);
  expect(result.problems).toEqual([]);
  const commands: Command[] = [...Reconciler.initialCommands(), ...result.commands];
  let sequence = 1;
  for (const command of commands) if (!engine.ring.tryPush(command, sequence++, 0)) throw new Error('ring full');
  // Loaded, then settled while stopped (as the export and amplitude-render do), then played.
  engine.renderInterleaved(Math.ceil((SETTLE_SECONDS * RATE) / FRAMES_PER_QUANTUM) * FRAMES_PER_QUANTUM);
  for (const command of [{ type: 'Seek', positionSamples: 0n }, { type: 'Play' }] as Command[]) engine.ring.tryPush(command, sequence++, 0);
  const out = engine.renderInterleaved(FRAMES);
  const state = engine.readState();
  expect(state.commandsRejected, `the engine refused a command: code ${state.lastErrorCode}`).toBe(0);
  return out;
}

/** A mono float WAV of `samples`, for the native renderer's asset directory. */
function wav(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 4);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 4, true);
  text(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 3, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, RATE, true);
  view.setUint32(28, RATE * 4, true);
  view.setUint16(32, 4, true);
  view.setUint16(34, 32, true);
  text(36, 'data');
  view.setUint32(40, samples.length * 4, true);
  new Float32Array(bytes.buffer, 44).set(samples);
  return bytes;
}

function renderNatively(document: ProjectDocument, audio: Float32Array, sha256: string) {
  writeFileSync(join(work, 'song.json'), JSON.stringify(document));
  writeFileSync(join(work, `${sha256}.wav`), wav(audio));
  execFileSync(renderer, ['--project', join(work, 'song.json'), '--assets', work, '--frames', String(FRAMES), '--raw', join(work, 'out.f32')]);
  return new Float32Array(readFileSync(join(work, 'out.f32')).buffer.slice(0));
}

function song(sha256: string) {
  let doc = createEmptyProject('parity', new Date(0));
  doc = setTempo(100)(doc);
  doc = addTrack('instrument', 'Synth', 'trk-synth')(doc);
  doc = addTrack('audio', 'Loop', 'trk-audio')(doc);
  const notes = [60, 64, 67, 71].map((pitch, i) => ({ id: `n${i}`, pitch, velocity: 0.5 + i * 0.1, releaseVelocity: 0.5, channel: 0, startBeat: i * 0.37, lengthBeats: 0.8 }));
  doc = addClip('trk-synth', { ...newMidiClip('Chords', 0.5, 3, notes), id: 'clip-midi' })(doc);
  const asset = { id: 'asset-1', name: 'loop.wav', sha256, sampleRate: RATE, channels: 1, frames: 48_000, mime: 'audio/wav' };
  doc = addClip('trk-audio', { ...newAudioClip(asset, 1.13, 2), id: 'clip-audio' })(addAsset(asset)(doc));
  doc = setStrip('trk-audio', { volumeDb: -6, pan: 0.3 })(doc);
  doc = addInsert('trk-synth', 'ParametricEq', 'fx-eq')(doc);
  doc = setInsertParam('trk-synth', 'fx-eq', 'band3Enabled', 1)(doc);
  doc = setInsertParam('trk-synth', 'fx-eq', 'band3Gain', 6)(doc);
  return doc;
}

describe('native and browser renders of one project', () => {
  it('finds the native renderer (built by make native)', () => {
    expect(existsSync(renderer), `${renderer} is missing: run make native`).toBe(true);
  });

  it('are the same samples', () => {
    const sha256 = 'ab'.repeat(32);
    const audio = new Float32Array(48_000).map((_, i) => Math.sin((2 * Math.PI * 220 * i) / RATE) * 0.5);
    const document = song(sha256);
    const browser = renderInBrowserPath(document, audio);
    const native = renderNatively(document, audio, sha256);
    let energy = 0;
    let firstDifference = -1;
    for (let i = 0; i < browser.length; i++) {
      energy += browser[i]! * browser[i]!;
      if (firstDifference < 0 && !Object.is(browser[i], native[i])) firstDifference = i;
    }
    expect(energy / browser.length).toBeGreaterThan(1e-4);
    expect(firstDifference, `first difference at frame ${firstDifference >> 1}: browser ${browser[firstDifference]}, native ${native[firstDifference]}`).toBe(-1);
  });
});
