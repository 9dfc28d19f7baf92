#!/usr/bin/env node
// make bench: Amplitude's engine side by side with Chromium's built-in Web Audio nodes, Tone.js,
// Elementary and its own native build, every figure over interleaved rounds (one warm-up round
// discarded, candidates shuffled each round), printed as one table grouped by section and written
// to bench/results/latest.json. Benchmarks are never tests: nothing here asserts a time.
// BENCH_* variables shorten runs (bench/README.md lists them); BENCH_SECTIONS picks sections.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startBench } from './lib/browser.mjs';
import { callgrindCounts } from './lib/callgrind.mjs';
import { BUDGET_US, env, fmt, log, ratio, root, table } from './lib/common.mjs';
import { bootPatch, nodeChain, tailCost } from './lib/node.mjs';
import { commandLatency, gcAndMemory, realtimeCapacity } from './lib/realtime.mjs';
import { serverThroughput } from './lib/server.mjs';
import { CANDIDATES, runThroughput } from './lib/throughput.mjs';
import { uiFrameTimes } from './lib/uiFrames.mjs';

const ALL_SECTIONS = ['throughput', 'realtime', 'native', 'tail', 'callgrind', 'gc', 'latency', 'ui', 'server'];
const sections = new Set(env.list('BENCH_SECTIONS', ALL_SECTIONS));
const rounds = env.number('BENCH_ROUNDS', 3);
const started = Date.now();

const firstLine = (command, args) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').find((line) => line.trim()) ?? null;
  } catch {
    return null;
  }
};
const cpuModel = (() => {
  const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  return match ? match[1].trim() : cpus()[0]?.model;
})();
const machine = {
  nproc: Number(firstLine('nproc', [])),
  cpuModel,
  chromium: firstLine(process.env.AMPLITUDE_CHROMIUM ?? '/usr/bin/chromium', ['--version']),
  node: process.version,
  gxx: firstLine('g++', ['--version']),
};
const result = { takenAt: new Date().toISOString(), machine, settings: {}, sections: {} };
// Tables are printed at the end in section order (progress goes to stderr meanwhile).
const printed = [];
const print = (key, ...args) => printed.push({ key, text: table(...args) });

console.log(`Amplitude benchmarks: ${machine.nproc} cores (${machine.cpuModel}), ${machine.chromium}, Node ${machine.node}`);

