// Decoded audio of the project's assets (planar float32 PCM at the asset's rate), held in memory
// by asset id. The document only references assets; their samples live here and in browser
// storage (persistence.ts). Waveform outlines for drawing are computed once per asset.
export interface DecodedAudio {
  readonly sampleRate: number;
  /** One Float32Array per channel (1 or 2), all the same length. */
  readonly channels: readonly Float32Array[];
}

/** Min/max per block of frames, over all channels: what the arrangement draws. */
export interface WaveformOutline {
  readonly framesPerBlock: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
}

export const OUTLINE_FRAMES_PER_BLOCK = 256;

export function waveformOutline(audio: DecodedAudio, framesPerBlock = OUTLINE_FRAMES_PER_BLOCK): WaveformOutline {
  const frames = audio.channels[0]?.length ?? 0;
  const blocks = Math.ceil(frames / framesPerBlock);
  const min = new Float32Array(blocks);
  const max = new Float32Array(blocks);
  for (let block = 0; block < blocks; block++) {
    let low = 0;
    let high = 0;
    const end = Math.min(frames, (block + 1) * framesPerBlock);
    for (const channel of audio.channels) {
      for (let i = block * framesPerBlock; i < end; i++) {
        const v = channel[i]!;
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    min[block] = low;
    max[block] = high;
  }
  return { framesPerBlock, min, max };
}

export class AudioAssetLibrary {
  private readonly audio = new Map<string, DecodedAudio>();
  private readonly outlines = new Map<string, WaveformOutline>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever an asset arrives (for useSyncExternalStore). */
  readonly getVersion = (): number => this.version;

  get(assetId: string): DecodedAudio | undefined {
    return this.audio.get(assetId);
  }

  outline(assetId: string): WaveformOutline | undefined {
    let outline = this.outlines.get(assetId);
    const audio = this.audio.get(assetId);
    if (!outline && audio) {
      outline = waveformOutline(audio);
      this.outlines.set(assetId, outline);
    }
    return outline;
  }

  add(assetId: string, audio: DecodedAudio): void {
    this.audio.set(assetId, audio);
    this.outlines.delete(assetId);
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
