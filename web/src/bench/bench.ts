// The benchmark page (bench.html): every candidate of `make bench` that runs in the browser,
// exposed as window.amplitudeBench for the Node driver (bench/browser.mjs). Nothing here times
// anything the driver could time itself, and nothing asserts.
import { DEVICES } from '../generated/protocol.generated';
import { startEngine, type RunningEngine } from '../audio/EngineHost';
import { createEngineMemory, loadEngineModule, type EngineVariant } from '../audio/engineModule';
import { emptyEngineState } from '../audio/StateView';
import { renderAmplitudeOffline } from './amplitudeCandidate';
import { chainSession, nodesOfType } from './benchSessions';
import { buildBuiltinChain, renderBuiltinOffline } from './builtinCandidate';
import { SAMPLE_RATE, type ChainSpec } from './chains';
import type { ExportReply, ExportRequest } from './exportWorker';
import gcMarkerUrl from './gcMarker.worklet.ts?worker&url';

export type OfflineCandidate = 'amplitude-simd' | 'amplitude-scalar' | 'amplitude-worker' | 'builtin' | 'tone' | 'elementary';

export interface OfflineResult {
  renderMs: number;
  peak: number;
  commandsRejected?: number;
  memoryGrowthBytes?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function exportInWorker(spec: ChainSpec, variant: EngineVariant): Promise<OfflineResult> {
  const module = await loadEngineModule(variant);
  const worker = new Worker(new URL('./exportWorker.ts', import.meta.url), { type: 'module' });
  try {
    const request: ExportRequest = { module, memory: createEngineMemory(), session: chainSession(spec.tracks, spec.reverb), frames: Math.round(spec.seconds * SAMPLE_RATE) };
    const reply = await new Promise<ExportReply>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<ExportReply>) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage(request);
    });
    return reply;
  } finally {
    worker.terminate();
  }
}

/** One offline render of the chain by one candidate. */
async function offline(candidate: OfflineCandidate, spec: ChainSpec, stopSeconds?: number): Promise<OfflineResult> {
  switch (candidate) {
    case 'amplitude-simd':
    case 'amplitude-scalar': {
      const stop = stopSeconds === undefined ? undefined : Math.round(stopSeconds * SAMPLE_RATE);
      return renderAmplitudeOffline(chainSession(spec.tracks, spec.reverb, stop), spec.seconds, candidate === 'amplitude-simd' ? 'simd' : 'scalar');
    }
    case 'amplitude-worker':
      return exportInWorker(spec, 'simd');
    case 'builtin':
      return renderBuiltinOffline(spec);
    // The peers load on first use (their own chunks).
    case 'tone':
      return (await import('./toneCandidate')).renderToneOffline(spec);
    case 'elementary':
      return (await import('./elementaryCandidate')).renderElementaryOffline(spec);
  }
}

// ---- Realtime: one AudioContext playing the chain, its playbackStats read by the driver ------
let realtime: { context: AudioContext; engine: RunningEngine | null } | null = null;

async function sendAll(engine: RunningEngine, tracks: number, reverb: boolean): Promise<number> {
  const session = chainSession(tracks, reverb);
  for (const { command } of session) engine.client.send(command);
  while (engine.client.backlogLength > 0) {
    await sleep(5);
    engine.client.flush();
  }
  const expected = session.length;
  for (let waited = 0; waited < 5_000; waited += 10) {
    const state = engine.client.readState();
    if (state.commandsApplied + state.commandsRejected >= expected) return state.commandsRejected;
    await sleep(10);
  }
  throw new Error('the engine did not apply the session in 5 s');
}

async function realtimeStart(candidate: 'amplitude' | 'builtin', tracks: number): Promise<{ commandsRejected: number }> {
  await realtimeStop();
  const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  await context.resume();
  realtime = { context, engine: null };
  if (candidate === 'builtin') {
    for (const source of buildBuiltinChain(context, { tracks, reverb: false })) source.start();
    return { commandsRejected: 0 };
  }
  const engine = await startEngine(context, 'simd');
  realtime.engine = engine;
  return { commandsRejected: await sendAll(engine, tracks, false) };
}

