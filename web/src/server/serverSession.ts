// The one place for the app's link to the server: who is signed in, the projects they can open,
// which server project the store's document belongs to (its id and the revision it is based on),
// that project's history and members, and the last error in plain words. React reads it through
// useSyncExternalStore (useServer.ts); the document itself stays in the ProjectStore.
//
// Without an account nothing here is needed: the project lives in the browser (IndexedDB) as
// before. Saving to the server the first time creates a project from the local one; after that
// each save is a new revision on top of baseRevision, and a 409 becomes `conflict`.
import type { ProjectDocument } from '../generated/project.generated';
import { parseProjectValue } from '../project/projectDocument';
import type { ProjectStore } from '../state/projectStore';
import { CollabSession, liveUrl, type CollabState } from '../collab/collabSession';
import { ApiError, describeError } from './apiClient';
import type { Account, ApiClient, Member, RevisionDocument, RevisionInfo, Role, ServerProject } from './apiClient';

export interface OpenServerProject {
  readonly projectId: number;
  readonly name: string;
  readonly role: Role;
  /** The head revision the store's document was loaded from or last saved as. */
  readonly baseRevision: number;
  /** Set while an older revision is shown read-only. */
  readonly viewingRevision: number | null;
}

export interface ServerState {
  readonly status: 'checking' | 'signed-out' | 'signed-in';
  readonly account: Account | null;
  readonly projects: readonly ServerProject[];
  readonly open: OpenServerProject | null;
  /** The document as last loaded from or saved to the server (to tell unsaved changes). */
  readonly savedDocument: ProjectDocument | null;
  readonly revisions: readonly RevisionInfo[];
  readonly members: readonly Member[];
  /** A save was refused because someone saved first: the server is at this revision. */
  readonly conflict: { readonly currentRevision: number } | null;
  readonly busy: boolean;
  readonly error: string | null;
  readonly notice: string | null;
  /** The live collaboration channel of the open project (null when none is open or it is old). */
  readonly live: CollabState | null;
}

const LINK_KEY = 'amplitude.serverProject';

const initialState: ServerState = {
  status: 'checking',
  account: null,
  projects: [],
  open: null,
  savedDocument: null,
  revisions: [],
  members: [],
  conflict: null,
  busy: false,
  error: null,
  notice: null,
  live: null,
};

