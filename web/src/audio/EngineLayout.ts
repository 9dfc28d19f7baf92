// Where the engine placed its shared structures: the EngineLayoutTable that amp_prepare() returns.
// Read once when the engine starts; the memory never grows, so the addresses stay valid.
import {
  COMMAND_RING_CAPACITY,
  EngineLayoutTableLayout,
  FRAMES_PER_QUANTUM,
  OUTPUT_CHANNELS,
  SCHEMA_VERSION,
} from '../generated/protocol.generated';

export interface EngineLayout {
  readonly ringControlAddress: number;
  readonly ringRecordsAddress: number;
  readonly stateViewAddress: number;
  readonly outputAddresses: readonly number[];
  readonly sampleTableAddress: number;
  readonly sampleHeapAddress: number;
  readonly sampleHeapBytes: number;
  readonly clipTableAddress: number;
  readonly tempoTableAddress: number;
  readonly channelMetersAddress: number;
}

export class EngineLayoutError extends Error {}

export function readEngineLayout(buffer: ArrayBufferLike, tableAddress: number): EngineLayout {
  const view = new DataView(buffer, tableAddress, EngineLayoutTableLayout.sizeBytes);
  const { offsets } = EngineLayoutTableLayout;
  const u32 = (offset: number) => view.getUint32(offset, true);
  const schemaVersion = u32(offsets.schemaVersion);
  if (schemaVersion !== SCHEMA_VERSION) {
    throw new EngineLayoutError(`engine speaks protocol schema ${schemaVersion}, this page ${SCHEMA_VERSION}: reload the page`);
  }
  if (u32(offsets.framesPerQuantum) !== FRAMES_PER_QUANTUM || u32(offsets.ringCapacity) !== COMMAND_RING_CAPACITY) {
    throw new EngineLayoutError('engine layout does not match this page\'s protocol module');
  }
  const outputAddresses = Array.from({ length: OUTPUT_CHANNELS }, (_, channel) => u32(offsets.outputAddress + 4 * channel));
  return {
    ringControlAddress: u32(offsets.ringControlAddress),
    ringRecordsAddress: u32(offsets.ringRecordsAddress),
    stateViewAddress: u32(offsets.stateViewAddress),
    outputAddresses,
    sampleTableAddress: u32(offsets.sampleTableAddress),
    sampleHeapAddress: u32(offsets.sampleHeapAddress),
    sampleHeapBytes: u32(offsets.sampleHeapBytes),
    clipTableAddress: u32(offsets.clipTableAddress),
    tempoTableAddress: u32(offsets.tempoTableAddress),
    channelMetersAddress: u32(offsets.channelMetersAddress),
  };
}
