// Invariants of the Standard MIDI File reader and writer: files made by a real encoder
// (abc2midi, Debian's abcmidi) read back as the notes, tempo and meter written in the tune;
// our own files round-trip; running status works; malformed and mutated files throw a
// MidiFileError naming the place, never anything else.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MidiFileError, readMidiFile, writeMidiFile } from './midiFile';

function abc2midi(tune: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'amplitude-abc-'));
  try {
    writeFileSync(join(dir, 'tune.abc'), tune);
    execFileSync('abc2midi', [join(dir, 'tune.abc'), '-o', join(dir, 'tune.mid')], { stdio: 'ignore' });
    return new Uint8Array(readFileSync(join(dir, 'tune.mid')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('reading files made by abc2midi', () => {
  it('gives the tune’s notes, tempo and meter', () => {
    const file = readMidiFile(abc2midi('X:1\nT:Scale\nM:3/4\nL:1/4\nQ:1/4=100\nK:C\nCDE|FGA|B2c|\n'));
    expect(file.format).toBe(0); // abc2midi writes one voice as format 0
    expect(file.tempoChanges[0]?.beatsPerMinute).toBeCloseTo(100, 6);
    expect(file.timeSignatures[0]).toMatchObject({ numerator: 3, denominator: 4 });
    const notes = file.tracks.flatMap((t) => t.notes);
    expect(notes.map((n) => n.pitch)).toEqual([60, 62, 64, 65, 67, 69, 71, 72]);
    const quarter = file.ticksPerQuarter;
    const starts = [0, 1, 2, 3, 4, 5, 6, 8].map((beats) => beats * quarter);
    expect(notes.map((n) => n.startTick - notes[0]!.startTick)).toEqual(starts);
    // abc2midi plays a quarter note for a quarter (the last, a half note, for two).
    expect(notes.map((n) => Math.round(n.lengthTicks / quarter))).toEqual([1, 1, 1, 1, 1, 1, 2, 1]);
  });

  it('reads chords, several voices and a tempo change', () => {
    const tune = 'X:1\nM:4/4\nL:1/8\nQ:1/4=120\nK:G\nV:1\n[GBd]4 z4|\nV:2\nG,8|\n';
    const file = readMidiFile(abc2midi(tune));
    const pitches = file.tracks.flatMap((t) => t.notes.map((n) => n.pitch)).sort((a, b) => a - b);
    expect(pitches).toEqual([55, 67, 71, 74]);
    expect(file.tempoChanges[0]?.beatsPerMinute).toBeCloseTo(120, 6);
  });
});

describe('round trip', () => {
  it('reads back exactly the notes it wrote', () => {
    const notes = [
      { pitch: 60, velocity: 100, startTick: 0, lengthTicks: 480 },
      { pitch: 64, velocity: 90, startTick: 0, lengthTicks: 240 },
      { pitch: 60, velocity: 80, startTick: 480, lengthTicks: 100_000 }, // re-struck where the first ends
      { pitch: 127, velocity: 1, startTick: 2 ** 20, lengthTicks: 1 },
    ];
    const bytes = writeMidiFile({ ticksPerQuarter: 480, beatsPerMinute: 133, timeSignature: { numerator: 7, denominator: 8 }, tracks: [{ name: 'Lead', channel: 3, notes }] });
    const file = readMidiFile(bytes);
    expect(file.tracks[1]?.name).toBe('Lead');
    expect(file.tracks[1]?.notes).toEqual(notes.map((n) => ({ ...n, channel: 3 })).sort((a, b) => a.startTick - b.startTick || a.pitch - b.pitch));
    expect(file.tempoChanges[0]?.beatsPerMinute).toBeCloseTo(133, 3);
    expect(file.timeSignatures[0]).toMatchObject({ numerator: 7, denominator: 8 });
  });
});

/** A format-0 file around one track body. */
function smf(track: number[], ticksPerQuarter = 96): Uint8Array {
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, ticksPerQuarter >> 8, ticksPerQuarter & 0xff];
  const length = track.length;
  return Uint8Array.from([...header, 0x4d, 0x54, 0x72, 0x6b, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, ...track]);
}

describe('events', () => {
  it('honours running status and note-on with velocity 0 as note-off', () => {
    // On 60, (running) on 64, (running) 60 velocity 0 after 96 ticks, off 64 after 96 more.
    const file = readMidiFile(smf([0, 0x90, 60, 100, 0, 64, 90, 96, 60, 0, 96, 0x80, 64, 0, 0, 0xff, 0x2f, 0]));
    expect(file.tracks[0]?.notes).toEqual([
      { channel: 0, pitch: 60, velocity: 100, startTick: 0, lengthTicks: 96 },
      { channel: 0, pitch: 64, velocity: 90, startTick: 0, lengthTicks: 192 },
    ]);
  });
});

describe('bad files', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /truncated chunk type/],
    ['not MIDI', Uint8Array.from([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0]), /no MThd/],
    ['SMPTE division', (() => { const b = smf([0, 0xff, 0x2f, 0]); b[12] = 0xe7; return b; })(), /SMPTE/],
    ['missing track', (() => { const b = smf([0, 0xff, 0x2f, 0]); b[11] = 2; b[9] = 1; return b; })(), /announces 2 tracks/],
    ['track longer than the file', (() => { const b = smf([0, 0xff, 0x2f, 0]); b[21] = 200; return b; })(), /truncated MTrk chunk/],
    ['data byte first', smf([0, 60, 100]), /running status/],
    ['five-byte delta', smf([0x81, 0x81, 0x81, 0x81, 0x01, 0xff, 0x2f, 0]), /longer than four bytes/],
    ['tempo of two bytes', smf([0, 0xff, 0x51, 2, 7, 0xa1]), /tempo meta event of 2 bytes/],
    ['note cut short', smf([0, 0x90, 60]), /truncated channel message/],
    ['system realtime byte', smf([0, 0xf8]), /does not belong/],
  ];
  it.each(cases)('%s throws a MidiFileError that says what and where', (_name, bytes, message) => {
    expect(() => readMidiFile(bytes)).toThrowError(MidiFileError);
    expect(() => readMidiFile(bytes)).toThrowError(message);
  });

  it('never throws anything else on 20 000 mutated files (a fuzz pass)', () => {
    const seed = writeMidiFile({
      ticksPerQuarter: 480,
      beatsPerMinute: 120,
      timeSignature: { numerator: 4, denominator: 4 },
      tracks: [{ name: 'A', notes: Array.from({ length: 40 }, (_, i) => ({ pitch: 40 + i, velocity: 64, startTick: i * 120, lengthTicks: 200 })) }],
    });
    let state = 0x9e3779b9;
    const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    let refused = 0;
    for (let round = 0; round < 20_000; round++) {
      const bytes = Uint8Array.from(seed);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      try {
        const file = readMidiFile(bytes.subarray(0, cut));
        for (const note of file.tracks.flatMap((t) => t.notes)) {
          expect(note.lengthTicks).toBeGreaterThanOrEqual(0);
          expect(note.pitch).toBeLessThan(128);
        }
      } catch (error) {
        if (!(error instanceof MidiFileError)) throw error;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