export class ServerSession {
  private state: ServerState = initialState;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly api: ApiClient,
    private readonly store: ProjectStore,
    private readonly storage: Storage | null = typeof localStorage === 'undefined' ? null : localStorage,
    /** Where a project's live channel is; null turns live collaboration off (no WebSocket here). */
    private readonly liveUrlFor: (projectId: number) => string | null = (id) => (typeof WebSocket === 'undefined' ? null : liveUrl(id)),
  ) {}

  private live: CollabSession | null = null;
  private liveProjectId: number | null = null;

  /** The open project's live session, for presence (selection, playhead). */
  get liveSession(): CollabSession | null {
    return this.live;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ServerState => this.state;

  /** At start-up: is there a session cookie, and was the local project linked to a server one? */
  init(): Promise<void> {
    return this.run(async () => {
      const account = await this.api.currentSession().catch(() => null);
      if (!account) return this.update({ status: 'signed-out' });
      const link = this.readLink();
      this.update({ status: 'signed-in', account, open: link, savedDocument: link ? this.store.document : null });
      await this.refreshProjects();
    });
  }

  // ---- accounts ------------------------------------------------------------------------------

  signUp(username: string, email: string, password: string): Promise<void> {
    return this.run(async () => {
      await this.api.register(username, email, password);
      await this.signInNow(username, password);
      this.update({ notice: `Welcome, ${username}: your account is ready.` });
    });
  }

  signIn(login: string, password: string): Promise<void> {
    return this.run(() => this.signInNow(login, password));
  }

  signOut(): Promise<void> {
    return this.run(async () => {
      await this.api.signOut();
      this.writeLink(null);
      this.stopLive();
      this.store.load(this.store.document); // leaves read-only mode; the document stays local
      this.update({ ...initialState, status: 'signed-out', notice: 'Signed out. Your project stays in this browser.' });
    });
  }

  // ---- projects ------------------------------------------------------------------------------

  refreshProjects(): Promise<void> {
    return this.run(async () => this.update({ projects: await this.api.listProjects() }));
  }

  /** Loads a project's head document into the store and links the store to it. */
  openProject(projectId: number): Promise<void> {
    return this.run(async () => {
      const head = await this.api.headDocument(projectId);
      this.loadHead(head);
      this.update({ notice: `Opened “${head.project.name}” at revision ${head.revision.number}.` });
      await this.refreshDetails();
    });
  }

  /** Unlinks the store from the server project; the document stays as a local project. */
  detach(): void {
    this.writeLink(null);
    this.stopLive();
    this.store.load(this.store.document);
    this.update({ open: null, savedDocument: null, revisions: [], members: [], conflict: null, notice: 'This is now a local project again.' });
  }

  /** Creates the server project the first time, then saves a new revision on top of the base. */
  save(): Promise<void> {
    return this.run(async () => {
      const document = this.store.document;
      const open = this.state.open;
      if (!open) {
        const created = await this.api.createProject(document.project.name, document);
        const link: OpenServerProject = { projectId: created.id, name: created.name, role: created.role, baseRevision: created.headRevision, viewingRevision: null };
        this.linkTo(link, document);
        this.update({ notice: `Saved to the server as “${created.name}” (revision ${created.headRevision}).` });
      } else {
        if (open.viewingRevision !== null) throw new Error(`Revision ${open.viewingRevision} is open read-only: restore it, or go back to the latest revision first.`);
        await this.saveOn(open, open.baseRevision, document);
      }
      await this.refreshProjects();
      await this.refreshDetails();
    });
  }

  /** After a conflict: save this document anyway, on top of the server's current revision. */
  overwrite(): Promise<void> {
    return this.run(async () => {
      const { open, conflict } = this.state;
      if (!open || !conflict) return;
      await this.saveOn(open, conflict.currentRevision, this.store.document);
      await this.refreshDetails();
    });
  }

  /** After a conflict: drop local changes and load the server's head document. */
  reloadFromServer(): Promise<void> {
    const open = this.state.open;
    return open ? this.openProject(open.projectId) : Promise.resolve();
  }

  // ---- history and sharing -------------------------------------------------------------------

  refreshDetails(): Promise<void> {
    return this.run(async () => {
      const open = this.state.open;
      if (!open) return;
      const [revisions, members] = await Promise.all([this.api.listRevisions(open.projectId), this.api.listMembers(open.projectId)]);
      this.update({ revisions, members });
    });
  }

  /** Shows an older revision in the store, read-only (edits, undo and saving are off). */
  openRevision(revision: number): Promise<void> {
    return this.run(async () => {
      const open = this.requireOpen();
      const old = await this.api.revisionDocument(open.projectId, revision);
      const document = this.validDocument(old);
      this.stopLive();
      this.store.load(document, { readOnly: true });
      this.update({ open: { ...open, viewingRevision: revision }, notice: `Showing revision ${revision} read-only.` });
    });
  }

  /** Makes an older revision the latest again (a new revision), and loads it. */
  restoreRevision(revision: number): Promise<void> {
    return this.run(async () => {
      const open = this.requireOpen();
      try {
        const created = await this.api.restoreRevision(open.projectId, revision, open.baseRevision);
        this.loadHead(await this.api.headDocument(open.projectId));
        this.update({ notice: `Revision ${revision} restored as revision ${created}.` });
      } catch (error) {
        if (this.noteConflict(error)) return;
        throw error;
      }
      await this.refreshProjects();
      await this.refreshDetails();
    });
  }

  invite(user: string, role: 'editor' | 'viewer'): Promise<void> {
    return this.run(async () => {
      const open = this.requireOpen();
      const member = await this.api.invite(open.projectId, user.trim(), role);
      this.update({ members: await this.api.listMembers(open.projectId), notice: `${member.username} can now open this project as ${member.role}.` });
    });
  }

  clearMessages(): void {
    this.update({ error: null, notice: null });
  }

  // ---- inside ---------------------------------------------------------------------------------

  private async signInNow(login: string, password: string): Promise<void> {
    const account = await this.api.signIn(login, password);
    this.update({ status: 'signed-in', account, error: null });
    await this.refreshProjects();
  }

  private async saveOn(open: OpenServerProject, base: number, document: ProjectDocument): Promise<void> {
    try {
      const revision = await this.api.saveDocument(open.projectId, base, document);
      this.linkTo({ ...open, baseRevision: revision, viewingRevision: null }, document);
      this.update({ notice: `Saved as revision ${revision}.` });
    } catch (error) {
      if (!this.noteConflict(error)) throw error;
    }
  }

  private noteConflict(error: unknown): boolean {
    if (!(error instanceof ApiError) || error.status !== 409 || error.currentRevision === null) return false;
    this.update({ conflict: { currentRevision: error.currentRevision } });
    return true;
  }

  private loadHead(head: RevisionDocument): void {
    const document = this.validDocument(head);
    this.stopLive(); // a load is not an edit to send
    this.store.load(document);
    this.linkTo({ projectId: head.project.id, name: head.project.name, role: head.project.role, baseRevision: head.revision.number, viewingRevision: null }, document);
  }

  private validDocument(answer: RevisionDocument): ProjectDocument {
    const parsed = parseProjectValue(answer.document);
    if (!parsed.ok) throw new Error(`Revision ${answer.revision.number} of “${answer.project.name}” is not a project this app can open: ${parsed.errors.slice(0, 2).join('; ')}`);
    return parsed.document;
  }

  private linkTo(open: OpenServerProject, document: ProjectDocument): void {
    this.writeLink(open);
    this.update({ open, savedDocument: document, conflict: null });
  }

  private requireOpen(): OpenServerProject {
    if (!this.state.open) throw new Error('No server project is open.');
    return this.state.open;
  }

  private readLink(): OpenServerProject | null {
    try {
      const value = JSON.parse(this.storage?.getItem(LINK_KEY) ?? 'null') as OpenServerProject | null;
      return value && typeof value.projectId === 'number' && typeof value.baseRevision === 'number' ? { ...value, viewingRevision: null } : null;
    } catch {
      return null;
    }
  }

  private writeLink(open: OpenServerProject | null): void {
    try {
      if (open) this.storage?.setItem(LINK_KEY, JSON.stringify({ ...open, viewingRevision: null }));
      else this.storage?.removeItem(LINK_KEY);
    } catch {
      // Private mode or a full quota: the link is a convenience, the project itself is unharmed.
    }
  }

  /** Runs an action with `busy` set; any failure becomes `error` in plain words. Nested runs share it. */
  private depth = 0;
  private async run(action: () => Promise<void>): Promise<void> {
    if (this.depth++ === 0) this.update({ busy: true, error: null, notice: null });
    try {
      await action();
    } catch (error) {
      this.update({ error: describeError(error) });
    } finally {
      if (--this.depth === 0) this.update({ busy: false });
    }
  }

  // ---- live collaboration -----------------------------------------------------------------------

  /** One live session while signed in with the head of a server project open; none otherwise. */
  private syncLive(): void {
    const { status, open, savedDocument } = this.state;
    const wanted = status === 'signed-in' && open !== null && open.viewingRevision === null ? open.projectId : null;
    if (wanted === this.liveProjectId) return;
    this.stopLive();
    const url = wanted === null ? null : this.liveUrlFor(wanted);
    if (wanted === null || url === null || open === null) return;
    this.liveProjectId = wanted;
    const live = new CollabSession(
      this.store,
      url,
      { revision: open.baseRevision, document: savedDocument ?? this.store.document },
      (revision, confirmed) => this.followLiveRevision(wanted, revision, confirmed),
      undefined,
      // Per tab (sessionStorage survives a reload, not a second tab, which is another client).
      typeof sessionStorage === 'undefined' ? null : { key: `amplitude.live.${wanted}`, area: sessionStorage },
    );
    this.live = live;
    live.subscribe(() => this.update({ live: live.getSnapshot() }));
    this.update({ live: live.getSnapshot() });
  }

  private stopLive(): void {
    this.live?.close();
    this.live = null;
    this.liveProjectId = null;
    if (this.state.live !== null) this.update({ live: null });
  }

  /** Live edits move the head: the REST saves and the history follow it. */
  private followLiveRevision(projectId: number, revision: number, confirmed: ProjectDocument): void {
    const open = this.state.open;
    if (!open || open.projectId !== projectId || open.baseRevision === revision) return;
    const next = { ...open, baseRevision: revision };
    this.writeLink(next);
    this.update({ open: next, savedDocument: confirmed, conflict: null });
  }

  private update(change: Partial<ServerState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
    if ('status' in change || 'open' in change) this.syncLive();
  }
}
