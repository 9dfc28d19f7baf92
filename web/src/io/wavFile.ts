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
