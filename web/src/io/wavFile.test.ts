// The WAV reader reads what the writer wrote (16-bit and float), 24-bit PCM by hand, and refuses
// truncated or foreign files with a message naming the problem.
import { describe, expect, it } from 'vitest';
import { WavFileError, readWavFile, writeWavFile } from './wavFile';

describe('readWavFile', () => {
  const left = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i / 5) * 0.5);
  const right = Float32Array.from({ length: 100 }, (_, i) => -i / 200);

  it('reads 16-bit stereo PCM to within one step', () => {
    const wav = readWavFile(writeWavFile([left, right], 44_100, 16));
    expect(wav.sampleRate).toBe(44_100);
    expect(wav.channels).toHaveLength(2);
    wav.channels[0]!.forEach((v, i) => expect(Math.abs(v - left[i]!)).toBeLessThan(1 / 32768 + 1e-9));
  });

  it('reads 32-bit float exactly', () => {
    const wav = readWavFile(writeWavFile([left], 48_000, 32));
    expect(Array.from(wav.channels[0]!)).toEqual(Array.from(left));
  });

  it('reads 24-bit PCM', () => {
    const bytes = writeWavFile([new Float32Array(2)], 48_000, 16);
    const header = new DataView(bytes.buffer);
    const out = new Uint8Array(44 + 6);
    out.set(bytes.subarray(0, 44));
    const view = new DataView(out.buffer);
    view.setUint16(32, 3, true);
    view.setUint16(34, 24, true);
    view.setUint32(40, 6, true);
    out.set([0x00, 0x00, 0x40, 0x00, 0x00, 0xc0], 44); // +0.5, -0.5
    expect(header.getUint32(24, true)).toBe(48_000);
    expect(Array.from(readWavFile(out).channels[0]!)).toEqual([0.5, -0.5]);
  });

  it('refuses what is not a usable WAV file', () => {
    expect(() => readWavFile(new TextEncoder().encode('hello world, not audio'))).toThrow(WavFileError);
    expect(() => readWavFile(writeWavFile([left], 48_000).subarray(0, 30))).toThrow(/fmt chunk is truncated/);
    const eight = writeWavFile([left], 48_000);
    new DataView(eight.buffer).setUint16(34, 8, true);
    expect(() => readWavFile(eight)).toThrow(/unsupported WAV encoding/);
  });
});