// ---- Browser sections ------------------------------------------------------------------------
const needsBrowser = ['throughput', 'realtime', 'gc', 'latency'].some((s) => sections.has(s));
const bench = needsBrowser ? await startBench() : null;
try {
  if (sections.has('throughput')) {
    const candidates = env.list('BENCH_CANDIDATES', Object.keys(CANDIDATES));
    const r1Tracks = env.list('BENCH_R1_TRACKS', ['8', '32', '128', '256']).map(Number);
    const r2Tracks = env.list('BENCH_R2_TRACKS', ['8', '32', '128']).map(Number);
    const r1 = await runThroughput(bench, { reverb: false, trackCounts: r1Tracks, candidates, rounds });
    const r2 = await runThroughput(bench, { reverb: true, trackCounts: r2Tracks, candidates: candidates.filter((c) => c !== 'amplitude-worker'), rounds });
    result.sections.throughput = { rounds, seconds: env.number('BENCH_BROWSER_SECONDS', 10), rows: [...r1, ...r2] };
    const columns = [
      ['N', (r) => r.tracks],
      ['candidate', (r) => r.name, 'left'],
      ['audio s', (r) => fmt(r.seconds, 2)],
      ['µs/track/quantum min / median / max', (r) => (r.invalid ? 'not measured (below)' : `${fmt(r.min)} / ${fmt(r.median)} / ${fmt(r.max)}`), 'left'],
      ['load', (r) => (r.invalid ? '' : `${fmt(r.loadPercent, 1)} %`)],
      ['tracks in ½ core', (r) => (r.invalid ? '' : r.tracksInHalfACore)],
      ['× realtime', (r) => (r.invalid ? '' : fmt(r.realtimeMultiple, 1))],
      ['vs built-ins', (r) => (r.invalid ? '' : ratio(r.vsBuiltin))],
    ];
    const notes = [
      'offline render wall time (OfflineAudioContext.startRendering; Worker export: the render loop; native: amplitude-render), per track per 128-frame quantum;',
      `load = share of the 2.667 ms quantum budget at this N; ½ core = 1.333 ms; vs built-ins = built-in nodes' median / this median (higher is faster).`,
      'The engine processes every track in stereo from the source on; the built-in, Tone.js and Elementary chains are mono until the pan (R2 reverbs are stereo everywhere).',
      'Sources: band-limited saw everywhere (OscillatorNode "sawtooth", Tone.Oscillator, el.blepsaw, the engine\'s Oscillator). Shortened renders: see BENCH_MAX_RENDER_SECONDS.',
    ];
    const invalidNotes = (rows) => rows.filter((r) => r.invalid).map((r) => `not measured: ${r.name} at N=${r.tracks}: ${r.invalid}`);
    print('1a', `1. Engine throughput in headless Chromium, R1 (saw -> 3 peaking EQ -> compressor -> 250 ms feedback delay -> pan -> master), ${rounds} rounds + warm-up`, columns, r1, [...notes, ...invalidNotes(r1)]);
    print('1b', `1. Engine throughput in headless Chromium, R2 (R1 + Freeverb-class reverb per track), ${rounds} rounds + warm-up`, columns, r2, invalidNotes(r2));
  }

  if (sections.has('realtime')) {
    const capacity = [];
    for (const candidate of env.list('BENCH_REALTIME_CANDIDATES', ['amplitude', 'builtin'])) {
      capacity.push(await realtimeCapacity(bench, candidate, { maxTracks: candidate === 'amplitude' ? 256 : env.number('BENCH_REALTIME_MAX_TRACKS', 1024) }));
    }
    result.sections.realtime = capacity;
    print(
      '2',
      `2. Realtime capacity: largest R1 N with no underrun for ${capacity[0]?.windowSeconds} s in a realtime AudioContext (AudioContext.playbackStats)`,
      [
        ['candidate', (r) => (r.candidate === 'amplitude' ? 'Amplitude SIMD (AudioWorklet)' : CANDIDATES.builtin), 'left'],
        ['tracks', (r) => (r.tracks === null ? 'none' : `${r.limitedByPools ? '≥ ' : ''}${r.tracks}`)],
        ['probes (N:underruns)', (r) => r.probes.map((p) => `${p.tracks}:${p.underruns}${p.seconds === r.windowSeconds && p.seconds !== r.probeSeconds ? '*' : ''}`).join(' '), 'left'],
      ],
      capacity,
      [`search with ${capacity[0]?.probeSeconds} s probes, * = confirmation over the full window; "≥ 256": the engine's node pools hold 256 oscillators/EQs/compressors/delays/pans.`],
    );
  }

  if (sections.has('gc')) {
    const gc = await gcAndMemory(bench.server);
    result.sections.gc = gc;
    print(
      '5',
      '5. Real-time safety in the browser: V8 GCs in the worklet (--js-flags=--trace-gc) and WebAssembly memory growth while the engine renders R1',
      [
        ['context', (r) => r.kind, 'left'],
        ['N', (r) => r.tracks],
        ['seconds', (r) => r.seconds],
        ['GCs in worklet isolate', (r) => r.workletGcs ?? 'isolate not found'],
        ['memory growth', (r) => `${r.memoryGrowthBytes} B`],
        ['marker GCs (control)', (r) => r.markerGcs],
        ['GCs elsewhere', (r) => r.otherIsolateGcs],
      ],
      gc,
      ['control: a marker processor in the same worklet scope allocates first, which names the worklet isolate in the trace; its GCs prove the count would see them.'],
    );
  }

  if (sections.has('latency')) {
    const latency = await commandLatency(bench);
    result.sections.latency = latency;
    const show = (histogram) => Object.entries(histogram).map(([k, n]) => `${k}q:${n}`).join(' ') || '-';
    print(
      '6',
      `6. Command latency in a realtime AudioContext: ${latency.commands} SetParams in ${latency.bursts} bursts of 1-1000 (R1, ${latency.tracks} tracks playing)`,
      [
        ['observed exactly', (r) => `${r.exact} of ${r.commands}`],
        ['within 1 quantum', (r) => `${fmt(100 * r.withinOne, 2)} %`],
        ['within 2', (r) => `${fmt(100 * r.withinTwo, 2)} %`],
        ['max', (r) => `${r.maxQuanta} q`],
        ['exact (quanta:commands)', (r) => show(r.histogram), 'left'],
        ['not exact (at most quanta:commands)', (r) => show(r.upperBounds), 'left'],
        ['rejected', (r) => r.rejected + r.timedOut],
      ],
      [latency],
      ['latency = quantum counter once the engine had applied the command - the counter read just before writing it (1 = applied by the next quantum).',
        '2 = the audio thread had already started (and drained the ring for) the next quantum when the command was written: it lands in the one after.',
        'exact: the page saw the quantum before too; when the audio thread renders a burst of quanta while the page thread is not running (2 cores shared),',
        'only an upper bound is known. Percentages are over the exactly observed commands.'],
    );
  }
} finally {
  if (bench) {
    if (bench.errors.length) log(`page errors: ${bench.errors.join(' | ')}`);
    await bench.close();
  }
}

