// Tells collaborators what I have selected and where my playhead is: read from the store and
// from the engine's state view a few times a second (never per React render), sent only when
// it changed; the live session throttles again and the server once more.
import { useCallback, useEffect, useRef } from 'react';
import type { EngineState } from '../audio/StateView';
import { TempoMap } from '../project/tempoMap';
import { useServerSession } from '../server/useServer';
import { useProject } from '../state/useProject';
import { useEngineFrame } from './useEngineSession';

const SAMPLE_EVERY_MS = 250;

export function usePresence(): void {
  const server = useServerSession();
  const { selection, document } = useProject();
  const tempo = useRef(new TempoMap(document.transport.tempoChanges));
  const sent = useRef({ selection: '', beat: NaN, at: 0 });
  const current = useRef<{ clipIds: readonly string[]; beat: number | null }>({ clipIds: [], beat: null });

  const publish = useCallback(() => {
    const live = server.liveSession;
    if (!live) return;
    const key = current.current.clipIds.join(',');
    const beat = current.current.beat;
    if (key === sent.current.selection && (beat === sent.current.beat || (beat === null && Number.isNaN(sent.current.beat)))) return;
    sent.current = { selection: key, beat: beat ?? NaN, at: performance.now() };
    live.setPresence(current.current.clipIds, beat);
  }, [server]);

  useEffect(() => {
    tempo.current = new TempoMap(document.transport.tempoChanges);
  }, [document.transport.tempoChanges]);

  useEffect(() => {
    current.current = { ...current.current, clipIds: selection.clipIds };
    publish();
  }, [selection.clipIds, publish]);

  const onFrame = useCallback(
    (state: EngineState) => {
      if (performance.now() - sent.current.at < SAMPLE_EVERY_MS || !state.sampleRate) return;
      const beat = Math.round(tempo.current.beatAtFrame(state.playheadSamples, state.sampleRate) * 100) / 100;
      current.current = { ...current.current, beat };
      publish();
    },
    [publish],
  );
  useEngineFrame(onFrame);
}
