// Every change to the project is one of these pure functions: document in, new document out
// (the old one is never mutated, so the edit history can keep it as it was). Positions are in
// quarter-note beats, as in the document.
import type { Asset, AudioClip, ChannelStripState, Clip, MidiClip, Note, ProjectDocument, Track } from '../generated/project.generated';
import { newId } from '../project/ids';
import { newTrack } from './newProject';

export type Edit = (document: ProjectDocument) => ProjectDocument;

/** The shortest clip an edit leaves (a 64th note). */
export const MIN_CLIP_BEATS = 1 / 16;

export function mapTrack(document: ProjectDocument, trackId: string, change: (track: Track) => Track): ProjectDocument {
  let found = false;
  const tracks = document.tracks.map((track) => {
    if (track.id !== trackId) return track;
    found = true;
    return change(track);
  });
  return found ? { ...document, tracks } : document;
}

export interface ClipLocation {
  readonly track: Track;
  readonly clip: Clip;
}

export function findClip(document: ProjectDocument, clipId: string): ClipLocation | null {
  for (const track of document.tracks) {
    const clip = track.clips.find((c) => c.id === clipId);
    if (clip) return { track, clip };
  }
  return null;
}

function mapClips(document: ProjectDocument, clipIds: ReadonlySet<string>, change: (clip: Clip) => Clip): ProjectDocument {
  if (!document.tracks.some((track) => track.clips.some((clip) => clipIds.has(clip.id)))) return document;
  return {
    ...document,
    tracks: document.tracks.map((track) =>
      track.clips.some((clip) => clipIds.has(clip.id)) ? { ...track, clips: track.clips.map((clip) => (clipIds.has(clip.id) ? change(clip) : clip)) } : track,
    ),
  };
}

export const setStrip =
  (trackId: string, change: Partial<ChannelStripState>): Edit =>
  (document) =>
    mapTrack(document, trackId, (track) => ({ ...track, strip: { ...track.strip, ...change } }));

export const renameTrack =
  (trackId: string, name: string): Edit =>
  (document) =>
    mapTrack(document, trackId, (track) => ({ ...track, name: name.slice(0, 200) || track.name }));

export const setTrackColour =
  (trackId: string, colour: string): Edit =>
  (document) =>
    /^#[0-9a-fA-F]{6}$/.test(colour) ? mapTrack(document, trackId, (track) => ({ ...track, colour })) : document;

/** Adds a track (audio, instrument or bus) after the others, with the id the caller chose. */
export const addTrack =
  (kind: 'audio' | 'instrument' | 'bus', name: string, trackId: string = newId()): Edit =>
  (document) => ({ ...document, tracks: [...document.tracks, { ...newTrack(document, kind, name), id: trackId }] });

export const removeTrack =
  (trackId: string): Edit =>
  (document) => {
    const track = document.tracks.find((t) => t.id === trackId);
    if (!track || track.kind === 'master') return document;
    return {
      ...document,
      tracks: document.tracks
        .filter((t) => t.id !== trackId)
        .map((t) => (t.sends.some((s) => s.target === trackId) ? { ...t, sends: t.sends.filter((s) => s.target !== trackId) } : t)),
    };
  };

export const setInsertParam =
  (trackId: string, insertId: string, param: string, value: number): Edit =>
  (document) =>
    mapTrack(document, trackId, (track) => ({
      ...track,
      inserts: track.inserts.map((insert) => (insert.id === insertId ? { ...insert, params: { ...insert.params, [param]: value } } : insert)),
    }));

export const addInsert =
  (trackId: string, device: 'ParametricEq' | 'Compressor' | 'Limiter' | 'Delay' | 'Reverb' | 'Gain' | 'Pan', insertId = newId()): Edit =>
  (document) =>
    mapTrack(document, trackId, (track) => ({ ...track, inserts: [...track.inserts, { id: insertId, device, enabled: true, params: {} }] }));

export const removeInsert =
  (trackId: string, insertId: string): Edit =>
  (document) =>
    mapTrack(document, trackId, (track) => ({ ...track, inserts: track.inserts.filter((insert) => insert.id !== insertId) }));

