// A small RIFF/WAVE reader: PCM 16 and 24 bit, IEEE float 32 bit (also inside WAVE_FORMAT_EXTENSIBLE),
// any channel count (the first two are kept), planar float32 out. Every length is checked against
// the file, so a truncated or hostile file gives a WavFileError naming the problem.
export class WavFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFileError';
  }
}

export interface DecodedWav {
  readonly sampleRate: number;
  readonly channels: Float32Array[];
  /** Channels in the file (only the first two are decoded). */
  readonly fileChannels: number;
  readonly bitsPerSample: number;
}

export const MAX_WAV_FRAMES = 48_000 * 60 * 30;

const tag = (view: DataView, at: number) => String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));

export function readWavFile(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || tag(view, 0) !== 'RIFF' || tag(view, 8) !== 'WAVE') throw new WavFileError('not a WAV file (no RIFF/WAVE header)');
  let format: { code: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  let data: { offset: number; bytes: number } | null = null;
  for (let at = 12; at + 8 <= bytes.byteLength; ) {
    const id = tag(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new WavFileError('the fmt chunk is truncated');
      let code = view.getUint16(body, true);
      if (code === 0xfffe && size >= 40 && body + 26 <= bytes.byteLength) code = view.getUint16(body + 24, true);
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      data = { offset: body, bytes: Math.min(size, bytes.byteLength - body) };
      if (format) break;
    }
    at = body + size + (size & 1);
  }
  if (!format) throw new WavFileError('the WAV file has no fmt chunk');
  if (!data) throw new WavFileError('the WAV file has no data chunk');
  const { code, channels, sampleRate, bits, blockAlign } = format;
  const supported = (code === 1 && (bits === 16 || bits === 24)) || (code === 3 && bits === 32);
  if (!supported) throw new WavFileError(`unsupported WAV encoding (format ${code}, ${bits} bit): use 16/24-bit PCM or 32-bit float`);
  if (channels < 1 || channels > 32) throw new WavFileError(`the WAV file says it has ${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 768_000) throw new WavFileError(`the WAV file's sample rate ${sampleRate} Hz is out of range`);
  const bytesPerSample = bits / 8;
  if (blockAlign !== bytesPerSample * channels) throw new WavFileError('the WAV file\u2019s block size does not match its channels and bits');
  const frames = Math.floor(data.bytes / blockAlign);
  if (frames > MAX_WAV_FRAMES) throw new WavFileError('the WAV file is longer than 30 minutes at 48 kHz, too long to import for now');
  const kept = Math.min(channels, 2);
  const out = Array.from({ length: kept }, () => new Float32Array(frames));
  for (let frame = 0; frame < frames; frame++) {
    const base = data.offset + frame * blockAlign;
    for (let c = 0; c < kept; c++) {
      const at = base + c * bytesPerSample;
      let value: number;
      if (bits === 16) value = view.getInt16(at, true) / 32768;
      else if (bits === 24) value = ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608);
      else value = view.getFloat32(at, true);
      out[c]![frame] = Number.isFinite(value) ? value : 0;
    }
  }
  return { sampleRate, channels: out, fileChannels: channels, bitsPerSample: bits };
}