if (sections.has('ui')) {
  const ui = await uiFrameTimes();
  result.sections.ui = ui;
  print(
    '7',
    `7. The DAW page's frame times while it plays N audio tracks (requestAnimationFrame frame-time intervals over ${ui[0]?.seconds} s, headless Chromium, software compositing)`,
    [
      ['N', (r) => r.tracks],
      ['frames', (r) => r.frames],
      ['fps', (r) => fmt(r.fps, 1)],
      ['p50 ms', (r) => fmt(r.p50, 1)],
      ['p95 ms', (r) => fmt(r.p95, 1)],
      ['p99 ms', (r) => fmt(r.p99, 1)],
      ['max ms', (r) => fmt(r.max, 1)],
      ['dropped (> 25 ms)', (r) => `${fmt(100 * r.dropped, 1)} %`],
      ['callback p95 ms', (r) => fmt(r.deliveryP95, 1)],
      ['long tasks', (r) => r.longTasks],
      ['engine', (r) => r.engineStatus, 'left'],
      ['target p95 <= 16.7 ms', (r) => (r.p95 <= 16.7 ? 'met' : 'NOT met')],
    ],
    ui,
    ['The arrangement (canvas) and every meter redraw each frame from shared memory while the engine plays every track (a looping clip each).',
      'p50-max: intervals between the frames\' timestamps; callback p95: between the moments the callbacks ran (performance.now(), includes jitter).',
      ...ui.filter((r) => r.errors.length).map((r) => `page errors at N=${r.tracks}: ${r.errors.join(' | ')}`)],
  );
}

// ---- Node sections -----------------------------------------------------------------------------
if (sections.has('native')) {
  const boot = bootPatch();
  const chain = nodeChain();
  result.sections.native = { bootPatch: boot, chain };
  print(
    '3a',
    `3. Close to native, in Node: boot patch (saw -> gain, a parameter change every quantum), ${boot[0].quanta} quanta x ${boot[0].rounds} rounds + warm-up`,
    [
      ['candidate', (r) => r.candidate, 'left'],
      ['µs/quantum min / median / max', (r) => `${fmt(r.min)} / ${fmt(r.median)} / ${fmt(r.max)}`],
      ['load', (r) => `${fmt(r.loadPercent, 3)} %`],
      ['speed vs native', (r) => ratio(r.speedVsNative)],
    ],
    boot,
  );
  print(
    '3b',
    `3. Close to native, in Node: R1 per track, ${chain[0]?.seconds} s x ${chain[0]?.rounds} rounds + warm-up`,
    [
      ['N', (r) => r.tracks],
      ['candidate', (r) => r.candidate, 'left'],
      ['µs/track/quantum min / median / max', (r) => `${fmt(r.min)} / ${fmt(r.median)} / ${fmt(r.max)}`],
      ['load', (r) => `${fmt(r.loadPercent, 1)} %`],
      ['tracks in ½ core', (r) => r.tracksInHalfACore],
      ['vs native', (r) => ratio(r.speedVsNative)],
      ['vs scalar', (r) => ratio(r.speedVsScalar)],
    ],
    chain,
  );
  const rows = result.sections.throughput?.rows ?? [];
  const worklet = rows.filter((r) => r.chain === 'R1' && (r.candidate === 'amplitude-simd' || r.candidate === 'amplitude-scalar' || r.candidate === 'amplitude-worker') && !r.invalid);
  if (worklet.length) {
    const nativeOf = (tracks) => rows.find((r) => r.chain === 'R1' && r.tracks === tracks && r.candidate === 'native')?.median;
    const closeRows = worklet.map((r) => ({ ...r, vsNative: nativeOf(r.tracks) / r.median }));
    result.sections.native.browser = closeRows.map(({ tracks, candidate, median, vsNative }) => ({ tracks, candidate, median, vsNative }));
    print(
      '3c',
      '3. Close to native, in the browser: the AudioWorklet and Worker builds vs native on the same session, same rounds (section 1)',
      [
        ['N', (r) => r.tracks],
        ['candidate', (r) => r.name, 'left'],
        ['µs/track/quantum', (r) => fmt(r.median)],
        ['native µs', (r) => fmt(nativeOf(r.tracks))],
        ['speed vs native', (r) => ratio(r.vsNative)],
      ],
      closeRows,
      ['the OfflineAudioContext figure includes the worklet\'s per-quantum overhead (Chromium\'s graph, process() call, two output copies); the Worker figure does not.'],
    );
  }
}