export const addAsset =
  (asset: Asset): Edit =>
  (document) =>
    document.assets.some((a) => a.id === asset.id) ? document : { ...document, assets: [...document.assets, asset] };

export const addClip =
  (trackId: string, clip: Clip): Edit =>
  (document) =>
    mapTrack(document, trackId, (track) => ({ ...track, clips: [...track.clips, clip] }));

export function newAudioClip(asset: Asset, startBeat: number, lengthBeats: number): AudioClip {
  return {
    kind: 'audio',
    id: newId(),
    name: asset.name,
    assetId: asset.id,
    startBeat,
    lengthBeats,
    sourceOffsetSeconds: 0,
    gainDb: 0,
    fadeIn: { lengthBeats: 0, curve: 'linear' },
    fadeOut: { lengthBeats: 0, curve: 'linear' },
    loop: { enabled: false, lengthBeats },
    muted: false,
  };
}

export function newMidiClip(name: string, startBeat: number, lengthBeats: number, notes: Note[]): MidiClip {
  return { kind: 'midi', id: newId(), name, startBeat, lengthBeats, loop: { enabled: false, lengthBeats }, muted: false, notes };
}

/**
 * Moves clips by `deltaBeats` (never before beat 0) and, when `toTrackId` is given, onto that
 * track if it holds the same kind of clip (audio clips on audio tracks, MIDI on instrument tracks).
 */
export const moveClips =
  (clipIds: readonly string[], deltaBeats: number, toTrackId?: string): Edit =>
  (document) => {
    const ids = new Set(clipIds);
    const earliest = Math.min(...document.tracks.flatMap((t) => t.clips.filter((c) => ids.has(c.id)).map((c) => c.startBeat)));
    const delta = Math.max(deltaBeats, -earliest);
    let moved = mapClips(document, ids, (clip) => ({ ...clip, startBeat: clip.startBeat + delta }));
    const target = toTrackId ? moved.tracks.find((t) => t.id === toTrackId) : undefined;
    if (!target) return moved;
    const fits = (clip: Clip) => (clip.kind === 'audio' ? target.kind === 'audio' : target.kind === 'instrument');
    const travelling = moved.tracks.flatMap((t) => (t.id === target.id ? [] : t.clips.filter((c) => ids.has(c.id) && fits(c))));
    if (travelling.length === 0) return moved;
    const travellingIds = new Set(travelling.map((c) => c.id));
    moved = {
      ...moved,
      tracks: moved.tracks.map((t) =>
        t.id === target.id ? { ...t, clips: [...t.clips, ...travelling] } : t.clips.some((c) => travellingIds.has(c.id)) ? { ...t, clips: t.clips.filter((c) => !travellingIds.has(c.id)) } : t,
      ),
    };
    return moved;
  };

/** Moves one edge of a clip. The start edge keeps the content where it was in time. */
export const trimClip =
  (clipId: string, edge: 'start' | 'end', deltaBeats: number, secondsPerBeat: number): Edit =>
  (document) =>
    mapClips(document, new Set([clipId]), (clip) => {
      if (edge === 'end') {
        const lengthBeats = Math.max(MIN_CLIP_BEATS, clip.lengthBeats + deltaBeats);
        return { ...clip, lengthBeats };
      }
      let delta = Math.min(deltaBeats, clip.lengthBeats - MIN_CLIP_BEATS);
      delta = Math.max(delta, -clip.startBeat);
      if (clip.kind === 'audio') delta = Math.max(delta, -clip.sourceOffsetSeconds / secondsPerBeat);
      return shiftContentStart(clip, delta, secondsPerBeat);
    });

/** The clip starting `delta` beats later, its content staying where it sounds. */
function shiftContentStart(clip: Clip, delta: number, secondsPerBeat: number): Clip {
  const base = { startBeat: clip.startBeat + delta, lengthBeats: clip.lengthBeats - delta };
  if (clip.kind === 'audio') return { ...clip, ...base, sourceOffsetSeconds: Math.max(0, clip.sourceOffsetSeconds + delta * secondsPerBeat) };
  const notes = clip.notes
    .map((note) => ({ ...note, startBeat: note.startBeat - delta }))
    .filter((note) => note.startBeat >= 0 && note.startBeat < base.lengthBeats);
  return { ...clip, ...base, notes };
}

