// The rules of a project document that its JSON Schema cannot say: ids unique in the document,
// references that resolve (outputs, sends, assets, automation targets), exactly one master, no
// routing cycle, tempo and time signature changes in order, fades that fit, device parameters
// that the engine declares, within their ranges. Runs only on a document the schema accepted.
// Its C++ twin is protocol/project/include/amplitude/project/ProjectRules.h: same checks, same
// order, same words.

import {
  PARAMETER_RANGES,
  type AutomationLane,
  type Instrument,
  type Insert,
  type ParameterRange,
  type ProjectDocument,
  type Track,
} from '../generated/project.generated';
import { ErrorList, formatNumber, indexPath, joinPath } from './schemaValidator';

const has = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

export function parameterRange(device: string, param: string): ParameterRange | undefined {
  const params = has(PARAMETER_RANGES, device) ? PARAMETER_RANGES[device] : undefined;
  return params && has(params, param) ? params[param] : undefined;
}

function checkValue(value: number, range: ParameterRange, path: string, errors: ErrorList): void {
  if (range.integer && !Number.isInteger(value)) errors.add(path, 'must be an integer');
  else if (value < range.min) errors.add(path, `must be >= ${formatNumber(range.min)}`);
  else if (value > range.max) errors.add(path, `must be <= ${formatNumber(range.max)}`);
}

function checkIds(document: ProjectDocument, errors: ErrorList): void {
  const seen = new Map<string, string>();
  const visit = (id: string, path: string) => {
    const first = seen.get(id);
    if (first !== undefined) errors.add(path, `duplicate id ${JSON.stringify(id)} (first at ${first})`);
    else seen.set(id, path);
  };
  visit(document.project.id, 'project.id');
  document.transport.tempoChanges.forEach((c, i) => visit(c.id, `transport.tempoChanges[${i}].id`));
  document.transport.timeSignatureChanges.forEach((c, i) => visit(c.id, `transport.timeSignatureChanges[${i}].id`));
  document.markers.forEach((m, i) => visit(m.id, `markers[${i}].id`));
  document.assets.forEach((a, i) => visit(a.id, `assets[${i}].id`));
  document.tracks.forEach((track, t) => {
    const at = `tracks[${t}]`;
    visit(track.id, `${at}.id`);
    track.sends.forEach((s, i) => visit(s.id, `${at}.sends[${i}].id`));
    track.inserts.forEach((s, i) => visit(s.id, `${at}.inserts[${i}].id`));
    if (track.instrument) visit(track.instrument.id, `${at}.instrument.id`);
    track.clips.forEach((clip, c) => {
      visit(clip.id, `${at}.clips[${c}].id`);
      if (clip.kind === 'midi') clip.notes.forEach((n, i) => visit(n.id, `${at}.clips[${c}].notes[${i}].id`));
    });
    track.automation.forEach((lane, l) => {
      visit(lane.id, `${at}.automation[${l}].id`);
      lane.points.forEach((p, i) => visit(p.id, `${at}.automation[${l}].points[${i}].id`));
    });
  });
}

function checkTransport(document: ProjectDocument, errors: ErrorList): void {
  const { tempoChanges, timeSignatureChanges, loop } = document.transport;
  tempoChanges.forEach((change, i) => {
    const path = `transport.tempoChanges[${i}].beat`;
    if (i === 0 && change.beat !== 0) errors.add(path, 'the first tempo change must be at beat 0');
    const previous = tempoChanges[i - 1];
    if (previous && change.beat <= previous.beat) errors.add(path, `must be after the previous change (beat ${formatNumber(previous.beat)})`);
  });
  timeSignatureChanges.forEach((change, i) => {
    const path = `transport.timeSignatureChanges[${i}].bar`;
    if (i === 0 && change.bar !== 0) errors.add(path, 'the first time signature change must be at bar 0');
    const previous = timeSignatureChanges[i - 1];
    if (previous && change.bar <= previous.bar) errors.add(path, `must be after the previous change (bar ${previous.bar})`);
  });
  if (loop.endBeat <= loop.startBeat) errors.add('transport.loop.endBeat', 'must be after startBeat');
}

