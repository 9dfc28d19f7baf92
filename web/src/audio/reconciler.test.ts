// The reconciler's contract: a document pair -> the smallest list of engine commands. A first
// document builds the graph; each later edit sends only what it changed; removing things frees
// their node ids, clip numbers and sample memory.
import { describe, expect, it } from 'vitest';
import type { ProjectDocument } from '../generated/project.generated';
import { DEVICES, type Command } from '../generated/protocol.generated';
import { addAsset, addClip, addInsert, addTrack, deleteClips, moveClips, newAudioClip, newMidiClip, setLoop, setMetronome, setStrip, setTempo } from '../state/edits';
import { createEmptyProject, masterOf } from '../state/newProject';
import type { TempoEntry } from './engineScene';
import { Reconciler, type ClipTableEntry, type EngineMemoryWriter, type SampleAudio } from './reconciler';

const RATE = 48_000;
const strip = DEVICES.ChannelStrip.params;

class FakeMemory implements EngineMemoryWriter {
  constructor(readonly sampleHeapBytes = 1 << 20) {}
  samples: { entry: number; offset: number; frames: number }[] = [];
  clips: { slot: number; clip: ClipTableEntry }[] = [];
  tempo: TempoEntry[][] = [];
  writeSample(entry: number, offset: number, audio: SampleAudio) {
    this.samples.push({ entry, offset, frames: audio.channels[0]!.length });
  }
  writeClip(slot: number, clip: ClipTableEntry) {
    this.clips.push({ slot, clip });
  }
  writeTempoTable(entries: readonly TempoEntry[]) {
    this.tempo.push([...entries]);
  }
}

const asset = { id: 'asset-one', name: 'one.wav', sha256: 'a'.repeat(64), sampleRate: RATE, channels: 1, frames: 4800, mime: 'audio/wav' };
const pcm: SampleAudio = { sampleRate: RATE, channels: [new Float32Array(4800).fill(0.5)] };

function song(): { doc: ProjectDocument; audio: string; synth: string } {
  let doc = createEmptyProject('t', new Date(0));
  doc = addTrack('audio', 'Audio', 'trk-audio')(doc);
  doc = addTrack('instrument', 'Synth', 'trk-synth')(doc);
  return { doc, audio: 'trk-audio', synth: 'trk-synth' };
}

const types = (commands: readonly Command[]) => commands.map((c) => c.type);