function realtimeStats() {
  if (!realtime) throw new Error('no realtime context');
  const stats = (realtime.context as AudioContext & { playbackStats: { toJSON(): Record<string, number> } }).playbackStats.toJSON();
  return { ...stats, currentTime: realtime.context.currentTime, wallTime: performance.now() / 1000 };
}

async function realtimeStop(): Promise<void> {
  if (!realtime) return;
  realtime.engine?.dispose();
  await realtime.context.close();
  realtime = null;
}

/** Diagnostics: polls the realtime engine's state view for `ms` and tallies the quantum steps seen. */
function quantumTrace(ms: number): { steps: Record<number, number>; polls: number; longestGapMs: number } {
  const engine = realtime?.engine;
  if (!engine) throw new Error('no realtime engine');
  const state = emptyEngineState();
  engine.client.readState(state);
  let last = state.quantum;
  let lastTime = performance.now();
  let longestGapMs = 0;
  const steps: Record<number, number> = {};
  let polls = 0;
  const end = performance.now() + ms;
  for (;;) {
    const now = performance.now();
    if (now > end) break;
    longestGapMs = Math.max(longestGapMs, now - lastTime);
    lastTime = now;
    engine.client.readState(state);
    polls++;
    if (state.quantum !== last) {
      steps[state.quantum - last] = (steps[state.quantum - last] ?? 0) + 1;
      last = state.quantum;
    }
  }
  return { steps, polls, longestGapMs };
}

// ---- GC: the engine and a marker processor in one worklet scope ------------------------------
let gcSession: { context: BaseAudioContext; engine: RunningEngine; memoryAtStart: number } | null = null;

async function addGcMarker(context: BaseAudioContext): Promise<number> {
  await context.audioWorklet.addModule(gcMarkerUrl);
  const marker = new AudioWorkletNode(context, 'amplitude-bench-gc-marker', { numberOfInputs: 0, numberOfOutputs: 1 });
  return new Promise<number>((resolve) => {
    marker.port.onmessage = (event: MessageEvent<{ objects: number }>) => resolve(event.data.objects);
  });
}

/** Prepares an engine playing the chain plus the marker; the driver then reads the GC log. */
async function gcPrepare(kind: 'offline' | 'realtime', tracks: number, seconds: number): Promise<{ markerObjects: number }> {
  const context =
    kind === 'offline'
      ? new OfflineAudioContext({ numberOfChannels: 2, length: Math.round(seconds * SAMPLE_RATE), sampleRate: SAMPLE_RATE })
      : new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  const engine = await startEngine(context, 'simd');
  const markerObjects = await addGcMarker(context);
  if (context instanceof AudioContext) {
    await context.resume();
    await sendAll(engine, tracks, false);
  } else {
    const session = chainSession(tracks, false);
    for (const { command } of session) engine.client.send(command);
    engine.client.flush();
    for (let quantum = 1; quantum <= 12; quantum++) {
      void context.suspend((quantum * 128) / SAMPLE_RATE).then(() => {
        engine.client.flush();
        return context.resume();
      });
    }
  }
  gcSession = { context, engine, memoryAtStart: engine.memory.buffer.byteLength };
  return { markerObjects };
}

/** Offline: renders (the driver counts GC lines around this call). Realtime: only reports. */
async function gcRun(): Promise<{ renderMs: number; memoryGrowthBytes: number; commandsRejected: number; quanta: number }> {
  if (!gcSession) throw new Error('gcPrepare first');
  const { context, engine, memoryAtStart } = gcSession;
  let renderMs = 0;
  if (context instanceof OfflineAudioContext) {
    const started = performance.now();
    await context.startRendering();
    renderMs = performance.now() - started;
  }
  const state = engine.client.readState();
  const result = { renderMs, memoryGrowthBytes: engine.memory.buffer.byteLength - memoryAtStart, commandsRejected: state.commandsRejected, quanta: state.quantum };
  engine.dispose();
  if (context instanceof AudioContext) await context.close();
  gcSession = null;
  return result;
}

