// React's view of the project store: components subscribe to the snapshot (or a selection of it)
// with useSyncExternalStore and change it only through store.apply(edit), undo, redo, select.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ProjectSnapshot, ProjectStore } from './projectStore';

export const ProjectStoreContext = createContext<ProjectStore | null>(null);

export function useProjectStore(): ProjectStore {
  const store = useContext(ProjectStoreContext);
  if (!store) throw new Error('useProjectStore needs a ProjectStoreContext provider');
  return store;
}

/** The store's snapshot, or a part of it (re-renders only when that part changes identity). */
export function useProject<T = ProjectSnapshot>(select: (snapshot: ProjectSnapshot) => T = (s) => s as T): T {
  const store = useProjectStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getSnapshot()));
}
