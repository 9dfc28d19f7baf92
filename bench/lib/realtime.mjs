// Sections 2, 5 and 6: what only a realtime AudioContext (or the GC trace) shows.
import { env, log } from './common.mjs';
import { startGcTracedBench } from './browser.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Realtime capacity: the largest N that plays BENCH_REALTIME_SECONDS (60 s) in a realtime
 * AudioContext with no underrun (AudioContext.playbackStats.underrunEvents, Chromium 156).
 * Search: doubling then bisection with short probes (BENCH_REALTIME_PROBE_SECONDS, 4 s), then
 * the full window at the found N, stepping down by 15% while it underruns (at most 3 tries).
 */
export async function realtimeCapacity(bench, candidate, { maxTracks }) {
  const windowSeconds = env.number('BENCH_REALTIME_SECONDS', 60);
  const probeSeconds = Math.min(windowSeconds, env.number('BENCH_REALTIME_PROBE_SECONDS', 4));
  const probes = [];
  const play = async (tracks, seconds) => {
    const started = await bench.page.evaluate(([c, n]) => window.amplitudeBench.realtimeStart(c, n), [candidate, tracks]);
    await sleep(1500); // start-up (graph building while playing) is not part of the window
    const before = await bench.page.evaluate(() => window.amplitudeBench.realtimeStats());
    await sleep(seconds * 1000 + 1100); // playbackStats refresh about once a second
    const after = await bench.page.evaluate(() => window.amplitudeBench.realtimeStats());
    await bench.page.evaluate(() => window.amplitudeBench.realtimeStop());
    const underruns = after.underrunEvents - before.underrunEvents;
    const underrunMs = (after.underrunDuration - before.underrunDuration) * 1e3;
    const audioSeconds = after.currentTime - before.currentTime;
    const wallSeconds = after.wallTime - before.wallTime;
    const probe = { tracks, seconds, underruns, underrunMs, clockRatio: audioSeconds / wallSeconds, rejected: started.commandsRejected, ok: underruns === 0 && started.commandsRejected === 0 };
    probes.push(probe);
    log(`realtime ${candidate} N=${tracks} ${seconds} s: ${underruns} underruns${started.commandsRejected ? `, ${started.commandsRejected} rejected` : ''}`);
    return probe.ok;
  };
  let good = 0;
  let bad = null;
  for (let tracks = Math.min(16, maxTracks); ; ) {
    if (!(await play(tracks, probeSeconds))) {
      bad = tracks;
      break;
    }
    good = tracks;
    if (tracks >= maxTracks) break;
    tracks = Math.min(tracks * 2, maxTracks);
  }
  if (bad !== null) {
    while (bad - good > Math.max(2, Math.round(good * 0.05))) {
      const middle = Math.round((good + bad) / 2);
      if (await play(middle, probeSeconds)) good = middle;
      else bad = middle;
    }
  }
  // Confirm over the full window.
  let confirmed = null;
  for (let tracks = good, attempt = 0; tracks > 0 && attempt < 3; attempt++) {
    if (windowSeconds === probeSeconds || (await play(tracks, windowSeconds))) {
      confirmed = tracks;
      break;
    }
    tracks = Math.floor(tracks * 0.85);
  }
  return { candidate, tracks: confirmed, limitedByPools: confirmed === maxTracks && bad === null, maxTracks, windowSeconds, probeSeconds, probes };
}

const GC_LINE = /^\[(\d+):(0x[0-9a-f]+)\]\s+[\d.]+ ms: (Scavenge|Mark-Compact|Mark-Sweep|Minor Mark-Sweep|Mark-sweep|Minor Mark-Compact|Memory reducer)/i;

function gcByIsolate(lines) {
  const counts = new Map();
  for (const line of lines) {
    const match = GC_LINE.exec(line);
    if (match) counts.set(match[2], (counts.get(match[2]) ?? 0) + 1);
  }
  return counts;
}

/**
 * GC in the worklet: Chromium with --js-flags=--trace-gc; a marker processor in the engine's
 * worklet scope allocates on purpose first, which names the worklet's isolate in the trace; then
 * the lines of that isolate are counted while the engine renders (offline: a BENCH_GC_SECONDS
 * render; realtime: the same time playing).
 */
export async function gcAndMemory(server) {
  const seconds = env.number('BENCH_GC_SECONDS', 20);
  const tracks = env.number('BENCH_GC_TRACKS', 32);
  const traced = await startGcTracedBench(server);
  const results = [];
  try {
    for (const kind of ['offline', 'realtime']) {
      const beforeMarker = traced.lines.length;
      const { markerObjects } = await traced.page.evaluate(([k, n, s]) => window.amplitudeBench.gcPrepare(k, n, s), [kind, tracks, seconds]);
      await sleep(1500);
      const markerCounts = gcByIsolate(traced.lines.slice(beforeMarker));
      const [workletIsolate, markerGcs] = [...markerCounts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
      const beforeRun = traced.lines.length;
      if (kind === 'realtime') await sleep(seconds * 1000);
      const run = await traced.page.evaluate(() => window.amplitudeBench.gcRun());
      await sleep(1000);
      const runCounts = gcByIsolate(traced.lines.slice(beforeRun));
      const otherGcs = [...runCounts.entries()].filter(([isolate]) => isolate !== workletIsolate).reduce((sum, [, n]) => sum + n, 0);
      results.push({
        kind, tracks, seconds, markerObjects, workletIsolate, markerGcs,
        workletGcs: workletIsolate === null ? null : runCounts.get(workletIsolate) ?? 0,
        otherIsolateGcs: otherGcs,
        memoryGrowthBytes: run.memoryGrowthBytes,
        commandsRejected: run.commandsRejected,
        quanta: run.quanta,
      });
      log(`GC ${kind}: worklet isolate ${workletIsolate} (${markerGcs} marker GCs), ${results.at(-1).workletGcs} GCs while rendering`);
    }
  } finally {
    await traced.close();
  }
  return results;
}

/** Command latency: BENCH_LATENCY_COMMANDS (20,000) SetParams in bursts of 1 to 1,000. */
export async function commandLatency(bench) {
  const commands = env.number('BENCH_LATENCY_COMMANDS', 20000);
  const tracks = env.number('BENCH_LATENCY_TRACKS', 32);
  const result = await bench.page.evaluate(([n, t]) => window.amplitudeBench.commandLatency(n, t), [commands, tracks]);
  const exact = Object.values(result.histogram).reduce((a, b) => a + b, 0);
  const within = (k) => Object.entries(result.histogram).filter(([latency]) => Number(latency) <= k).reduce((sum, [, n]) => sum + n, 0);
  return { ...result, tracks, exact, withinOne: within(1) / exact, withinTwo: within(2) / exact, maxQuanta: Math.max(...Object.keys(result.histogram).map(Number)) };
}