// ---- Command latency in a realtime AudioContext -----------------------------------------------
export interface LatencyResult {
  commands: number;
  bursts: number;
  /** histogram[k] = commands applied k quanta after the quantum counter read just before writing,
   * for the commands whose applying quantum was observed exactly. */
  histogram: Record<number, number>;
  /** Commands whose applying quantum was not observed exactly (the page's thread was not running
   * while the audio thread rendered several quanta): at most k quanta. */
  upperBounds: Record<number, number>;
  inexact: number;
  rejected: number;
  timedOut: number;
}

async function commandLatency(total: number, tracks: number, seed = 1): Promise<LatencyResult> {
  const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
  await context.resume();
  const engine = await startEngine(context, 'simd');
  try {
    await sendAll(engine, tracks, false);
    const pans = nodesOfType(chainSession(tracks, false), DEVICES.Pan.type);
    const state = emptyEngineState();
    engine.client.readState(state);
    const appliedBase = state.commandsApplied;
    const rejectedBase = state.commandsRejected;
    let random = seed >>> 0;
    const next = () => {
      random = (Math.imul(random, 1664525) + 1013904223) >>> 0;
      return random / 2 ** 32;
    };
    const burstSizes = [1, 1, 1, 1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1000];
    const histogram: Record<number, number> = {};
    const upperBounds: Record<number, number> = {};
    let sent = 0;
    let bursts = 0;
    let inexact = 0;
    let timedOut = 0;
    while (sent < total) {
      const size = Math.min(burstSizes[Math.floor(next() * burstSizes.length)]!, total - sent);
      const written = new Uint32Array(size);
      let writtenCount = 0;
      let resolved = 0;
      engine.client.readState(state);
      let lastQuantum = state.quantum;
      // Every read of the state view is an observation: the first published quantum whose
      // commandsApplied count covers a command is the quantum that applied it (exact when the
      // previous observation was the quantum before).
      const observe = () => {
        engine.client.readState(state);
        if (state.quantum === lastQuantum) return;
        const exact = state.quantum === lastQuantum + 1;
        const applied = state.commandsApplied + (state.commandsRejected - rejectedBase) - appliedBase - sent;
        while (resolved < writtenCount && applied >= resolved + 1) {
          const latency = state.quantum - written[resolved]!;
          if (exact || latency <= 1) histogram[latency] = (histogram[latency] ?? 0) + 1;
          else {
            inexact++;
            upperBounds[latency] = (upperBounds[latency] ?? 0) + 1;
          }
          resolved++;
        }
        lastQuantum = state.quantum;
      };
      for (let i = 0; i < size; i++) {
        observe();
        written[i] = state.quantum;
        const nodeId = pans[(sent + i) % pans.length]!;
        engine.client.send({ type: 'SetParam', nodeId, paramId: DEVICES.Pan.params.pan.id, value: ((sent + i) % 200) / 100 - 1 });
        writtenCount++;
      }
      const deadline = performance.now() + 2_000;
      while (resolved < size) {
        observe();
        if (performance.now() > deadline) {
          timedOut += size - resolved;
          break;
        }
      }
      sent += size;
      bursts++;
      await sleep(next() * 12);
    }
    engine.client.readState(state);
    return { commands: total, bursts, histogram, upperBounds, inexact, rejected: state.commandsRejected - rejectedBase, timedOut };
  } finally {
    engine.dispose();
    await context.close();
  }
}

declare global {
  interface Window {
    amplitudeBench: {
      ready: true;
      offline: typeof offline;
      realtimeStart: typeof realtimeStart;
      realtimeStats: typeof realtimeStats;
      realtimeStop: typeof realtimeStop;
      gcPrepare: typeof gcPrepare;
      gcRun: typeof gcRun;
      commandLatency: typeof commandLatency;
      quantumTrace: typeof quantumTrace;
    };
  }
}

window.amplitudeBench = { ready: true, offline, realtimeStart, realtimeStats, realtimeStop, gcPrepare, gcRun, commandLatency, quantumTrace };
