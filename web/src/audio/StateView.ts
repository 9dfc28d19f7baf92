// Reads what the engine publishes each quantum (playhead, transport, counters, meters) from the
// StateView in shared memory. Views are made once; readInto() allocates nothing, so it can run on
// every animation frame. The engine writes under a sequence lock; a read that overlaps a write is
// simply repeated.
import { OUTPUT_CHANNELS, StateViewLayout, type ErrorCode, type TransportState } from '../generated/protocol.generated';

export interface EngineState {
  quantum: number;
  playheadSamples: number;
  sampleRate: number;
  transport: TransportState;
  commandsApplied: number;
  commandsRejected: number;
  lastErrorCode: ErrorCode;
  lastErrorSequence: number;
  /** The graph's total latency at the master after compensation. */
  latencySamples: number;
  /** Graph nodes processed in the last segment: a rough engine load figure. */
  nodesProcessed: number;
  /** Count-in still to play before the playhead moves (0 when not counting in). */
  countInSamplesLeft: number;
  meterPeak: number[];
  meterRms: number[];
}

export function emptyEngineState(): EngineState {
  return {
    quantum: 0,
    playheadSamples: 0,
    sampleRate: 0,
    transport: 0,
    commandsApplied: 0,
    commandsRejected: 0,
    lastErrorCode: 0,
    lastErrorSequence: 0,
    latencySamples: 0,
    nodesProcessed: 0,
    countInSamplesLeft: 0,
    meterPeak: new Array<number>(OUTPUT_CHANNELS).fill(0),
    meterRms: new Array<number>(OUTPUT_CHANNELS).fill(0),
  };
}

const { offsets } = StateViewLayout;
const word = (byteOffset: number) => byteOffset / 4;

export class StateViewReader {
  private readonly words: Uint32Array;
  private readonly floats: Float32Array;
  private readonly wide: BigUint64Array;

  constructor(buffer: ArrayBufferLike, address: number) {
    this.words = new Uint32Array(buffer, address, StateViewLayout.sizeBytes / 4);
    this.floats = new Float32Array(buffer, address, StateViewLayout.sizeBytes / 4);
    this.wide = new BigUint64Array(buffer, address, StateViewLayout.sizeBytes / 8);
  }

  readInto(state: EngineState): EngineState {
    const words = this.words;
    for (;;) {
      const before = Atomics.load(words, word(offsets.sequence));
      state.quantum = Atomics.load(words, word(offsets.quantum));
      state.playheadSamples = Number(Atomics.load(this.wide, offsets.playheadSamples / 8));
      state.sampleRate = Atomics.load(words, word(offsets.sampleRate));
      state.transport = Atomics.load(words, word(offsets.transportState)) as TransportState;
      state.commandsApplied = Atomics.load(words, word(offsets.commandsApplied));
      state.commandsRejected = Atomics.load(words, word(offsets.commandsRejected));
      state.lastErrorCode = Atomics.load(words, word(offsets.lastErrorCode)) as ErrorCode;
      state.lastErrorSequence = Atomics.load(words, word(offsets.lastErrorSequence));
      state.latencySamples = Atomics.load(words, word(offsets.latencySamples));
      state.nodesProcessed = Atomics.load(words, word(offsets.nodesProcessed));
      state.countInSamplesLeft = Atomics.load(words, word(offsets.countInSamplesLeft));
      for (let channel = 0; channel < OUTPUT_CHANNELS; channel++) {
        state.meterPeak[channel] = this.floats[word(offsets.meterPeak) + channel] ?? 0;
        state.meterRms[channel] = this.floats[word(offsets.meterRms) + channel] ?? 0;
      }
      const after = Atomics.load(words, word(offsets.sequence));
      if ((before & 1) === 0 && before === after) return state;
    }
  }
}
