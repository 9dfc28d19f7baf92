// The export Worker: runs exportSong off the main thread (the UI and the live engine keep going),
// posts progress as it comes (about every 50 ms) and hands the file back as a transferred
// ArrayBuffer. Cancel is the page terminating this Worker: the render stops at once and its
// memory (the engine's own 80 MB) goes with it.
import type { SampleAudio } from '../audio/reconciler';
import type { ProjectDocument } from '../generated/project.generated';
import { ExportError } from './exportRange';
import { exportSong, type ExportSettings } from './exportSong';

export interface ExportWorkerRequest {
  readonly module: WebAssembly.Module;
  readonly document: ProjectDocument;
  readonly audio: Map<string, SampleAudio>;
  readonly settings: ExportSettings;
}

export type ExportWorkerReply =
  | { readonly type: 'progress'; readonly fraction: number }
  | {
      readonly type: 'done';
      readonly name: string;
      readonly mime: string;
      readonly buffer: ArrayBuffer;
      readonly frames: number;
      readonly sampleRate: number;
      readonly renderMs: number;
      readonly warnings: string[];
    }
  | { readonly type: 'error'; readonly message: string };

const post = (reply: ExportWorkerReply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(reply, transfer);

self.onmessage = (event: MessageEvent<ExportWorkerRequest>) => {
  const { module, document, audio, settings } = event.data;
  try {
    const file = exportSong(module, { document, audio, settings }, (fraction) => post({ type: 'progress', fraction }));
    const { bytes } = file;
    // encodeWav and zipStored return views on whole buffers of their own: transfer, never copy.
    const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
    post({ type: 'done', name: file.name, mime: file.mime, buffer, frames: file.frames, sampleRate: file.sampleRate, renderMs: file.renderMs, warnings: file.warnings }, [buffer]);
  } catch (error) {
    const message = error instanceof ExportError ? error.message : `the export failed: ${error instanceof Error ? error.message : String(error)}`;
    post({ type: 'error', message });
  }
};
