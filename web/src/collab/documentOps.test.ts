import { describe, expect, it } from 'vitest';
import type { AudioClip, ProjectDocument } from '../generated/project.generated';
import { readExample } from '../project/examples.testing';
import { applyOps, diffDocuments, OpConflict, type DocumentOp } from './documentOps';

const full = readExample('full.json') as ProjectDocument;

/** A seeded generator, so a failing case can be replayed by its seed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return { next, pick: <T,>(items: readonly T[]): T | undefined => items[Math.floor(next() * items.length)] };
}

type Mutation = (doc: ProjectDocument, rng: ReturnType<typeof random>, serial: number) => void;

/** Edits of the kinds the app makes, done directly on a copy of the document. */
const mutations: Mutation[] = [
  (doc, rng) => {
    const track = rng.pick(doc.tracks);
    if (track) track.strip.volumeDb = Math.round(rng.next() * -40) + 0; // + 0: no -0, which JSON cannot carry
  },
  (doc, rng) => {
    const track = rng.pick(doc.tracks);
    if (track) track.name = `renamed ${Math.floor(rng.next() * 100)}`;
  },
  (doc, rng) => {
    const clip = rng.pick(doc.tracks.flatMap((t) => t.clips));
    if (clip) clip.startBeat = Math.round(rng.next() * 64);
  },
  (doc, rng) => {
    const clip = rng.pick(doc.tracks.flatMap((t) => t.clips).filter((c) => c.kind === 'midi'));
    if (clip?.kind === 'midi') clip.notes.splice(Math.floor(rng.next() * clip.notes.length), 1);
  },
  (doc, rng, serial) => {
    const clip = rng.pick(doc.tracks.flatMap((t) => t.clips).filter((c) => c.kind === 'midi'));
    if (clip?.kind === 'midi')
      clip.notes.splice(Math.floor(rng.next() * (clip.notes.length + 1)), 0, {
        id: `n-new-${serial}`, pitch: 60, velocity: 100, releaseVelocity: 64, channel: 0, startBeat: serial % 16, lengthBeats: 1,
      } as (typeof clip.notes)[number]);
  },
  (doc, rng) => {
    // Move a clip to another track (same kind keeps the document valid; ops do not care).
    const from = rng.pick(doc.tracks.filter((t) => t.clips.length > 0));
    const to = rng.pick(doc.tracks.filter((t) => t !== from && t.kind === from?.kind));
    if (from && to) to.clips.push(...from.clips.splice(0, 1));
  },
  (doc, rng) => {
    // Reorder: move one track to another place.
    const [track] = doc.tracks.splice(Math.floor(rng.next() * doc.tracks.length), 1);
    if (track) doc.tracks.splice(Math.floor(rng.next() * (doc.tracks.length + 1)), 0, track);
  },
  (doc, rng) => {
    const track = rng.pick(doc.tracks.filter((t) => t.inserts.length > 1));
    if (track) track.inserts.reverse();
  },
  (doc, rng) => {
    const track = rng.pick(doc.tracks.filter((t) => t.id !== 'master'));
    if (track) doc.tracks.splice(doc.tracks.indexOf(track), 1);
  },
  (doc, rng, serial) => {
    const insert = rng.pick(doc.tracks.flatMap((t) => t.inserts));
    if (insert) insert.params = { ...insert.params, [`p${serial % 3}`]: rng.next() };
  },
  (doc, rng) => {
    // An optional property cleared: the object is replaced whole.
    const clip = rng.pick(doc.tracks.flatMap((t) => t.clips).filter((c) => 'loop' in c));
    if (clip) delete (clip as { loop?: unknown }).loop;
  },
  (doc, rng) => {
    doc.transport.tempoChanges[0]!.beatsPerMinute = 60 + Math.floor(rng.next() * 120);
  },
  (doc, _rng, serial) => {
    doc.markers.unshift({ id: `m-new-${serial}`, beat: serial, name: 'new', colour: '#ffffff' } as ProjectDocument['markers'][number]);
  },
];

