// Amplitude's engine in its AudioWorklet (the real worklet, the real .wasm), rendering a session
// offline; the figure is the OfflineAudioContext's render wall time, as for every candidate.
//
// Commands at frame 0 go into the ring before rendering; what does not fit (the ring holds 1024
// records, a 256-track chain is ~9,000 commands) waits in the client's backlog and is flushed at
// the first quanta (the context suspends there, exactly on quantum boundaries). Later commands are
// written at their quantum the same way, with their sample offset.
import { FRAMES_PER_QUANTUM } from '../generated/protocol.generated';
import { startEngine } from '../audio/EngineHost';
import type { EngineVariant } from '../audio/engineModule';
import type { TimedCommand } from '../audio/sessions';
import { peakOf } from './builtinCandidate';
import { SAMPLE_RATE } from './chains';

export interface AmplitudeOfflineResult {
  renderMs: number;
  peak: number;
  variant: EngineVariant;
  commandsApplied: number;
  commandsRejected: number;
  lastErrorCode: number;
  memoryGrowthBytes: number;
}

export async function renderAmplitudeOffline(session: readonly TimedCommand[], seconds: number, variant: EngineVariant): Promise<AmplitudeOfflineResult> {
  const frames = Math.round(seconds * SAMPLE_RATE);
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: frames, sampleRate: SAMPLE_RATE });
  const engine = await startEngine(context, variant);
  const memoryAtStart = engine.memory.buffer.byteLength;
  const { client } = engine;

  const byQuantum = new Map<number, TimedCommand[]>();
  for (const entry of session) {
    const quantum = Math.floor(entry.frame / FRAMES_PER_QUANTUM);
    const list = byQuantum.get(quantum) ?? [];
    list.push(entry);
    byQuantum.set(quantum, list);
  }
  const send = (list: readonly TimedCommand[] | undefined) => {
    for (const { frame, command } of list ?? []) client.send(command, frame % FRAMES_PER_QUANTUM);
    client.flush();
  };
  send(byQuantum.get(0));
  const suspendAt = new Set<number>([...byQuantum.keys()].filter((quantum) => quantum > 0 && quantum * FRAMES_PER_QUANTUM < frames));
  // Enough quanta to drain the backlog one ring's worth at a time.
  const backlogQuanta = Math.ceil(client.backlogLength / 1024) + 1;
  for (let quantum = 1; quantum <= backlogQuanta && client.backlogLength > 0; quantum++) suspendAt.add(quantum);
  for (const quantum of suspendAt) {
    void context.suspend((quantum * FRAMES_PER_QUANTUM) / SAMPLE_RATE).then(() => {
      send(byQuantum.get(quantum));
      return context.resume();
    });
  }

  const started = performance.now();
  const rendered = await context.startRendering();
  const renderMs = performance.now() - started;
  const state = client.readState();
  const memoryGrowthBytes = engine.memory.buffer.byteLength - memoryAtStart;
  engine.dispose();
  return {
    renderMs,
    peak: peakOf(rendered),
    variant: engine.variant,
    commandsApplied: state.commandsApplied,
    commandsRejected: state.commandsRejected + client.backlogLength,
    lastErrorCode: state.lastErrorCode,
    memoryGrowthBytes,
  };
}
