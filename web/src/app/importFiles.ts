// Import: WAV files are decoded in a Worker (our own reader), other audio through the browser's
// decodeAudioData; MIDI files through src/io/midiFile. Audio lands on an audio track (the one it
// was dropped on, or a new one), each MIDI track with notes on a new instrument track (PolySynth).
// One import is one undo step.
import type { Asset, Note, ProjectDocument } from '../generated/project.generated';
import { readMidiFile } from '../io/midiFile';
import type { WavWorkerReply } from '../io/wavDecoder.worker';
import { newId } from '../project/ids';
import { TempoMap } from '../project/tempoMap';
import type { DecodedAudio } from '../state/audioAssets';
import { addAsset, addClip, addTrack, newAudioClip, newMidiClip, type Edit } from '../state/edits';
import type { OpenedProject } from './projectBoot';

export interface ImportTarget {
  readonly trackId?: string | undefined;
  readonly beat?: number;
}

const isMidi = (file: File) => /\.(mid|midi|smf)$/i.test(file.name) || file.type === 'audio/midi';
const isWav = (file: File) => /\.wav$/i.test(file.name) || file.type === 'audio/wav' || file.type === 'audio/x-wav';
const trackName = (file: File) => file.name.replace(/\.[^.]+$/, '').slice(0, 60) || 'Imported';

function decodeWavInWorker(bytes: ArrayBuffer): Promise<DecodedAudio> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../io/wavDecoder.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<WavWorkerReply>) => {
      worker.terminate();
      if (event.data.ok) resolve({ sampleRate: event.data.sampleRate, channels: event.data.channels });
      else reject(new Error(event.data.message));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(new Error(event.message || 'the WAV decoder failed'));
    };
    worker.postMessage(bytes, [bytes]);
  });
}

async function decodeOther(bytes: ArrayBuffer, sampleRate: number): Promise<DecodedAudio> {
  const context = new OfflineAudioContext(2, 1, sampleRate);
  const buffer = await context.decodeAudioData(bytes);
  const channels = Array.from({ length: Math.min(2, buffer.numberOfChannels) }, (_, c) => buffer.getChannelData(c).slice());
  return { sampleRate: buffer.sampleRate, channels };
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function importAudio(file: File, project: OpenedProject, target: ImportTarget): Promise<Edit> {
  const bytes = await file.arrayBuffer();
  const sha256 = await sha256Hex(bytes);
  const document = project.store.document;
  const audio = isWav(file) ? await decodeWavInWorker(bytes.slice(0)) : await decodeOther(bytes, document.project.sampleRate);
  const frames = audio.channels[0]?.length ?? 0;
  if (frames === 0) throw new Error('the file holds no audio');
  const asset: Asset = { id: newId(), name: file.name.slice(0, 200), sha256, sampleRate: audio.sampleRate, channels: audio.channels.length, frames, mime: isWav(file) ? 'audio/wav' : file.type || 'application/octet-stream' };
  project.library.add(asset.id, audio);
  await project.storage?.saveAudio(asset.id, audio);
  const tempo = new TempoMap(document.transport.tempoChanges);
  const start = target.beat ?? 0;
  const lengthBeats = tempo.beatAtSeconds(tempo.secondsAtBeat(start) + frames / audio.sampleRate) - start;
  const onTrack = target.trackId && document.tracks.find((t) => t.id === target.trackId && t.kind === 'audio');
  const trackId = onTrack ? onTrack.id : newId();
  return (doc) => {
    let next = addAsset(asset)(doc);
    if (!onTrack) next = addTrack('audio', trackName(file), trackId)(next);
    return addClip(trackId, newAudioClip(asset, start, lengthBeats))(next);
  };
}

async function importMidi(file: File, target: ImportTarget): Promise<Edit> {
  const midi = readMidiFile(new Uint8Array(await file.arrayBuffer()));
  const tpq = midi.ticksPerQuarter;
  const start = target.beat ?? 0;
  const parts = midi.tracks.filter((track) => track.notes.length > 0);
  if (parts.length === 0) throw new Error('the MIDI file has no notes');
  return (doc: ProjectDocument) =>
    parts.reduce((next, part, i) => {
      const trackId = newId();
      const notes: Note[] = part.notes.map((n) => ({
        id: newId(),
        pitch: n.pitch,
        velocity: Math.min(1, n.velocity / 127),
        releaseVelocity: 0.5,
        channel: n.channel,
        startBeat: n.startTick / tpq,
        lengthBeats: Math.max(1 / tpq, n.lengthTicks / tpq),
      }));
      const end = Math.max(part.endTick / tpq, ...notes.map((n) => n.startBeat + n.lengthBeats));
      const lengthBeats = Math.max(1, Math.ceil(end));
      const name = part.name || `${trackName(file)}${parts.length > 1 ? ` ${i + 1}` : ''}`;
      return addClip(trackId, newMidiClip(name.slice(0, 60), start, lengthBeats, notes))(addTrack('instrument', name.slice(0, 60), trackId)(next));
    }, doc);
}

/** Imports the files one by one; returns a message per file that could not be read. */
export async function importFiles(files: readonly File[], project: OpenedProject, target: ImportTarget = {}): Promise<string[]> {
  const problems: string[] = [];
  for (const file of files) {
    try {
      const edit = isMidi(file) ? await importMidi(file, target) : await importAudio(file, project, target);
      project.store.apply(edit);
    } catch (error) {
      problems.push(`${file.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}
