// A positive control for the GC count (bench page): loaded into the same AudioWorkletGlobalScope
// as the engine, its constructor allocates enough garbage to force collections there, so the
// benchmark driver can tell which V8 isolate in the --trace-gc log is the audio worklet's. Its
// process() does nothing.
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessorBase): void;
declare class AudioWorkletProcessorBase {
  readonly port: MessagePort;
}
declare const AudioWorkletProcessor: typeof AudioWorkletProcessorBase;

class GcMarkerProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    let kept: { index: number }[] = [];
    let sum = 0;
    for (let index = 0; index < 4_000_000; index++) {
      kept.push({ index });
      if (kept.length === 100_000) {
        sum += kept.length;
        kept = [];
      }
    }
    this.port.postMessage({ type: 'allocated', objects: sum + kept.length });
  }

  process(): boolean {
    return false;
  }
}

registerProcessor('amplitude-bench-gc-marker', GcMarkerProcessor);
