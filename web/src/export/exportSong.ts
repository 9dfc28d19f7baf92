// An export from start to file: check that every clip's audio is here, work out the span, render
// the mix (and, for stems, each track alone over the same span) and encode WAV (a ZIP of WAVs for
// stems). What the export Worker runs; the tests call it directly in Node.
import type { ProjectDocument } from '../generated/project.generated';
import type { SampleAudio } from '../audio/reconciler';
import { encodeWav, type WavSampleFormat } from '../io/wavFile';
import { zipSync } from 'fflate';
import { ExportError, documentForExport, exportSpan, fileNameFor, stemTracks, type ExportRangeKind } from './exportRange';
import { renderDocument, type ProgressListener } from './renderDocument';

export interface ExportSettings {
  readonly range: ExportRangeKind;
  readonly format: WavSampleFormat;
  readonly sampleRate: number;
  /** One WAV per track (zipped) instead of the mix. */
  readonly stems: boolean;
}

export interface ExportJob {
  readonly document: ProjectDocument;
  /** The PCM of the assets the song's clips use, by asset id. */
  readonly audio: ReadonlyMap<string, SampleAudio>;
  readonly settings: ExportSettings;
}

export interface ExportedFile {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
  readonly frames: number;
  readonly sampleRate: number;
  /** Render loop time over all renders (the mix and every stem). */
  readonly renderMs: number;
  readonly warnings: string[];
}

/** Asset ids the song's (unmuted) audio clips play: what the export needs the PCM of. */
export function assetsUsed(document: ProjectDocument): string[] {
  const ids = document.tracks.flatMap((t) => (t.kind === 'audio' ? t.clips : [])).flatMap((c) => (c.kind === 'audio' && !c.muted ? [c.assetId] : []));
  return [...new Set(ids)];
}

function checkAudio(document: ProjectDocument, audio: ReadonlyMap<string, SampleAudio>): void {
  const missing = assetsUsed(document).filter((id) => !audio.has(id));
  if (missing.length === 0) return;
  const names = missing.map((id) => `“${document.assets.find((a) => a.id === id)?.name ?? id}”`);
  throw new ExportError(`the audio of ${names.join(', ')} is not in this browser: import the file${missing.length > 1 ? 's' : ''} again, then export`);
}

export function exportSong(module: WebAssembly.Module, job: ExportJob, onProgress: ProgressListener = () => undefined): ExportedFile {
  const { document, audio, settings } = job;
  checkAudio(document, audio);
  const audioOf = (id: string) => audio.get(id);
  const mixDocument = documentForExport(document);
  const span = exportSpan(mixDocument, settings.range, settings.sampleRate);
  const stems = settings.stems ? stemTracks(document) : [];
  if (settings.stems && stems.length === 0) throw new ExportError('no track has clips, so there are no stems to export');
  const renders = 1 + stems.length;
  const name = fileNameFor(document.project.name);

  // The mix first: it fixes the length every stem shares (the tail included), so stems line up.
  const mix = renderDocument(module, mixDocument, audioOf, settings.sampleRate, span, (f) => onProgress(f / renders));
  let renderMs = mix.renderMs;
  const warnings = [...mix.warnings];
  if (!settings.stems) {
    return { name: `${name}.wav`, mime: 'audio/wav', bytes: encodeWav(mix.interleaved, 2, mix.sampleRate, settings.format), frames: mix.frames, sampleRate: mix.sampleRate, renderMs, warnings };
  }
  const fixed = { startFrame: span.startFrame, frames: mix.frames, maxTailFrames: 0 };
  const entries = stems.map((track, i) => {
    const stem = renderDocument(module, documentForExport(document, track.id), audioOf, settings.sampleRate, fixed, (f) => onProgress((i + 1 + f) / renders));
    renderMs += stem.renderMs;
    const number = String(i + 1).padStart(2, '0');
    return { name: `${number} ${fileNameFor(track.name)}.wav`, bytes: encodeWav(stem.interleaved, 2, stem.sampleRate, settings.format) };
  });
  // Stored, not deflated: WAV barely compresses, and the stems are already in memory.
  const zip = zipSync(Object.fromEntries(entries.map((entry) => [entry.name, [entry.bytes, { level: 0 }]])));
  return { name: `${name} stems.zip`, mime: 'application/zip', bytes: zip, frames: mix.frames, sampleRate: mix.sampleRate, renderMs, warnings };
}
