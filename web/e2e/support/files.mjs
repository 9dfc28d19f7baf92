// Files the browser tests import, written from scratch: a 16-bit PCM WAV and a format-0 MIDI file.
import { writeFileSync } from 'node:fs';

/** A mono 16-bit WAV of a sine at `amplitude` (linear). */
export function sineWav(path, { seconds, frequency = 440, amplitude = 0.5, sampleRate = 48_000 }) {
  const frames = Math.round(seconds * sampleRate);
  const bytes = Buffer.alloc(44 + frames * 2);
  bytes.write('RIFF', 0);
  bytes.writeUInt32LE(36 + frames * 2, 4);
  bytes.write('WAVEfmt ', 8);
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(sampleRate, 24);
  bytes.writeUInt32LE(sampleRate * 2, 28);
  bytes.writeUInt16LE(2, 32);
  bytes.writeUInt16LE(16, 34);
  bytes.write('data', 36);
  bytes.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++) {
    bytes.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * amplitude * 32767), 44 + 2 * i);
  }
  writeFileSync(path, bytes);
  return path;
}

/** A format-0 MIDI file, 480 ticks per quarter: `notes` as [pitch, startBeat, lengthBeats]. */
export function midiFile(path, notes) {
  const events = [];
  for (const [pitch, start, length] of notes) {
    events.push({ tick: Math.round(start * 480), bytes: [0x90, pitch, 100] });
    events.push({ tick: Math.round((start + length) * 480), bytes: [0x80, pitch, 0] });
  }
  events.sort((a, b) => a.tick - b.tick);
  const track = [];
  const vlq = (v) => {
    const groups = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    track.push(...groups);
  };
  let tick = 0;
  for (const event of events) {
    vlq(event.tick - tick);
    tick = event.tick;
    track.push(...event.bytes);
  }
  vlq(0);
  track.push(0xff, 0x2f, 0x00);
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0];
  const length = track.length;
  writeFileSync(path, Buffer.from([...header, 0x4d, 0x54, 0x72, 0x6b, (length >>> 24) & 255, (length >>> 16) & 255, (length >>> 8) & 255, length & 255, ...track]));
  return path;
}
