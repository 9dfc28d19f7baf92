// The piano roll's keys: Delete/Backspace remove the selected notes, arrows nudge them (up/down a
// semitone, Shift an octave; left/right a grid step), Ctrl/Cmd+A selects all, Ctrl/Cmd+D
// duplicates, Q quantizes, Escape deselects. The listener runs in the capture phase and stops the
// keys it handles, so the app's own shortcuts (Delete removes clips) do not also fire; Space, undo
// and redo go through to the app as usual.
import { useEffect, useRef } from 'react';
import type { Track } from '../../generated/project.generated';
import { newId } from '../../project/ids';
import { deleteNotes, duplicateNotes, findMidiClip, moveNotes } from '../../state/noteEdits';
import type { Edit } from '../../state/edits';
import { useProjectStore } from '../../state/useProject';
import type { Auditioner } from './audition';

interface Options {
  clipId: string;
  track: Track;
  grid: number;
  auditioner: Auditioner;
  quantize: () => void;
  /** Applies a note edit (growing the clip to fit, see PianoRoll). */
  commit: (edit: Edit) => void;
}

export function useNoteKeys(options: Options): void {
  const store = useProjectStore();
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
      const { clipId, track, grid, auditioner, quantize, commit } = latest.current;
      const clip = findMidiClip(store.document, clipId);
      if (!clip) return;
      const ids = store.getSnapshot().noteSelection;
      const chosenIds = new Set(ids);
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key;
      const step = grid > 0 ? grid : 0.25;
      const nudgePitch = (semitones: number) => {
        commit(moveNotes(clipId, ids, 0, semitones));
        // Hear where the notes went (a chord at most; more would only be noise).
        const moved = findMidiClip(store.document, clipId)?.notes.filter((n) => chosenIds.has(n.id)) ?? [];
        for (const note of moved.slice(0, 4)) auditioner.play(track, note.pitch, note.velocity);
      };
      if (mod && key.toLowerCase() === 'a') store.selectNotes(clip.notes.map((n) => n.id));
      else if (mod && key.toLowerCase() === 'd') {
        const chosen = clip.notes.filter((n) => chosenIds.has(n.id));
        if (chosen.length === 0) return;
        const span = Math.max(...chosen.map((n) => n.startBeat + n.lengthBeats)) - Math.min(...chosen.map((n) => n.startBeat));
        const copies = chosen.map(() => newId());
        commit(duplicateNotes(clipId, chosen.map((n) => n.id), copies, Math.max(step, Math.ceil(span / step - 1e-9) * step)));
        store.selectNotes(copies);
      } else if (mod) return;
      else if (key === 'Delete' || key === 'Backspace') store.apply(deleteNotes(clipId, ids));
      else if (key === 'ArrowUp') nudgePitch(event.shiftKey ? 12 : 1);
      else if (key === 'ArrowDown') nudgePitch(event.shiftKey ? -12 : -1);
      else if (key === 'ArrowLeft') store.apply(moveNotes(clipId, ids, -step, 0));
      else if (key === 'ArrowRight') commit(moveNotes(clipId, ids, step, 0));
      else if (key === 'Escape') store.selectNotes([]);
      else if (key.toLowerCase() === 'q') quantize();
      else return;
      event.preventDefault();
      event.stopImmediatePropagation();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [store]);
}
