// Test support: the engine's real WebAssembly module in Node, on a fresh shared memory, with the
// views a test needs (ring, outputs, state). What the worklet does in the browser, minus the audio
// thread: the test calls renderQuantum itself.
import { readFileSync } from 'node:fs';
import { ENGINE_MEMORY_PAGES, FRAMES_PER_QUANTUM } from '../generated/protocol.generated';
import { CommandRing } from './CommandRing';
import { engineImports } from './engineImports';
import { readEngineLayout, type EngineLayout } from './EngineLayout';
import { StateViewReader, emptyEngineState, type EngineState } from './StateView';

interface EngineExports {
  _initialize(): void;
  amp_prepare(sampleRate: number): number;
  amp_render_quantum(): void;
}

export interface NodeEngine {
  readonly memory: WebAssembly.Memory;
  readonly layout: EngineLayout;
  readonly ring: CommandRing;
  readonly renderQuantum: () => void;
  /** The current quantum's output, channel 0 and 1 (live views on the engine's memory). */
  readonly left: Float32Array;
  readonly right: Float32Array;
  readState(): EngineState;
  /** Renders `frames` frames (whole quanta), interleaved stereo. */
  renderInterleaved(frames: number): Float32Array;
}

export function startEngineInNode(variant: 'simd' | 'scalar' = 'simd', sampleRate = 48_000): NodeEngine {
  const module = new WebAssembly.Module(readFileSync(new URL(`../generated/amplitude-engine-${variant}.wasm`, import.meta.url)));
  const memory = new WebAssembly.Memory({ initial: ENGINE_MEMORY_PAGES, maximum: ENGINE_MEMORY_PAGES, shared: true });
  const engine = new WebAssembly.Instance(module, engineImports(memory)).exports as unknown as EngineExports;
  engine._initialize();
  const layout = readEngineLayout(memory.buffer, engine.amp_prepare(sampleRate));
  const left = new Float32Array(memory.buffer, layout.outputAddresses[0]!, FRAMES_PER_QUANTUM);
  const right = new Float32Array(memory.buffer, layout.outputAddresses[1]!, FRAMES_PER_QUANTUM);
  const stateReader = new StateViewReader(memory.buffer, layout.stateViewAddress);
  return {
    memory,
    layout,
    ring: new CommandRing(memory.buffer, layout.ringControlAddress, layout.ringRecordsAddress),
    renderQuantum: () => engine.amp_render_quantum(),
    left,
    right,
    readState: () => stateReader.readInto(emptyEngineState()),
    renderInterleaved(frames: number) {
      const out = new Float32Array(frames * 2);
      for (let start = 0; start < frames; start += FRAMES_PER_QUANTUM) {
        engine.amp_render_quantum();
        for (let i = 0; i < FRAMES_PER_QUANTUM && start + i < frames; i++) {
          out[2 * (start + i)] = left[i]!;
          out[2 * (start + i) + 1] = right[i]!;
        }
      }
      return out;
    },
  };
}
