// What the engine's WebAssembly module imports. Shared by the worklet, the tests and the
// benchmarks so that every host instantiates it the same way.

/**
 * The engine's memory, and WASI's proc_exit: the C++ runtime's fatal paths (abort() after a
 * failed allocation while the engine is built) end there. It throws, so a fatal error reaches
 * whoever called into the engine the same way a trap does, and the worklet reports it.
 */
export function engineImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: { memory },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new Error(`the audio engine stopped on a fatal error (exit code ${code})`);
      },
    },
  };
}
