// Document -> engine. Given the previous and the next project document, the reconciler emits the
// smallest set of commands that takes the engine from one to the other: it builds the engine
// scene of each (engineScene.ts) and sends only what differs, so an edit while playing touches
// only what it changed. It owns the stable mapping of document objects to engine node ids and
// clip ids, and the sample heap: assets used by audio clips are written there once (resampled to
// the engine's rate) and their space is freed when no clip uses them any more.
//
// Shared memory is written through an EngineMemoryWriter (engineMemory.ts in the browser, a fake
// in the unit tests) before the command that names it is sent.
import type { ProjectDocument } from '../generated/project.generated';
import { BOOT_PATCH, DEVICES, ENGINE_LIMITS, type Command } from '../generated/protocol.generated';
import {
  MASTER_KEY,
  buildScene,
  type EngineScene,
  type SceneAudioClip,
  type SceneAutomation,
  type SceneNotes,
  type TempoEntry,
} from './engineScene';
import { SampleHeapAllocator, SampleHeapFullError } from './sampleHeap';

export interface SampleAudio {
  readonly sampleRate: number;
  readonly channels: readonly Float32Array[];
}

export interface ClipTableEntry {
  readonly clipId: number;
  readonly sampleIndex: number;
  readonly timelineStart: number;
  readonly sourceStart: number;
  readonly length: number;
  readonly loopLength: number;
  readonly gain: number;
  readonly fadeIn: number;
  readonly fadeOut: number;
  readonly fadeCurve: number;
}

/** The parts of the engine's shared memory the reconciler fills. */
export interface EngineMemoryWriter {
  readonly sampleHeapBytes: number;
  /** Writes planar PCM at `heapOffset` and describes it in SampleTable entry `entry`. */
  writeSample(entry: number, heapOffset: number, audio: SampleAudio): void;
  writeClip(slot: number, clip: ClipTableEntry): void;
  writeTempoTable(entries: readonly TempoEntry[]): void;
}

export interface ReconcileResult {
  readonly commands: Command[];
  /** Clear messages for what could not be played (sample memory full, missing audio...). */
  readonly problems: string[];
}

const FIRST_NODE_ID = Math.max(...Object.values(BOOT_PATCH).map((n) => n.nodeId)) + 1;
const MAX_CLIP_NUMBER = 65_535;

/** Hands out small integers, reusing freed ones (lowest first). */
class NumberPool {
  private readonly free: number[] = [];
  private next: number;
  constructor(
    first: number,
    private readonly last: number,
    private readonly what: string,
  ) {
    this.next = first;
  }
  take(): number {
    if (this.free.length > 0) return this.free.shift()!;
    if (this.next > this.last) throw new Error(`no free ${this.what} is left`);
    return this.next++;
  }
  give(value: number): void {
    this.free.push(value);
    this.free.sort((a, b) => a - b);
  }
}

/** Resamples linearly when the asset's rate is not the engine's (import usually did it already). */
export function resampleTo(audio: SampleAudio, sampleRate: number): SampleAudio {
  if (audio.sampleRate === sampleRate) return audio;
  const ratio = audio.sampleRate / sampleRate;
  const frames = Math.floor((audio.channels[0]?.length ?? 0) / ratio);
  const channels = audio.channels.map((source) => {
    const out = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      const position = i * ratio;
      const index = Math.floor(position);
      const fraction = position - index;
      out[i] = (source[index] ?? 0) * (1 - fraction) + (source[index + 1] ?? source[index] ?? 0) * fraction;
    }
    return out;
  });
  return { sampleRate, channels };
}

