#!/usr/bin/env node
// make bench: every candidate renders the same work, in interleaved rounds (one warm-up round
// discarded, candidates shuffled each round), and the table reports min/median/max per quantum
// and each candidate's speed relative to the native build. Results also go to
// bench/results/latest.json. Benchmarks are never tests: nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema } from '../protocol/generator/schema.mjs';
import { wasmSessionRenderer } from './sessionRunner.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QUANTA = Number(process.env.BENCH_QUANTA ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FRAMES = 128;
const SAMPLE_RATE = 48000;

function nativeCandidate() {
  const binary = join(root, 'build/native/engine/amplitude-render-benchmark');
  return () => JSON.parse(execFileSync(binary, [String(QUANTA)], { encoding: 'utf8' })).nanoseconds / 1e3;
}

// The same work as engine/tools/RenderBenchmark.cpp, from JavaScript, timed around the render
// loop only. Record and layout offsets come from the protocol schema's own loader.
const schema = loadSchema(join(root, 'protocol/schema/amplitude.protocol.json'));
const offsetsOf = (fields) => Object.fromEntries(fields.map((f) => [f.name, f.offset]));
const layout = (name) => offsetsOf(schema.sharedLayouts.find((l) => l.name === name).fields);
const header = offsetsOf(schema.header);
const commandType = Object.fromEntries(schema.commands.map((c) => [c.name, c.type]));
const setParam = offsetsOf(schema.commands.find((c) => c.name === 'SetParam').fields);

function wasmCandidate(variant) {
  const bytes = readFileSync(join(root, `build/wasm/engine/amplitude-engine-${variant}.wasm`));
  const pages = schema.engineMemoryBytes / 65536;
  const module = new WebAssembly.Module(bytes);
  const table = layout('EngineLayoutTable');
  const ring = layout('CommandRingControl');
  const size = schema.recordSize;
  const mask = schema.ringCapacity - 1;
  return () => {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const imports = {
      env: { memory },
      wasi_snapshot_preview1: { proc_exit: (code) => { throw new Error(`engine exited with ${code}`); } },
    };
    const engine = new WebAssembly.Instance(module, imports).exports;
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
    send(commandType.SetParam, 1, 0, 1, 1, 1);  // oscillator waveform: saw
    send(commandType.Play, 2, 0);
    const start = process.hrtime.bigint();
    for (let q = 0; q < QUANTA; q++) {
      send(commandType.SetParam, q + 3, q % 128, 1, 0, 100 + (q % 1000));
      engine.amp_render_quantum();
    }
    return Number(process.hrtime.bigint() - start) / 1e3;
  };
}

const candidates = {
  'native (g++ -O3)': nativeCandidate(),
  'wasm SIMD128 (Node)': wasmCandidate('simd'),
  'wasm scalar (Node)': wasmCandidate('scalar'),
};

const shuffle = (items) => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
};

const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  for (const name of shuffle(Object.keys(candidates))) {
    const microseconds = candidates[name]();
    if (round > 0) samples[name].push(microseconds / QUANTA);  // round 0 is the warm-up
  }
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
};
const budgetMicroseconds = (FRAMES / SAMPLE_RATE) * 1e6;
const nativeMedian = stats(samples['native (g++ -O3)']).median;
const rows = Object.entries(samples).map(([name, values]) => {
  const s = stats(values);
  return { candidate: name, ...s, loadPercent: (100 * s.median) / budgetMicroseconds, speedVsNative: nativeMedian / s.median };
});

const f = (x, digits = 2) => x.toFixed(digits);
console.log(`\nBoot patch (band-limited saw -> gain, a parameter change every quantum), ${QUANTA} quanta x ${ROUNDS} rounds + warm-up`);
console.log('candidate              µs/quantum min / median / max    load of 2.667 ms    speed vs native');
for (const r of rows) {
  console.log(`${r.candidate.padEnd(22)} ${f(r.min).padStart(8)} / ${f(r.median).padStart(6)} / ${f(r.max).padEnd(8)}    ${f(r.loadPercent, 3).padStart(8)} %          ${f(r.speedVsNative)}x`);
}

// ---- The per-track chain (R1 of the benchmarks issue) at several track counts ---------------
// Sessions come from web/src/audio/sessions.ts, bundled to plain JS by the Makefile.
const CHAIN_SECONDS = Number(process.env.BENCH_CHAIN_SECONDS ?? 5);
const CHAIN_TRACKS = (process.env.BENCH_CHAIN_TRACKS ?? '8,32,128,256').split(',').map(Number);
const chainFrames = CHAIN_SECONDS * SAMPLE_RATE;
const chainQuanta = chainFrames / FRAMES;
const writeSession = join(root, 'build/bench/write-session.mjs');
const renderer = join(root, 'build/native/engine/amplitude-render');
const wasmRenderers = { simd: wasmSessionRenderer(root, 'simd'), scalar: wasmSessionRenderer(root, 'scalar') };
const chainRows = [];
for (const tracks of CHAIN_TRACKS) {
  const file = join(root, `build/bench/chain-${tracks}.bin`);
  execFileSync('node', [writeSession, 'chain', String(tracks), file]);
  const bytes = new Uint8Array(readFileSync(file));
  const chainCandidates = {
    'native (g++ -O3)': () =>
      JSON.parse(execFileSync(renderer, ['--commands', file, '--frames', String(chainFrames)], { encoding: 'utf8' })).renderMicroseconds,
    'wasm SIMD128 (Node)': () => wasmRenderers.simd(bytes, chainFrames).microseconds,
    'wasm scalar (Node)': () => wasmRenderers.scalar(bytes, chainFrames).microseconds,
  };
  const perTrack = Object.fromEntries(Object.keys(chainCandidates).map((name) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const name of shuffle(Object.keys(chainCandidates))) {
      const microseconds = chainCandidates[name]();
      if (round > 0) perTrack[name].push(microseconds / chainQuanta / tracks);
    }
  }
  const native = stats(perTrack['native (g++ -O3)']).median;
  const scalar = stats(perTrack['wasm scalar (Node)']).median;
  for (const [name, values] of Object.entries(perTrack)) {
    const s = stats(values);
    chainRows.push({
      tracks, candidate: name, ...s,
      loadPercent: (100 * s.median * tracks) / budgetMicroseconds,
      tracksInHalfACore: Math.floor(budgetMicroseconds / 2 / s.median),
      speedVsNative: native / s.median,
      speedVsScalar: scalar / s.median,
    });
  }
}
console.log(`\nR1 chain per track (source -> 3 EQ bands -> compressor -> 250 ms delay -> pan), ${CHAIN_SECONDS} s at 48 kHz x ${ROUNDS} rounds + warm-up`);
console.log('tracks  candidate              µs/track/quantum min / median / max   load    tracks in half a core   vs native   vs scalar');
for (const r of chainRows) {
  console.log(`${String(r.tracks).padStart(6)}  ${r.candidate.padEnd(22)} ${f(r.min).padStart(8)} / ${f(r.median).padStart(6)} / ${f(r.max).padEnd(8)} ${f(r.loadPercent, 1).padStart(6)} %  ${String(r.tracksInHalfACore).padStart(12)}            ${f(r.speedVsNative)}x      ${f(r.speedVsScalar)}x`);
}

mkdirSync(join(root, 'bench/results'), { recursive: true });
const result = { takenAt: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model }, quanta: QUANTA, rounds: ROUNDS, rows, chainRows };
writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log('\nwritten to bench/results/latest.json');
