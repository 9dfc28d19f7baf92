// The page's side of an export: gathers what the Worker needs (the engine's compiled module, the
// document, the PCM of the assets the song uses, from memory or this browser's storage), starts
// the export Worker, relays its progress, and resolves with the file as a Blob. cancel()
// terminates the Worker: the render stops at once, whatever it was doing.
import type { ProjectDocument } from '../generated/project.generated';
import type { SampleAudio } from '../audio/reconciler';
import { loadEngineModule, simdSupported } from '../audio/engineModule';
import type { ExportWorkerReply, ExportWorkerRequest } from './export.worker';
import { assetsUsed, type ExportSettings } from './exportSong';

export interface ExportSource {
  readonly document: ProjectDocument;
  /** Decoded audio held in memory (the app's AudioAssetLibrary). */
  audioOf(assetId: string): SampleAudio | undefined;
  /** This browser's copy, for assets not decoded yet (IndexedDB). */
  loadAudio?(assetId: string): Promise<SampleAudio | null>;
}

export interface ExportResult {
  readonly blob: Blob;
  readonly name: string;
  readonly frames: number;
  readonly sampleRate: number;
  readonly renderMs: number;
  readonly warnings: string[];
}

export class ExportCancelled extends Error {
  constructor() {
    super('the export was cancelled');
    this.name = 'ExportCancelled';
  }
}

export interface RunningExport {
  readonly result: Promise<ExportResult>;
  cancel(): void;
}

async function gatherAudio(source: ExportSource): Promise<Map<string, SampleAudio>> {
  const audio = new Map<string, SampleAudio>();
  for (const id of assetsUsed(source.document)) {
    const pcm = source.audioOf(id) ?? (await source.loadAudio?.(id).catch(() => null)) ?? undefined;
    if (pcm) audio.set(id, pcm); // a missing one is reported by the Worker, by file name
  }
  return audio;
}

export function startExport(source: ExportSource, settings: ExportSettings, onProgress: (fraction: number) => void): RunningExport {
  let worker: Worker | null = null;
  let cancelled = false;
  let rejectRun: (error: Error) => void = () => undefined;
  const result = new Promise<ExportResult>((resolve, reject) => {
    rejectRun = reject;
    void (async () => {
      const [module, audio] = await Promise.all([loadEngineModule(simdSupported() ? 'simd' : 'scalar'), gatherAudio(source)]);
      if (cancelled) return;
      worker = new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (event: MessageEvent<ExportWorkerReply>) => {
        const reply = event.data;
        if (reply.type === 'progress') return onProgress(reply.fraction);
        worker?.terminate();
        if (reply.type === 'error') return reject(new Error(reply.message));
        onProgress(1);
        const { name, mime, buffer, frames, sampleRate, renderMs, warnings } = reply;
        resolve({ blob: new Blob([buffer], { type: mime }), name, frames, sampleRate, renderMs, warnings });
      };
      worker.onerror = (event) => {
        worker?.terminate();
        reject(new Error(`the export stopped: ${event.message || 'the export worker failed'}`));
      };
      const request: ExportWorkerRequest = { module, document: source.document, audio, settings };
      worker.postMessage(request);
    })().catch((error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
  });
  return {
    result,
    cancel() {
      cancelled = true;
      worker?.terminate();
      rejectRun(new ExportCancelled());
    },
  };
}

/** Saves a Blob through the browser's download (an object URL on a temporary link). */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy once click() returns in every browser we target; a minute's
  // grace costs nothing and covers slow starts.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
