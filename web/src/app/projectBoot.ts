// Opening the app: the project saved in this browser (and its audio) if there is one, else a new
// empty song; then every document change is saved (debounced), with a clear message on failure.
import type { ProjectDocument } from '../generated/project.generated';
import { AudioAssetLibrary } from '../state/audioAssets';
import { createEmptyProject } from '../state/newProject';
import { ProjectStorage, debouncedSaver } from '../state/persistence';
import { ProjectStore } from '../state/projectStore';

export interface OpenedProject {
  readonly store: ProjectStore;
  readonly library: AudioAssetLibrary;
  readonly storage: ProjectStorage | null;
  /** Set when saving is impossible or the saved project could not be opened. */
  readonly problem: string | null;
  onSaveProblem(listener: (problem: string | null) => void): void;
}

export async function openProject(): Promise<OpenedProject> {
  const library = new AudioAssetLibrary();
  let storage: ProjectStorage | null = null;
  let problem: string | null = null;
  let document: ProjectDocument | null = null;
  try {
    storage = await ProjectStorage.open();
    const loaded = await storage.loadDocument();
    document = loaded.document;
    problem = loaded.problem;
  } catch (error) {
    problem = `Projects cannot be kept in this browser: ${error instanceof Error ? error.message : String(error)}`;
  }
  const store = new ProjectStore(document ?? createEmptyProject());
  if (document && storage) {
    for (const asset of document.assets) {
      void storage.loadAudio(asset.id).then((audio) => audio && library.add(asset.id, audio));
    }
  }
  let saveListener: (problem: string | null) => void = () => undefined;
  if (storage) {
    const saving = storage;
    const saver = debouncedSaver(() => saving.saveDocument(store.document), (p) => saveListener(p));
    let saved = store.document;
    store.subscribe(() => {
      if (store.document === saved) return;
      saved = store.document;
      saver.schedule();
    });
    addEventListener('pagehide', () => void saver.flush());
    if (!document) saver.schedule();
  }
  return { store, library, storage, problem, onSaveProblem: (listener) => (saveListener = listener) };
}
