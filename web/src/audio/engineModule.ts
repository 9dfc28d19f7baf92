// Fetching and compiling the engine's WebAssembly module, and making the memory it imports.
// Compilation happens here on the main thread; the worklet only instantiates (synchronously).
import scalarUrl from '../generated/amplitude-engine-scalar.wasm?url';
import simdUrl from '../generated/amplitude-engine-simd.wasm?url';
import { ENGINE_MEMORY_PAGES } from '../generated/protocol.generated';

export type EngineVariant = 'simd' | 'scalar';

const urls: Record<EngineVariant, string> = { simd: simdUrl, scalar: scalarUrl };
const compiled = new Map<EngineVariant, Promise<WebAssembly.Module>>();

// The smallest module that uses a SIMD128 instruction (i8x16.splat of 0), to ask the browser.
const simdProbe = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdSupported(): boolean {
  return WebAssembly.validate(simdProbe);
}

export function loadEngineModule(variant: EngineVariant): Promise<WebAssembly.Module> {
  let module = compiled.get(variant);
  if (!module) {
    module = fetch(urls[variant]).then(async (response) => {
      if (!response.ok) throw new Error(`could not load the audio engine (${response.status} ${response.statusText})`);
      return WebAssembly.compileStreaming(response);
    });
    module.catch(() => compiled.delete(variant));
    compiled.set(variant, module);
  }
  return module;
}

/** A fresh engine memory: shared, fixed size (it never grows, so views on it never go stale). */
export function createEngineMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: ENGINE_MEMORY_PAGES, maximum: ENGINE_MEMORY_PAGES, shared: true });
}
