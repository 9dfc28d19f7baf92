// The piano roll's edits: pure functions document -> document on the notes of one MIDI clip, so
// undo/redo and the reconciler cover them like every other edit. Notes are addressed by their
// stable ids (the schema gives every note one). Note positions are clip-relative beats; the grid
// is the song's grid, so snapping goes through the clip's start (`origin`).
import type { MidiClip, Note, ProjectDocument } from '../generated/project.generated';
import { newId } from '../project/ids';
import type { Edit } from './edits';

/** The shortest note an edit leaves: a 128th note, still whole frames apart at any tempo the schema allows. */
export const MIN_NOTE_BEATS = 1 / 32;
/** What a new note gets: MIDI velocity 100. */
export const DEFAULT_VELOCITY = 100 / 127;
export const LOWEST_PITCH = 0;
export const HIGHEST_PITCH = 127;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** `beat` on the nearest grid line (grid <= 0: unchanged). */
export const snapToGrid = (beat: number, grid: number) => (grid > 0 ? Math.round(beat / grid) * grid : beat);

/** A clip-relative beat on the song's grid: the grid line nearest to origin + local, made relative again. */
export const snapLocal = (local: number, origin: number, grid: number) => (grid > 0 ? snapToGrid(origin + local, grid) - origin : local);

/** The grid cell's start at or before a clip-relative beat (where a click draws a note). */
export const cellStart = (local: number, origin: number, grid: number) => (grid > 0 ? Math.floor((origin + local) / grid + 1e-9) * grid - origin : local);

/** Velocities are kept on MIDI's 127 steps, so what is drawn is what a MIDI file would hold. */
export const midiVelocity = (velocity: number) => clamp(Math.round(velocity * 127), 1, 127) / 127;

export function newNote(pitch: number, startBeat: number, lengthBeats: number, velocity = DEFAULT_VELOCITY, id = newId()): Note {
  return {
    id,
    pitch: clamp(Math.round(pitch), LOWEST_PITCH, HIGHEST_PITCH),
    velocity: midiVelocity(velocity),
    releaseVelocity: 0.5,
    channel: 0,
    startBeat: Math.max(0, startBeat),
    lengthBeats: Math.max(MIN_NOTE_BEATS, lengthBeats),
  };
}

export function findMidiClip(document: ProjectDocument, clipId: string): MidiClip | null {
  for (const track of document.tracks) {
    const clip = track.clips.find((c) => c.id === clipId);
    if (clip) return clip.kind === 'midi' ? clip : null;
  }
  return null;
}

/** The document with one MIDI clip changed; the same document when the change changes nothing. */
function mapMidiClip(document: ProjectDocument, clipId: string, change: (clip: MidiClip) => MidiClip): ProjectDocument {
  for (const track of document.tracks) {
    const index = track.clips.findIndex((c) => c.id === clipId);
    if (index < 0) continue;
    const clip = track.clips[index]!;
    if (clip.kind !== 'midi') return document;
    const changed = change(clip);
    if (changed === clip) return document;
    const clips = track.clips.slice();
    clips[index] = changed;
    return { ...document, tracks: document.tracks.map((t) => (t === track ? { ...t, clips } : t)) };
  }
  return document;
}

/** Changes the notes named in `ids`; a note `change` returns as is counts as unchanged. */
function mapNotes(document: ProjectDocument, clipId: string, ids: Iterable<string>, change: (note: Note) => Note): ProjectDocument {
  const wanted = new Set(ids);
  if (wanted.size === 0) return document;
  return mapMidiClip(document, clipId, (clip) => {
    let changed = false;
    const notes = clip.notes.map((note) => {
      if (!wanted.has(note.id)) return note;
      const next = change(note);
      if (next !== note && !sameNote(next, note)) changed = true;
      return next;
    });
    return changed ? { ...clip, notes } : clip;
  });
}

const sameNote = (a: Note, b: Note) =>
  a.pitch === b.pitch && a.startBeat === b.startBeat && a.lengthBeats === b.lengthBeats && a.velocity === b.velocity && a.channel === b.channel && a.releaseVelocity === b.releaseVelocity;

const selected = (clip: MidiClip, ids: Iterable<string>) => {
  const set = new Set(ids);
  return clip.notes.filter((note) => set.has(note.id));
};

/** Adds notes (ids chosen by the caller, so the UI can select what it drew). */
export const addNotes =
  (clipId: string, notes: readonly Note[]): Edit =>
  (document) =>
    notes.length ? mapMidiClip(document, clipId, (clip) => ({ ...clip, notes: [...clip.notes, ...notes] })) : document;

export const deleteNotes =
  (clipId: string, ids: Iterable<string>): Edit =>
  (document) => {
    const gone = new Set(ids);
    return mapMidiClip(document, clipId, (clip) => (clip.notes.some((n) => gone.has(n.id)) ? { ...clip, notes: clip.notes.filter((n) => !gone.has(n.id)) } : clip));
  };

