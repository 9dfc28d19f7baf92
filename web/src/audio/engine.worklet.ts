// The AudioWorkletProcessor that runs the engine. Runs in AudioWorkletGlobalScope, on the audio
// rendering thread.
//
// Constructor (once): instantiate the already-compiled module against the shared memory, prepare
// the engine, make the two output views, tell the main thread where the layout table is.
// process() (every quantum): one call into WebAssembly and two copies. It allocates nothing (no
// object or array literal, no closure, no postMessage except once on a fatal error), never
// waits, and never throws: a trap is caught once, reported, and the engine falls silent.
import { FRAMES_PER_QUANTUM, EngineLayoutTableLayout } from '../generated/protocol.generated';
import { ENGINE_PROCESSOR_NAME, type EngineProcessorOptions, type WorkletMessage } from './workletMessages';
import { engineImports } from './engineImports';

// AudioWorkletGlobalScope, declared here so the rest of the app cannot use these by mistake.
declare const sampleRate: number;
declare function registerProcessor(name: string, processor: new (options: AudioWorkletNodeOptions) => AudioWorkletProcessorBase): void;
declare class AudioWorkletProcessorBase {
  readonly port: MessagePort;
}
declare const AudioWorkletProcessor: typeof AudioWorkletProcessorBase;

interface EngineExports {
  _initialize(): void;
  amp_prepare(sampleRate: number): number;
  amp_render_quantum(): void;
}

class AmplitudeEngineProcessor extends AudioWorkletProcessor {
  private readonly renderQuantum: () => void;
  private readonly left: Float32Array;
  private readonly right: Float32Array;
  private failed = false;

  constructor(options: AudioWorkletNodeOptions) {
    super();
    const { module, memory } = options.processorOptions as EngineProcessorOptions;
    const engine = new WebAssembly.Instance(module, engineImports(memory)).exports as unknown as EngineExports;
    engine._initialize();
    const tableAddress = engine.amp_prepare(sampleRate);
    const table = new DataView(memory.buffer, tableAddress, EngineLayoutTableLayout.sizeBytes);
    const outputAddress = (channel: number) => table.getUint32(EngineLayoutTableLayout.offsets.outputAddress + 4 * channel, true);
    this.left = new Float32Array(memory.buffer, outputAddress(0), FRAMES_PER_QUANTUM);
    this.right = new Float32Array(memory.buffer, outputAddress(1), FRAMES_PER_QUANTUM);
    this.renderQuantum = engine.amp_render_quantum;
    this.post({ type: 'ready', layoutTableAddress: tableAddress });
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.failed) return true;  // outputs stay zero-filled: silence
    try {
      this.renderQuantum();
    } catch (error) {
      this.failed = true;
      this.post({ type: 'error', message: `audio engine stopped: ${String(error)}` });
      return true;
    }
    const output = outputs[0];
    if (output !== undefined) {
      output[0]?.set(this.left);
      output[1]?.set(this.right);
    }
    return true;
  }

  private post(message: WorkletMessage): void {
    this.port.postMessage(message);
  }
}

registerProcessor(ENGINE_PROCESSOR_NAME, AmplitudeEngineProcessor);
