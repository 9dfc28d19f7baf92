// Starting the engine in an AudioContext (realtime) or OfflineAudioContext: the one place that
// knows about the worklet, the WebAssembly module and the shared memory.
import { EngineClient } from './EngineClient';
import { readEngineLayout } from './EngineLayout';
import { createEngineMemory, loadEngineModule, simdSupported, type EngineVariant } from './engineModule';
import workletUrl from './engine.worklet.ts?worker&url';
import { ENGINE_PROCESSOR_NAME, type EngineProcessorOptions, type WorkletMessage } from './workletMessages';

export class EngineStartError extends Error {}

export interface RunningEngine {
  readonly node: AudioWorkletNode;
  readonly client: EngineClient;
  readonly memory: WebAssembly.Memory;
  readonly variant: EngineVariant;
  /** Address of the EngineLayoutTable in `memory` (see EngineLayout.ts). */
  readonly layoutTableAddress: number;
  /** Called at most once, if the engine stops on a fatal error. */
  onFatalError(listener: (message: string) => void): void;
  dispose(): void;
}

const workletLoaded = new WeakMap<BaseAudioContext, Promise<void>>();

function loadWorklet(context: BaseAudioContext): Promise<void> {
  let loaded = workletLoaded.get(context);
  if (!loaded) {
    loaded = context.audioWorklet.addModule(workletUrl);
    workletLoaded.set(context, loaded);
  }
  return loaded;
}

export function isolationProblem(): string | null {
  if (typeof crossOriginIsolated === 'undefined' || !crossOriginIsolated) {
    return 'This page is not cross-origin isolated, so the audio engine cannot share memory with it. Serve it with the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers (our server does).';
  }
  if (typeof AudioWorkletNode === 'undefined') return 'This browser has no AudioWorklet, which the audio engine needs.';
  return null;
}

export async function startEngine(context: BaseAudioContext, variant: EngineVariant = simdSupported() ? 'simd' : 'scalar'): Promise<RunningEngine> {
  const problem = isolationProblem();
  if (problem) throw new EngineStartError(problem);

  const [module] = await Promise.all([loadEngineModule(variant), loadWorklet(context)]);
  const memory = createEngineMemory();
  const processorOptions: EngineProcessorOptions = { module, memory };
  const node = new AudioWorkletNode(context, ENGINE_PROCESSOR_NAME, {
    numberOfInputs: 0,
    numberOfOutputs: 1,
    outputChannelCount: [2],
    processorOptions,
  });

  let fatalListener: ((message: string) => void) | null = null;
  let fatalMessage: string | null = null;
  const reportFatal = (message: string) => {
    if (fatalMessage !== null) return;
    fatalMessage = message;
    fatalListener?.(message);
  };

  const layoutTableAddress = await new Promise<number>((resolve, reject) => {
    node.onprocessorerror = () => reject(new EngineStartError('the audio engine failed to start in the audio thread'));
    node.port.onmessage = (event: MessageEvent<WorkletMessage>) => {
      if (event.data.type === 'ready') resolve(event.data.layoutTableAddress);
      else reject(new EngineStartError(event.data.message));
    };
  });
  node.port.onmessage = (event: MessageEvent<WorkletMessage>) => {
    if (event.data.type === 'error') reportFatal(event.data.message);
  };
  node.onprocessorerror = () => reportFatal('the audio engine stopped on an error in the audio thread');

  const client = new EngineClient(memory.buffer, readEngineLayout(memory.buffer, layoutTableAddress));
  node.connect(context.destination);

  return {
    node,
    client,
    memory,
    variant,
    layoutTableAddress,
    onFatalError(listener) {
      fatalListener = listener;
      if (fatalMessage !== null) listener(fatalMessage);
    },
    dispose() {
      node.disconnect();
      node.port.onmessage = null;
    },
  };
}
