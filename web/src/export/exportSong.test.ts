// The browser export is the native render, bit for bit: a song (audio clip, MIDI clip on a synth,
// an insert effect, a tempo change) exported by exportSong (the module the export Worker runs,
// called here directly in Node with the real WebAssembly engine) and by
// `amplitude-render --project --wav` gives the same file, byte for byte, in every format. Then the
// export's own promises: 16-bit within a step plus dither of the float render, the length (song
// end, effect tail, loop region), stems, and plain-words errors.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProjectDocument } from '../generated/project.generated';
import { encodeWav, readWavFile, type WavSampleFormat } from '../io/wavFile';
import { addAsset, addClip, deleteClips, addInsert, addTrack, newAudioClip, newMidiClip, setInsertParam, setLoop, setStrip, setTempo } from '../state/edits';
import { createEmptyProject } from '../state/newProject';
import { TAIL_SILENCE_SECONDS, songEndFrame } from './exportRange';
import { exportSong, type ExportSettings } from './exportSong';

const RATE = 48_000;
const renderer = new URL('../../../build/native/engine/amplitude-render', import.meta.url).pathname;
const module = new WebAssembly.Module(readFileSync(new URL('../generated/amplitude-engine-simd.wasm', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'amplitude-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SHA = 'cd'.repeat(32);
const loopAudio = new Float32Array(48_000).map((_, i) => Math.sin((2 * Math.PI * 220 * i) / RATE) * 0.5);
const audio = new Map([['asset-1', { sampleRate: RATE, channels: [loopAudio] }]]);
const settings = (change: Partial<ExportSettings> = {}): ExportSettings => ({ range: 'song', format: '32f', sampleRate: RATE, stems: false, ...change });

function song(withReverb = false): ProjectDocument {
  let doc = createEmptyProject('Export test', new Date(0));
  doc = setTempo(100)(doc);
  doc = addTrack('instrument', 'Synth', 'trk-synth')(doc);
  doc = addTrack('audio', 'Loop', 'trk-audio')(doc);
  const notes = [60, 64, 67, 71].map((pitch, i) => ({ id: `n${i}`, pitch, velocity: 0.5 + i * 0.1, releaseVelocity: 0.5, channel: 0, startBeat: i * 0.37, lengthBeats: 0.8 }));
  doc = addClip('trk-synth', { ...newMidiClip('Chords', 0.5, 3, notes), id: 'clip-midi' })(doc);
  const asset = { id: 'asset-1', name: 'loop.wav', sha256: SHA, sampleRate: RATE, channels: 1, frames: 48_000, mime: 'audio/wav' };
  doc = addClip('trk-audio', { ...newAudioClip(asset, 1.13, 2), id: 'clip-audio' })(addAsset(asset)(doc));
  doc = setStrip('trk-audio', { volumeDb: -6, pan: 0.3 })(doc);
  doc = addInsert('trk-synth', 'ParametricEq', 'fx-eq')(doc);
  doc = setInsertParam('trk-synth', 'fx-eq', 'band3Enabled', 1)(doc);
  doc = setInsertParam('trk-synth', 'fx-eq', 'band3Gain', 6)(doc);
  if (withReverb) doc = addInsert('trk-synth', 'Reverb', 'fx-reverb')(doc);
  return doc;
}

/** amplitude-render's WAV of `document` over `frames` frames. */
function renderNatively(document: ProjectDocument, frames: number, bits: WavSampleFormat): Uint8Array {
  writeFileSync(join(work, 'song.json'), JSON.stringify(document));
  writeFileSync(join(work, `${SHA}.wav`), encodeWav(loopAudio, 1, RATE, '32f'));
  const out = join(work, `native-${bits}.wav`);
  execFileSync(renderer, ['--project', join(work, 'song.json'), '--assets', work, '--frames', String(frames), '--wav', out, '--bits', bits]);
  return new Uint8Array(readFileSync(out));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const firstDifference = (a: Uint8Array, b: Uint8Array) => a.findIndex((v, i) => v !== b[i]);

describe('browser export = native render', () => {
  it('finds the native renderer (built by make native)', () => {
    expect(existsSync(renderer), `${renderer} is missing: run make native`).toBe(true);
  });

  for (const format of ['32f', '24', '16'] as const) {
    it(`writes the same ${format} WAV file, byte for byte`, () => {
      const document = song();
      const exported = exportSong(module, { document, audio, settings: { ...settings(), format } });
      const native = renderNatively(document, exported.frames, format);
      expect(exported.bytes.length).toBe(native.length);
      expect(sha256(exported.bytes), `first different byte: ${firstDifference(exported.bytes, native)}`).toBe(sha256(native));
      // Not silence that happens to agree: both halves of the song sound.
      const pcm = readWavFile(exported.bytes).channels[0]!;
      const energy = (from: number, to: number) => pcm.subarray(from, to).reduce((sum, v) => sum + v * v, 0) / (to - from);
      expect(energy(0, 40_000)).toBeGreaterThan(1e-4);
      expect(energy(40_000, 100_000)).toBeGreaterThan(1e-4);
    });
  }

  it('writes the same file when the song sounds from its first sample (both settle the mixer first)', () => {
    let document = createEmptyProject('From the start', new Date(0));
    document = addTrack('audio', 'Loop', 'trk-audio')(document);
    const asset = { id: 'asset-1', name: 'loop.wav', sha256: SHA, sampleRate: RATE, channels: 1, frames: 48_000, mime: 'audio/wav' };
    document = addClip('trk-audio', { ...newAudioClip(asset, 0, 1), id: 'clip-0' })(addAsset(asset)(document));
    document = setStrip('trk-audio', { volumeDb: -20, pan: -0.4 })(document);
    const exported = exportSong(module, { document, audio, settings: settings() });
    const native = renderNatively(document, exported.frames, '32f');
    expect(sha256(exported.bytes), `first different byte: ${firstDifference(exported.bytes, native)}`).toBe(sha256(native));
  });

  it('writes the same file for a song of more commands than the ring holds', () => {
    // 1500 notes = 3000 ScheduleNote commands, three rings' worth: they go in over several quanta.
    let document = createEmptyProject('Busy', new Date(0));
    document = addTrack('instrument', 'Synth', 'trk-synth')(document);
    const notes = Array.from({ length: 1500 }, (_, i) => ({ id: `n${i}`, pitch: 48 + (i % 24), velocity: 0.4, releaseVelocity: 0.5, channel: 0, startBeat: 1 + i / 100, lengthBeats: 0.05 }));
    document = addClip('trk-synth', { ...newMidiClip('Busy', 0, 17, notes), id: 'clip-busy' })(document);
    const exported = exportSong(module, { document, audio, settings: settings() });
    expect(exported.warnings).toEqual([]);
    const native = renderNatively(document, exported.frames, '32f');
    expect(sha256(exported.bytes), `first different byte: ${firstDifference(exported.bytes, native)}`).toBe(sha256(native));
  });
});

describe('export', () => {
  const document = song();
  const float = exportSong(module, { document, audio, settings: settings() });
  const floatPcm = readWavFile(float.bytes).channels;

  it('ends the song at its last clip when nothing rings on', () => {
    // The audio clip (1.13 beats + 2 beats at 100 BPM) ends last; the synth's release is over by then.
    expect(float.frames).toBe(songEndFrame(document, RATE));
    expect(float.frames).toBe(Math.round((3.13 * 60 * RATE) / 100));
    expect(float.sampleRate).toBe(RATE);
  });

  it('writes 16-bit within one step plus the dither of the float render', () => {
    const pcm16 = exportSong(module, { document, audio, settings: settings({ format: '16' }) });
    const steps = readWavFile(pcm16.bytes).channels;
    let sum = 0;
    let worst = 0;
    for (const c of [0, 1]) {
      for (let i = 0; i < pcm16.frames; i++) {
        // The song peaks a little over full scale: 16-bit clips there, as it must.
        const error = (steps[c]![i]! - Math.min(32767 / 32768, Math.max(-1, floatPcm[c]![i]!))) * 32768;
        worst = Math.max(worst, Math.abs(error));
        sum += error;
      }
    }
    // Rounding (half a step) plus TPDF dither (under one step): never 1.5 steps away.
    expect(worst).toBeLessThan(1.5);
    expect(worst).toBeGreaterThan(0.5); // the dither is there
    expect(Math.abs(sum / (pcm16.frames * 2))).toBeLessThan(0.02); // and has no offset
  });

  it('renders the effect tail after the last clip, then stops at silence', () => {
    const wet = song(true);
    const exported = exportSong(module, { document: wet, audio, settings: settings() });
    const end = songEndFrame(wet, RATE);
    expect(exported.frames).toBeGreaterThan(end + RATE / 10); // the reverb rings on
    expect(exported.frames).toBeLessThan(end + 30 * RATE);
    // The native render of the same song, well past our end, is silent after it.
    const longer = readWavFile(renderNatively(wet, exported.frames + TAIL_SILENCE_SECONDS * RATE, '32f')).channels;
    const mine = readWavFile(exported.bytes).channels;
    for (const c of [0, 1]) {
      expect(longer[c]!.subarray(0, exported.frames)).toEqual(mine[c]);
      expect(Math.max(...longer[c]!.subarray(exported.frames).map(Math.abs))).toBeLessThan(2 ** -24);
    }
    expect(Math.max(...mine[0]!.subarray(exported.frames - 64).map(Math.abs))).toBeGreaterThan(0);
  });

  it('exports the loop region: its exact length, the samples of the song there', () => {
    // The audio clip alone, so nothing sounding before the region is missing from it.
    const clipOnly = deleteClips(['clip-midi'])(document);
    const whole = readWavFile(exportSong(module, { document: clipOnly, audio, settings: settings() }).bytes).channels;
    const looped = setLoop({ enabled: true, startBeat: 2, endBeat: 3 })(clipOnly);
    const exported = exportSong(module, { document: looped, audio, settings: settings({ range: 'loop' }) });
    const start = Math.round((2 * 60 * RATE) / 100);
    expect(exported.frames).toBe(Math.round((3 * 60 * RATE) / 100) - start);
    const region = readWavFile(exported.bytes).channels;
    // The same up to float rounding (the clip is read from another starting position).
    let worst = 0;
    for (const c of [0, 1]) for (let i = 0; i < exported.frames; i++) worst = Math.max(worst, Math.abs(region[c]![i]! - whole[c]![start + i]!));
    expect(worst).toBeLessThan(1e-6);
    expect(Math.max(...region[0]!.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('starts at the mixer levels, not at the defaults gliding to them', () => {
    // A clip right at the start on a track at -20 dB: from its first sample the gain is the
    // strip's (the engine's parameter glides are over before Play), as when playing in the app.
    let quiet = createEmptyProject('Quiet', new Date(0));
    quiet = addTrack('audio', 'Loop', 'trk-audio')(quiet);
    const asset = { id: 'asset-1', name: 'loop.wav', sha256: SHA, sampleRate: RATE, channels: 1, frames: 48_000, mime: 'audio/wav' };
    quiet = addClip('trk-audio', newAudioClip(asset, 0, 1))(addAsset(asset)(quiet));
    quiet = setStrip('trk-audio', { volumeDb: -20 })(quiet);
    const out = readWavFile(exportSong(module, { document: quiet, audio, settings: settings() }).bytes).channels[0]!;
    const gains = [...out.keys()].filter((i) => Math.abs(loopAudio[i]!) > 0.1).map((i) => out[i]! / loopAudio[i]!);
    expect(Math.max(...gains) - Math.min(...gains)).toBeLessThan(1e-5);
    expect(gains[0]).toBeLessThan(0.1 * 1.5); // -20 dB (times the centre pan's gain), not 0 dB
  });

  it('exports at 44.1 kHz: the same song, in frames at that rate', () => {
    const exported = exportSong(module, { document, audio, settings: settings({ sampleRate: 44_100 }) });
    const wav = readWavFile(exported.bytes);
    expect(wav.sampleRate).toBe(44_100);
    expect(exported.frames).toBe(songEndFrame(document, 44_100));
    expect(exported.frames).toBe(Math.round((3.13 * 60 * 44_100) / 100));
    expect(Math.max(...wav.channels[0]!.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('exports stems: one WAV per track in a ZIP, each as long as the mix, summing to it', () => {
    const exported = exportSong(module, { document, audio, settings: settings({ stems: true }) });
    expect(exported.name).toBe('Export test stems.zip');
    // Read back by Python's zipfile (an independent reader, which also checks every CRC).
    writeFileSync(join(work, 'stems.zip'), exported.bytes);
    const listing = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))', join(work, 'stems.zip')], { encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual(['01 Synth.wav', '02 Loop.wav']);
    const files = unzipSync(exported.bytes);
    const stems = ['01 Synth.wav', '02 Loop.wav'].map((name) => readWavFile(files[name]!));
    for (const stem of stems) expect(stem.channels[0]!.length).toBe(float.frames);
    let worst = 0;
    for (let i = 0; i < float.frames; i++) worst = Math.max(worst, Math.abs(stems[0]!.channels[0]![i]! + stems[1]!.channels[0]![i]! - floatPcm[0]![i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('reports missing audio by its file name, and a full sample memory, in plain words', () => {
    expect(() => exportSong(module, { document, audio: new Map(), settings: settings() })).toThrow(/the audio of “loop.wav” is not in this browser/);
    const huge = new Map([['asset-1', { sampleRate: RATE, channels: [new Float32Array(5_000_000)] }]]);
    expect(() => exportSong(module, { document, audio: huge, settings: settings() })).toThrow(/sample memory is full/);
    const empty = createEmptyProject('Empty', new Date(0));
    expect(() => exportSong(module, { document: empty, audio, settings: settings() })).toThrow(/the song is empty/);
  });

  it('renders many times faster than real time', () => {
    const seconds = float.frames / RATE;
    const speed = seconds / (float.renderMs / 1000);
    console.log(`export render: ${seconds.toFixed(2)} s of audio in ${float.renderMs.toFixed(1)} ms = ${speed.toFixed(0)}x real time`);
    expect(speed).toBeGreaterThan(5);
  });
});
