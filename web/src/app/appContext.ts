// The opened project (store, audio library, browser storage) for components that need more than
// the store itself (import, waveform drawing).
import { createContext, useContext } from 'react';
import type { OpenedProject } from './projectBoot';

export const OpenedProjectContext = createContext<OpenedProject | null>(null);

export function useOpenedProject(): OpenedProject {
  const project = useContext(OpenedProjectContext);
  if (!project) throw new Error('useOpenedProject needs an OpenedProjectContext provider');
  return project;
}
