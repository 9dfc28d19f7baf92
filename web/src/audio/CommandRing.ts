// The UI's side of the command ring: the single producer of records that the engine drains at the
// start of every quantum (engine/src/amplitude/rt/CommandRing.h is the consumer).
//
// Wait-free: a push never blocks and never spins. A full ring refuses the push, counts it in
// rejectedPushes (shared, so tools can see it) and leaves the record with the caller to retry.
// Record bytes are written with a DataView, then published by an Atomics.store of the write
// index, which orders them before the index for the engine's acquire load.
import {
  COMMAND_RECORD_SIZE,
  COMMAND_RING_CAPACITY,
  CommandRingControlLayout,
  encodeCommand,
  type Command,
} from '../generated/protocol.generated';

const WRITE = CommandRingControlLayout.offsets.writeIndex / 4;
const READ = CommandRingControlLayout.offsets.readIndex / 4;
const REJECTED = CommandRingControlLayout.offsets.rejectedPushes / 4;
const MASK = COMMAND_RING_CAPACITY - 1;

export class CommandRing {
  private readonly control: Uint32Array;
  private readonly records: DataView;

  constructor(buffer: ArrayBufferLike, controlAddress: number, recordsAddress: number) {
    this.control = new Uint32Array(buffer, controlAddress, CommandRingControlLayout.sizeBytes / 4);
    this.records = new DataView(buffer, recordsAddress, COMMAND_RING_CAPACITY * COMMAND_RECORD_SIZE);
  }

  /** False (and nothing written) when the ring is full. */
  tryPush(command: Command, sequence: number, sampleOffset: number): boolean {
    const write = Atomics.load(this.control, WRITE);
    const read = Atomics.load(this.control, READ);
    if (((write - read) >>> 0) >= COMMAND_RING_CAPACITY) {
      Atomics.add(this.control, REJECTED, 1);
      return false;
    }
    encodeCommand(this.records, (write & MASK) * COMMAND_RECORD_SIZE, command, sequence, sampleOffset);
    Atomics.store(this.control, WRITE, (write + 1) >>> 0);
    return true;
  }

  /** Records written but not yet drained by the engine. */
  get pending(): number {
    return (Atomics.load(this.control, WRITE) - Atomics.load(this.control, READ)) >>> 0;
  }

  get rejectedPushes(): number {
    return Atomics.load(this.control, REJECTED);
  }
}
