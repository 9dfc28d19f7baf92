// Renders a session command file (what amplitude-render reads: u64 frame + 32-byte record per
// entry) through the engine's WebAssembly build in Node, timing the render calls only.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchema } from '../protocol/generator/schema.mjs';

const ENTRY = 40;

export function wasmSessionRenderer(root, variant) {
  const schema = loadSchema(join(root, 'protocol/schema/amplitude.protocol.json'));
  const offsets = (name) => Object.fromEntries(schema.sharedLayouts.find((l) => l.name === name).fields.map((f) => [f.name, f.offset]));
  const table = offsets('EngineLayoutTable');
  const ring = offsets('CommandRingControl');
  const stateView = offsets('StateView');
  const sampleOffsetAt = schema.header.find((f) => f.name === 'sampleOffset').offset;
  const module = new WebAssembly.Module(readFileSync(join(root, `build/wasm/engine/amplitude-engine-${variant}.wasm`)));
  const pages = schema.engineMemoryBytes / 65536;
  const size = schema.recordSize;
  const mask = schema.ringCapacity - 1;
  const quantum = schema.framesPerQuantum;

  /** Renders `frames` frames of the session; returns microseconds spent in amp_render_quantum
   * for the quanta from `fromFrame` on, and the last frame (+1) whose output was not exactly 0. */
  return (sessionBytes, frames, sampleRate = 48000, fromFrame = 0) => {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const engine = new WebAssembly.Instance(module, {
      env: { memory },
      wasi_snapshot_preview1: { proc_exit: (code) => { throw new Error(`engine exited with ${code}`); } },
    }).exports;
    engine._initialize();
    const layout = new DataView(memory.buffer, engine.amp_prepare(sampleRate));
    const control = new Uint32Array(memory.buffer, layout.getUint32(table.ringControlAddress, true), 64);
    const records = new Uint8Array(memory.buffer, layout.getUint32(table.ringRecordsAddress, true), schema.ringCapacity * size);
    const state = new DataView(memory.buffer, layout.getUint32(table.stateViewAddress, true));
    const outputs = [0, 1].map((channel) => new Float32Array(memory.buffer, layout.getUint32(table.outputAddress + 4 * channel, true), quantum));
    let soundingUntil = 0;
    const session = new DataView(sessionBytes.buffer, sessionBytes.byteOffset, sessionBytes.byteLength);
    const entries = sessionBytes.byteLength / ENTRY;
    let next = 0;
    let write = 0;
    let nanoseconds = 0n;
    for (let start = 0; start < frames; start += quantum) {
      while (next < entries && Number(session.getBigUint64(next * ENTRY, true)) < start + quantum) {
        const frame = Math.max(Number(session.getBigUint64(next * ENTRY, true)), start);
        const at = (write & mask) * size;
        records.set(sessionBytes.subarray(next * ENTRY + 8, next * ENTRY + 8 + size), at);
        new DataView(records.buffer, records.byteOffset + at, size).setUint32(sampleOffsetAt, frame - start, true);
        write++;
        next++;
        if (write - Atomics.load(control, ring.readIndex / 4) > mask) break;  // full: the rest next quantum
      }
      Atomics.store(control, ring.writeIndex / 4, write);
      const t0 = process.hrtime.bigint();
      engine.amp_render_quantum();
      const t1 = process.hrtime.bigint();
      if (start >= fromFrame) nanoseconds += t1 - t0;
      if (outputs[0].some((x) => x !== 0) || outputs[1].some((x) => x !== 0)) soundingUntil = start + quantum;
    }
    return { microseconds: Number(nanoseconds) / 1e3, rejected: state.getUint32(stateView.commandsRejected, true), soundingUntil };
  };
}
