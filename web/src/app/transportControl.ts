// Play/stop/seek from the UI: starts audio on the first gesture, then sends transport commands.
// The transport's state is read from the state view (latestTransport), not kept in React.
import { useCallback } from 'react';
import type { EngineSession } from '../audio/EngineSession';
import { TransportState } from '../generated/protocol.generated';
import { useEngineSession } from './useEngineSession';

let latestTransport: number = TransportState.Stopped;
let latestPlayhead = 0;

/** Called by the frame loop (TransportBar) with what the engine published. */
export function noteTransport(transport: number, playheadSamples: number): void {
  latestTransport = transport;
  latestPlayhead = playheadSamples;
}

export const isPlaying = () => latestTransport === TransportState.Playing;
export const playheadSamples = () => latestPlayhead;

export async function play(session: EngineSession): Promise<void> {
  const client = await session.start([]);
  client?.send({ type: 'Play' });
}

export function stop(session: EngineSession): void {
  const client = session.client;
  if (!client) return;
  // Stop while stopped returns to the start, as in desktop DAWs.
  if (!isPlaying()) client.send({ type: 'Seek', positionSamples: 0n });
  client.send({ type: 'Stop' });
}

export function useTransportActions() {
  const session = useEngineSession();
  return {
    play: useCallback(() => void play(session), [session]),
    stop: useCallback(() => stop(session), [session]),
    toggle: useCallback(() => (isPlaying() ? stop(session) : void play(session)), [session]),
    seek: useCallback(
      (frame: number) => {
        session.client?.send({ type: 'Seek', positionSamples: BigInt(Math.max(0, Math.round(frame))) });
      },
      [session],
    ),
  };
}