describe('Reconciler', () => {
  it('builds a new song: strips, a clip player, an instrument, their routing, the tempo map, loop and click', () => {
    const memory = new FakeMemory();
    const reconciler = new Reconciler(RATE, memory, () => pcm);
    const { commands } = reconciler.reconcile(song().doc);
    expect(commands).toEqual([
      { type: 'AddNode', nodeId: 3, deviceType: DEVICES.ChannelStrip.type },
      { type: 'AddNode', nodeId: 4, deviceType: DEVICES.ClipPlayer.type },
      { type: 'AddNode', nodeId: 5, deviceType: DEVICES.ChannelStrip.type },
      { type: 'AddNode', nodeId: 6, deviceType: DEVICES.PolySynth.type },
      { type: 'Connect', sourceNodeId: 4, destinationNodeId: 3, sourcePort: 0, destinationPort: 0, gain: 1 },
      { type: 'Connect', sourceNodeId: 6, destinationNodeId: 5, sourcePort: 0, destinationPort: 0, gain: 1 },
      { type: 'Connect', sourceNodeId: 3, destinationNodeId: 0, sourcePort: 0, destinationPort: 0, gain: 1 },
      { type: 'Connect', sourceNodeId: 5, destinationNodeId: 0, sourcePort: 0, destinationPort: 0, gain: 1 },
      { type: 'CommitTempoMap', count: 1 },
      { type: 'SetTempo', beatsPerMinute: 120 },
      { type: 'SetMetronome', enabled: 0, countInBars: 0, levelDecibels: -6 },
    ]);
    expect(memory.tempo).toEqual([[{ startSample: 0, startBeat: 0, beatsPerMinute: 120, numerator: 4, denominator: 4, barAtStart: 0 }]]);
  });

  it('sends nothing when nothing changed, and one SetParam for a fader move', () => {
    const { doc, audio } = song();
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    expect(reconciler.reconcile(doc).commands).toEqual([]);
    expect(reconciler.reconcile(setStrip(audio, { volumeDb: -6 })(doc)).commands).toEqual([{ type: 'SetParam', nodeId: 3, paramId: strip.volume.id, value: -6 }]);
    expect(reconciler.reconcile(setStrip(audio, { volumeDb: -6, mute: true })(doc)).commands).toEqual([{ type: 'SetParam', nodeId: 3, paramId: strip.mute.id, value: 1 }]);
  });

  it('schedules a MIDI clip as note on/off pairs on exact frames, its loop expanded over its length', () => {
    const { doc, synth } = song();
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    const note = { id: 'n1', pitch: 60, velocity: 1, releaseVelocity: 0.5, channel: 0, startBeat: 0.5, lengthBeats: 0.25 };
    const clip = { ...newMidiClip('m', 4, 2, [note]), id: 'clip-m', loop: { enabled: true, lengthBeats: 1 } };
    const { commands } = reconciler.reconcile(addClip(synth, clip)(doc));
    // 120 BPM: a beat is 24000 frames. Beat 4.5 -> 108000; the loop repeats it at 5.5 -> 132000.
    expect(commands).toEqual([
      { type: 'ScheduleNote', nodeId: 6, note: 60, velocity: 127, clipId: 1, positionSamples: 108_000n },
      { type: 'ScheduleNote', nodeId: 6, note: 60, velocity: 0, clipId: 1, positionSamples: 114_000n },
      { type: 'ScheduleNote', nodeId: 6, note: 60, velocity: 127, clipId: 1, positionSamples: 132_000n },
      { type: 'ScheduleNote', nodeId: 6, note: 60, velocity: 0, clipId: 1, positionSamples: 138_000n },
    ]);
    // Moving the clip one beat later clears it and schedules it again, 24000 frames later.
    const moved = reconciler.reconcile(moveClips(['clip-m'], 1)(addClip(synth, clip)(doc))).commands;
    expect(moved[0]).toEqual({ type: 'ClearNotes', nodeId: 6, clipId: 1 });
    expect(moved.slice(1).map((c) => (c.type === 'ScheduleNote' ? Number(c.positionSamples) : -1))).toEqual([132_000, 138_000, 156_000, 162_000]);
  });

  it('places an audio clip through the sample heap and the clip table, and frees the memory on removal', () => {
    const { doc, audio } = song();
    const memory = new FakeMemory();
    const reconciler = new Reconciler(RATE, memory, () => pcm);
    reconciler.reconcile(doc);
    const clip = { ...newAudioClip(asset, 2, 0.1), id: 'clip-a' };
    const withClip = addClip(audio, clip)(addAsset(asset)(doc));
    expect(reconciler.reconcile(withClip).commands).toEqual([{ type: 'PlaceClip', nodeId: 4, slot: 0 }]);
    expect(memory.samples).toEqual([{ entry: 0, offset: 0, frames: 4800 }]);
    expect(memory.clips[0]!.clip).toMatchObject({ clipId: 1, sampleIndex: 0, timelineStart: 48_000, sourceStart: 0, length: 2400, gain: 1 });

    // A gain edit re-places the same clip id (PlaceClip replaces by id); the sample is not rewritten.
    const louder = { ...withClip, tracks: withClip.tracks.map((t) => (t.id === audio ? { ...t, clips: [{ ...clip, gainDb: 6 }] } : t)) };
    expect(reconciler.reconcile(louder).commands).toEqual([{ type: 'PlaceClip', nodeId: 4, slot: 1 }]);
    expect(memory.samples).toHaveLength(1);

    expect(reconciler.reconcile(deleteClips(['clip-a'])(louder)).commands).toEqual([{ type: 'RemoveClip', nodeId: 4, clipId: 1 }]);
    // The heap is free again: the next asset lands at offset 0 again.
    reconciler.reconcile(addClip(audio, { ...clip, id: 'clip-b', assetId: 'other' })(deleteClips(['clip-a'])(louder)));
    expect(memory.samples.at(-1)).toMatchObject({ offset: 0 });
  });

  it('reports a full sample heap clearly and places nothing', () => {
    const { doc, audio } = song();
    const reconciler = new Reconciler(RATE, new FakeMemory(1024), () => pcm);
    reconciler.reconcile(doc);
    const result = reconciler.reconcile(addClip(audio, newAudioClip(asset, 0, 1))(addAsset(asset)(doc)));
    expect(result.commands).toEqual([]);
    expect(result.problems.join()).toMatch(/sample memory is full/);
  });

  it('moves a clip across tracks: RemoveClip on the old player, PlaceClip on the new one', () => {
    let { doc } = song();
    doc = addTrack('audio', 'Audio 2', 'trk-audio-2')(doc);
    doc = addClip('trk-audio', { ...newAudioClip(asset, 0, 1), id: 'clip-x' })(addAsset(asset)(doc));
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    const commands = reconciler.reconcile(moveClips(['clip-x'], 0, 'trk-audio-2')(doc)).commands;
    expect(types(commands)).toEqual(['RemoveClip', 'PlaceClip']);
    expect(commands[1]).toMatchObject({ nodeId: reconciler.nodeIdOf('trk-audio-2:clips') });
  });

  it('inserts an effect between source and strip, rewiring only that link', () => {
    const { doc, audio } = song();
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    const commands = reconciler.reconcile(addInsert(audio, 'Delay', 'ins-delay')(doc)).commands;
    expect(commands).toEqual([
      { type: 'Disconnect', sourceNodeId: 4, destinationNodeId: 3, sourcePort: 0, destinationPort: 0 },
      { type: 'AddNode', nodeId: 7, deviceType: DEVICES.Delay.type },
      { type: 'Connect', sourceNodeId: 4, destinationNodeId: 7, sourcePort: 0, destinationPort: 0, gain: 1 },
      { type: 'Connect', sourceNodeId: 7, destinationNodeId: 3, sourcePort: 0, destinationPort: 0, gain: 1 },
    ]);
  });

  it('sends a pre-fader send from strip port 1 to the bus at the send level', () => {
    let { doc } = song();
    doc = addTrack('bus', 'Reverb bus', 'trk-bus')(doc);
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    const withSend = { ...doc, tracks: doc.tracks.map((t) => (t.id === 'trk-audio' ? { ...t, sends: [{ id: 's1', target: 'trk-bus', levelDb: -6, preFader: true }] } : t)) };
    const [connect] = reconciler.reconcile(withSend).commands;
    expect(connect).toMatchObject({ type: 'Connect', sourceNodeId: 3, destinationNodeId: reconciler.nodeIdOf('trk-bus:strip'), sourcePort: 1 });
    expect((connect as { gain: number }).gain).toBeCloseTo(0.501, 3);
  });

  it('follows tempo, loop and metronome edits; a tempo change moves scheduled notes', () => {
    const { doc, synth } = song();
    const note = { id: 'n1', pitch: 64, velocity: 0.5, releaseVelocity: 0.5, channel: 0, startBeat: 0, lengthBeats: 1 };
    const withNotes = addClip(synth, { ...newMidiClip('m', 1, 1, [note]), id: 'clip-m' })(doc);
    const memory = new FakeMemory();
    const reconciler = new Reconciler(RATE, memory, () => pcm);
    reconciler.reconcile(withNotes);
    const faster = reconciler.reconcile(setTempo(240)(withNotes)).commands;
    expect(faster.slice(0, 3)).toEqual([
      { type: 'CommitTempoMap', count: 1 },
      { type: 'SetTempo', beatsPerMinute: 240 },
      { type: 'ClearNotes', nodeId: 6, clipId: 1 },
    ]);
    expect(faster.slice(3)).toMatchObject([{ positionSamples: 12_000n, velocity: 64 }, { positionSamples: 24_000n, velocity: 0 }]);
    expect(reconciler.reconcile(setLoop({ enabled: true, startBeat: 0, endBeat: 8 })(setTempo(240)(withNotes))).commands).toEqual([
      { type: 'SetLoop', startSamples: 0n, endSamples: 96_000n },
    ]);
    expect(reconciler.reconcile(setMetronome({ enabled: true, countInBars: 1 })(setLoop({ enabled: true, startBeat: 0, endBeat: 8 })(setTempo(240)(withNotes)))).commands).toEqual([
      { type: 'SetMetronome', enabled: 1, countInBars: 1, levelDecibels: -6 },
    ]);
  });

  it('turns strip automation into breakpoints at frames', () => {
    const { doc, audio } = song();
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    const lane = {
      id: 'lane',
      target: { kind: 'strip' as const, param: 'volume' },
      points: [
        { id: 'p1', beat: 0, value: -20, shape: 'linear' as const, curvature: 0 },
        { id: 'p2', beat: 2, value: 0, shape: 'hold' as const, curvature: 0 },
      ],
    };
    const automated = { ...doc, tracks: doc.tracks.map((t) => (t.id === audio ? { ...t, automation: [lane] } : t)) };
    expect(reconciler.reconcile(automated).commands).toEqual([
      { type: 'AddAutomationPoint', nodeId: 3, paramId: strip.volume.id, shape: 0, curvature: 0, positionSamples: 0, value: -20 },
      { type: 'AddAutomationPoint', nodeId: 3, paramId: strip.volume.id, shape: 2, curvature: 0, positionSamples: 48_000, value: 0 },
    ]);
  });

  it('removes a track: its nodes go (with their connections), their ids are reused', () => {
    const { doc } = song();
    const reconciler = new Reconciler(RATE, new FakeMemory(), () => pcm);
    reconciler.reconcile(doc);
    const without = { ...doc, tracks: doc.tracks.filter((t) => t.id !== 'trk-audio') };
    expect(reconciler.reconcile(without).commands).toEqual([
      { type: 'RemoveNode', nodeId: 3 },
      { type: 'RemoveNode', nodeId: 4 },
    ]);
    const again = addTrack('audio', 'New', 'trk-new')(without);
    expect(reconciler.reconcile(again).commands.slice(0, 2)).toEqual([
      { type: 'AddNode', nodeId: 3, deviceType: DEVICES.ChannelStrip.type },
      { type: 'AddNode', nodeId: 4, deviceType: DEVICES.ClipPlayer.type },
    ]);
    expect(masterOf(again).kind).toBe('master');
  });
});