const EMPTY_SCENE: EngineScene = {
  nodes: new Map([[MASTER_KEY, { device: 'ChannelStrip', params: new Map() }]]),
  connections: new Map(),
  notes: new Map(),
  audioClips: new Map(),
  automation: new Map(),
  tempo: [],
  loop: [0, 0],
  // NaN: the first document always sends its metronome settings.
  metronome: { enabled: false, countInBars: 0, levelDecibels: Number.NaN },
  problems: [],
};

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class Reconciler {
  private applied: EngineScene = EMPTY_SCENE;
  private readonly nodeIds = new Map<string, number>([[MASTER_KEY, ENGINE_LIMITS.masterNodeId]]);
  private readonly nodePool = new NumberPool(FIRST_NODE_ID, ENGINE_LIMITS.maxNodeId, 'engine node id');
  private readonly clipNumbers = new Map<string, number>();
  private readonly clipPool = new NumberPool(1, MAX_CLIP_NUMBER, 'clip number');
  private readonly heap: SampleHeapAllocator;
  private readonly samples = new Map<string, { entry: number; offset: number }>();
  private readonly sampleEntries = new NumberPool(0, ENGINE_LIMITS.sampleTableEntries - 1, 'sample table entry');
  private nextClipSlot = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly memory: EngineMemoryWriter,
    private readonly audioOf: (assetId: string) => SampleAudio | undefined,
  ) {
    this.heap = new SampleHeapAllocator(memory.sampleHeapBytes);
  }

  /** Commands for a fresh engine before the first document: the boot patch is not a song. */
  static initialCommands(): Command[] {
    return Object.values(BOOT_PATCH).map((node) => ({ type: 'RemoveNode', nodeId: node.nodeId }) as Command);
  }

  /** The engine node id of a scene key (e.g. a track's strip), if it exists. */
  nodeIdOf(key: string): number | undefined {
    return this.nodeIds.get(key);
  }

  /** Brings the engine from the last reconciled document to `next`. */
  reconcile(next: ProjectDocument): ReconcileResult {
    const target = buildScene(next, this.sampleRate);
    const previous = this.applied;
    const commands: Command[] = [];
    const problems = [...target.problems];
    const id = (key: string) => this.nodeIds.get(key)!;

    // 1. Connections that go away, then nodes that go away (or change device).
    const replaced = new Set([...target.nodes].filter(([key, node]) => previous.nodes.get(key) && previous.nodes.get(key)!.device !== node.device).map(([key]) => key));
    const removedNodes = [...previous.nodes.keys()].filter((key) => key !== MASTER_KEY && (!target.nodes.has(key) || replaced.has(key)));
    const removed = new Set(removedNodes);
    for (const [key, c] of previous.connections) {
      if (target.connections.has(key) && !removed.has(c.source) && !removed.has(c.destination)) continue;
      if (removed.has(c.source) || removed.has(c.destination)) continue; // RemoveNode drops them
      commands.push({ type: 'Disconnect', sourceNodeId: id(c.source), destinationNodeId: id(c.destination), sourcePort: c.sourcePort, destinationPort: c.destinationPort });
    }
    for (const key of removedNodes) {
      commands.push({ type: 'RemoveNode', nodeId: id(key) });
      this.nodePool.give(id(key));
      this.nodeIds.delete(key);
    }

    // 2. New nodes with the parameters that differ from their defaults; changed parameters.
    for (const [key, node] of target.nodes) {
      const declared = Object.values(DEVICES[node.device].params);
      const defaults = new Map(declared.map((p) => [p.id, p.defaultValue as number]));
      const before = previous.nodes.get(key);
      const isNew = !this.nodeIds.has(key);
      if (isNew) {
        const nodeId = this.nodePool.take();
        this.nodeIds.set(key, nodeId);
        commands.push({ type: 'AddNode', nodeId, deviceType: DEVICES[node.device].type });
      }
      const old = isNew ? new Map<number, number>() : (before?.params ?? new Map<number, number>());
      for (const paramId of new Set([...node.params.keys(), ...old.keys()])) {
        const value = node.params.get(paramId) ?? defaults.get(paramId)!;
        const was = old.get(paramId) ?? defaults.get(paramId)!;
        if (value !== was) commands.push({ type: 'SetParam', nodeId: id(key), paramId, value });
      }
    }

    // 3. New connections, and connections whose gain changed (Connect again changes the gain).
    for (const [key, c] of target.connections) {
      const before = previous.connections.get(key);
      const endsRenewed = removed.has(c.source) || removed.has(c.destination);
      if (before && before.gain === c.gain && !endsRenewed) continue;
      commands.push({ type: 'Connect', sourceNodeId: id(c.source), destinationNodeId: id(c.destination), sourcePort: c.sourcePort, destinationPort: c.destinationPort, gain: c.gain });
    }

    // 4. Tempo map first: positions below are already in frames, the engine's clock needs it too.
    if (!sameJson(previous.tempo, target.tempo) && target.tempo.length > 0) {
      this.memory.writeTempoTable(target.tempo);
      commands.push({ type: 'CommitTempoMap', count: target.tempo.length });
      commands.push({ type: 'SetTempo', beatsPerMinute: target.tempo[0]!.beatsPerMinute });
    }
    if (!sameJson(previous.loop, target.loop)) {
      commands.push({ type: 'SetLoop', startSamples: BigInt(target.loop[0]), endSamples: BigInt(target.loop[1]) });
    }
    if (!sameJson(previous.metronome, target.metronome)) {
      const m = target.metronome;
      commands.push({ type: 'SetMetronome', enabled: m.enabled ? 1 : 0, countInBars: m.countInBars, levelDecibels: m.levelDecibels });
    }

    const notes = this.reconcileNotes(previous, target, removed, commands);
    const audioClips = this.reconcileAudioClips(previous, target, removed, commands, problems);
    const automation = this.reconcileAutomation(previous, target, removed, commands);

    this.applied = { ...target, notes, audioClips, automation };
    this.releaseUnusedClipNumbers();
    return { commands, problems };
  }

  private clipNumber(clipId: string): number {
    let number = this.clipNumbers.get(clipId);
    if (number === undefined) {
      number = this.clipPool.take();
      this.clipNumbers.set(clipId, number);
    }
    return number;
  }

  private releaseUnusedClipNumbers(): void {
    const live = new Set([...this.applied.notes.values()].map((n) => n.clipId).concat([...this.applied.audioClips.values()].map((c) => c.clipId)));
    for (const [clipId, number] of this.clipNumbers) {
      if (live.has(clipId)) continue;
      this.clipNumbers.delete(clipId);
      this.clipPool.give(number);
    }
  }

  private reconcileNotes(previous: EngineScene, target: EngineScene, removed: ReadonlySet<string>, commands: Command[]): Map<string, SceneNotes> {
    for (const [key, before] of previous.notes) {
      const after = target.notes.get(key);
      if (removed.has(before.node) || (after && sameJson(after.events, before.events))) continue;
      commands.push({ type: 'ClearNotes', nodeId: this.nodeIds.get(before.node)!, clipId: this.clipNumber(before.clipId) });
    }
    for (const [key, after] of target.notes) {
      const before = previous.notes.get(key);
      if (before && !removed.has(after.node) && sameJson(after.events, before.events)) continue;
      const nodeId = this.nodeIds.get(after.node)!;
      const clipId = this.clipNumber(after.clipId);
      for (const event of after.events) {
        commands.push({ type: 'ScheduleNote', nodeId, note: event.note, velocity: event.velocity, clipId, positionSamples: BigInt(event.frame) });
      }
    }
    return new Map(target.notes);
  }

  private reconcileAudioClips(
    previous: EngineScene,
    target: EngineScene,
    removed: ReadonlySet<string>,
    commands: Command[],
    problems: string[],
  ): Map<string, SceneAudioClip> {
    const placed = new Map<string, SceneAudioClip>();
    for (const [clipId, before] of previous.audioClips) {
      const after = target.audioClips.get(clipId);
      if (removed.has(before.node)) continue;
      if (after && after.node === before.node) continue; // replaced in place by PlaceClip below
      commands.push({ type: 'RemoveClip', nodeId: this.nodeIds.get(before.node)!, clipId: this.clipNumber(clipId) });
    }
    for (const [clipId, after] of target.audioClips) {
      const before = previous.audioClips.get(clipId);
      if (before && !removed.has(after.node) && sameJson(before, after)) {
        placed.set(clipId, after);
        continue;
      }
      const sample = this.residentSample(after.assetId, problems);
      if (!sample) continue; // not placed: retried on the next reconcile (e.g. once the audio arrives)
      const slot = this.nextClipSlot;
      this.nextClipSlot = (this.nextClipSlot + 1) % ENGINE_LIMITS.clipTableEntries;
      this.memory.writeClip(slot, {
        clipId: this.clipNumber(clipId),
        sampleIndex: sample.entry,
        timelineStart: after.timelineStart,
        sourceStart: after.sourceStart,
        length: after.length,
        loopLength: after.loopLength,
        gain: after.gain,
        fadeIn: after.fadeIn,
        fadeOut: after.fadeOut,
        fadeCurve: after.fadeCurve,
      });
      commands.push({ type: 'PlaceClip', nodeId: this.nodeIds.get(after.node)!, slot });
      placed.set(clipId, after);
    }
    // Free the heap space of assets no placed clip uses any more (their RemoveClip is already queued).
    const used = new Set([...placed.values()].map((clip) => clip.assetId));
    for (const [assetId, sample] of this.samples) {
      if (used.has(assetId)) continue;
      this.heap.release(sample.offset);
      this.sampleEntries.give(sample.entry);
      this.samples.delete(assetId);
    }
    return placed;
  }

  private residentSample(assetId: string, problems: string[]): { entry: number; offset: number } | null {
    const resident = this.samples.get(assetId);
    if (resident) return resident;
    const audio = this.audioOf(assetId);
    if (!audio) {
      problems.push(`the audio of asset ${assetId} is not loaded yet`);
      return null;
    }
    const pcm = resampleTo(audio, this.sampleRate);
    const frames = pcm.channels[0]?.length ?? 0;
    const channels = pcm.channels.slice(0, 2);
    let entry: number;
    try {
      entry = this.sampleEntries.take();
    } catch {
      problems.push('the engine holds no more distinct audio files (256); remove some audio clips');
      return null;
    }
    try {
      const offset = this.heap.allocate(frames * channels.length * 4);
      this.memory.writeSample(entry, offset, { sampleRate: pcm.sampleRate, channels });
      const sample = { entry, offset };
      this.samples.set(assetId, sample);
      return sample;
    } catch (error) {
      this.sampleEntries.give(entry);
      if (!(error instanceof SampleHeapFullError)) throw error;
      if (!problems.includes(error.message)) problems.push(error.message);
      return null;
    }
  }

  private reconcileAutomation(previous: EngineScene, target: EngineScene, removed: ReadonlySet<string>, commands: Command[]): Map<string, SceneAutomation> {
    for (const [key, before] of previous.automation) {
      if (removed.has(before.node) || target.automation.has(key)) continue;
      commands.push({ type: 'ClearAutomation', nodeId: this.nodeIds.get(before.node)!, paramId: before.paramId });
    }
    for (const [key, after] of target.automation) {
      const before = previous.automation.get(key);
      const fresh = removed.has(after.node) || !before;
      if (!fresh && sameJson(before.points, after.points)) continue;
      const nodeId = this.nodeIds.get(after.node)!;
      if (!fresh) commands.push({ type: 'ClearAutomation', nodeId, paramId: after.paramId });
      for (const point of after.points) {
        commands.push({ type: 'AddAutomationPoint', nodeId, paramId: after.paramId, shape: point.shape, curvature: point.curvature, positionSamples: point.frame, value: point.value });
      }
    }
    return new Map(target.automation);
  }
}