function checkDevice(device: Insert | Instrument, path: string, errors: ErrorList): void {
  const params = Object.keys(device.params).sort();
  if (device.device === 'Unknown') {
    if (!device.unknown) return errors.add(`${path}.unknown`, 'is required for an Unknown device');
    const ids = new Set<string>();
    device.unknown.parameterIds.forEach((id, i) => {
      if (ids.has(String(id))) errors.add(`${path}.unknown.parameterIds[${i}]`, `duplicate parameter id ${id}`);
      ids.add(String(id));
    });
    for (const key of params) {
      if (!ids.has(key)) errors.add(joinPath(`${path}.params`, key), "not one of the device's parameterIds");
    }
    return;
  }
  if (device.unknown) errors.add(`${path}.unknown`, `is not allowed on a ${device.device}`);
  for (const key of params) {
    const range = parameterRange(device.device, key);
    const at = joinPath(`${path}.params`, key);
    if (!range) errors.add(at, `${device.device} has no parameter ${JSON.stringify(key)}`);
    else checkValue(device.params[key]!, range, at, errors);
  }
}

/** The device a lane drives, as a name in PARAMETER_RANGES, or an error. */
function laneDevice(track: Track, lane: AutomationLane, path: string, errors: ErrorList): { device: string; unknownIds?: readonly number[] } | undefined {
  const target = lane.target;
  if (target.kind !== 'insert' && target.insertId !== undefined) errors.add(`${path}.target.insertId`, `is only for kind insert`);
  if (target.kind !== 'send' && target.sendId !== undefined) errors.add(`${path}.target.sendId`, `is only for kind send`);
  switch (target.kind) {
    case 'strip':
      return { device: 'ChannelStrip' };
    case 'send': {
      if (target.sendId === undefined) return void errors.add(`${path}.target.sendId`, 'is required when kind is send');
      if (!track.sends.some((s) => s.id === target.sendId)) return void errors.add(`${path}.target.sendId`, `no send ${JSON.stringify(target.sendId)} on this track`);
      return { device: 'Send' };
    }
    case 'instrument': {
      if (!track.instrument) return void errors.add(`${path}.target.kind`, 'this track has no instrument');
      return { device: track.instrument.device, ...(track.instrument.unknown ? { unknownIds: track.instrument.unknown.parameterIds } : {}) };
    }
    case 'insert': {
      if (target.insertId === undefined) return void errors.add(`${path}.target.insertId`, 'is required when kind is insert');
      const insert = track.inserts.find((i) => i.id === target.insertId);
      if (!insert) return void errors.add(`${path}.target.insertId`, `no insert ${JSON.stringify(target.insertId)} on this track`);
      return { device: insert.device, ...(insert.unknown ? { unknownIds: insert.unknown.parameterIds } : {}) };
    }
  }
}

function checkAutomation(track: Track, at: string, errors: ErrorList): void {
  const targets = new Set<string>();
  track.automation.forEach((lane, l) => {
    const path = `${at}.automation[${l}]`;
    const resolved = laneDevice(track, lane, path, errors);
    if (!resolved) return;
    const key = JSON.stringify([lane.target.kind, lane.target.insertId ?? lane.target.sendId ?? '', lane.target.param]);
    if (targets.has(key)) errors.add(`${path}.target`, 'another lane already drives this parameter');
    targets.add(key);
    let range: ParameterRange | undefined;
    if (resolved.device === 'Unknown') {
      if (!(resolved.unknownIds ?? []).some((id) => String(id) === lane.target.param)) {
        return errors.add(`${path}.target.param`, "not one of the device's parameterIds");
      }
    } else {
      range = parameterRange(resolved.device, lane.target.param);
      if (!range) return errors.add(`${path}.target.param`, `${resolved.device} has no parameter ${JSON.stringify(lane.target.param)}`);
    }
    lane.points.forEach((point, p) => {
      const previous = lane.points[p - 1];
      if (previous && point.beat < previous.beat) {
        errors.add(`${path}.points[${p}].beat`, `must not be before the previous point (beat ${formatNumber(previous.beat)})`);
      }
      if (range) checkValue(point.value, range, `${path}.points[${p}].value`, errors);
    });
  });
}

/** id -> the first object with that id (a duplicate is an error already reported). */
function firstById<T extends { id: string }>(items: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (!map.has(item.id)) map.set(item.id, item);
  return map;
}

