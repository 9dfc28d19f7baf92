// Section 3 in Node: the boot-patch micro benchmark and the R1 chain rendered by the native build
// and both WebAssembly builds in Node, interleaved; and the decaying-tail cost (same engine
// source, native and WebAssembly): a session whose sources stop and whose chain rings out,
// against the same chain still playing, timed over the same window after the stop.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSchema } from '../../protocol/generator/schema.mjs';
import { wasmSessionRenderer } from '../sessionRunner.mjs';
import { BUDGET_US, FRAMES, SAMPLE_RATE, env, log, root, shuffle, stats } from './common.mjs';
import { renderNative, sessionFile } from './throughput.mjs';

const schema = loadSchema(join(root, 'protocol/schema/amplitude.protocol.json'));
const offsetsOf = (fields) => Object.fromEntries(fields.map((f) => [f.name, f.offset]));
const layout = (name) => offsetsOf(schema.sharedLayouts.find((l) => l.name === name).fields);
const header = offsetsOf(schema.header);
const commandType = Object.fromEntries(schema.commands.map((c) => [c.name, c.type]));
const setParam = offsetsOf(schema.commands.find((c) => c.name === 'SetParam').fields);

function runRounds(candidates, rounds, measure) {
  const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
  for (let round = 0; round <= rounds; round++) {
    for (const name of shuffle(Object.keys(candidates))) {
      const value = measure(candidates[name]);
      if (round > 0) samples[name].push(value); // round 0 is the warm-up
    }
  }
  return samples;
}

/** Boot patch: band-limited saw -> gain, a parameter change every quantum (engine/tools/RenderBenchmark.cpp). */
export function bootPatch() {
  const quanta = env.number('BENCH_QUANTA', 20000);
  const rounds = env.number('BENCH_NODE_ROUNDS', 3);
  const native = () =>
    JSON.parse(execFileSync(join(root, 'build/native/engine/amplitude-render-benchmark'), [String(quanta)], { encoding: 'utf8' })).nanoseconds / 1e3;
  const wasm = (variant) => {
    const module = new WebAssembly.Module(readFileSync(join(root, `build/wasm/engine/amplitude-engine-${variant}.wasm`)));
    const pages = schema.engineMemoryBytes / 65536;
    const table = layout('EngineLayoutTable');
    const ring = layout('CommandRingControl');
    const size = schema.recordSize;
    const mask = schema.ringCapacity - 1;
    return () => {
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      const engine = new WebAssembly.Instance(module, {
        env: { memory },
        wasi_snapshot_preview1: { proc_exit: (code) => { throw new Error(`engine exited with ${code}`); } },
      }).exports;
      engine._initialize();
      const tableView = new DataView(memory.buffer, engine.amp_prepare(SAMPLE_RATE));
      const control = new Uint32Array(memory.buffer, tableView.getUint32(table.ringControlAddress, true), 64);
      const records = new DataView(memory.buffer, tableView.getUint32(table.ringRecordsAddress, true), schema.ringCapacity * size);
      let write = 0;
      const send = (type, sequence, offset, nodeId = 0, paramId = 0, value = 0) => {
        const at = (write & mask) * size;
        for (let i = 0; i < size; i += 4) records.setUint32(at + i, 0, true);
        records.setUint16(at + header.type, type, true);
        records.setUint16(at + header.schemaVersion, schema.schemaVersion, true);
        records.setUint32(at + header.sequence, sequence, true);
        records.setUint32(at + header.sampleOffset, offset, true);
        if (type === commandType.SetParam) {
          records.setUint32(at + setParam.nodeId, nodeId, true);
          records.setUint32(at + setParam.paramId, paramId, true);
          records.setFloat32(at + setParam.value, value, true);
        }
        write++;
        Atomics.store(control, ring.writeIndex / 4, write);
      };
      send(commandType.SetParam, 1, 0, 1, 1, 1); // oscillator waveform: saw
      send(commandType.Play, 2, 0);
      const start = process.hrtime.bigint();
      for (let q = 0; q < quanta; q++) {
        send(commandType.SetParam, q + 3, q % 128, 1, 0, 100 + (q % 1000));
        engine.amp_render_quantum();
      }
      return Number(process.hrtime.bigint() - start) / 1e3;
    };
  };
  const candidates = { 'native (g++ -O3)': native, 'wasm SIMD128 (Node)': wasm('simd'), 'wasm scalar (Node)': wasm('scalar') };
  const samples = runRounds(candidates, rounds, (run) => run() / quanta);
  const nativeMedian = stats(samples['native (g++ -O3)']).median;
  return Object.entries(samples).map(([candidate, values]) => {
    const s = stats(values);
    return { candidate, ...s, loadPercent: (100 * s.median) / BUDGET_US, speedVsNative: nativeMedian / s.median, quanta, rounds };
  });
}

