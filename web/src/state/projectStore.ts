// The one store of the project: the current document and its edit history (whole documents: an
// edit is a pure function doc -> doc, undo and redo restore documents), and, kept apart from the
// document, what is selected and how the view is scrolled and zoomed. React reads it through
// useSyncExternalStore (src/state/useProject.ts); the engine follows it through the reconciler.
import type { ProjectDocument } from '../generated/project.generated';
import type { Edit } from './edits';

export const HISTORY_LIMIT = 200;

export interface Selection {
  readonly clipIds: readonly string[];
  readonly trackId: string | null;
}

export interface ViewState {
  /** Horizontal zoom of the arrangement. */
  readonly pixelsPerBeat: number;
  /** Snap positions to this many beats (0 = off). */
  readonly snapBeats: number;
  readonly panel: 'arrange' | 'mix' | 'notes';
  /** The MIDI clip the piano roll edits (panel 'notes'). */
  readonly noteClipId: string | null;
  /** The piano roll's grid in beats (0 = off) and its horizontal zoom. */
  readonly noteGridBeats: number;
  readonly notePixelsPerBeat: number;
}

export interface ProjectSnapshot {
  readonly document: ProjectDocument;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
  readonly selection: Selection;
  /** Ids of the notes selected in the piano roll (kept apart from clip selection). */
  readonly noteSelection: readonly string[];
  readonly view: ViewState;
  /** Bumped on every document change, so listeners can tell edits from view changes. */
  readonly revision: number;
  /** Set while an old server revision is shown: edits, undo and redo do nothing. */
  readonly readOnly: boolean;
}

export const emptySelection: Selection = { clipIds: [], trackId: null };
export const defaultView: ViewState = { pixelsPerBeat: 24, snapBeats: 1, panel: 'arrange', noteClipId: null, noteGridBeats: 0.25, notePixelsPerBeat: 96 };

export class ProjectStore {
  private past: ProjectDocument[] = [];
  private future: ProjectDocument[] = [];
  private snapshot: ProjectSnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(document: ProjectDocument) {
    this.snapshot = { document, canUndo: false, canRedo: false, selection: emptySelection, noteSelection: [], view: defaultView, revision: 0, readOnly: false };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ProjectSnapshot => this.snapshot;

  get document(): ProjectDocument {
    return this.snapshot.document;
  }

  /** Applies an edit; an edit that changes nothing leaves no history entry. */
  apply(edit: Edit): void {
    if (this.snapshot.readOnly) return;
    const before = this.snapshot.document;
    const after = edit(before);
    if (after === before) return;
    this.past.push(before);
    if (this.past.length > HISTORY_LIMIT) this.past.shift();
    this.future = [];
    this.setDocument(after);
  }

  undo(): void {
    if (this.snapshot.readOnly) return;
    const previous = this.past.pop();
    if (!previous) return;
    this.future.push(this.snapshot.document);
    this.setDocument(previous);
  }

  redo(): void {
    if (this.snapshot.readOnly) return;
    const next = this.future.pop();
    if (!next) return;
    this.past.push(this.snapshot.document);
    this.setDocument(next);
  }

  /** Replaces the document and forgets the history (opening a project); read-only for an old revision. */
  load(document: ProjectDocument, options: { readOnly?: boolean } = {}): void {
    this.past = [];
    this.future = [];
    this.update({ readOnly: options.readOnly ?? false });
    this.setDocument(document);
    this.select(emptySelection);
  }

  /**
   * A change made by someone else (a collaborator's edit, in server order): `rebase` maps any
   * document of this session onto the new state (it applies their operations, and throws if
   * they cannot apply). It is applied to the current document and to every undo/redo entry,
   * so undoing my edit never takes back theirs; entries it cannot apply to are forgotten.
   * `document` is the new current document (theirs plus my edits not yet confirmed).
   */
  applyRemote(document: ProjectDocument, rebase: (entry: ProjectDocument) => ProjectDocument): void {
    // Both stacks run from the farthest entry to the nearest: one that cannot be rebased
    // drops every entry beyond it (they would step over the gap).
    const rebaseAll = (entries: ProjectDocument[]) => {
      const kept: ProjectDocument[] = [];
      for (const entry of entries) {
        try {
          kept.push(rebase(entry));
        } catch {
          kept.length = 0;
        }
      }
      return kept;
    };
    this.past = rebaseAll(this.past);
    this.future = rebaseAll(this.future);
    this.setDocument(document);
  }

  select(selection: Selection): void {
    this.update({ selection });
  }

  selectNotes(noteIds: readonly string[]): void {
    this.update({ noteSelection: noteIds });
  }

  setView(change: Partial<ViewState>): void {
    this.update({ view: { ...this.snapshot.view, ...change } });
  }

  private setDocument(document: ProjectDocument): void {
    const live = new Set(document.tracks.flatMap((t) => t.clips.map((c) => c.id)));
    const { selection } = this.snapshot;
    const clipIds = selection.clipIds.filter((id) => live.has(id));
    const trackId = selection.trackId && document.tracks.some((t) => t.id === selection.trackId) ? selection.trackId : null;
    const noteSelection = this.snapshot.noteSelection.length ? liveNotes(document, this.snapshot.noteSelection) : this.snapshot.noteSelection;
    this.update({
      document,
      noteSelection,
      canUndo: this.past.length > 0,
      canRedo: this.future.length > 0,
      selection: clipIds.length === selection.clipIds.length && trackId === selection.trackId ? selection : { clipIds, trackId },
      revision: this.snapshot.revision + 1,
    });
  }

  private update(change: Partial<ProjectSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}

/** The selected note ids that still exist (an undo or a delete may have removed some). */
function liveNotes(document: ProjectDocument, selected: readonly string[]): readonly string[] {
  const live = new Set<string>();
  for (const track of document.tracks) for (const clip of track.clips) if (clip.kind === 'midi') for (const note of clip.notes) live.add(note.id);
  const kept = selected.filter((id) => live.has(id));
  return kept.length === selected.length ? selected : kept;
}