if (sections.has('tail')) {
  const tail = tailCost();
  result.sections.tail = tail;
  print(
    '3d',
    `3. Decaying tail vs active signal: R1, ${tail.tracks} tracks, sources removed at ${tail.stopSeconds} s, timed ${fmt(tail.windowSeconds[0], 2)}-${fmt(tail.windowSeconds[1], 2)} s (output exactly 0 from ${fmt(tail.soundingUntilSeconds, 2)} s)`,
    [
      ['build', (r) => r.build, 'left'],
      ['active µs/track/q', (r) => fmt(r.activeUs, 3)],
      ['tail µs/track/q min / median / max', (r) => `${fmt(r.tailMin, 3)} / ${fmt(r.tailUs, 3)} / ${fmt(r.tailMax, 3)}`],
      ['tail / active', (r) => fmt(r.ratio, 3)],
    ],
    tail.rows,
    ['the graph skips a node once its input and output are exactly 0 (feedback paths flush below 1e-20), so the tail costs only while it rings.'],
  );
}

if (sections.has('callgrind')) {
  const counts = callgrindCounts();
  result.sections.callgrind = counts;
  if (counts.skipped) printed.push({ key: '4', text: `\n== 4. Deterministic counts: skipped (${counts.skipped})` });
  else {
    print(
      '4',
      '4. Deterministic counts: instructions of the native render loop (valgrind --tool=callgrind), per track per quantum',
      [
        ['chain', (r) => r.chain, 'left'],
        ['N', (r) => r.tracks],
        ['quanta', (r) => r.quanta],
        ['instructions/track/quantum', (r) => Math.round(r.instructionsPerTrackPerQuantum).toLocaleString('en-US')],
        ['per sample per track', (r) => fmt(r.instructionsPerTrackPerQuantum / 128, 1)],
      ],
      counts.rows,
      ['(render of W + M quanta) - (render of W quanta), divided by M and N: start-up excluded. Identical run to run.'],
    );
  }
}

if (sections.has('server')) {
  const server = await serverThroughput();
  result.sections.server = server;
  print(
    '8z',
    `9. Server: our amplitude-server on SQLite and on PostgreSQL (a ${Math.round(server.documentBytes / 1024)} KiB project document)`,
    [
      ['database', (r) => r.backend, 'left'],
      ['operation', (r) => r.operation, 'left'],
      ['requests/s', (r) => fmt(r.perSecond, 0)],
      ['p50 ms', (r) => fmt(r.p50, 2)],
      ['p99 ms', (r) => fmt(r.p99, 2)],
      ['fan-out p50 / p99 ms', (r) => (r.fanOutP50 === undefined ? '' : `${fmt(r.fanOutP50, 2)} / ${fmt(r.fanOutP99, 2)}`)],
      ['non-2xx / rejected', (r) => r.non2xx],
    ],
    server.rows,
    ['Opens: wrk -t2 -c16 with the session cookie. Saves: one client, each PUT against the current revision, committed durably (SQLite WAL + synchronous=FULL; PostgreSQL fsync on) before the answer.',
     'Live edits: each client sends its next edit when the last is acknowledged (the ack comes after the commit); p50/p99 = send to ack; fan-out = send to the other clients receiving the op.'],
  );
}

