// The page's audio session: one AudioContext with the engine in it, started on the first user
// gesture (browsers refuse audio before one). A small external store for React
// (useSyncExternalStore) plus one requestAnimationFrame loop that reads the engine's state view
// once per frame and hands it to whoever draws (meters, playhead). Per-frame data never goes
// through React state.
//
// When it follows a project (followProject), the session keeps the engine in step with the
// document through the reconciler: every document change becomes the few commands it needs.
import type { ProjectDocument, Track } from '../generated/project.generated';
import type { Command } from '../generated/protocol.generated';
import { ChannelMetersReader, type StripLevel } from './ChannelMeters';
import type { EngineClient } from './EngineClient';
import { isolationProblem, startEngine, type RunningEngine } from './EngineHost';
import { readEngineLayout } from './EngineLayout';
import { SharedEngineMemory } from './engineMemory';
import { sourceKey, stripKey } from './engineScene';
import { Reconciler, type SampleAudio } from './reconciler';
import { emptyEngineState, type EngineState } from './StateView';

/** What the session needs to follow a project: its document and its assets' audio. */
export interface ProjectSource {
  getDocument(): ProjectDocument;
  subscribe(listener: () => void): () => void;
  audioOf(assetId: string): SampleAudio | undefined;
  subscribeAudio(listener: () => void): () => void;
}

export type SessionStatus = 'idle' | 'starting' | 'running' | 'failed';

export interface SessionSnapshot {
  readonly status: SessionStatus;
  readonly message: string | null;
  readonly sampleRate: number | null;
  readonly variant: string | null;
  /** What the engine cannot play of the project right now (sample memory full, audio missing...). */
  readonly problems: readonly string[];
}

type FrameListener = (state: EngineState, client: EngineClient) => void;

export class EngineSession {
  private snapshot: SessionSnapshot = { status: 'idle', message: isolationProblem(), sampleRate: null, variant: null, problems: [] };
  private readonly listeners = new Set<() => void>();
  private readonly frameListeners = new Set<FrameListener>();
  private readonly frameState = emptyEngineState();
  private context: AudioContext | null = null;
  private engine: RunningEngine | null = null;
  private starting: Promise<EngineClient | null> | null = null;
  private frameRequest = 0;
  private project: ProjectSource | null = null;
  private reconciler: Reconciler | null = null;
  private meters: ChannelMetersReader | null = null;
  private lastDocument: ProjectDocument | null = null;
  /** Per-strip levels by engine node id, refreshed once per animation frame. */
  readonly stripLevels = new Map<number, StripLevel>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  get client(): EngineClient | null {
    return this.engine?.client ?? null;
  }

  /** Starts audio (call from a user gesture). `initialCommands` reach the engine before anything else. */
  start(initialCommands: readonly Command[]): Promise<EngineClient | null> {
    if (this.engine) return Promise.resolve(this.engine.client);
    this.starting ??= this.boot(initialCommands).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Keeps the engine playing `source`'s document from now on (and from the moment audio starts). */
  followProject(source: ProjectSource): () => void {
    this.project = source;
    const unsubscribe = [
      source.subscribe(() => {
        if (source.getDocument() !== this.lastDocument) this.syncProject();
      }),
      source.subscribeAudio(() => this.syncProject()),
    ];
    this.syncProject();
    return () => {
      unsubscribe.forEach((u) => u());
      if (this.project === source) this.project = null;
    };
  }

  /** The engine node id of a track's channel strip (for its meter), once audio runs. */
  stripNodeId(track: Track): number | undefined {
    return this.reconciler?.nodeIdOf(stripKey(track));
  }

  /** The engine node id of an instrument track's instrument (to audition notes on it), once audio runs. */
  instrumentNodeId(track: Track): number | undefined {
    return track.kind === 'instrument' ? this.reconciler?.nodeIdOf(sourceKey(track)) : undefined;
  }

  private syncProject(): void {
    const project = this.project;
    const engine = this.engine;
    if (!project || !engine || !this.context) return;
    if (!this.reconciler) {
      const layout = readEngineLayout(engine.memory.buffer, engine.layoutTableAddress);
      this.reconciler = new Reconciler(this.context.sampleRate, new SharedEngineMemory(engine.memory.buffer, layout), (id) => project.audioOf(id));
      this.meters = new ChannelMetersReader(engine.memory.buffer, layout.channelMetersAddress);
      for (const command of Reconciler.initialCommands()) engine.client.send(command);
    }
    const document = project.getDocument();
    const result = this.reconciler.reconcile(document);
    this.lastDocument = document;
    for (const command of result.commands) engine.client.send(command);
    if (result.problems.join('\n') !== this.snapshot.problems.join('\n')) this.update({ problems: result.problems });
  }

  /** Draws on every animation frame while the engine runs. Returns the unsubscribe function. */
  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  private async boot(initialCommands: readonly Command[]): Promise<EngineClient | null> {
    this.update({ status: 'starting', message: null });
    try {
      this.context = new AudioContext({ latencyHint: 'interactive' });
      await this.context.resume();
      const engine = await startEngine(this.context);
      for (const command of initialCommands) engine.client.send(command);
      engine.onFatalError((message) => this.update({ status: 'failed', message }));
      this.engine = engine;
      this.update({ status: 'running', sampleRate: this.context.sampleRate, variant: engine.variant });
      this.syncProject();
      this.frameRequest = requestAnimationFrame(this.frame);
      return engine.client;
    } catch (error) {
      await this.context?.close().catch(() => undefined);
      this.context = null;
      this.update({ status: 'failed', message: error instanceof Error ? error.message : String(error) });
      return null;
    }
  }

  private readonly frame = () => {
    const engine = this.engine;
    if (!engine) return;
    engine.client.flush();
    const state = engine.client.readState(this.frameState);
    this.meters?.readInto(this.stripLevels);
    for (const listener of this.frameListeners) listener(state, engine.client);
    this.frameRequest = requestAnimationFrame(this.frame);
  };

  private update(change: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }

  dispose(): void {
    cancelAnimationFrame(this.frameRequest);
    this.engine?.dispose();
    this.engine = null;
    void this.context?.close();
  }
}