/** Splits every clip under `beat` among `clipIds` in two; the right half gets a new id. */
export const splitClips =
  (clipIds: readonly string[], beat: number, secondsPerBeat: number): Edit =>
  (document) => {
    const ids = new Set(clipIds);
    return {
      ...document,
      tracks: document.tracks.map((track) => {
        if (!track.clips.some((c) => ids.has(c.id) && beat > c.startBeat && beat < c.startBeat + c.lengthBeats)) return track;
        return {
          ...track,
          clips: track.clips.flatMap((clip) => {
            if (!ids.has(clip.id) || beat <= clip.startBeat || beat >= clip.startBeat + clip.lengthBeats) return [clip];
            const leftLength = beat - clip.startBeat;
            const left: Clip = clip.kind === 'midi' ? { ...clip, lengthBeats: leftLength, notes: clip.notes.filter((n) => n.startBeat < leftLength) } : { ...clip, lengthBeats: leftLength };
            const right = { ...shiftContentStart(clip, leftLength, secondsPerBeat), id: newId() };
            if (right.kind === 'midi') right.notes = right.notes.map((note) => ({ ...note, id: newId() }));
            return [left, right];
          }),
        };
      }),
    };
  };

export const deleteClips =
  (clipIds: readonly string[]): Edit =>
  (document) => {
    const ids = new Set(clipIds);
    if (!document.tracks.some((track) => track.clips.some((c) => ids.has(c.id)))) return document;
    return {
      ...document,
      tracks: document.tracks.map((track) => (track.clips.some((c) => ids.has(c.id)) ? { ...track, clips: track.clips.filter((c) => !ids.has(c.id)) } : track)),
    };
  };

/** Copies each clip right after itself; `newIds` (same order) names the copies. */
export const duplicateClips =
  (clipIds: readonly string[], newIds: readonly string[]): Edit =>
  (document) => {
    const copies = new Map(clipIds.map((id, i) => [id, newIds[i] ?? newId()]));
    return {
      ...document,
      tracks: document.tracks.map((track) => {
        const added = track.clips
          .filter((clip) => copies.has(clip.id))
          .map((clip): Clip => {
            const base = { id: copies.get(clip.id)!, startBeat: clip.startBeat + clip.lengthBeats };
            return clip.kind === 'midi' ? { ...clip, ...base, notes: clip.notes.map((note) => ({ ...note, id: newId() })) } : { ...clip, ...base };
          });
        return added.length ? { ...track, clips: [...track.clips, ...added] } : track;
      }),
    };
  };

export const setTempo =
  (beatsPerMinute: number): Edit =>
  (document) => {
    const bpm = Math.min(999, Math.max(20, beatsPerMinute));
    const [first, ...rest] = document.transport.tempoChanges;
    if (!first || !Number.isFinite(bpm)) return document;
    return { ...document, transport: { ...document.transport, tempoChanges: [{ ...first, beatsPerMinute: bpm }, ...rest] } };
  };

export const setTimeSignature =
  (numerator: number, denominator: number): Edit =>
  (document) => {
    const [first, ...rest] = document.transport.timeSignatureChanges;
    const valid = Number.isInteger(numerator) && numerator >= 1 && numerator <= 64 && [1, 2, 4, 8, 16, 32].includes(denominator);
    if (!first || !valid) return document;
    return {
      ...document,
      transport: { ...document.transport, timeSignatureChanges: [{ ...first, numerator, denominator: denominator as 1 | 2 | 4 | 8 | 16 | 32 }, ...rest] },
    };
  };

export const setLoop =
  (change: Partial<ProjectDocument['transport']['loop']>): Edit =>
  (document) => {
    const loop = { ...document.transport.loop, ...change };
    if (!(loop.endBeat > loop.startBeat)) return document;
    return { ...document, transport: { ...document.transport, loop } };
  };

export const setMetronome =
  (change: Partial<ProjectDocument['transport']['metronome']>): Edit =>
  (document) => ({ ...document, transport: { ...document.transport, metronome: { ...document.transport.metronome, ...change } } });