/**
 * Moves notes by `deltaBeats` and `deltaPitch` as a group: the delta is limited so that no note
 * starts before the clip or leaves 0..127, so the chord keeps its shape.
 */
export const moveNotes =
  (clipId: string, ids: Iterable<string>, deltaBeats: number, deltaPitch: number): Edit =>
  (document) => {
    const list = [...ids];
    const clip = findMidiClip(document, clipId);
    const moving = clip ? selected(clip, list) : [];
    if (moving.length === 0) return document;
    const beats = Math.max(deltaBeats, -Math.min(...moving.map((n) => n.startBeat)));
    const pitch = clamp(Math.round(deltaPitch), LOWEST_PITCH - Math.min(...moving.map((n) => n.pitch)), HIGHEST_PITCH - Math.max(...moving.map((n) => n.pitch)));
    if (beats === 0 && pitch === 0) return document;
    return mapNotes(document, clipId, list, (note) => ({ ...note, startBeat: note.startBeat + beats, pitch: note.pitch + pitch }));
  };

/** Lengthens (or shortens) notes by `deltaBeats`, none shorter than `minBeats`. */
export const resizeNotes =
  (clipId: string, ids: Iterable<string>, deltaBeats: number, minBeats = MIN_NOTE_BEATS): Edit =>
  (document) =>
    deltaBeats === 0 ? document : mapNotes(document, clipId, ids, (note) => ({ ...note, lengthBeats: Math.max(Math.max(MIN_NOTE_BEATS, minBeats), note.lengthBeats + deltaBeats) }));

export const setNoteVelocity =
  (clipId: string, ids: Iterable<string>, velocity: number): Edit =>
  (document) =>
    mapNotes(document, clipId, ids, (note) => ({ ...note, velocity: midiVelocity(velocity) }));

/** Shifts velocities by the same amount (how a selection follows the bar being dragged). */
export const offsetNoteVelocity =
  (clipId: string, ids: Iterable<string>, delta: number): Edit =>
  (document) =>
    delta === 0 ? document : mapNotes(document, clipId, ids, (note) => ({ ...note, velocity: midiVelocity(note.velocity + delta) }));

export interface QuantizeOptions {
  /** Also round lengths to whole grid steps (at least one). */
  readonly lengths?: boolean;
  /** 0..1: how far towards the grid (1 = all the way). */
  readonly strength?: number;
}

/**
 * Moves note starts to the song's grid (`grid` beats), the selected notes or, when `ids` is null,
 * every note of the clip; with `lengths`, lengths become whole grid steps too.
 */
export const quantizeNotes =
  (clipId: string, ids: Iterable<string> | null, grid: number, options: QuantizeOptions = {}): Edit =>
  (document) => {
    const clip = findMidiClip(document, clipId);
    if (!clip || !(grid > 0)) return document;
    const origin = clip.startBeat;
    const strength = clamp(options.strength ?? 1, 0, 1);
    const toward = (from: number, to: number) => (strength === 1 ? to : from + (to - from) * strength);
    return mapNotes(document, clipId, ids ?? clip.notes.map((n) => n.id), (note) => {
      const startBeat = Math.max(0, toward(note.startBeat, snapLocal(note.startBeat, origin, grid)));
      const lengthBeats = options.lengths ? Math.max(grid, toward(note.lengthBeats, snapToGrid(note.lengthBeats, grid))) : note.lengthBeats;
      return startBeat === note.startBeat && lengthBeats === note.lengthBeats ? note : { ...note, startBeat, lengthBeats };
    });
  };

/**
 * Lengthens a clip that does not loop to the bar line after its last note, so that notes drawn or
 * moved past its end play (`barLineAtOrAfter` maps a song beat to that bar line). A loop length
 * that followed the clip's length keeps following it.
 */
export const growClipToNotes =
  (clipId: string, barLineAtOrAfter: (songBeat: number) => number): Edit =>
  (document) =>
    mapMidiClip(document, clipId, (clip) => {
      if (clip.loop.enabled) return clip;
      const end = clip.notes.reduce((last, n) => Math.max(last, n.startBeat + n.lengthBeats), 0);
      if (end <= clip.lengthBeats) return clip;
      const lengthBeats = Math.max(end, barLineAtOrAfter(clip.startBeat + end) - clip.startBeat);
      const loop = clip.loop.lengthBeats === clip.lengthBeats ? { ...clip.loop, lengthBeats } : clip.loop;
      return { ...clip, lengthBeats, loop };
    });

/** Copies of notes shifted by `deltaBeats`, with the new ids given (same order as `ids`). */
export const duplicateNotes =
  (clipId: string, ids: readonly string[], newIds: readonly string[], deltaBeats: number): Edit =>
  (document) => {
    const clip = findMidiClip(document, clipId);
    if (!clip) return document;
    const order = new Map(ids.map((id, i) => [id, i]));
    const copies = clip.notes.filter((n) => order.has(n.id)).map((n) => ({ ...n, id: newIds[order.get(n.id)!] ?? newId(), startBeat: n.startBeat + deltaBeats }));
    return addNotes(clipId, copies)(document);
  };
