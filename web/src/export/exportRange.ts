// What an export renders: the document as the engine should play it for a file (no loop, no
// click, no count-in; one track soloed for a stem) and the span of frames (the whole song with
// its effect tail, or the loop region). Pure functions of the document, shared by the Worker and
// the tests.
import type { ProjectDocument } from '../generated/project.generated';
import { buildScene } from '../audio/engineScene';
import { TempoMap } from '../project/tempoMap';

export type ExportRangeKind = 'song' | 'loop';

/** A plain-words problem that stops an export (shown to the user as it is). */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/**
 * How long the output must stay silent after the song's end before the tail is over: longer than
 * the longest delay line (2 s) plus the reverb's pre-delay, so a quiet gap between two echoes is
 * not taken for the end.
 */
export const TAIL_SILENCE_SECONDS = 2.5;
/** The longest tail rendered after the song's end (a delay at full feedback never stops). */
export const TAIL_CAP_SECONDS = 30;
/** Below this a sample counts as silent (half a 24-bit step: it would encode as zero). */
export const SILENCE_LEVEL = 2 ** -24;
/** The longest export, so a runaway length fails early in plain words rather than out of memory. */
export const MAX_EXPORT_SECONDS = 60 * 60;

export interface ExportSpan {
  /** Timeline frame the export starts at (the engine seeks there). */
  readonly startFrame: number;
  /** Frames always rendered. */
  readonly frames: number;
  /** Frames that may follow while effects still sound (0: exactly `frames`). */
  readonly maxTailFrames: number;
}

/** The last timeline frame any audio clip or note reaches, as the engine will play the document. */
export function songEndFrame(document: ProjectDocument, sampleRate: number): number {
  const scene = buildScene(document, sampleRate);
  let end = 0;
  for (const clip of scene.audioClips.values()) end = Math.max(end, clip.timelineStart + clip.length);
  for (const clipNotes of scene.notes.values()) for (const event of clipNotes.events) end = Math.max(end, event.frame);
  return end;
}

export function exportSpan(document: ProjectDocument, range: ExportRangeKind, sampleRate: number): ExportSpan {
  const tempo = new TempoMap(document.transport.tempoChanges);
  let span: ExportSpan;
  if (range === 'loop') {
    const { startBeat, endBeat } = document.transport.loop;
    const start = tempo.frameAtBeat(Math.max(0, startBeat), sampleRate);
    const end = tempo.frameAtBeat(Math.max(0, endBeat), sampleRate);
    if (end <= start) throw new ExportError('the loop region is empty: set a loop region first, or export the whole song');
    span = { startFrame: start, frames: end - start, maxTailFrames: 0 };
  } else {
    const end = songEndFrame(document, sampleRate);
    if (end <= 0) throw new ExportError('the song is empty: there are no clips to export');
    span = { startFrame: 0, frames: end, maxTailFrames: Math.round(TAIL_CAP_SECONDS * sampleRate) };
  }
  if (span.frames > MAX_EXPORT_SECONDS * sampleRate) throw new ExportError(`the export would be longer than ${MAX_EXPORT_SECONDS / 60} minutes`);
  return span;
}

/**
 * The document to render: the loop and the metronome (and its count-in) off, since a file plays
 * once and without the click. With `stemTrackId`, only that track's clips remain: its stem, still
 * through its inserts, buses and the master. Removing the others' clips rather than soloing the
 * track keeps the first milliseconds exact (solo mutes the other strips with a fade).
 */
export function documentForExport(document: ProjectDocument, stemTrackId?: string): ProjectDocument {
  const transport = {
    ...document.transport,
    loop: { ...document.transport.loop, enabled: false },
    metronome: { ...document.transport.metronome, enabled: false, countInBars: 0 },
  };
  const tracks = stemTrackId === undefined ? document.tracks : document.tracks.map((track) => (track.id === stemTrackId ? track : { ...track, clips: [] }));
  return { ...document, transport, tracks };
}

/** The tracks that get a stem: those that play clips of their own. */
export function stemTracks(document: ProjectDocument): { id: string; name: string }[] {
  return document.tracks.filter((t) => (t.kind === 'audio' || t.kind === 'instrument') && t.clips.some((c) => !c.muted)).map((t) => ({ id: t.id, name: t.name }));
}

/** A file name from the project's name: no path separators or characters file systems refuse. */
export function fileNameFor(name: string, suffix = ''): string {
  const base = name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').replace(/^[.\s]+|[.\s]+$/g, '').slice(0, 100) || 'Amplitude export';
  return `${base}${suffix}`;
}
