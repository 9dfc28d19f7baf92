// React's view of the server session (serverSession.ts): components read its snapshot with
// useSyncExternalStore and change it only through its actions.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ServerSession, ServerState } from './serverSession';

export const ServerSessionContext = createContext<ServerSession | null>(null);

export function useServerSession(): ServerSession {
  const session = useContext(ServerSessionContext);
  if (!session) throw new Error('useServerSession needs a ServerSessionContext provider');
  return session;
}

export function useServer(): ServerState {
  const session = useServerSession();
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}
