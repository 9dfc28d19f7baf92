// Live collaboration on one server project (protocol: server/docs/collaboration.md).
//
// Three documents are in play. `confirmed` is the server's document at `revision`: only what the
// server has ordered. `pending` are my edits (operations, each with its sequence number) the
// server has not acknowledged yet, in order. What the store shows is confirmed + pending. A
// collaborator's operation is applied to `confirmed`, then my pending edits are replayed on top
// (the rebase); the store gets the result through applyRemote, which also rebases its undo
// history so undo never takes back someone else's edit. The server applies every edit to its
// head in its own order, so everyone converges on the same document.
//
// Reconnecting (with backoff) says `resumeFrom: revision`; the server replays what was missed
// and the pending edits are sent again with their original sequence numbers, which the server
// recognises (idempotency key = client id + seq): nothing is applied twice or lost.
import type { ProjectDocument } from '../generated/project.generated';
import type { ProjectStore } from '../state/projectStore';
import { applyOps, diffDocuments, OpConflict, type DocumentOp } from './documentOps';

export interface Peer {
  readonly clientId: string;
  readonly username: string;
  readonly selection: readonly string[];
  readonly playheadBeat: number | null;
}

export interface CollabState {
  readonly status: 'connecting' | 'live' | 'offline' | 'closed';
  readonly revision: number;
  readonly pendingEdits: number;
  readonly peers: readonly Peer[];
  /** The last edit of mine the server refused, in plain words. */
  readonly refused: string | null;
  /** Why the connection is not live, if it is not. */
  readonly problem: string | null;
}

type ServerMessage =
  | { type: 'welcome'; revision: number }
  | { type: 'snapshot'; revision: number; document: ProjectDocument }
  | { type: 'op'; revision: number; clientId: string; seq: number; ops: DocumentOp[] }
  | { type: 'ack'; seq: number; revision: number }
  | { type: 'reject'; seq: number; reason: string; detail?: string }
  | { type: 'presence'; peers: Peer[] }
  | { type: 'error'; reason: string; detail?: string };

interface PendingEdit {
  readonly seq: number;
  readonly ops: DocumentOp[];
}

/** The socket surface used here (the browser's WebSocket has it). */
export interface CollabSocket {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const PRESENCE_INTERVAL_MS = 100;
const MAX_BACKOFF_MS = 10_000;

export const liveUrl = (projectId: number, origin = location.origin) =>
  `${origin.replace(/^http/, 'ws')}/api/projects/${projectId}/live`;

export class CollabSession {
  private state: CollabState;
  private readonly listeners = new Set<() => void>();
  private readonly clientId = randomClientId();
  private socket: CollabSocket | null = null;
  private confirmed: ProjectDocument;
  private pending: PendingEdit[] = [];
  private nextSeq = 1;
  /** The store's document as last seen here: a new one not made by us is a local edit. */
  private lastSeen: ProjectDocument;
  private unsubscribeStore: () => void;
  private backoffMs = 500;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private presence = { selection: [] as readonly string[], playheadBeat: null as number | null, dirty: false };

  constructor(
    private readonly store: ProjectStore,
    private readonly url: string,
    /** What the server had when this session was opened (the store may hold edits on top). */
    base: { readonly revision: number; readonly document: ProjectDocument },
    private readonly onRevision: (revision: number, document: ProjectDocument) => void = () => {},
    private readonly openSocket: (url: string) => CollabSocket = (u) => new WebSocket(u) as unknown as CollabSocket,
  ) {
    this.confirmed = base.document;
    this.lastSeen = base.document;
    this.state = { status: 'connecting', revision: base.revision, pendingEdits: 0, peers: [], refused: null, problem: null };
    this.unsubscribeStore = store.subscribe(() => this.noticeLocalEdit());
    this.noticeLocalEdit(); // edits made since the base (offline, or before a reload) go first
    this.connect();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): CollabState => this.state;

  /** My selection and playhead for the others (sent at most every 100 ms, the last one always). */
  setPresence(selection: readonly string[], playheadBeat: number | null): void {
    this.presence = { selection, playheadBeat, dirty: true };
    if (this.presenceTimer === null) this.flushPresence();
  }

  close(): void {
    this.unsubscribeStore();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.update({ status: 'closed' });
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'closed');
  }

  // ---- local edits ----------------------------------------------------------------------------

  private noticeLocalEdit(): void {
    const document = this.store.document;
    if (document === this.lastSeen) return; // a selection or view change
    const ops = diffDocuments(this.lastSeen, document);
    this.lastSeen = document;
    if (ops.length === 0) return;
    const edit = { seq: this.nextSeq++, ops };
    this.pending.push(edit);
    this.update({ pendingEdits: this.pending.length });
    this.sendEdit(edit);
  }

