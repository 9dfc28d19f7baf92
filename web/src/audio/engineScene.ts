// What the engine should be running for a project document, in the engine's own terms: nodes
// (by a stable key per document object), connections, parameter values, scheduled notes, audio
// clips, automation, the tempo map, loop and metronome, all positions in frames at the engine's
// sample rate. A pure function of the document; the reconciler diffs two scenes.
import type { AutomationLane, ProjectDocument, Track } from '../generated/project.generated';
import { DEVICES, ENGINE_LIMITS, type ParamDeclaration } from '../generated/protocol.generated';
import { MeterMap, TempoMap } from '../project/tempoMap';

type DeviceName = keyof typeof DEVICES;

export interface SceneNode {
  readonly device: DeviceName;
  /** paramId -> value (every parameter the document sets). */
  readonly params: ReadonlyMap<number, number>;
}

export interface SceneConnection {
  readonly source: string;
  readonly destination: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly gain: number;
}

/** A note-on (velocity 1..127) or note-off (velocity 0) at a timeline frame. */
export interface ScheduledNote {
  readonly frame: number;
  readonly note: number;
  readonly velocity: number;
}

export interface SceneNotes {
  readonly node: string;
  readonly clipId: string;
  readonly events: readonly ScheduledNote[];
}

export interface SceneAudioClip {
  readonly node: string;
  readonly clipId: string;
  readonly assetId: string;
  readonly timelineStart: number;
  readonly sourceStart: number;
  readonly length: number;
  readonly loopLength: number;
  readonly gain: number;
  readonly fadeIn: number;
  readonly fadeOut: number;
  readonly fadeCurve: number;
}

export interface SceneAutomation {
  readonly node: string;
  readonly paramId: number;
  readonly points: readonly { frame: number; value: number; shape: number; curvature: number }[];
}

export interface TempoEntry {
  readonly startSample: number;
  readonly startBeat: number;
  readonly beatsPerMinute: number;
  readonly numerator: number;
  readonly denominator: number;
  readonly barAtStart: number;
}

export interface EngineScene {
  readonly nodes: ReadonlyMap<string, SceneNode>;
  readonly connections: ReadonlyMap<string, SceneConnection>;
  readonly notes: ReadonlyMap<string, SceneNotes>;
  readonly audioClips: ReadonlyMap<string, SceneAudioClip>;
  readonly automation: ReadonlyMap<string, SceneAutomation>;
  readonly tempo: readonly TempoEntry[];
  readonly loop: readonly [number, number];
  readonly metronome: { readonly enabled: boolean; readonly countInBars: number; readonly levelDecibels: number };
  /** Things in the document the engine cannot play (reported, not fatal). */
  readonly problems: readonly string[];
}

/** The key of the master strip, which is always engine node 0. */
export const MASTER_KEY = 'master';

export const stripKey = (track: Track) => (track.kind === 'master' ? MASTER_KEY : `${track.id}:strip`);
export const sourceKey = (track: Track) => (track.kind === 'instrument' ? `${track.instrument?.id ?? track.id}:instrument` : `${track.id}:clips`);
export const connectionKey = (c: Omit<SceneConnection, 'gain'>) => `${c.source}>${c.destination}:${c.sourcePort}:${c.destinationPort}`;

const dbToGain = (db: number) => 10 ** (db / 20);
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

function params(device: DeviceName, values: Readonly<Record<string, number>>): Map<number, number> {
  const declared = DEVICES[device].params as Record<string, ParamDeclaration>;
  const result = new Map<number, number>();
  for (const [name, value] of Object.entries(values)) {
    const declaration = declared[name];
    if (declaration) result.set(declaration.id, clamp(value, declaration.min, declaration.max));
  }
  return result;
}

function stripParams(track: Track): Map<number, number> {
  const { strip } = track;
  return params('ChannelStrip', {
    volume: strip.volumeDb,
    pan: strip.pan,
    mute: strip.mute ? 1 : 0,
    solo: strip.solo ? 1 : 0,
    soloSafe: strip.soloSafe ? 1 : 0,
    invert: strip.invert ? 1 : 0,
  });
}

