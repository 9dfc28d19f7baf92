// What the engine says about itself: build, sample rate, commands applied and refused, the last
// refusal's reason, and any backlog waiting for room in the ring. Updated a few times a second.
import { useCallback, useRef } from 'react';
import { EngineClient } from '../audio/EngineClient';
import type { EngineState } from '../audio/StateView';
import { useEngineFrame, useSessionSnapshot } from './useEngineSession';

export function EngineStatus() {
  const snapshot = useSessionSnapshot();
  const countersRef = useRef<HTMLSpanElement>(null);
  const lastDraw = useRef(0);

  const draw = useCallback((state: EngineState, client: EngineClient) => {
    const now = performance.now();
    if (now - lastDraw.current < 250 || !countersRef.current) return;
    lastDraw.current = now;
    const refused = state.commandsRejected
      ? ` · ${state.commandsRejected} refused (last: ${EngineClient.describeError(state.lastErrorCode)})`
      : '';
    const waiting = client.backlogLength ? ` · ${client.backlogLength} waiting for the engine` : '';
    countersRef.current.textContent = `${state.commandsApplied} commands applied${refused}${waiting}`;
  }, []);
  useEngineFrame(draw);

  const label: Record<typeof snapshot.status, string> = {
    idle: 'Audio is off: press Play to start',
    starting: 'Starting audio…',
    running: `Engine running · ${snapshot.sampleRate ?? '?'} Hz · ${snapshot.variant === 'simd' ? 'WebAssembly SIMD' : 'WebAssembly'}`,
    failed: 'Audio stopped',
  };

  return (
    <footer className={`status status-${snapshot.status}`} data-testid="engine-status" data-status={snapshot.status}>
      <span>{label[snapshot.status]}</span>
      {snapshot.status === 'running' && <span ref={countersRef} className="counters" />}
      {snapshot.message && (
        <p role="alert" className="status-message">
          {snapshot.message}
        </p>
      )}
    </footer>
  );
}
