// A first-fit allocator over the engine's sample heap (PCM the UI writes, the engine only reads):
// blocks are 16-byte aligned as the SampleTable requires, freed blocks merge with their
// neighbours. It only does arithmetic; the caller writes the bytes.
export class SampleHeapFullError extends Error {}

interface FreeBlock {
  offset: number;
  bytes: number;
}

export const SAMPLE_ALIGNMENT = 16;
const align = (bytes: number) => Math.ceil(bytes / SAMPLE_ALIGNMENT) * SAMPLE_ALIGNMENT;

export class SampleHeapAllocator {
  private free: FreeBlock[];
  private readonly used = new Map<number, number>();

  constructor(readonly capacityBytes: number) {
    this.free = [{ offset: 0, bytes: capacityBytes - (capacityBytes % SAMPLE_ALIGNMENT) }];
  }

  /** Offset of a new block of at least `bytes`; throws SampleHeapFullError when nothing fits. */
  allocate(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    const index = this.free.findIndex((block) => block.bytes >= size);
    if (index < 0) {
      throw new SampleHeapFullError(
        `the engine's sample memory is full: ${(size / 1048576).toFixed(1)} MB more are needed, ${(this.freeBytes / 1048576).toFixed(1)} MB of ${(this.capacityBytes / 1048576).toFixed(0)} MB are free. Remove or shorten audio clips.`,
      );
    }
    const block = this.free[index]!;
    const offset = block.offset;
    if (block.bytes === size) this.free.splice(index, 1);
    else this.free[index] = { offset: block.offset + size, bytes: block.bytes - size };
    this.used.set(offset, size);
    return offset;
  }

  release(offset: number): void {
    const size = this.used.get(offset);
    if (size === undefined) throw new Error(`no sample block at ${offset}`);
    this.used.delete(offset);
    let at = this.free.findIndex((block) => block.offset > offset);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { offset, bytes: size });
    const next = this.free[at + 1];
    if (next && offset + size === next.offset) {
      this.free[at]!.bytes += next.bytes;
      this.free.splice(at + 1, 1);
    }
    const previous = this.free[at - 1];
    if (previous && previous.offset + previous.bytes === offset) {
      previous.bytes += this.free[at]!.bytes;
      this.free.splice(at, 1);
    }
  }

  get freeBytes(): number {
    return this.free.reduce((sum, block) => sum + block.bytes, 0);
  }
}
