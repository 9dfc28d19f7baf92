// The piano roll's coordinates and hit tests: what is drawn where is what the pointer finds.
import { describe, expect, it } from 'vitest';
import { newNote } from '../../state/noteEdits';
import { beatToX, hitNote, hitVelocity, notesInBand, pitchName, pitchToY, ROW_HEIGHT, velocityToY, xToBeat, yToPitch, yToVelocity } from './geometry';

const view = { pixelsPerBeat: 96, scrollX: 48, scrollY: 60 * ROW_HEIGHT };
const notes = [newNote(60, 1, 0.25, 0.8, 'a'), newNote(64, 1, 1, 0.8, 'b'), newNote(60, 2, 0.5, 0.8, 'c')];

describe('piano roll geometry', () => {
  it('maps beats and pitches to pixels and back', () => {
    expect(beatToX(1, view)).toBe(48);
    expect(xToBeat(48, view)).toBe(1);
    expect(pitchToY(67, view)).toBe(0); // 127 - 67 = 60 rows scrolled away
    expect(yToPitch(0, view)).toBe(67);
    expect(yToPitch(ROW_HEIGHT - 0.5, view)).toBe(67);
    expect(yToPitch(ROW_HEIGHT, view)).toBe(66);
    expect(yToPitch(-1e6, view)).toBe(127);
    expect(pitchName(60)).toBe('C4');
    expect(pitchName(61)).toBe('C♯4');
    expect(pitchName(0)).toBe('C-1');
  });

  it('finds the note under the pointer, and its right end', () => {
    const row60 = pitchToY(60, view) + 3;
    expect(hitNote(notes, beatToX(1, view) + 2, row60, view)?.note.id).toBe('a');
    expect(hitNote(notes, beatToX(1, view) + 2, row60, view)?.edge).toBe(false);
    expect(hitNote(notes, beatToX(1.25, view) - 2, row60, view)?.edge).toBe(true);
    expect(hitNote(notes, beatToX(1.5, view), row60, view)).toBeNull();
    expect(hitNote(notes, beatToX(1.5, view), pitchToY(64, view) + 3, view)?.note.id).toBe('b');
  });

  it('selects what a rubber band touches', () => {
    const y = (p: number) => pitchToY(p, view) + view.scrollY;
    const x = (b: number) => beatToX(b, view) + view.scrollX;
    expect(notesInBand(notes, { x0: x(0.5), y0: y(65), x1: x(1.1), y1: y(59) }, 96)).toEqual(['a', 'b']);
    expect(notesInBand(notes, { x0: x(1.9), y0: y(60) + 2, x1: x(2.1), y1: y(60) + 4 }, 96)).toEqual(['c']);
    expect(notesInBand(notes, { x0: x(3), y0: y(60), x1: x(4), y1: y(50) }, 96)).toEqual([]);
  });

  it('maps the velocity lane both ways and finds the bar under the pointer', () => {
    expect(velocityToY(1, 96)).toBe(8);
    expect(velocityToY(0, 96)).toBe(88);
    expect(yToVelocity(48, 96)).toBe(0.5);
    expect(yToVelocity(-5, 96)).toBe(1);
    // Two bars at beat 1 (a, b): the selected one wins.
    expect(hitVelocity(notes, new Set(['b']), beatToX(1, view) + 1, view)?.id).toBe('b');
    expect(hitVelocity(notes, new Set(), beatToX(2, view) + 3, view)?.id).toBe('c');
    expect(hitVelocity(notes, new Set(), beatToX(1.5, view), view)).toBeNull();
  });
});
