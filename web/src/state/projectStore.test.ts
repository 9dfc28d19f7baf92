// The store's contract: every edit is a pure doc -> doc step, undo/redo restore whole documents,
// a no-op edit leaves no history, and selection/view live apart from the document.
import { describe, expect, it } from 'vitest';
import { validateProject } from '../project/projectDocument';
import { applyOps, diffDocuments } from '../collab/documentOps';
import { addClip, addTrack, renameTrack, deleteClips, duplicateClips, moveClips, newMidiClip, splitClips, trimClip } from './edits';
import { createEmptyProject } from './newProject';
import { ProjectStore } from './projectStore';

const note = { id: 'n1', pitch: 60, velocity: 0.8, releaseVelocity: 0.5, channel: 0, startBeat: 0, lengthBeats: 1 };

function storeWithClip() {
  const store = new ProjectStore(createEmptyProject('s', new Date(0)));
  store.apply(addTrack('instrument', 'Synth', 'trk-a'));
  store.apply(addTrack('instrument', 'Synth 2', 'trk-b'));
  store.apply(addClip('trk-a', { ...newMidiClip('m', 0, 4, [note, { ...note, id: 'n2', startBeat: 3 }]), id: 'clip-1' }));
  return store;
}

describe('ProjectStore', () => {
  it('undoes and redoes whole documents, and never mutates the old ones', () => {
    const store = storeWithClip();
    const before = store.document;
    const frozen = JSON.stringify(before);
    store.apply(moveClips(['clip-1'], 2));
    expect(store.document.tracks.find((t) => t.id === 'trk-a')!.clips[0]!.startBeat).toBe(2);
    expect(JSON.stringify(before)).toBe(frozen);
    store.undo();
    expect(store.document).toBe(before);
    store.redo();
    expect(store.document.tracks.find((t) => t.id === 'trk-a')!.clips[0]!.startBeat).toBe(2);
    expect(store.getSnapshot().canRedo).toBe(false);
  });

  it('keeps selection and view out of the history', () => {
    const store = storeWithClip();
    store.select({ clipIds: ['clip-1'], trackId: 'trk-a' });
    store.setView({ pixelsPerBeat: 50 });
    store.undo(); // undoes the clip, not the selection or zoom
    expect(store.getSnapshot().view.pixelsPerBeat).toBe(50);
    expect(store.getSnapshot().selection.clipIds).toEqual([]); // the clip is gone, so is its selection
  });

  it('leaves no history entry for an edit that changes nothing', () => {
    const store = storeWithClip();
    const revision = store.getSnapshot().revision;
    store.apply(deleteClips(['no-such-clip']));
    store.apply((doc) => doc);
    expect(store.getSnapshot().revision).toBe(revision);
    expect(store.getSnapshot().canRedo).toBe(false);
  });

  it('moves across tracks, trims, splits and duplicates into valid documents', () => {
    const store = storeWithClip();
    store.apply(moveClips(['clip-1'], 1, 'trk-b'));
    expect(store.document.tracks.find((t) => t.id === 'trk-b')!.clips.map((c) => c.id)).toEqual(['clip-1']);
    store.apply(trimClip('clip-1', 'start', 1, 0.5));
    let clip = store.document.tracks.find((t) => t.id === 'trk-b')!.clips[0]!;
    expect([clip.startBeat, clip.lengthBeats]).toEqual([2, 3]);
    expect(clip.kind === 'midi' && clip.notes.map((n) => n.startBeat)).toEqual([2]); // the first note was trimmed away
    store.apply(splitClips(['clip-1'], 3, 0.5));
    store.apply(duplicateClips(['clip-1'], ['clip-copy']));
    const clips = store.document.tracks.find((t) => t.id === 'trk-b')!.clips;
    expect(clips.map((c) => [c.startBeat, c.lengthBeats])).toEqual([[2, 1], [3, 2], [3, 1]]);
    clip = clips[1]!;
    expect(clip.kind === 'midi' && clip.notes.map((n) => n.startBeat)).toEqual([1]);
    expect(validateProject(store.document)).toEqual([]);
  });

  it('ignores edits, undo and redo while an old revision is open read-only', () => {
    const store = storeWithClip();
    const old = store.document;
    store.load(old, { readOnly: true });
    store.apply(addTrack('audio', 'More', 'trk-c'));
    store.undo();
    expect(store.document).toBe(old);
    expect(store.getSnapshot().readOnly).toBe(true);
    store.load(old);
    store.apply(addTrack('audio', 'More', 'trk-c'));
    expect(store.document).not.toBe(old);
  });

  it('rebases its history on a collaborator\'s edit, so undo takes back only my own', () => {
    const store = storeWithClip();
    store.apply(moveClips(['clip-1'], 2)); // mine
    // Theirs, in server order after mine: a rename of the other track.
    const theirs = diffDocuments(store.document, renameTrack('trk-b', 'Their name')(store.document));
    store.applyRemote(applyOps(store.document, theirs), (entry) => applyOps(entry, theirs));
    store.undo();
    const undone = store.document;
    expect(undone.tracks.find((t) => t.id === 'trk-a')!.clips[0]!.startBeat).toBe(0);
    expect(undone.tracks.find((t) => t.id === 'trk-b')!.name).toBe('Their name');
    // A collaborator deletes the clip: history entries holding it cannot take their ops' effect
    // back without it, so the ones that fail to rebase are dropped, never resurrecting it.
    const deleting = diffDocuments(store.document, deleteClips(['clip-1'])(store.document));
    const edit = diffDocuments(store.document, moveClips(['clip-1'], 1)(store.document));
    store.applyRemote(applyOps(store.document, deleting), (entry) => applyOps(entry, deleting));
    expect(store.document.tracks.flatMap((t) => t.clips)).toEqual([]);
    expect(() => applyOps(store.document, edit)).toThrow();
    store.redo();
    expect(store.document.tracks.flatMap((t) => t.clips)).toEqual([]); // the redo entry lost it too
  });
});

