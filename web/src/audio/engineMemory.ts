// The reconciler's writes into the engine's shared memory: PCM into the sample heap with its
// SampleTable entry, ClipTable entries for PlaceClip, the TempoTable for CommitTempoMap. Views are
// made once (the memory never grows). Only the UI writes these regions; the engine reads an entry
// when the command naming it arrives, and the ring's release store orders the writes before it.
import { ClipTableLayout, SampleTableLayout, TempoTableLayout } from '../generated/protocol.generated';
import type { EngineLayout } from './EngineLayout';
import type { ClipTableEntry, EngineMemoryWriter, SampleAudio } from './reconciler';
import type { TempoEntry } from './engineScene';

export class SharedEngineMemory implements EngineMemoryWriter {
  readonly sampleHeapBytes: number;
  private readonly heap: Float32Array;
  private readonly sampleTable: DataView;
  private readonly clipTable: DataView;
  private readonly tempoTable: DataView;

  constructor(buffer: ArrayBufferLike, layout: EngineLayout) {
    this.sampleHeapBytes = layout.sampleHeapBytes;
    this.heap = new Float32Array(buffer, layout.sampleHeapAddress, layout.sampleHeapBytes / 4);
    this.sampleTable = new DataView(buffer, layout.sampleTableAddress, SampleTableLayout.sizeBytes);
    this.clipTable = new DataView(buffer, layout.clipTableAddress, ClipTableLayout.sizeBytes);
    this.tempoTable = new DataView(buffer, layout.tempoTableAddress, TempoTableLayout.sizeBytes);
  }

  writeSample(entry: number, heapOffset: number, audio: SampleAudio): void {
    const frames = audio.channels[0]?.length ?? 0;
    audio.channels.forEach((channel, c) => this.heap.set(channel.subarray(0, frames), heapOffset / 4 + c * frames));
    const { offsets } = SampleTableLayout;
    const table = this.sampleTable;
    table.setUint32(offsets.heapOffset + 4 * entry, heapOffset, true);
    table.setUint32(offsets.frames + 4 * entry, frames, true);
    table.setFloat32(offsets.sampleRate + 4 * entry, audio.sampleRate, true);
    table.setUint32(offsets.channelCount + 4 * entry, audio.channels.length, true);
  }

  writeClip(slot: number, clip: ClipTableEntry): void {
    const { offsets } = ClipTableLayout;
    const t = this.clipTable;
    t.setUint32(offsets.clipId + 4 * slot, clip.clipId, true);
    t.setUint32(offsets.sampleIndex + 4 * slot, clip.sampleIndex, true);
    t.setBigUint64(offsets.timelineStart + 8 * slot, BigInt(clip.timelineStart), true);
    t.setBigUint64(offsets.sourceStart + 8 * slot, BigInt(clip.sourceStart), true);
    t.setBigUint64(offsets.length + 8 * slot, BigInt(clip.length), true);
    t.setBigUint64(offsets.loopLength + 8 * slot, BigInt(clip.loopLength), true);
    t.setFloat32(offsets.gain + 4 * slot, clip.gain, true);
    t.setUint32(offsets.fadeIn + 4 * slot, clip.fadeIn, true);
    t.setUint32(offsets.fadeOut + 4 * slot, clip.fadeOut, true);
    t.setUint32(offsets.fadeCurve + 4 * slot, clip.fadeCurve, true);
  }

  writeTempoTable(entries: readonly TempoEntry[]): void {
    const { offsets } = TempoTableLayout;
    const t = this.tempoTable;
    entries.forEach((e, i) => {
      t.setBigUint64(offsets.startSample + 8 * i, BigInt(e.startSample), true);
      t.setFloat64(offsets.startBeat + 8 * i, e.startBeat, true);
      t.setFloat64(offsets.beatsPerMinute + 8 * i, e.beatsPerMinute, true);
      t.setUint32(offsets.numerator + 4 * i, e.numerator, true);
      t.setUint32(offsets.denominator + 4 * i, e.denominator, true);
      t.setFloat64(offsets.barAtStart + 8 * i, e.barAtStart, true);
    });
  }
}
