// The piano roll's edits, checked to the exact beat: every value below is a sum of powers of two,
// so equality is exact in doubles.
import { describe, expect, it } from 'vitest';
import type { MidiClip, Note, ProjectDocument } from '../generated/project.generated';
import { addClip, addTrack, newMidiClip } from './edits';
import { createEmptyProject } from './newProject';
import {
  addNotes,
  cellStart,
  deleteNotes,
  duplicateNotes,
  findMidiClip,
  growClipToNotes,
  MIN_NOTE_BEATS,
  moveNotes,
  newNote,
  offsetNoteVelocity,
  quantizeNotes,
  resizeNotes,
  setNoteVelocity,
  snapLocal,
} from './noteEdits';
import { ProjectStore } from './projectStore';

const CLIP = 'clip-1';

function project(notes: Note[] = [], clipStart = 4): ProjectDocument {
  let doc = createEmptyProject('notes', new Date(0));
  doc = addTrack('instrument', 'Synth', 'trk')(doc);
  return addClip('trk', { ...newMidiClip('m', clipStart, 8, notes), id: CLIP })(doc);
}

const note = (id: string, pitch: number, startBeat: number, lengthBeats: number, velocity = 100 / 127): Note => newNote(pitch, startBeat, lengthBeats, velocity, id);
const notesOf = (doc: ProjectDocument): MidiClip['notes'] => findMidiClip(doc, CLIP)!.notes;
const shape = (doc: ProjectDocument) => notesOf(doc).map((n) => [n.id, n.pitch, n.startBeat, n.lengthBeats, Math.round(n.velocity * 127)]);

