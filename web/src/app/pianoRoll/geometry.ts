// Where things are in the piano roll: one row per pitch (127 at the top), clip-relative beats
// across, the velocity lane's scale, and the hit tests the pointer handlers use. Pure functions of
// the view (zoom and scroll), so drawing and hit testing can never disagree.
import type { Note } from '../../generated/project.generated';

export const KEY_WIDTH = 72;
export const RULER_HEIGHT = 26;
export const VELOCITY_HEIGHT = 96;
export const VELOCITY_PAD = 8;
export const ROW_HEIGHT = 14;
export const PITCHES = 128;
export const GRID_HEIGHT = PITCHES * ROW_HEIGHT;
/** How close to a note's right end the pointer resizes instead of moving. */
export const EDGE_PIXELS = 6;

export interface Viewport {
  readonly pixelsPerBeat: number;
  readonly scrollX: number;
  readonly scrollY: number;
}

export const beatToX = (beat: number, v: Viewport) => beat * v.pixelsPerBeat - v.scrollX;
export const xToBeat = (x: number, v: Viewport) => (x + v.scrollX) / v.pixelsPerBeat;
export const pitchToY = (pitch: number, v: Viewport) => (PITCHES - 1 - pitch) * ROW_HEIGHT - v.scrollY;
export const yToPitch = (y: number, v: Viewport) => Math.min(PITCHES - 1, Math.max(0, PITCHES - 1 - Math.floor((y + v.scrollY) / ROW_HEIGHT)));

/** Velocity 0..1 to the lane's y (1 at the top pad, 0 at the bottom pad), and back. */
export const velocityToY = (velocity: number, laneHeight: number) => VELOCITY_PAD + (1 - velocity) * (laneHeight - 2 * VELOCITY_PAD);
export const yToVelocity = (y: number, laneHeight: number) => Math.min(1, Math.max(0, 1 - (y - VELOCITY_PAD) / (laneHeight - 2 * VELOCITY_PAD)));

const NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];
/** Scientific pitch names: 60 is C4. */
export const pitchName = (pitch: number) => `${NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1}`;
export const isBlackKey = (pitch: number) => [1, 3, 6, 8, 10].includes(pitch % 12);

export interface NoteHit {
  readonly note: Note;
  /** On the right end: a drag resizes. */
  readonly edge: boolean;
}

/** The note under (x, y) in grid pixels, the last drawn (topmost) first. */
export function hitNote(notes: readonly Note[], x: number, y: number, v: Viewport): NoteHit | null {
  const pitch = yToPitch(y, v);
  for (let i = notes.length - 1; i >= 0; i--) {
    const note = notes[i]!;
    if (note.pitch !== pitch) continue;
    const left = beatToX(note.startBeat, v);
    const right = left + Math.max(3, note.lengthBeats * v.pixelsPerBeat);
    if (x < left || x > right) continue;
    const edge = Math.min(EDGE_PIXELS, (right - left) / 3);
    return { note, edge: right - x <= edge };
  }
  return null;
}

export interface Band {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Ids of the notes a rubber band (content pixels, i.e. scroll included) touches. */
export function notesInBand(notes: readonly Note[], band: Band, pixelsPerBeat: number): string[] {
  const left = Math.min(band.x0, band.x1);
  const right = Math.max(band.x0, band.x1);
  const top = Math.min(band.y0, band.y1);
  const bottom = Math.max(band.y0, band.y1);
  return notes
    .filter((n) => {
      const x0 = n.startBeat * pixelsPerBeat;
      const x1 = x0 + Math.max(3, n.lengthBeats * pixelsPerBeat);
      const y0 = (PITCHES - 1 - n.pitch) * ROW_HEIGHT;
      return x1 >= left && x0 <= right && y0 + ROW_HEIGHT >= top && y0 <= bottom;
    })
    .map((n) => n.id);
}

/** The note whose velocity bar is nearest to x (selected notes win ties), within a few pixels. */
export function hitVelocity(notes: readonly Note[], selected: ReadonlySet<string>, x: number, v: Viewport): Note | null {
  let best: Note | null = null;
  let bestDistance = 6;
  for (const note of notes) {
    const distance = Math.abs(beatToX(note.startBeat, v) + 1 - x) - (selected.has(note.id) ? 0.5 : 0);
    if (distance <= bestDistance) {
      best = note;
      bestDistance = distance;
    }
  }
  return best;
}