function tempoEntries(document: ProjectDocument, tempo: TempoMap, sampleRate: number): TempoEntry[] {
  const { tempoChanges, timeSignatureChanges } = document.transport;
  const meters = new MeterMap(timeSignatureChanges);
  const meterStarts = timeSignatureChanges.map((change) => ({ change, beat: meters.beatAtBar(change.bar) }));
  const beats = [...new Set([...tempoChanges.map((c) => c.beat), ...meterStarts.map((m) => m.beat)])].sort((a, b) => a - b);
  return beats.slice(0, ENGINE_LIMITS.tempoTableEntries).map((beat) => {
    const meter = [...meterStarts].reverse().find((m) => m.beat <= beat) ?? meterStarts[0]!;
    const position = meters.barAtBeat(beat);
    const beatsPerBar = meters.beatsPerBarAt(position.bar);
    return {
      startSample: tempo.frameAtBeat(beat, sampleRate),
      startBeat: beat,
      beatsPerMinute: tempo.beatsPerMinuteAt(beat),
      numerator: meter.change.numerator,
      denominator: meter.change.denominator,
      barAtStart: position.bar + position.beatInBar / beatsPerBar,
    };
  });
}

export function buildScene(document: ProjectDocument, sampleRate: number): EngineScene {
  const tempo = new TempoMap(document.transport.tempoChanges);
  const frame = (beat: number) => tempo.frameAtBeat(Math.max(0, beat), sampleRate);
  const nodes = new Map<string, SceneNode>();
  const connections = new Map<string, SceneConnection>();
  const notes = new Map<string, SceneNotes>();
  const audioClips = new Map<string, SceneAudioClip>();
  const automation = new Map<string, SceneAutomation>();
  const problems: string[] = [];
  const connect = (source: string, destination: string, gain = 1, sourcePort = 0, destinationPort = 0) => {
    const connection = { source, destination, sourcePort, destinationPort, gain: clamp(gain, 0, 4) };
    connections.set(connectionKey(connection), connection);
  };

  // Where other tracks connect into a track: its first active insert, else its strip.
  const inputOf = new Map<string, string>();
  const insertKeys = new Map<string, string>();

  for (const track of document.tracks) {
    const strip = stripKey(track);
    nodes.set(strip, { device: 'ChannelStrip', params: stripParams(track) });
    const chain: string[] = [];
    if (track.kind === 'audio') {
      const key = sourceKey(track);
      nodes.set(key, { device: 'ClipPlayer', params: new Map() });
      chain.push(key);
    } else if (track.kind === 'instrument' && track.instrument && track.instrument.device !== 'Unknown' && track.instrument.enabled) {
      const key = sourceKey(track);
      nodes.set(key, { device: track.instrument.device, params: params(track.instrument.device, track.instrument.params) });
      chain.push(key);
    }
    const firstInsertIndex = chain.length;
    for (const insert of track.inserts) {
      if (insert.device === 'Unknown' || !insert.enabled) continue;
      const key = `${insert.id}:insert`;
      insertKeys.set(insert.id, key);
      nodes.set(key, { device: insert.device, params: params(insert.device, insert.params) });
      chain.push(key);
    }
    chain.push(strip);
    inputOf.set(track.id, chain[firstInsertIndex]!);
    for (let i = 0; i + 1 < chain.length; i++) connect(chain[i]!, chain[i + 1]!);
  }

  for (const track of document.tracks) {
    const strip = stripKey(track);
    if (track.kind !== 'master' && track.output) {
      const destination = inputOf.get(track.output);
      if (destination) connect(strip, destination);
    }
    for (const send of track.sends) {
      const destination = inputOf.get(send.target);
      if (destination) connect(strip, destination, dbToGain(send.levelDb), send.preFader ? 1 : 0);
    }
    for (const clip of track.clips) {
      if (clip.muted) continue;
      const start = clip.startBeat;
      const end = clip.startBeat + clip.lengthBeats;
      if (clip.kind === 'midi' && track.kind === 'instrument' && nodes.has(sourceKey(track))) {
        const events: ScheduledNote[] = [];
        const period = clip.loop.enabled && clip.loop.lengthBeats > 0 ? clip.loop.lengthBeats : clip.lengthBeats;
        for (let pass = 0; start + pass * period < end; pass++) {
          const passStart = start + pass * period;
          for (const note of clip.notes) {
            if (note.startBeat >= period) continue;
            const on = passStart + note.startBeat;
            if (on >= end) continue;
            const off = Math.min(on + note.lengthBeats, passStart + period, end);
            const onFrame = frame(on);
            events.push({ frame: onFrame, note: note.pitch, velocity: clamp(Math.round(note.velocity * 127), 1, 127) });
            events.push({ frame: Math.max(onFrame + 1, frame(off)), note: note.pitch, velocity: 0 });
          }
          if (!clip.loop.enabled) break;
        }
        events.sort((a, b) => a.frame - b.frame || a.velocity - b.velocity);
        notes.set(`${sourceKey(track)}|${clip.id}`, { node: sourceKey(track), clipId: clip.id, events });
      } else if (clip.kind === 'audio' && track.kind === 'audio') {
        const timelineStart = frame(start);
        const secondsPerBeatAtStart = 60 / tempo.beatsPerMinuteAt(start);
        audioClips.set(clip.id, {
          node: sourceKey(track),
          clipId: clip.id,
          assetId: clip.assetId,
          timelineStart,
          sourceStart: Math.round(clip.sourceOffsetSeconds * sampleRate),
          length: Math.max(1, frame(end) - timelineStart),
          loopLength: clip.loop.enabled ? Math.max(1, frame(start + clip.loop.lengthBeats) - timelineStart) : 0,
          gain: clamp(dbToGain(clip.gainDb), 0, 16),
          fadeIn: Math.round(clip.fadeIn.lengthBeats * secondsPerBeatAtStart * sampleRate),
          fadeOut: Math.round(clip.fadeOut.lengthBeats * secondsPerBeatAtStart * sampleRate),
          fadeCurve: clip.fadeIn.curve === 'linear' && clip.fadeOut.curve === 'linear' ? 0 : 1,
        });
      }
    }
    for (const lane of track.automation) {
      const target = automationTarget(track, lane, nodes, insertKeys);
      if (!target) {
        problems.push(`automation of ${lane.target.kind} ${lane.target.param} on "${track.name}" is not played by the engine yet`);
        continue;
      }
      automation.set(`${target.node}|${target.declaration.id}`, {
        node: target.node,
        paramId: target.declaration.id,
        points: lane.points.map((point) => ({
          frame: Math.min(frame(point.beat), 0xffffffff),
          value: clamp(point.value, target.declaration.min, target.declaration.max),
          shape: point.shape === 'linear' ? 0 : point.shape === 'curved' ? 1 : 2,
          curvature: Math.round(clamp(point.curvature, -1, 1) * 1000),
        })),
      });
    }
  }

  const { loop, metronome } = document.transport;
  return {
    nodes,
    connections,
    notes,
    audioClips,
    automation,
    tempo: tempoEntries(document, tempo, sampleRate),
    loop: loop.enabled ? [frame(loop.startBeat), frame(loop.endBeat)] : [0, 0],
    metronome: { enabled: metronome.enabled, countInBars: metronome.countInBars, levelDecibels: clamp(metronome.levelDb, -60, 0) },
    problems,
  };
}

const STRIP_PARAM_NAMES: Record<string, string> = { volume: 'volume', volumeDb: 'volume', pan: 'pan', mute: 'mute', solo: 'solo', invert: 'invert' };

function automationTarget(track: Track, lane: AutomationLane, nodes: ReadonlyMap<string, SceneNode>, insertKeys: ReadonlyMap<string, string>) {
  let node: string | undefined;
  let paramName = lane.target.param;
  if (lane.target.kind === 'strip') {
    node = stripKey(track);
    paramName = STRIP_PARAM_NAMES[paramName] ?? paramName;
  } else if (lane.target.kind === 'instrument') node = track.kind === 'instrument' ? sourceKey(track) : undefined;
  else if (lane.target.kind === 'insert') node = lane.target.insertId ? insertKeys.get(lane.target.insertId) : undefined;
  const sceneNode = node ? nodes.get(node) : undefined;
  if (!node || !sceneNode) return null;
  const declaration = (DEVICES[sceneNode.device].params as Record<string, ParamDeclaration>)[paramName];
  return declaration ? { node, declaration } : null;
}
