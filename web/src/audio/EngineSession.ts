// The page's audio session: one AudioContext with the engine in it, started on the first user
// gesture (browsers refuse audio before one). A small external store for React
// (useSyncExternalStore) plus one requestAnimationFrame loop that reads the engine's state view
// once per frame and hands it to whoever draws (meters, playhead). Per-frame data never goes
// through React state.
import type { Command } from '../generated/protocol.generated';
import type { EngineClient } from './EngineClient';
import { isolationProblem, startEngine, type RunningEngine } from './EngineHost';
import { emptyEngineState, type EngineState } from './StateView';

export type SessionStatus = 'idle' | 'starting' | 'running' | 'failed';

export interface SessionSnapshot {
  readonly status: SessionStatus;
  readonly message: string | null;
  readonly sampleRate: number | null;
  readonly variant: string | null;
}

type FrameListener = (state: EngineState, client: EngineClient) => void;

export class EngineSession {
  private snapshot: SessionSnapshot = { status: 'idle', message: isolationProblem(), sampleRate: null, variant: null };
  private readonly listeners = new Set<() => void>();
  private readonly frameListeners = new Set<FrameListener>();
  private readonly frameState = emptyEngineState();
  private context: AudioContext | null = null;
  private engine: RunningEngine | null = null;
  private starting: Promise<EngineClient | null> | null = null;
  private frameRequest = 0;

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