function checkTrack(document: ProjectDocument, byId: Map<string, Track>, track: Track, t: number, errors: ErrorList): void {
  const at = `tracks[${t}]`;
  if (track.kind === 'master') {
    if (track.output !== undefined) errors.add(`${at}.output`, 'the master has no output');
  } else if (track.output === undefined) {
    errors.add(`${at}.output`, 'is required (every track but the master plays into a bus or the master)');
  } else {
    const output = byId.get(track.output);
    if (!output || (output.kind !== 'bus' && output.kind !== 'master') || output === track) {
      errors.add(`${at}.output`, `${JSON.stringify(track.output)} is not a bus or the master`);
    }
  }
  track.sends.forEach((send, i) => {
    const target = byId.get(send.target);
    if (!target || target.kind !== 'bus' || target === track) errors.add(`${at}.sends[${i}].target`, `${JSON.stringify(send.target)} is not a bus`);
  });
  if (track.kind === 'instrument' && !track.instrument) errors.add(`${at}.instrument`, 'is required on an instrument track');
  if (track.kind !== 'instrument' && track.instrument) errors.add(`${at}.instrument`, 'only an instrument track has an instrument');
  if (track.instrument) checkDevice(track.instrument, `${at}.instrument`, errors);
  track.inserts.forEach((insert, i) => checkDevice(insert, `${at}.inserts[${i}]`, errors));
  const assets = new Set(document.assets.map((a) => a.id));
  track.clips.forEach((clip, c) => {
    const path = indexPath(`${at}.clips`, c);
    if (clip.kind === 'audio') {
      if (track.kind !== 'audio') return errors.add(path, 'an audio clip belongs on an audio track');
      if (!assets.has(clip.assetId)) errors.add(`${path}.assetId`, `no asset ${JSON.stringify(clip.assetId)}`);
      if (clip.fadeIn.lengthBeats + clip.fadeOut.lengthBeats > clip.lengthBeats) {
        errors.add(`${path}.fadeOut.lengthBeats`, `fade in and fade out together must be <= lengthBeats (${formatNumber(clip.lengthBeats)})`);
      }
    } else if (track.kind !== 'instrument') {
      errors.add(path, 'a MIDI clip belongs on an instrument track');
    }
  });
  checkAutomation(track, at, errors);
}

/** Routing (outputs, then sends, in document order) must not lead a track back to itself. */
function checkRouting(document: ProjectDocument, errors: ErrorList): void {
  const index = new Map<string, number>();
  document.tracks.forEach((track, t) => {
    if (!index.has(track.id)) index.set(track.id, t);
  });
  const state = new Array<number>(document.tracks.length).fill(0);  // 0 new, 1 on the path, 2 done
  const stack: number[] = [];
  const visit = (t: number): boolean => {
    state[t] = 1;
    stack.push(t);
    const track = document.tracks[t]!;
    const edges: [string | undefined, string][] = [
      [track.output, `tracks[${t}].output`],
      ...track.sends.map((s, i): [string, string] => [s.target, `tracks[${t}].sends[${i}].target`]),
    ];
    for (const [target, path] of edges) {
      const next = target === undefined ? undefined : index.get(target);
      if (next === undefined || next === t) continue;
      if (state[next] === 1) {
        const cycle = [...stack.slice(stack.indexOf(next)), next].map((k) => document.tracks[k]!.id);
        errors.add(path, `routing cycle (${cycle.join(' -> ')})`);
        return true;
      }
      if (state[next] === 0 && visit(next)) return true;
    }
    stack.pop();
    state[t] = 2;
    return false;
  };
  for (let t = 0; t < document.tracks.length; t++) {
    if (state[t] === 0 && visit(t)) return;
  }
}

/** Adds every broken rule of a schema-valid document to `errors`, in a fixed order. */
export function checkProjectRules(document: ProjectDocument, errors: ErrorList): void {
  checkIds(document, errors);
  checkTransport(document, errors);
  const masters = document.tracks.filter((t) => t.kind === 'master').length;
  if (masters !== 1) errors.add('tracks', `must have exactly one master track (found ${masters})`);
  const byId = firstById(document.tracks);
  document.tracks.forEach((track, t) => checkTrack(document, byId, track, t, errors));
  checkRouting(document, errors);
}
