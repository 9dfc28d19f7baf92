#!/usr/bin/env node
// Writes small WAV files of every layout the reader accepts (PCM 8/16/24/32, float 32/64,
// WAVE_FORMAT_EXTENSIBLE, extra chunks, an odd-sized chunk, a truncated file) as seeds for the
// WAV reader fuzzer.   node engine/fuzz/make-wav-seeds.mjs OUT_DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: make-wav-seeds.mjs OUT_DIR');
  process.exit(2);
}

function chunk(id, body) {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'ascii');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function wav({ code = 1, bits = 16, channels = 1, rate = 48000, frames = 8, extensible = false, extra = [] }) {
  const bytes = bits / 8;
  const fmt = Buffer.alloc(extensible ? 40 : 16);
  fmt.writeUInt16LE(extensible ? 0xfffe : code, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * channels * bytes, 8);
  fmt.writeUInt16LE(channels * bytes, 12);
  fmt.writeUInt16LE(bits, 14);
  if (extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(bits, 18);
    fmt.writeUInt16LE(code, 24);
  }
  const data = Buffer.alloc(frames * channels * bytes);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 0xff;
  const body = Buffer.concat([Buffer.from('WAVE'), ...extra, chunk('fmt ', fmt), chunk('data', data)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

mkdirSync(out, { recursive: true });
const seeds = {
  'pcm8-mono': wav({ bits: 8 }),
  'pcm16-stereo': wav({ channels: 2 }),
  'pcm24-mono': wav({ bits: 24 }),
  'pcm32-stereo': wav({ bits: 32, channels: 2 }),
  'float32-stereo': wav({ code: 3, bits: 32, channels: 2 }),
  'float64-mono': wav({ code: 3, bits: 64 }),
  'extensible-24': wav({ bits: 24, channels: 2, extensible: true }),
  'with-list-chunk': wav({ extra: [chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00amp!\x00'))] }),
  'odd-chunk': wav({ extra: [chunk('junk', Buffer.from('abc'))] }),
};
seeds.truncated = seeds['pcm16-stereo'].subarray(0, seeds['pcm16-stereo'].length - 5);
for (const [name, bytes] of Object.entries(seeds)) writeFileSync(join(out, `${name}.wav`), bytes);