describe('note edits', () => {
  it('draws notes with the ids the caller chose, leaving the old document as it was', () => {
    const before = project();
    const after = addNotes(CLIP, [note('a', 60, 0, 0.25), note('b', 64, 1.5, 0.5)])(before);
    expect(shape(after)).toEqual([
      ['a', 60, 0, 0.25, 100],
      ['b', 64, 1.5, 0.5, 100],
    ]);
    expect(notesOf(before)).toEqual([]);
    expect(addNotes('no-such-clip', [note('c', 1, 0, 1)])(before)).toBe(before);
  });

  it('moves a selection in time and pitch as a group, never before the clip nor out of 0..127', () => {
    const doc = project([note('a', 60, 1, 1), note('b', 64, 2, 1), note('c', 120, 3, 1)]);
    expect(shape(moveNotes(CLIP, ['a', 'b'], 0.75, 2)(doc))).toEqual([
      ['a', 62, 1.75, 1, 100],
      ['b', 66, 2.75, 1, 100],
      ['c', 120, 3, 1, 100],
    ]);
    // -3 beats would put 'a' at -2: the group stops at 0, keeping its spacing.
    expect(shape(moveNotes(CLIP, ['a', 'b'], -3, 0)(doc)).slice(0, 2)).toEqual([
      ['a', 60, 0, 1, 100],
      ['b', 64, 1, 1, 100],
    ]);
    // +12 semitones would put 'c' at 132: the group moves up 7 only.
    expect(shape(moveNotes(CLIP, ['a', 'c'], 0, 12)(doc)).map((n) => n[1])).toEqual([67, 64, 127]);
    expect(moveNotes(CLIP, ['a'], 0, 0)(doc)).toBe(doc);
  });

  it('resizes from the right edge, never below the minimum', () => {
    const doc = project([note('a', 60, 1, 1), note('b', 64, 2, 0.25)]);
    expect(shape(resizeNotes(CLIP, ['a', 'b'], 0.5)(doc))).toEqual([
      ['a', 60, 1, 1.5, 100],
      ['b', 64, 2, 0.75, 100],
    ]);
    expect(notesOf(resizeNotes(CLIP, ['a', 'b'], -2)(doc)).map((n) => n.lengthBeats)).toEqual([MIN_NOTE_BEATS, MIN_NOTE_BEATS]);
    expect(notesOf(resizeNotes(CLIP, ['a', 'b'], -2, 0.25)(doc)).map((n) => n.lengthBeats)).toEqual([0.25, 0.25]);
  });

  it('deletes notes by id', () => {
    const doc = project([note('a', 60, 1, 1), note('b', 64, 2, 1), note('c', 67, 3, 1)]);
    expect(shape(deleteNotes(CLIP, ['a', 'c'])(doc)).map((n) => n[0])).toEqual(['b']);
    expect(deleteNotes(CLIP, ['zzz'])(doc)).toBe(doc);
  });

  it('quantizes starts to the song grid through the clip start, and lengths when asked', () => {
    // The clip starts at beat 4.0625: the song's 1/4-beat grid is at clip-relative -0.0625, 0.1875, 0.4375...
    const doc = project([note('a', 60, 0.2, 0.3), note('b', 62, 1.05, 0.6), note('c', 64, 0, 0.1)], 4.0625);
    expect(shape(quantizeNotes(CLIP, null, 0.25)(doc))).toEqual([
      ['a', 60, 0.1875, 0.3, 100],
      ['b', 62, 0.9375, 0.6, 100],
      ['c', 64, 0, 0.1, 100], // the nearest line (-0.0625) is before the clip: it stays at the clip start
    ]);
    expect(shape(quantizeNotes(CLIP, ['b', 'c'], 0.25, { lengths: true })(doc))).toEqual([
      ['a', 60, 0.2, 0.3, 100],
      ['b', 62, 0.9375, 0.5, 100],
      ['c', 64, 0, 0.25, 100], // never shorter than one grid step
    ]);
    const onGrid = project([note('a', 60, 0.5, 1)], 0);
    expect(quantizeNotes(CLIP, null, 0.25)(onGrid)).toBe(onGrid);
    expect(shape(quantizeNotes(CLIP, null, 1, { strength: 0.5 })(project([note('a', 60, 0.5 + 0.25, 1)], 0)))).toEqual([['a', 60, 0.875, 1, 100]]);
  });

  it('sets and offsets velocity on MIDI steps, within 1..127', () => {
    const doc = project([note('a', 60, 0, 1, 100 / 127), note('b', 64, 1, 1, 20 / 127)]);
    expect(shape(setNoteVelocity(CLIP, ['a'], 64 / 127)(doc)).map((n) => n[4])).toEqual([64, 20]);
    expect(notesOf(setNoteVelocity(CLIP, ['a'], 64 / 127)(doc))[0]!.velocity).toBe(64 / 127);
    expect(shape(offsetNoteVelocity(CLIP, ['a', 'b'], -30 / 127)(doc)).map((n) => n[4])).toEqual([70, 1]);
    expect(shape(offsetNoteVelocity(CLIP, ['a', 'b'], 40 / 127)(doc)).map((n) => n[4])).toEqual([127, 60]);
    expect(setNoteVelocity(CLIP, ['a'], 100 / 127)(doc)).toBe(doc);
  });

  it('duplicates notes after themselves under new ids', () => {
    const doc = project([note('a', 60, 0, 1), note('b', 64, 1, 1)]);
    expect(shape(duplicateNotes(CLIP, ['a', 'b'], ['a2', 'b2'], 2)(doc))).toEqual([
      ['a', 60, 0, 1, 100],
      ['b', 64, 1, 1, 100],
      ['a2', 60, 2, 1, 100],
      ['b2', 64, 3, 1, 100],
    ]);
  });

  it('grows a clip to the bar after a note past its end, unless it loops', () => {
    // The clip: song beats 4..12 (two 4/4 bars). A note ending at clip beat 9.5 = song beat 13.5.
    const barLine = (beat: number) => Math.ceil(beat / 4) * 4;
    const doc = addNotes(CLIP, [note('a', 60, 9, 0.5)])(project());
    const grown = findMidiClip(growClipToNotes(CLIP, barLine)(doc), CLIP)!;
    expect([grown.lengthBeats, grown.loop.lengthBeats]).toEqual([12, 12]); // to song beat 16
    const inside = project([note('a', 60, 7, 1)]);
    expect(growClipToNotes(CLIP, barLine)(inside)).toBe(inside);
    const looping = addNotes(CLIP, [note('a', 60, 9, 0.5)])(project());
    looping.tracks.find((t) => t.id === 'trk')!.clips[0]!.loop.enabled = true;
    expect(growClipToNotes(CLIP, barLine)(looping)).toBe(looping);
  });

  it('snaps clip-relative beats to the song grid', () => {
    expect(snapLocal(0.3, 0, 0.25)).toBe(0.25);
    expect(snapLocal(0.3, 4.125, 0.25)).toBe(0.375);
    expect(cellStart(0.49, 0, 0.25)).toBe(0.25);
    expect(cellStart(0.5, 0, 0.25)).toBe(0.5);
    expect(cellStart(0.49, 0.5, 0)).toBe(0.49);
  });

  it('makes each note edit one undo step in the store', () => {
    const store = new ProjectStore(project());
    store.apply(addNotes(CLIP, [note('a', 60, 0, 0.25)]));
    store.apply(moveNotes(CLIP, ['a'], 1, 2));
    store.apply(resizeNotes(CLIP, ['a'], 0.25));
    expect(shape(store.document)).toEqual([['a', 62, 1, 0.5, 100]]);
    store.undo();
    expect(shape(store.document)).toEqual([['a', 62, 1, 0.25, 100]]);
    store.undo();
    store.undo();
    expect(notesOf(store.document)).toEqual([]);
    store.redo();
    expect(shape(store.document)).toEqual([['a', 60, 0, 0.25, 100]]);
  });

  it('forgets selected notes that no longer exist', () => {
    const store = new ProjectStore(project([note('a', 60, 0, 1), note('b', 64, 1, 1)]));
    store.selectNotes(['a', 'b']);
    store.apply(deleteNotes(CLIP, ['a']));
    expect(store.getSnapshot().noteSelection).toEqual(['b']);
  });
});
