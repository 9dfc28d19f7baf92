// Decodes a WAV file off the main thread; the PCM goes back as transferred buffers.
import { readWavFile } from './wavFile';

export type WavWorkerReply = { ok: true; sampleRate: number; channels: Float32Array[] } | { ok: false; message: string };

self.onmessage = (event: MessageEvent<ArrayBuffer>) => {
  let reply: WavWorkerReply;
  try {
    const wav = readWavFile(new Uint8Array(event.data));
    reply = { ok: true, sampleRate: wav.sampleRate, channels: wav.channels };
    (self as unknown as Worker).postMessage(reply, wav.channels.map((c) => c.buffer));
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
    (self as unknown as Worker).postMessage(reply);
  }
};
