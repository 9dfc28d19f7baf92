// The note grid's and the velocity lane's pointer gestures. On the grid: a click on empty grid
// draws a note one grid step long where the pointer is (the cell's start; Alt: exactly there), a
// drag from empty grid is a rubber band (Shift/Ctrl/Cmd add to the selection), a drag on a note
// moves the selection in time and pitch, a drag on its right end resizes the selection, a right
// click deletes. In the lane: dragging a bar sets that note's velocity and moves the rest of the
// selection by as much. Each gesture is previewed while it moves and is one edit on release.
import { useRef, type PointerEvent as ReactPointerEvent, type RefObject } from 'react';
import type { MidiClip, Note, Track } from '../../generated/project.generated';
import { newId } from '../../project/ids';
import type { Edit } from '../../state/edits';
import {
  addNotes,
  DEFAULT_VELOCITY,
  deleteNotes,
  findMidiClip,
  MIN_NOTE_BEATS,
  midiVelocity,
  moveNotes,
  newNote,
  offsetNoteVelocity,
  resizeNotes,
  snapLocal,
} from '../../state/noteEdits';
import { useProjectStore } from '../../state/useProject';
import type { Auditioner } from './audition';
import type { RollScene } from './draw';
import { hitNote, hitVelocity, notesInBand, VELOCITY_HEIGHT, xToBeat, yToPitch, yToVelocity, type Band, type Viewport } from './geometry';

type Gesture =
  | { kind: 'move' | 'resize'; anchor: Note; ids: string[]; x: number; y: number; beat: number; pitch: number; moved: boolean; lastPitch: number }
  | { kind: 'pending'; x: number; y: number; beat: number; pitch: number; additive: boolean; cx: number; cy: number }
  | { kind: 'band'; x0: number; y0: number; base: readonly string[] }
  | { kind: 'velocity'; anchor: Note; ids: string[] };

/** What the piano roll shows instead of the document while a gesture is under way. */
export interface Preview {
  readonly edit?: Edit;
  readonly band?: Band;
  readonly selection?: readonly string[];
}

interface Point {
  x: number;
  y: number;
  beat: number;
  pitch: number;
  /** Content pixels (scroll included), for the rubber band. */
  cx: number;
  cy: number;
  inside: boolean;
}

interface Context {
  clip: MidiClip;
  track: Track;
  grid: number;
  scrollerRef: RefObject<HTMLDivElement | null>;
  viewport: () => Viewport;
  setPreview: (preview: Preview | null) => void;
  commit: (edit: Edit) => void;
  auditioner: Auditioner;
  showGhost: (ghost: RollScene['ghost']) => void;
  /** Where a click at `beat` draws a note. */
  drawStart: (beat: number, free: boolean) => number;
}

