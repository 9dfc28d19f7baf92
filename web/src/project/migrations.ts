// Older project documents are brought to the current schema version one step at a time:
// MIGRATIONS[n] turns a version-n document into a version n+1 one. The C++ side has the same
// registry (protocol/project/include/amplitude/project/Migrations.h) because the server reads
// stored revisions of any age (to render them, to apply operations to them), and both are held to
// the same before/after examples (protocol/project/examples/migrations/).
//
// A migration transforms what it recognises and passes through what it does not: a field of the
// wrong type is copied as it is, so that validating the result names it, and a migration never
// throws. Migrations work on plain JSON values, not on the generated types, which describe only
// the current version.

import { PROJECT_SCHEMA_VERSION } from '../generated/project.generated';
import { isObject } from './schemaValidator';
import { derivedId } from './ids';

export type JsonObject = Record<string, unknown>;
export type Migration = (document: JsonObject) => JsonObject;

const field = (object: JsonObject, key: string, fallback: unknown): unknown =>
  Object.prototype.hasOwnProperty.call(object, key) ? object[key] : fallback;

/** Applies `convert` to a number, passes anything else through; `fallback` when absent. */
const numberField = (object: JsonObject, key: string, fallback: unknown, convert: (n: number) => unknown): unknown => {
  const value = field(object, key, fallback);
  return typeof value === 'number' && Object.prototype.hasOwnProperty.call(object, key) ? convert(value) : value;
};

const mapArray = (value: unknown, convert: (item: JsonObject) => unknown): unknown =>
  Array.isArray(value) ? value.map((item) => (isObject(item) ? convert(item) : item)) : value;

/** Drops absent fields, so a missing v0 field reads as "is required" after migration, not as undefined. */
const compact = (object: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));

const idOr = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/**
 * Version 0 (a synthetic ancestor, for the mechanism and its tests): one tempo (`bpm`) and one
 * time signature (`timeSignature: [n, d]`), tracks of type audio/midi/master with a linear `gain`,
 * `pan` and `muted`, clips with `start`/`length` (and `asset`/`offset` on audio tracks, `notes`
 * with `key` and a 0..127 `vel` on MIDI tracks), and `savedAt`.
 */
export function migrateV0ToV1(v0: JsonObject): JsonObject {
  const projectId = idOr(v0.id, 'v0');
  const savedAt = field(v0, 'savedAt', '1970-01-01T00:00:00.000Z');
  const signature = field(v0, 'timeSignature', [4, 4]);
  const [numerator, denominator] = Array.isArray(signature) ? [signature[0], signature[1]] : [signature, signature];
  const tracks = field(v0, 'tracks', []);
  const master = Array.isArray(tracks) ? tracks.find((t) => isObject(t) && t.type === 'master') : undefined;
  const masterId = isObject(master) && typeof master.id === 'string' ? master.id : undefined;
  const kinds: JsonObject = { audio: 'audio', midi: 'instrument', master: 'master' };

  const migrateTrack = (track: JsonObject, index: number): JsonObject => {
    const type = field(track, 'type', undefined);
    const kind = typeof type === 'string' && Object.prototype.hasOwnProperty.call(kinds, type) ? kinds[type] : type;
    const trackId = idOr(track.id, `${projectId}.track${index}`);
    const audioClip = (clip: JsonObject): JsonObject => compact({
      kind: 'audio', id: field(clip, 'id', undefined), name: '', assetId: field(clip, 'asset', undefined),
      startBeat: field(clip, 'start', 0), lengthBeats: field(clip, 'length', undefined),
      sourceOffsetSeconds: field(clip, 'offset', 0), gainDb: 0,
      fadeIn: { lengthBeats: 0, curve: 'linear' }, fadeOut: { lengthBeats: 0, curve: 'linear' },
      loop: compact({ enabled: false, lengthBeats: field(clip, 'length', undefined) }), muted: false,
    });
    const note = (n: JsonObject): JsonObject => compact({
      id: field(n, 'id', undefined), pitch: field(n, 'key', undefined),
      velocity: numberField(n, 'vel', 100 / 127, (v) => v / 127), releaseVelocity: 0.5, channel: 0,
      startBeat: field(n, 'start', 0), lengthBeats: field(n, 'length', undefined),
    });
    const midiClip = (clip: JsonObject): JsonObject => compact({
      kind: 'midi', id: field(clip, 'id', undefined), name: '', startBeat: field(clip, 'start', 0),
      lengthBeats: field(clip, 'length', undefined), loop: compact({ enabled: false, lengthBeats: field(clip, 'length', undefined) }),
      muted: false, notes: mapArray(field(clip, 'notes', []), note),
    });
    const migrated: JsonObject = compact({
      id: field(track, 'id', undefined), kind, name: field(track, 'name', ''), colour: '#7f7f7f', order: index,
      strip: {
        volumeDb: numberField(track, 'gain', 0, (g) => (g > 0 ? Math.max(-96, 20 * Math.log10(g)) : -96)),
        pan: field(track, 'pan', 0), mute: field(track, 'muted', false), solo: false, soloSafe: false, invert: false,
      },
      sends: [], inserts: [],
      clips: mapArray(field(track, 'clips', []), type === 'audio' ? audioClip : type === 'midi' ? midiClip : (c) => c),
      automation: [],
    });
    if (type !== 'master' && masterId !== undefined) migrated.output = masterId;
    if (type === 'midi') migrated.instrument = { id: derivedId(trackId, 'instrument'), device: 'PolySynth', enabled: true, params: {} };
    return migrated;
  };

  return {
    format: 'amplitude-project',
    schemaVersion: 1,
    project: compact({
      id: field(v0, 'id', undefined), name: field(v0, 'name', ''), created: savedAt, modified: savedAt,
      sampleRate: field(v0, 'sampleRate', 48000),
    }),
    transport: {
      tempoChanges: [{ id: derivedId(projectId, 'tempo0'), beat: 0, beatsPerMinute: field(v0, 'bpm', 120) }],
      timeSignatureChanges: [compact({ id: derivedId(projectId, 'metre0'), bar: 0, numerator, denominator })],
      loop: { enabled: false, startBeat: 0, endBeat: 16 },
      metronome: { enabled: false, countInBars: 0, levelDb: -6 },
    },
    markers: [],
    assets: field(v0, 'assets', []),
    tracks: Array.isArray(tracks) ? tracks.map((t, i) => (isObject(t) ? migrateTrack(t, i) : t)) : tracks,
  };
}

/** MIGRATIONS[n] migrates version n to n + 1; there is one per version before the current one. */
export const MIGRATIONS: readonly Migration[] = [migrateV0ToV1];

if (MIGRATIONS.length !== PROJECT_SCHEMA_VERSION) {
  throw new Error(`project migrations: ${MIGRATIONS.length} migrations for schema version ${PROJECT_SCHEMA_VERSION}`);
}

/** Runs the migrations from `version` (older than the current one) up to the current version. */
export function migrateToCurrent(document: JsonObject, version: number): JsonObject {
  let migrated = document;
  for (let v = version; v < PROJECT_SCHEMA_VERSION; v++) migrated = MIGRATIONS[v]!(migrated);
  return migrated;
}