describe('document operations', () => {
  it('turn one document into another exactly, over a thousand random edit sequences', () => {
    const seen = { set: 0, insert: 0, delete: 0 };
    for (let seed = 1; seed <= 1000; ++seed) {
      const rng = random(seed);
      const after = structuredClone(full);
      const steps = 1 + Math.floor(rng.next() * 6);
      for (let i = 0; i < steps; ++i) rng.pick(mutations)!(after, rng, seed * 10 + i);
      const ops = diffDocuments(full, after);
      expect(applyOps(full, ops), `seed ${seed}`).toEqual(after);
      expect(JSON.parse(JSON.stringify(ops)), 'plain JSON on the wire').toEqual(ops);
      for (const op of ops) seen[op.op] += 1;
    }
    expect(Math.min(seen.set, seen.insert, seen.delete), JSON.stringify(seen)).toBeGreaterThan(200);
  });

  it('are empty for an unchanged document and leave the input untouched', () => {
    const copy = structuredClone(full);
    expect(diffDocuments(full, copy)).toEqual([]);
    const changed = structuredClone(full);
    changed.tracks[3]!.strip.volumeDb = -7.5;
    applyOps(full, diffDocuments(full, changed));
    expect(full).toEqual(copy);
  });

  it('address a changed property by the id of its object and a path, never an index', () => {
    const changed = structuredClone(full);
    changed.tracks[3]!.strip.volumeDb = -7.5;
    const clip = changed.tracks[3]!.clips[0] as AudioClip;
    clip.gainDb = -3;
    expect(diffDocuments(full, changed)).toEqual([
      { op: 'set', target: 'trk-drums', path: ['strip', 'volumeDb'], value: -7.5 },
      { op: 'set', target: clip.id, path: ['gainDb'], value: -3 },
    ]);
  });

  it('move a clip between tracks as a delete then an insert, whatever the tracks order', () => {
    const changed = structuredClone(full);
    const clip = changed.tracks[4]!.clips.splice(0, 1)[0]!;
    changed.tracks[3]!.clips.unshift(clip);
    const ops = diffDocuments(full, changed);
    expect(ops.map((op) => op.op)).toEqual(['delete', 'insert']);
    expect(ops[1]).toMatchObject({ parent: 'trk-drums', collection: 'clips', before: full.tracks[3]!.clips[0]!.id });
  });

  it('keep both of two concurrent changes to different properties, and the later of two to the same one', () => {
    const mine = structuredClone(full);
    mine.tracks[3]!.strip.volumeDb = -6;
    mine.tracks[3]!.name = 'Mine';
    const theirs = structuredClone(full);
    theirs.tracks[3]!.strip.pan = 0.5;
    theirs.tracks[3]!.name = 'Theirs';
    // Server order: mine first, then theirs (both based on the same revision).
    const merged = applyOps(applyOps(full, diffDocuments(full, mine)), diffDocuments(full, theirs));
    expect(merged.tracks[3]!.strip).toMatchObject({ volumeDb: -6, pan: 0.5 });
    expect(merged.tracks[3]!.name).toBe('Theirs');
  });

  it('refuse an edit to an object deleted meanwhile, as a whole (delete wins)', () => {
    const deleted = structuredClone(full);
    deleted.tracks.splice(4, 1);
    const head = applyOps(full, diffDocuments(full, deleted));
    const edit = structuredClone(full);
    edit.tracks[3]!.name = 'kept?';
    (edit.tracks[4]!.clips[0] as AudioClip).gainDb = -12;
    const ops = diffDocuments(full, edit);
    expect(() => applyOps(head, ops)).toThrow(OpConflict);
    try {
      applyOps(head, ops);
    } catch (error) {
      expect((error as OpConflict).reason).toBe('target_deleted');
    }
    expect(head.tracks.find((t) => t.id === 'trk-drums')!.name).toBe(full.tracks[3]!.name);
  });

  it('refuse ops that lead nowhere or reuse an id', () => {
    const bad: DocumentOp[][] = [
      [{ op: 'set', target: 'trk-drums', path: ['strip', 'nothing', 'deep'], value: 1 }],
      [{ op: 'set', target: 'trk-drums', path: [], value: 1 }],
      [{ op: 'insert', parent: null, collection: 'tracks', value: { id: 'trk-drums' }, before: null }],
      [{ op: 'insert', parent: 'trk-drums', collection: 'strip', value: { id: 'x' }, before: null }],
      [{ op: 'insert', parent: null, collection: 'markers', value: { id: 'x' }, before: 'no-such' }],
    ];
    for (const ops of bad) expect(() => applyOps(full, ops), JSON.stringify(ops)).toThrow(OpConflict);
  });
});
