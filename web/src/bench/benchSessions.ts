// Sessions the benchmarks derive from the engine's own benchmark chain (web/src/audio/sessions.ts).
import { DEVICES, type Command } from '../generated/protocol.generated';
import { benchmarkChainSession, type TimedCommand } from '../audio/sessions';

/** Node ids of every node of `deviceType` the session adds. */
export function nodesOfType(session: readonly TimedCommand[], deviceType: number): number[] {
  return session.flatMap(({ command }) => (command.type === 'AddNode' && command.deviceType === deviceType ? [command.nodeId] : []));
}

/**
 * The chain whose sources stop at `stopFrame` (their nodes are removed), so from then on the
 * effects ring out: the decaying, denormal-prone tail. Without `stopFrame` the sources keep
 * playing (the active reference).
 */
export function chainSession(tracks: number, reverb: boolean, stopFrame?: number): TimedCommand[] {
  const session = benchmarkChainSession(tracks, reverb);
  if (stopFrame === undefined) return session;
  const stops: TimedCommand[] = nodesOfType(session, DEVICES.Oscillator.type).map((nodeId) => ({
    frame: stopFrame,
    command: { type: 'RemoveNode', nodeId } satisfies Command,
  }));
  return [...session, ...stops];
}
