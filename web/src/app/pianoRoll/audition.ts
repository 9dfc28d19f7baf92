// Hearing notes while editing: NoteOn now on the track's instrument node (the id the reconciler
// gave it), NoteOff after a short time or when the key is let go. Sending a command only writes
// to the ring, so this never blocks. Every NoteOn is paired with exactly one NoteOff: a pitch that
// is played again is released first, and releaseAll() ends everything (unmount, lost pointer).
import type { EngineSession } from '../../audio/EngineSession';
import type { Track } from '../../generated/project.generated';

/** How long a drawn or moved note sounds. */
export const AUDITION_MS = 200;

interface Held {
  readonly nodeId: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class Auditioner {
  private readonly held = new Map<number, Held>();

  constructor(private readonly session: EngineSession) {}

  /** Plays `pitch` for `ms` milliseconds. */
  play(track: Track, pitch: number, velocity: number, ms = AUDITION_MS): void {
    const held = this.start(track, pitch, velocity);
    if (held) held.timer = setTimeout(() => this.release(pitch), ms);
  }

  /** Starts `pitch` until release() (a held piano key). */
  start(track: Track, pitch: number, velocity: number): Held | null {
    const client = this.session.client;
    if (!client) {
      // No audio yet: this click is a user gesture, so start it for the next note.
      void this.session.start([]);
      return null;
    }
    const nodeId = this.session.instrumentNodeId(track);
    if (nodeId === undefined) return null;
    this.release(pitch);
    client.send({ type: 'NoteOn', nodeId, note: pitch, velocity: Math.min(1, Math.max(0.01, velocity)) });
    const held: Held = { nodeId, timer: null };
    this.held.set(pitch, held);
    return held;
  }

  release(pitch: number): void {
    const held = this.held.get(pitch);
    if (!held) return;
    if (held.timer) clearTimeout(held.timer);
    this.held.delete(pitch);
    this.session.client?.send({ type: 'NoteOff', nodeId: held.nodeId, note: pitch });
  }

  releaseAll(): void {
    for (const pitch of [...this.held.keys()]) this.release(pitch);
  }
}