// ---- Targets -------------------------------------------------------------------------------------
const targets = [];
const through = result.sections.throughput?.rows ?? [];
const find = (chain, tracks, candidate) => through.find((r) => r.chain === chain && r.tracks === tracks && r.candidate === candidate && !r.invalid);
const add = (target, measured, met, note = '') => targets.push({ target, measured, met, note });
const simd32 = find('R1', 32, 'amplitude-simd');
if (simd32) {
  for (const [peer, goal] of [['builtin', 5], ['tone', 15], ['elementary', 3]]) {
    const other = find('R1', 32, peer);
    if (other) add(`R1 at N=32: >= ${goal}x ${CANDIDATES[peer]}`, ratio(other.median / simd32.median), other.median / simd32.median >= goal);
  }
  const scalar = find('R1', 32, 'amplitude-scalar');
  if (scalar) add('SIMD >= 2x scalar (AudioWorklet, R1 N=32)', ratio(scalar.median / simd32.median), scalar.median / simd32.median >= 2);
  const native = find('R1', 32, 'native');
  if (native) add('WebAssembly >= 0.75x native (AudioWorklet, R1 N=32)', ratio(native.median / simd32.median), native.median / simd32.median >= 0.75);
  const worker = find('R1', 32, 'amplitude-worker');
  if (worker) add('export >= 30x realtime on one Worker (R1 N=32)', `${fmt(worker.realtimeMultiple, 1)}x (built-ins ${fmt(find('R1', 32, 'builtin')?.realtimeMultiple, 1)}x)`, worker.realtimeMultiple >= 30);
}
const r2 = through.filter((r) => r.chain === 'R2' && r.candidate === 'amplitude-simd' && !r.invalid).at(-1);
if (r2) {
  const builtin = find('R2', r2.tracks, 'builtin');
  if (builtin) add(`R2 >= 10x built-ins (largest N rendered: ${r2.tracks})`, ratio(builtin.median / r2.median), builtin.median / r2.median >= 10);
}
const simd256 = find('R1', 256, 'amplitude-simd');
if (simd256) add('>= 256 R1 tracks within half a core (AudioWorklet, at N=256)', `${fmt((simd256.median * 256 * 100) / BUDGET_US, 1)} % of a core at 256`, simd256.median * 256 <= BUDGET_US / 2);
const nodeSimd = result.sections.native?.chain?.find((r) => r.tracks === 32 && r.candidate === 'wasm SIMD128 (Node)');
if (nodeSimd) add('WebAssembly >= 0.75x native (Node, R1 N=32)', ratio(nodeSimd.speedVsNative), nodeSimd.speedVsNative >= 0.75);
for (const row of result.sections.tail?.rows ?? []) add(`tail <= 1.05x active (${row.build})`, `${fmt(row.ratio, 3)}x`, row.ratio <= 1.05);
for (const row of result.sections.gc ?? []) add(`0 GC and 0 memory growth in the worklet (${row.kind}, ${row.seconds} s)`, `${row.workletGcs ?? '?'} GCs, ${row.memoryGrowthBytes} B`, row.workletGcs === 0 && row.memoryGrowthBytes === 0);
if (result.sections.latency) {
  const { withinOne, exact, commands } = result.sections.latency;
  add('100% of commands applied within 1 quantum', `${fmt(100 * withinOne, 2)} % of ${exact}/${commands} observed exactly`, withinOne === 1);
}
const ui64 = result.sections.ui?.find((r) => r.tracks === 64);
if (ui64) add('64 tracks at 60 fps in the UI (p95 <= 16.7 ms)', `p95 ${fmt(ui64.p95, 1)} ms, ${fmt(ui64.fps, 1)} fps`, ui64.p95 <= 16.7 + 0.05);
else add('64 tracks at 60 fps in the UI (p95 <= 16.7 ms)', 'not measured', null, 'section ui not run (BENCH_SECTIONS)');
if (targets.length) {
  result.targets = targets;
  print('9', 'Targets of the benchmarks issue', [
    ['target', (r) => r.target, 'left'],
    ['measured', (r) => r.measured, 'left'],
    ['met', (r) => (r.met === null ? '-' : r.met ? 'yes' : 'NO'), 'left'],
    ['', (r) => r.note, 'left'],
  ], targets);
}

result.settings = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('BENCH_')));
result.elapsedSeconds = Math.round((Date.now() - started) / 1000);
printed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
result.table = printed.map((p) => p.text).join('\n');
console.log(result.table);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwritten to bench/results/latest.json (${result.elapsedSeconds} s)`);
