// Messages between the engine's AudioWorkletProcessor and the main thread. There are only two,
// both rare: the per-quantum traffic goes through shared memory, never through the port.
export const ENGINE_PROCESSOR_NAME = 'amplitude-engine';

export interface EngineProcessorOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

export type WorkletMessage =
  | { type: 'ready'; layoutTableAddress: number }
  | { type: 'error'; message: string };