export function useGridGestures({ clip, track, grid, scrollerRef, viewport, setPreview, commit, auditioner, showGhost, drawStart }: Context) {
  const store = useProjectStore();
  const gesture = useRef<Gesture | null>(null);
  const origin = clip.startBeat;
  const ppb = viewport().pixelsPerBeat;

  const locate = (event: { clientX: number; clientY: number }): Point => {
    const scroller = scrollerRef.current!;
    const rect = scroller.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const v = viewport();
    return { x, y, beat: xToBeat(x, v), pitch: yToPitch(y, v), cx: x + v.scrollX, cy: y + v.scrollY, inside: x < scroller.clientWidth && y < scroller.clientHeight };
  };

  const dragEdit = (g: Extract<Gesture, { kind: 'move' | 'resize' }>, p: Point, free: boolean): Edit => {
    const snapping = !free && grid > 0;
    const shift = p.beat - g.beat;
    if (g.kind === 'move') {
      const raw = g.anchor.startBeat + shift;
      const start = snapping ? snapLocal(raw, origin, grid) : raw;
      return moveNotes(clip.id, g.ids, start - g.anchor.startBeat, p.pitch - g.pitch);
    }
    const end = g.anchor.startBeat + g.anchor.lengthBeats;
    const newEnd = snapping ? snapLocal(end + shift, origin, grid) : end + shift;
    return resizeNotes(clip.id, g.ids, newEnd - end, snapping ? grid : MIN_NOTE_BEATS);
  };

  const bandSelection = (g: Extract<Gesture, { kind: 'band' }>, p: Point) => {
    const band = { x0: g.x0, y0: g.y0, x1: p.cx, y1: p.cy };
    return { band, selection: [...new Set([...g.base, ...notesInBand(clip.notes, band, ppb)])] };
  };

  const onGridDown = (event: ReactPointerEvent<HTMLDivElement>) => {
    const p = locate(event);
    if (!p.inside || event.button === 1) return;
    showGhost(null);
    const hit = hitNote(clip.notes, p.x, p.y, viewport());
    if (event.button === 2) {
      if (hit) store.apply(deleteNotes(clip.id, [hit.note.id]));
      return;
    }
    event.currentTarget.setPointerCapture(event.pointerId);
    const current = store.getSnapshot().noteSelection;
    const additive = event.shiftKey || event.ctrlKey || event.metaKey;
    if (!hit) {
      gesture.current = { kind: 'pending', x: p.x, y: p.y, beat: p.beat, pitch: p.pitch, additive, cx: p.cx, cy: p.cy };
      return;
    }
    const id = hit.note.id;
    const was = current.includes(id);
    if (additive && was) {
      store.selectNotes(current.filter((x) => x !== id));
      return;
    }
    const ids = additive ? [...current, id] : was ? [...current] : [id];
    store.selectNotes(ids);
    gesture.current = { kind: hit.edge ? 'resize' : 'move', anchor: hit.note, ids, x: p.x, y: p.y, beat: p.beat, pitch: p.pitch, moved: false, lastPitch: hit.note.pitch };
    if (!hit.edge) auditioner.play(track, hit.note.pitch, hit.note.velocity);
  };

  const onGridMove = (event: ReactPointerEvent<HTMLDivElement>) => {
    const g = gesture.current;
    const p = locate(event);
    if (!g) {
      const hit = p.inside ? hitNote(clip.notes, p.x, p.y, viewport()) : null;
      event.currentTarget.style.cursor = hit ? (hit.edge ? 'ew-resize' : 'grab') : 'crosshair';
      showGhost(hit || !p.inside ? null : { startBeat: drawStart(p.beat, event.altKey), lengthBeats: grid > 0 ? grid : 0.25, pitch: p.pitch });
      return;
    }
    showGhost(null);
    if (g.kind === 'move' || g.kind === 'resize') {
      if (!g.moved && Math.abs(p.x - g.x) + Math.abs(p.y - g.y) < 3) return;
      g.moved = true;
      const edit = dragEdit(g, p, event.altKey);
      setPreview({ edit });
      if (g.kind === 'move') {
        const moved = findMidiClip(edit(store.document), clip.id)?.notes.find((n) => n.id === g.anchor.id);
        if (moved && moved.pitch !== g.lastPitch) {
          g.lastPitch = moved.pitch;
          auditioner.play(track, moved.pitch, moved.velocity);
        }
      }
    } else if (g.kind === 'pending') {
      if (Math.abs(p.x - g.x) + Math.abs(p.y - g.y) < 4) return;
      const band: Gesture = { kind: 'band', x0: g.cx, y0: g.cy, base: g.additive ? store.getSnapshot().noteSelection : [] };
      gesture.current = band;
      setPreview(bandSelection(band, p));
    } else if (g.kind === 'band') {
      setPreview(bandSelection(g, p));
    }
  };

  const onGridUp = (event: ReactPointerEvent<HTMLDivElement>) => {
    const g = gesture.current;
    gesture.current = null;
    if (!g) return;
    const p = locate(event);
    if ((g.kind === 'move' || g.kind === 'resize') && g.moved) commit(dragEdit(g, p, event.altKey));
    else if (g.kind === 'band') store.selectNotes(bandSelection(g, p).selection);
    else if (g.kind === 'pending' && !g.additive) {
      const start = drawStart(g.beat, event.altKey);
      const id = newId();
      commit(addNotes(clip.id, [newNote(g.pitch, start, grid > 0 ? grid : 0.25, DEFAULT_VELOCITY, id)]));
      store.selectNotes([id]);
      auditioner.play(track, g.pitch, DEFAULT_VELOCITY);
    }
    setPreview(null);
  };

  const cancel = () => {
    gesture.current = null;
    setPreview(null);
  };

  const velocityEdit = (g: Extract<Gesture, { kind: 'velocity' }>, y: number) => offsetNoteVelocity(clip.id, g.ids, midiVelocity(yToVelocity(y, VELOCITY_HEIGHT)) - g.anchor.velocity);
  const onVelocityDown = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const x = event.clientX - event.currentTarget.getBoundingClientRect().left;
    const current = store.getSnapshot().noteSelection;
    const note = hitVelocity(clip.notes, new Set(current), x, viewport());
    if (!note) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    const ids = current.includes(note.id) ? [...current] : [note.id];
    if (!current.includes(note.id)) store.selectNotes(ids);
    const g: Gesture = { kind: 'velocity', anchor: note, ids };
    gesture.current = g;
    setPreview({ edit: velocityEdit(g, laneY(event)), selection: ids });
  };
  const onVelocityMove = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const g = gesture.current;
    if (g?.kind === 'velocity') setPreview({ edit: velocityEdit(g, laneY(event)), selection: g.ids });
  };
  const onVelocityUp = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const g = gesture.current;
    gesture.current = null;
    if (g?.kind === 'velocity') store.apply(velocityEdit(g, laneY(event)));
    setPreview(null);
  };


  return { onGridDown, onGridMove, onGridUp, cancel, onVelocityDown, onVelocityMove, onVelocityUp };
}

const laneY = (event: { clientY: number; currentTarget: Element }) => event.clientY - event.currentTarget.getBoundingClientRect().top;
