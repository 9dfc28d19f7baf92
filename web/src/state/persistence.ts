// Keeps the project in the browser (IndexedDB, the plain API): the current document as JSON text
// and each asset's decoded audio, so the project reopens after a reload with no server. Saving is
// debounced; a full disk (QuotaExceededError) becomes a clear message, never a lost document.
import type { ProjectDocument } from '../generated/project.generated';
import { parseProjectText, serializeProject } from '../project/projectDocument';
import type { DecodedAudio } from './audioAssets';

const DATABASE = 'amplitude';
const VERSION = 1;
const DOCUMENTS = 'documents';
const AUDIO = 'audio';
const CURRENT = 'current';

export class StorageError extends Error {}

export function describeStorageError(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'QuotaExceededError') {
    return 'The browser has no more room for this project (storage quota exceeded). Free space by deleting other sites\u2019 data or removing large audio clips; your last changes are not saved yet.';
  }
  return `Could not save the project in the browser: ${error instanceof Error ? error.message : String(error)}`;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new StorageError('IndexedDB request failed'));
  });
}

function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new StorageError('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new StorageError('IndexedDB transaction failed'));
  });
}

export class ProjectStorage {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(): Promise<ProjectStorage> {
    if (typeof indexedDB === 'undefined') throw new StorageError('this browser has no IndexedDB');
    const open = indexedDB.open(DATABASE, VERSION);
    open.onupgradeneeded = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains(DOCUMENTS)) db.createObjectStore(DOCUMENTS);
      if (!db.objectStoreNames.contains(AUDIO)) db.createObjectStore(AUDIO);
    };
    return new ProjectStorage(await request(open));
  }

  /** The saved project, or null if there is none or it no longer validates (with the reason). */
  async loadDocument(): Promise<{ document: ProjectDocument | null; problem: string | null }> {
    const tx = this.db.transaction(DOCUMENTS, 'readonly');
    const text = (await request(tx.objectStore(DOCUMENTS).get(CURRENT))) as string | undefined;
    if (text === undefined) return { document: null, problem: null };
    const parsed = parseProjectText(text);
    if (!parsed.ok) return { document: null, problem: `The saved project could not be opened: ${parsed.errors.slice(0, 3).join('; ')}` };
    return { document: parsed.document, problem: null };
  }

  async saveDocument(document: ProjectDocument): Promise<void> {
    const tx = this.db.transaction(DOCUMENTS, 'readwrite');
    tx.objectStore(DOCUMENTS).put(serializeProject(document), CURRENT);
    await transactionDone(tx);
  }

  async saveAudio(assetId: string, audio: DecodedAudio): Promise<void> {
    const tx = this.db.transaction(AUDIO, 'readwrite');
    tx.objectStore(AUDIO).put({ sampleRate: audio.sampleRate, channels: audio.channels }, assetId);
    await transactionDone(tx);
  }

  async loadAudio(assetId: string): Promise<DecodedAudio | null> {
    const tx = this.db.transaction(AUDIO, 'readonly');
    const value = (await request(tx.objectStore(AUDIO).get(assetId))) as DecodedAudio | undefined;
    return value ?? null;
  }
}

/** Calls `save` at most once per `delayMs` after the last change; reports failures. */
export function debouncedSaver(save: () => Promise<void>, onResult: (problem: string | null) => void, delayMs = 300) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    timer = null;
    running = running.then(save).then(
      () => onResult(null),
      (error: unknown) => onResult(describeStorageError(error)),
    );
  };
  return {
    schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, delayMs);
    },
    /** Saves now (e.g. on pagehide) and resolves when done. */
    flush(): Promise<void> {
      if (timer) {
        clearTimeout(timer);
        run();
      }
      return running;
    },
  };
}
