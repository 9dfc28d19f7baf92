// The engine harness page (harness.html): renders through the real worklet and the real .wasm in an
// OfflineAudioContext, for the browser tests and the benchmarks. Exposed as window.amplitudeHarness.
//
// Commands are scheduled by quantum: the context is suspended at that quantum's first frame (an
// OfflineAudioContext suspends exactly on quantum boundaries), the commands go into the ring, and
// rendering resumes, so each command lands on a known absolute sample.
import type { ProjectDocument } from '../generated/project.generated';
import type { Command } from '../generated/protocol.generated';
import { readEngineLayout } from '../audio/EngineLayout';
import { SharedEngineMemory } from '../audio/engineMemory';
import { Reconciler } from '../audio/reconciler';
import { FRAMES_PER_QUANTUM } from '../generated/protocol.generated';
import { startEngine } from '../audio/EngineHost';
import type { EngineVariant } from '../audio/engineModule';
import type { EngineState } from '../audio/StateView';
import { busySession, encodeSessionFile } from '../audio/sessions';
import { encodeCommand } from '../generated/protocol.generated';

/** A command as JSON can carry it (Seek's position as a number). */
type PlainCommand = Exclude<Command, { type: 'Seek' }> | { type: 'Seek'; positionSamples: number };

export interface ScheduledCommand {
  quantum: number;
  sampleOffset?: number;
  command: PlainCommand;
}

export interface OfflineRenderRequest {
  frames: number;
  sampleRate?: number;
  variant?: EngineVariant;
  commands: ScheduledCommand[];
}

export interface OfflineRenderResult {
  sampleRate: number;
  frames: number;
  variant: EngineVariant;
  /** Each channel's Float32 samples, little-endian, base64. */
  channels: string[];
  state: EngineState;
  memoryBytesAtStart: number;
  memoryBytesAtEnd: number;
  renderMilliseconds: number;
}

const toWireCommand = (command: PlainCommand): Command =>
  command.type === 'Seek' ? { type: 'Seek', positionSamples: BigInt(command.positionSamples) } : command;

function base64OfFloats(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function renderOffline(request: OfflineRenderRequest): Promise<OfflineRenderResult> {
  const sampleRate = request.sampleRate ?? 48000;
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: request.frames, sampleRate });
  const engine = await startEngine(context, request.variant);
  const memoryBytesAtStart = engine.memory.buffer.byteLength;

  const byQuantum = new Map<number, ScheduledCommand[]>();
  for (const scheduled of request.commands) {
    const list = byQuantum.get(scheduled.quantum) ?? [];
    list.push(scheduled);
    byQuantum.set(scheduled.quantum, list);
  }
  const sendAll = (list: ScheduledCommand[]) => {
    for (const { command, sampleOffset } of list) engine.client.send(toWireCommand(command), sampleOffset ?? 0);
    engine.client.flush();
  };
  for (const [quantum, list] of byQuantum) {
    if (quantum === 0) {
      sendAll(list);
      continue;
    }
    void context.suspend((quantum * FRAMES_PER_QUANTUM) / sampleRate).then(() => {
      sendAll(list);
      return context.resume();
    });
  }

  const started = performance.now();
  const rendered = await context.startRendering();
  const renderMilliseconds = performance.now() - started;
  const channels = [0, 1].map((channel) => base64OfFloats(rendered.getChannelData(channel)));
  const state = engine.client.readState();
  engine.dispose();
  return {
    sampleRate,
    frames: request.frames,
    variant: engine.variant,
    channels,
    state,
    memoryBytesAtStart,
    memoryBytesAtEnd: engine.memory.buffer.byteLength,
    renderMilliseconds,
  };
}

export interface ProjectRenderResult extends OfflineRenderResult {
  /** What the reconciler could not play. */
  problems: string[];
}

/**
 * Renders a project document from its start, the transport playing: the same reconciler the app
 * runs turns it into commands and shared-memory tables (MIDI and synthesis only: no audio assets).
 */
async function renderProject(documentText: string, frames: number, sampleRate = 48000): Promise<ProjectRenderResult> {
  const document = JSON.parse(documentText) as ProjectDocument;
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: frames, sampleRate });
  const engine = await startEngine(context);
  const layout = readEngineLayout(engine.memory.buffer, engine.layoutTableAddress);
  const reconciler = new Reconciler(sampleRate, new SharedEngineMemory(engine.memory.buffer, layout), () => undefined);
  const result = reconciler.reconcile(document);
  for (const command of [...Reconciler.initialCommands(), ...result.commands, { type: 'Play' } as const]) engine.client.send(command);
  engine.client.flush();
  if (engine.client.backlogLength > 0) throw new Error('the project needs more commands than the ring holds at once');
  const started = performance.now();
  const rendered = await context.startRendering();
  const renderMilliseconds = performance.now() - started;
  const state = engine.client.readState();
  engine.dispose();
  return {
    sampleRate,
    frames,
    variant: engine.variant,
    channels: [0, 1].map((channel) => base64OfFloats(rendered.getChannelData(channel))),
    state,
    memoryBytesAtStart: engine.memory.buffer.byteLength,
    memoryBytesAtEnd: engine.memory.buffer.byteLength,
    renderMilliseconds,
    problems: result.problems,
  };
}

const sessions = { busy: busySession };

export interface SessionRenderResult extends OfflineRenderResult {
  /** The session as amplitude-render reads it (u64 frame + record per entry), base64. */
  sessionFile: string;
}

/** Renders a scripted session (sessions.ts) through the worklet, with the command file the
 * native renderer needs to render the same session, so a test can compare the bits. */
async function renderSession(name: keyof typeof sessions, frames: number, variant?: EngineVariant): Promise<SessionRenderResult> {
  const session = sessions[name](frames);
  const commands: ScheduledCommand[] = session.map(({ frame, command }) => ({
    quantum: Math.floor(frame / FRAMES_PER_QUANTUM),
    sampleOffset: frame % FRAMES_PER_QUANTUM,
    command: command.type === 'Seek' ? { type: 'Seek', positionSamples: Number(command.positionSamples) } : command,
  }));
  const result = await renderOffline(variant ? { frames, variant, commands } : { frames, commands });
  let sequence = 1;
  const file = encodeSessionFile(session, (view, at, command) => encodeCommand(view, at, command, sequence++, 0));
  let binary = '';
  for (let i = 0; i < file.length; i += 0x8000) binary += String.fromCharCode(...file.subarray(i, i + 0x8000));
  return { ...result, sessionFile: btoa(binary) };
}

declare global {
  interface Window {
    amplitudeHarness: { renderOffline: typeof renderOffline; renderSession: typeof renderSession; renderProject: typeof renderProject; ready: true };
  }
}

window.amplitudeHarness = { renderOffline, renderSession, renderProject, ready: true };