/** A 16-bit PCM or 32-bit float WAV file (for tests and export). */
export function writeWavFile(channels: readonly Float32Array[], sampleRate: number, bits: 16 | 32 = 16): Uint8Array {
  const frames = channels[0]?.length ?? 0;
  const bytesPerSample = bits / 8;
  const blockAlign = bytesPerSample * channels.length;
  const bytes = new Uint8Array(44 + frames * blockAlign);
  const view = new DataView(bytes.buffer);
  const text = (at: number, s: string) => [...s].forEach((ch, i) => view.setUint8(at + i, ch.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + frames * blockAlign, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, bits === 32 ? 3 : 1, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bits, true);
  text(36, 'data');
  view.setUint32(40, frames * blockAlign, true);
  for (let frame = 0; frame < frames; frame++) {
    channels.forEach((channel, c) => {
      const at = 44 + frame * blockAlign + c * bytesPerSample;
      const v = channel[frame]!;
      if (bits === 32) view.setFloat32(at, v, true);
      else view.setInt16(at, Math.max(-32768, Math.min(32767, Math.round(v * 32768))), true);
    });
  }
  return bytes;
}

/** Sample formats of exported WAV files (the same three as amplitude-render --bits). */
export type WavSampleFormat = '16' | '24' | '32f';

/**
 * A WAV file of interleaved samples, byte for byte what the native writer
 * (engine/src/amplitude/io/WavFile.cpp, writeWav) makes of the same samples and seed, so a browser
 * export and a server/native render of one song are the same file: 16-bit PCM in the plain fmt
 * chunk, 24-bit as WAVE_FORMAT_EXTENSIBLE, float with cbSize 0 and a fact chunk. PCM is TPDF
 * dithered (one LSB peak to peak) from the same seeded xorshift64.
 */
export function encodeWav(interleaved: Float32Array, channels: number, sampleRate: number, format: WavSampleFormat, ditherSeed = 1): Uint8Array {
  const bits = format === '16' ? 16 : format === '24' ? 24 : 32;
  const bytesPerSample = bits / 8;
  const dataBytes = interleaved.length * bytesPerSample;
  if (dataBytes + 80 > 0xffffffff) throw new WavFileError('the audio is too long for one WAV file (4 GB)');
  const extensible = format === '24';
  const isFloat = format === '32f';
  const fmtBytes = extensible ? 40 : isFloat ? 18 : 16;
  const factBytes = isFloat ? 12 : 0;
  const total = 28 + fmtBytes + factBytes + dataBytes + (dataBytes & 1);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const tag = (s: string) => [...s].forEach((ch) => view.setUint8(at++, ch.charCodeAt(0)));
  const u16 = (v: number) => ((view.setUint16(at, v, true), (at += 2)));
  const u32 = (v: number) => ((view.setUint32(at, v, true), (at += 4)));
  tag('RIFF');
  u32(4 + (8 + fmtBytes) + factBytes + (8 + dataBytes + (dataBytes & 1)));
  tag('WAVE');
  tag('fmt ');
  u32(fmtBytes);
  u16(extensible ? 0xfffe : isFloat ? 3 : 1);
  u16(channels);
  u32(sampleRate);
  u32(sampleRate * channels * bytesPerSample);
  u16(channels * bytesPerSample);
  u16(bits);
  if (isFloat) u16(0);
  if (extensible) {
    u16(22); // cbSize
    u16(bits); // valid bits per sample
    u32(channels === 1 ? 0x4 : channels === 2 ? 0x3 : 0); // speaker positions
    for (const b of [1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]) view.setUint8(at++, b); // KSDATAFORMAT_SUBTYPE_PCM
  }
  if (isFloat) {
    tag('fact');
    u32(4);
    u32(interleaved.length / channels);
  }
  tag('data');
  u32(dataBytes);
  if (isFloat) {
    // The data starts at byte 58 (not 4-aligned): copy the float bytes, little-endian on every
    // platform we run on.
    bytes.set(new Uint8Array(interleaved.buffer, interleaved.byteOffset, interleaved.byteLength), at);
    return bytes;
  }
  writeDitheredPcm(view, at, interleaved, format === '16' ? 32768 : 8388608, bytesPerSample, ditherSeed);
  return bytes;
}

/**
 * TPDF-dithered PCM, as the native writer: x * scale + (u1 - u2), rounded half away from zero
 * (std::round), clipped to [-scale, scale - 1]. u is xorshift64 (<<13, >>7, <<17) >> 11 over
 * 2^53, kept here as two uint32 halves because BigInt per sample would be far too slow.
 */
function writeDitheredPcm(view: DataView, start: number, samples: Float32Array, scale: number, bytesPerSample: number, seed: number): void {
  let hi = Math.floor(seed / 2 ** 32) >>> 0;
  let lo = seed >>> 0 || (hi === 0 ? 1 : 0);
  const uniform = () => {
    let h = ((hi << 13) | (lo >>> 19)) >>> 0;
    let l = (lo << 13) >>> 0;
    hi = (hi ^ h) >>> 0;
    lo = (lo ^ l) >>> 0;
    l = ((lo >>> 7) | (hi << 25)) >>> 0;
    h = hi >>> 7;
    hi = (hi ^ h) >>> 0;
    lo = (lo ^ l) >>> 0;
    h = ((hi << 17) | (lo >>> 15)) >>> 0;
    l = (lo << 17) >>> 0;
    hi = (hi ^ h) >>> 0;
    lo = (lo ^ l) >>> 0;
    return (hi * 2097152 + (lo >>> 11)) / 9007199254740992;
  };
  let at = start;
  for (let i = 0; i < samples.length; i++) {
    const first = uniform();
    const dithered = samples[i]! * scale + (first - uniform());
    const rounded = dithered < 0 ? -Math.round(-dithered) : Math.round(dithered);
    const value = Math.min(scale - 1, Math.max(-scale, rounded));
    if (bytesPerSample === 2) view.setInt16(at, value, true);
    else {
      view.setUint8(at, value & 0xff);
      view.setUint8(at + 1, (value >> 8) & 0xff);
      view.setUint8(at + 2, (value >> 16) & 0xff);
    }
    at += bytesPerSample;
  }
}
