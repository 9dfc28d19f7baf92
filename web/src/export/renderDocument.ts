// The export's render: a project document through the same Reconciler the live app uses into a
// fresh engine instance (its own shared memory, its own sample heap), played from the span's
// start and rendered quantum by quantum as fast as the CPU allows. No AudioContext, no audio
// thread: the caller's thread runs the engine. Runs in the export Worker and, unchanged, in Node
// for the determinism test against amplitude-render --project.
import type { ProjectDocument } from '../generated/project.generated';
import { ENGINE_MEMORY_PAGES, ERROR_MESSAGES, FRAMES_PER_QUANTUM } from '../generated/protocol.generated';
import { EngineClient } from '../audio/EngineClient';
import { engineImports } from '../audio/engineImports';
import { readEngineLayout } from '../audio/EngineLayout';
import { SharedEngineMemory } from '../audio/engineMemory';
import { buildScene } from '../audio/engineScene';
import { Reconciler, type SampleAudio } from '../audio/reconciler';
import { ExportError, SILENCE_LEVEL, TAIL_SILENCE_SECONDS, type ExportSpan } from './exportRange';

interface EngineExports {
  _initialize(): void;
  amp_prepare(sampleRate: number): number;
  amp_render_quantum(): void;
}

export interface RenderedAudio {
  /** Interleaved stereo, exactly `frames` frames. */
  readonly interleaved: Float32Array;
  readonly frames: number;
  readonly sampleRate: number;
  /** Wall-clock time of the render loop alone. */
  readonly renderMs: number;
  /** What the engine could not do, worth telling but not worth stopping for. */
  readonly warnings: string[];
}

/** Called with the fraction done (0..1), at most every PROGRESS_INTERVAL_MS. */
export type ProgressListener = (fraction: number) => void;

export const PROGRESS_INTERVAL_MS = 50;
/** Longer than every parameter glide of every device (the longest, a reverb's size, is 100 ms). */
export const SETTLE_SECONDS = 0.25;
const QUANTA_BETWEEN_CLOCK_READS = 16;

function startEngine(module: WebAssembly.Module, sampleRate: number) {
  let memory: WebAssembly.Memory;
  try {
    // Shared because the module is built for threads and declares a shared memory import.
    memory = new WebAssembly.Memory({ initial: ENGINE_MEMORY_PAGES, maximum: ENGINE_MEMORY_PAGES, shared: true });
  } catch {
    throw new ExportError(`there is not enough memory for the export engine (${(ENGINE_MEMORY_PAGES / 16).toFixed(0)} MB): close other tabs and try again`);
  }
  const engine = new WebAssembly.Instance(module, engineImports(memory)).exports as unknown as EngineExports;
  engine._initialize();
  const layout = readEngineLayout(memory.buffer, engine.amp_prepare(sampleRate));
  return { memory, engine, layout };
}

