// Reads the per-strip meters the engine publishes each quantum (ChannelMeters block, seqlocked
// like the state view). Allocation-free: readInto() fills a map the caller keeps, once per frame.
import { ChannelMetersLayout } from '../generated/protocol.generated';

export interface StripLevel {
  peakLeft: number;
  peakRight: number;
  rmsLeft: number;
  rmsRight: number;
}

const { offsets, counts } = ChannelMetersLayout;
const word = (byteOffset: number) => byteOffset / 4;

export class ChannelMetersReader {
  private readonly words: Uint32Array;
  private readonly floats: Float32Array;

  constructor(buffer: ArrayBufferLike, address: number) {
    this.words = new Uint32Array(buffer, address, ChannelMetersLayout.sizeBytes / 4);
    this.floats = new Float32Array(buffer, address, ChannelMetersLayout.sizeBytes / 4);
  }

  /** Levels by engine node id; strips not reaching the master are absent. */
  readInto(levels: Map<number, StripLevel>): Map<number, StripLevel> {
    const words = this.words;
    for (let attempt = 0; attempt < 8; attempt++) {
      const before = Atomics.load(words, word(offsets.sequence));
      if (before & 1) continue;
      for (const level of levels.values()) level.peakLeft = level.peakRight = level.rmsLeft = level.rmsRight = 0;
      const count = Math.min(Atomics.load(words, word(offsets.count)), counts.nodeId);
      for (let i = 0; i < count; i++) {
        const nodeId = Atomics.load(words, word(offsets.nodeId) + i);
        let level = levels.get(nodeId);
        if (!level) {
          level = { peakLeft: 0, peakRight: 0, rmsLeft: 0, rmsRight: 0 };
          levels.set(nodeId, level);
        }
        level.peakLeft = this.floats[word(offsets.peak) + 2 * i]!;
        level.peakRight = this.floats[word(offsets.peak) + 2 * i + 1]!;
        level.rmsLeft = this.floats[word(offsets.rms) + 2 * i]!;
        level.rmsRight = this.floats[word(offsets.rms) + 2 * i + 1]!;
      }
      if (Atomics.load(words, word(offsets.sequence)) === before) break;
    }
    return levels;
  }
}
