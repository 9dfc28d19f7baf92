// The UI's typed handle on a running engine: send commands, read state. It knows nothing of
// worklets or AudioContexts, only the engine's shared memory and layout, so the same client drives
// the engine in the browser and in Node tests.
//
// Nothing is ever dropped: when the ring is full, commands wait in an ordered backlog (main
// thread memory) and are flushed first on the next send() or flush(); the UI calls flush() on
// every animation frame.
import { ERROR_MESSAGES, type Command } from '../generated/protocol.generated';
import { CommandRing } from './CommandRing';
import type { EngineLayout } from './EngineLayout';
import { StateViewReader, emptyEngineState, type EngineState } from './StateView';

interface QueuedCommand {
  command: Command;
  sequence: number;
  sampleOffset: number;
}

export class EngineClient {
  private readonly ring: CommandRing;
  private readonly stateReader: StateViewReader;
  private readonly backlog: QueuedCommand[] = [];
  private nextSequence = 1;

  constructor(buffer: ArrayBufferLike, layout: EngineLayout) {
    this.ring = new CommandRing(buffer, layout.ringControlAddress, layout.ringRecordsAddress);
    this.stateReader = new StateViewReader(buffer, layout.stateViewAddress);
  }

  /** Queues a command for the engine's next quantum, at `sampleOffset` inside it. Returns its sequence number. */
  send(command: Command, sampleOffset = 0): number {
    const sequence = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) >>> 0 || 1;
    this.flush();
    if (this.backlog.length > 0 || !this.ring.tryPush(command, sequence, sampleOffset)) {
      this.backlog.push({ command, sequence, sampleOffset });
    }
    return sequence;
  }

  /** Moves as much of the backlog into the ring as fits, oldest first. */
  flush(): void {
    let moved = 0;
    while (moved < this.backlog.length) {
      const next = this.backlog[moved]!;
      if (!this.ring.tryPush(next.command, next.sequence, next.sampleOffset)) break;
      moved++;
    }
    if (moved > 0) this.backlog.splice(0, moved);
  }

  readState(into: EngineState = emptyEngineState()): EngineState {
    return this.stateReader.readInto(into);
  }

  get backlogLength(): number {
    return this.backlog.length;
  }

  get ringRejectedPushes(): number {
    return this.ring.rejectedPushes;
  }

  static describeError(code: number): string {
    return ERROR_MESSAGES[code] ?? `engine error ${code}`;
  }
}