  private sendEdit(edit: PendingEdit): void {
    if (this.state.status !== 'live') return; // sent on (re)connection
    this.send({ type: 'edit', clientId: this.clientId, seq: edit.seq, baseRevision: this.state.revision, ops: edit.ops });
  }

  // ---- connection ---------------------------------------------------------------------------

  private connect(): void {
    this.update({ status: 'connecting' });
    const socket = this.openSocket(this.url);
    this.socket = socket;
    socket.onopen = () => this.send({ type: 'hello', clientId: this.clientId, resumeFrom: this.state.revision });
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      try {
        this.receive(JSON.parse(event.data) as ServerMessage);
      } catch (error) {
        this.update({ problem: `unreadable message from the server: ${String(error)}` });
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const problem = event.reason || (event.code === 1006 ? 'connection lost' : `closed (${event.code})`);
      this.update({ status: 'offline', problem, peers: [] });
      // Refusals (not a member, signed out) are final; anything else is retried with backoff.
      if (event.code === 1008 && /forbidden|not found|sign/i.test(event.reason)) return;
      this.reconnectTimer = setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    };
  }

  private send(message: object): void {
    this.socket?.send(JSON.stringify(message));
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.backoffMs = 500;
        this.update({ status: 'live', problem: null });
        for (const edit of this.pending) this.sendEdit(edit); // same seq: the server dedups
        this.presence.dirty = true;
        this.flushPresence();
        return;
      case 'snapshot':
        this.confirmed = message.document;
        this.setConfirmedRevision(message.revision);
        // A whole new document (a save through the REST API, or a first join): the undo
        // history cannot be mapped onto it and is dropped.
        this.showConfirmedPlusPending(() => {
          throw new Error('replaced by a snapshot');
        });
        return;
      case 'op': {
        const mine = message.clientId === this.clientId;
        if (mine) return this.acknowledge(message.seq, message.revision);
        this.confirmed = applyOps(this.confirmed, message.ops);
        this.setConfirmedRevision(message.revision);
        this.showConfirmedPlusPending((entry) => applyOps(entry, message.ops));
        return;
      }
      case 'ack':
        return this.acknowledge(message.seq, message.revision);
      case 'reject': {
        const refusedEdit = this.pending.find((edit) => edit.seq === message.seq);
        if (!refusedEdit) return;
        this.pending = this.pending.filter((edit) => edit !== refusedEdit);
        this.update({ pendingEdits: this.pending.length, refused: describeRefusal(message.reason, message.detail) });
        this.showConfirmedPlusPending(null);
        return;
      }
      case 'presence':
        this.update({ peers: message.peers.filter((peer) => peer.clientId !== this.clientId) });
        return;
      case 'error':
        this.update({ problem: message.detail ?? message.reason });
        return;
    }
  }

  private acknowledge(seq: number, revision: number): void {
    const index = this.pending.findIndex((edit) => edit.seq === seq);
    if (index < 0) return; // already acknowledged (a replay after reconnecting)
    // The server orders my edits in the order I sent them: the first pending one is this one.
    const [edit] = this.pending.splice(index, 1);
    this.confirmed = applyOps(this.confirmed, edit!.ops);
    this.setConfirmedRevision(revision);
    this.update({ pendingEdits: this.pending.length });
  }

  private setConfirmedRevision(revision: number): void {
    this.update({ revision });
    this.onRevision(revision, this.confirmed);
  }

  /** Shows confirmed + pending in the store; `rebase` maps the undo history (null: keep it). */
  private showConfirmedPlusPending(rebase: ((entry: ProjectDocument) => ProjectDocument) | null): void {
    let document = this.confirmed;
    for (const edit of this.pending) {
      try {
        document = applyOps(document, edit.ops);
      } catch (error) {
        // It no longer applies here; the server will refuse it too and say why.
        if (!(error instanceof OpConflict)) throw error;
      }
    }
    this.lastSeen = document;
    this.store.applyRemote(document, rebase ?? ((entry) => entry));
  }

  private flushPresence(): void {
    this.presenceTimer = null;
    if (!this.presence.dirty || this.state.status !== 'live') return;
    this.presence.dirty = false;
    this.send({ type: 'presence', selection: this.presence.selection, playheadBeat: this.presence.playheadBeat });
    this.presenceTimer = setTimeout(() => this.flushPresence(), PRESENCE_INTERVAL_MS);
  }

  private update(change: Partial<CollabState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }
}

function describeRefusal(reason: string, detail: string | undefined): string {
  const why =
    reason === 'target_deleted' ? 'someone deleted what it changed' : reason === 'forbidden' ? 'you can only view this project' : reason.replaceAll('_', ' ');
  return `Your last change was not applied: ${why}${detail ? ` (${detail})` : ''}.`;
}

function randomClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