/** The R1 chain per track in Node (native, wasm SIMD, wasm scalar). */
export function nodeChain() {
  const seconds = env.number('BENCH_CHAIN_SECONDS', 5);
  const trackCounts = env.list('BENCH_CHAIN_TRACKS', ['8', '32', '128', '256']).map(Number);
  const rounds = env.number('BENCH_NODE_ROUNDS', 3);
  const frames = seconds * SAMPLE_RATE;
  const quanta = frames / FRAMES;
  const renderers = { simd: wasmSessionRenderer(root, 'simd'), scalar: wasmSessionRenderer(root, 'scalar') };
  const rows = [];
  for (const tracks of trackCounts) {
    const file = sessionFile(tracks, false);
    const bytes = new Uint8Array(readFileSync(file));
    const candidates = {
      'native (g++ -O3)': () => renderNative(file, frames).renderMs * 1e3,
      'wasm SIMD128 (Node)': () => renderers.simd(bytes, frames).microseconds,
      'wasm scalar (Node)': () => renderers.scalar(bytes, frames).microseconds,
    };
    const samples = runRounds(candidates, rounds, (run) => run() / quanta / tracks);
    const native = stats(samples['native (g++ -O3)']).median;
    const scalar = stats(samples['wasm scalar (Node)']).median;
    for (const [candidate, values] of Object.entries(samples)) {
      const s = stats(values);
      rows.push({
        tracks, candidate, ...s, seconds, rounds,
        loadPercent: (100 * s.median * tracks) / BUDGET_US,
        tracksInHalfACore: Math.floor(BUDGET_US / 2 / s.median),
        speedVsNative: native / s.median,
        speedVsScalar: scalar / s.median,
      });
    }
    log(`Node R1 N=${tracks} done`);
  }
  return rows;
}

/**
 * Tail cost: the sources stop at 1 s (removed); the window from 1.5 s to the end covers the
 * ring-out of the delay (feedback 0.4, -8 dB per repeat) down to the engine's denormal floor.
 * WebAssembly is timed per quantum over the window; native is render(end) - render(1.5 s).
 */
export function tailCost() {
  const tracks = env.number('BENCH_TAIL_TRACKS', 32);
  const rounds = env.number('BENCH_NODE_ROUNDS', 3);
  const endSeconds = env.number('BENCH_TAIL_SECONDS', 14);
  const stopFrame = SAMPLE_RATE;
  const fromFrame = Math.floor((1.5 * SAMPLE_RATE) / FRAMES) * FRAMES;
  const endFrame = Math.round(endSeconds * SAMPLE_RATE / FRAMES) * FRAMES;
  const windowQuanta = (endFrame - fromFrame) / FRAMES;
  const files = { active: sessionFile(tracks, false), tail: sessionFile(tracks, false, stopFrame) };
  const bytes = Object.fromEntries(Object.entries(files).map(([kind, file]) => [kind, new Uint8Array(readFileSync(file))]));
  const renderers = { simd: wasmSessionRenderer(root, 'simd'), scalar: wasmSessionRenderer(root, 'scalar') };
  let soundingUntil = null;
  const candidates = {};
  for (const kind of ['active', 'tail']) {
    candidates[`native ${kind}`] = () => renderNative(files[kind], endFrame).renderMs * 1e3 - renderNative(files[kind], fromFrame).renderMs * 1e3;
    for (const variant of ['simd', 'scalar']) {
      candidates[`wasm ${variant} ${kind}`] = () => {
        const result = renderers[variant](bytes[kind], endFrame, SAMPLE_RATE, fromFrame);
        if (kind === 'tail') soundingUntil = result.soundingUntil;
        return result.microseconds;
      };
    }
  }
  const samples = runRounds(candidates, rounds, (run) => run() / windowQuanta / tracks);
  const rows = ['native', 'wasm simd', 'wasm scalar'].map((build) => {
    const active = stats(samples[`${build} active`]);
    const tail = stats(samples[`${build} tail`]);
    return { build, tracks, activeUs: active.median, tailUs: tail.median, tailMin: tail.min, tailMax: tail.max, ratio: tail.median / active.median };
  });
  return { rows, tracks, stopSeconds: stopFrame / SAMPLE_RATE, windowSeconds: [fromFrame / SAMPLE_RATE, endFrame / SAMPLE_RATE], soundingUntilSeconds: soundingUntil === null ? null : soundingUntil / SAMPLE_RATE };
}