/** Any trap or fatal exit of the engine, in plain words. */
function engineStopped(error: unknown): ExportError {
  if (error instanceof ExportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ExportError(`the audio engine stopped during the export (${message})`);
}

export function renderDocument(
  module: WebAssembly.Module,
  document: ProjectDocument,
  audioOf: (assetId: string) => SampleAudio | undefined,
  sampleRate: number,
  span: ExportSpan,
  onProgress: ProgressListener = () => undefined,
): RenderedAudio {
  const { memory, engine, layout } = startEngine(module, sampleRate);
  const client = new EngineClient(memory.buffer, layout);
  const reconciler = new Reconciler(sampleRate, new SharedEngineMemory(memory.buffer, layout), audioOf);

  // The scene's own problems (e.g. automation the engine does not play yet) are the live app's
  // too: warnings. What the reconciler adds (audio missing, sample memory full) would make the
  // file differ from the song: errors.
  const sceneProblems = new Set(buildScene(document, sampleRate).problems);
  const result = reconciler.reconcile(document);
  const fatal = result.problems.filter((p) => !sceneProblems.has(p));
  if (fatal.length > 0) throw new ExportError(fatal.join('; '));
  const warnings = [...sceneProblems];

  // Everything first, then stopped quanta until every parameter has glided to its value (a strip
  // at -6 dB starts at 0 dB and ramps for ~10 ms, a reverb's size for 100 ms): playing at once
  // would let the first milliseconds through at the default levels, which live playback never
  // does since the song is loaded long before Play. Their output is dropped. A song bigger than
  // the ring also drains through them. Then Seek and Play, applied in the first recorded quantum.
  // amplitude-render --project settles the same way (render/ProjectLoader.h, kSettleSeconds),
  // so the two files are the same bits.
  for (const command of [...Reconciler.initialCommands(), ...result.commands]) client.send(command);
  const left = new Float32Array(memory.buffer, layout.outputAddresses[0]!, FRAMES_PER_QUANTUM);
  const right = new Float32Array(memory.buffer, layout.outputAddresses[1]!, FRAMES_PER_QUANTUM);
  const settleQuanta = Math.ceil((SETTLE_SECONDS * sampleRate) / FRAMES_PER_QUANTUM);
  const maxFrames = span.frames + span.maxTailFrames;
  const silenceFrames = Math.round(TAIL_SILENCE_SECONDS * sampleRate);
  const expectedFrames = span.frames + (span.maxTailFrames > 0 ? silenceFrames : 0);
  let out: Float32Array;
  try {
    out = new Float32Array(maxFrames * 2);
  } catch {
    throw new ExportError('there is not enough memory to hold the exported audio: export a shorter range');
  }

  let rendered = 0;
  let lastAudible = -1;
  const started = performance.now();
  let lastReport = started;
  try {
    // Counted from the quantum that applies the last batch (the first one with no backlog behind
    // it), so the ring is empty afterwards and Seek and Play are sure to fit.
    client.flush();
    for (let settled = 0; settled < settleQuanta; ) {
      const more = client.backlogLength > 0;
      engine.amp_render_quantum();
      client.flush();
      settled = more ? 0 : settled + 1;
    }
    client.send({ type: 'Seek', positionSamples: BigInt(span.startFrame) });
    client.send({ type: 'Play' });
    client.flush();
    if (client.backlogLength > 0) throw new ExportError('the engine did not take the song\'s commands');
    for (let quantum = 0; ; quantum++) {
      const inTail = rendered >= span.frames;
      if (rendered >= maxFrames || (inTail && (span.maxTailFrames === 0 || rendered - (lastAudible + 1) >= silenceFrames))) break;
      engine.amp_render_quantum();
      const take = Math.min(FRAMES_PER_QUANTUM, maxFrames - rendered);
      for (let i = 0; i < take; i++) {
        const l = left[i]!;
        const r = right[i]!;
        out[2 * (rendered + i)] = l;
        out[2 * (rendered + i) + 1] = r;
        if (Math.abs(l) > SILENCE_LEVEL || Math.abs(r) > SILENCE_LEVEL) lastAudible = rendered + i;
      }
      rendered += take;
      if (quantum % QUANTA_BETWEEN_CLOCK_READS === 0) {
        const now = performance.now();
        if (now - lastReport >= PROGRESS_INTERVAL_MS) {
          lastReport = now;
          onProgress(Math.min(0.99, rendered / expectedFrames));
        }
      }
    }
  } catch (error) {
    throw engineStopped(error);
  }
  const renderMs = performance.now() - started;
  // The whole song always; after it, the tail up to its last audible frame.
  const frames = span.maxTailFrames === 0 ? span.frames : Math.min(maxFrames, Math.max(span.frames, lastAudible + 1));
  const state = client.readState();
  if (state.commandsRejected > 0) {
    warnings.push(`the engine refused ${state.commandsRejected} of the song's commands (the last: ${ERROR_MESSAGES[state.lastErrorCode] ?? state.lastErrorCode}), so the file may differ from what plays`);
  }
  onProgress(1);
  return { interleaved: out.subarray(0, frames * 2), frames, sampleRate, renderMs, warnings };
}
