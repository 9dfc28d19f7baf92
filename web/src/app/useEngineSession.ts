import { createContext, useContext, useEffect, useSyncExternalStore } from 'react';
import type { EngineClient } from '../audio/EngineClient';
import type { EngineSession, SessionSnapshot } from '../audio/EngineSession';
import type { EngineState } from '../audio/StateView';

export const EngineSessionContext = createContext<EngineSession | null>(null);

export function useEngineSession(): EngineSession {
  const session = useContext(EngineSessionContext);
  if (!session) throw new Error('useEngineSession needs an EngineSessionContext provider');
  return session;
}

export function useSessionSnapshot(): SessionSnapshot {
  const session = useEngineSession();
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}

/** Runs `draw` on every animation frame with the engine's current state (no React re-render). */
export function useEngineFrame(draw: (state: EngineState, client: EngineClient) => void): void {
  const session = useEngineSession();
  useEffect(() => session.onFrame(draw), [session, draw]);
}
