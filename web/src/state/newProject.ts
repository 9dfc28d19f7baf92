// A new, empty project: 120 BPM in 4/4, a master track and nothing else. Every object gets a
// fresh stable id (src/project/ids.ts).
import type { ChannelStripState, ProjectDocument, Track, TrackKind } from '../generated/project.generated';
import { newId } from '../project/ids';

export const MASTER_COLOUR = '#9aa4b2';
export const TRACK_COLOURS = ['#4f9dff', '#ff8a4f', '#57d38c', '#d36bff', '#ffd34f', '#4fe0e0', '#ff5f7e', '#a3e05a'];

export const defaultStrip = (): ChannelStripState => ({ volumeDb: 0, pan: 0, mute: false, solo: false, soloSafe: false, invert: false });

export function createEmptyProject(name = 'Untitled song', now = new Date()): ProjectDocument {
  const stamp = now.toISOString();
  return {
    format: 'amplitude-project',
    schemaVersion: 1,
    project: { id: newId(), name, created: stamp, modified: stamp, sampleRate: 48_000 },
    transport: {
      tempoChanges: [{ id: newId(), beat: 0, beatsPerMinute: 120 }],
      timeSignatureChanges: [{ id: newId(), bar: 0, numerator: 4, denominator: 4 }],
      loop: { enabled: false, startBeat: 0, endBeat: 16 },
      metronome: { enabled: false, countInBars: 0, levelDb: -6 },
    },
    markers: [],
    assets: [],
    tracks: [
      { id: newId(), kind: 'master', name: 'Master', colour: MASTER_COLOUR, order: 0, strip: defaultStrip(), sends: [], inserts: [], clips: [], automation: [] },
    ],
  };
}

export function masterOf(document: ProjectDocument): Track {
  const master = document.tracks.find((track) => track.kind === 'master');
  if (!master) throw new Error('the project has no master track');
  return master;
}

/** Tracks in display order (order, then id), the master excluded. */
export function orderedTracks(document: ProjectDocument): Track[] {
  return document.tracks
    .filter((track) => track.kind !== 'master')
    .sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function newTrack(document: ProjectDocument, kind: Exclude<TrackKind, 'master'>, name: string): Track {
  const others = orderedTracks(document);
  const order = (others.at(-1)?.order ?? 0) + 1;
  const track: Track = {
    id: newId(),
    kind,
    name,
    colour: TRACK_COLOURS[others.length % TRACK_COLOURS.length]!,
    order,
    output: masterOf(document).id,
    strip: defaultStrip(),
    sends: [],
    inserts: [],
    clips: [],
    automation: [],
  };
  if (kind === 'instrument') track.instrument = { id: newId(), device: 'PolySynth', enabled: true, params: {} };
  return track;
}
