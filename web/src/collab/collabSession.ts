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
// recognises (idempotency key = client id + seq): nothing is applied twice or lost. The client
// id, the next sequence number and the pending edits are kept in storage as they change, so a
// reload (or a crashed tab) resumes them too; a new session starts from the server's snapshot,
// since the document the browser saved locally may be older than its link to the server.
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
  private clientId = randomClientId();
  /** The first connection asks for a snapshot; later ones resume from `revision`. */
  private joined = false;
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
    /** Where the client id, sequence and pending edits survive a reload (null: nowhere). */
    private readonly storage: { key: string; area: Storage } | null = null,
  ) {
    this.confirmed = base.document;
    this.lastSeen = base.document;
    this.state = { status: 'connecting', revision: base.revision, pendingEdits: 0, peers: [], refused: null, problem: null };
    this.restorePending();
    this.unsubscribeStore = store.subscribe(() => this.noticeLocalEdit());
    this.noticeLocalEdit(); // edits made since the base (offline, or before a reload) go first
    // An open socket can outlive the network for minutes (a half-open TCP connection): the
    // browser's own offline/online events end it at once and reconnect as soon as it is back.
    globalThis.addEventListener?.('offline', this.wentOffline);
    globalThis.addEventListener?.('online', this.cameOnline);
    this.connect();
  }

  private readonly wentOffline = () => {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(4000, 'offline');
    this.update({ status: 'offline', problem: 'the browser is offline', peers: [] });
  };

  private readonly cameOnline = () => {
    if (this.state.status !== 'offline') return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.backoffMs = 500;
    this.connect();
  };

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
    globalThis.removeEventListener?.('offline', this.wentOffline);
    globalThis.removeEventListener?.('online', this.cameOnline);
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
    this.savePending();
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
    socket.onopen = () => this.send({ type: 'hello', clientId: this.clientId, resumeFrom: this.joined ? this.state.revision : null });
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
      if (globalThis.navigator?.onLine === false) return; // the 'online' event reconnects
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
        this.joined = true;
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
        if (message.revision <= this.state.revision) return; // already in the confirmed document
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
        this.savePending();
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
    this.savePending();
    // A retried edit the server had already applied (before a reload) is in the snapshot.
    if (revision > this.state.revision) {
      this.confirmed = applyOps(this.confirmed, edit!.ops);
      this.setConfirmedRevision(revision);
    }
    this.update({ pendingEdits: this.pending.length });
  }

  private restorePending(): void {
    if (!this.storage) return;
    try {
      const saved = JSON.parse(this.storage.area.getItem(this.storage.key) ?? 'null') as { clientId: string; nextSeq: number; pending: PendingEdit[] } | null;
      if (!saved || typeof saved.clientId !== 'string' || !Array.isArray(saved.pending)) return;
      this.clientId = saved.clientId;
      this.nextSeq = saved.nextSeq;
      this.pending = saved.pending;
      this.update({ pendingEdits: this.pending.length });
    } catch {
      // Unreadable: start afresh (the edits it held were either sent or are lost with it).
    }
  }

  private savePending(): void {
    if (!this.storage) return;
    try {
      this.storage.area.setItem(this.storage.key, JSON.stringify({ clientId: this.clientId, nextSeq: this.nextSeq, pending: this.pending }));
    } catch {
      // A full quota: pending edits still go out while this page lives.
    }
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
    reason === 'target_deleted' ? 'someone deleted what it changed' : reason === 'forbidden' || reason === 'read_only' ? 'you can only view this project' : reason.replaceAll('_', ' ');
  return `Your last change was not applied: ${why}${detail ? ` (${detail})` : ''}.`;
}

function randomClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
