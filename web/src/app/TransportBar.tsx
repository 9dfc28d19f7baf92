// The transport: play/stop/record, loop and click toggles, tempo and time signature, the position
// in bars:beats:ticks and in time, and the engine's load and latency. Position and load are
// written straight from the state view on each animation frame; the rest edits the document.
import { useCallback, useRef } from 'react';
import type { EngineState } from '../audio/StateView';
import { TransportState } from '../generated/protocol.generated';
import { MeterMap, TempoMap } from '../project/tempoMap';
import { setLoop, setMetronome, setTempo, setTimeSignature } from '../state/edits';
import { useProject, useProjectStore } from '../state/useProject';
import { LevelMeter } from './LevelMeter';
import { noteTransport, useTransportActions } from './transportControl';
import { useEngineFrame, useSessionSnapshot } from './useEngineSession';

export const TICKS_PER_BEAT = 960;

export function formatPlayhead(samples: number, sampleRate: number): string {
  if (sampleRate <= 0) return '0:00.000';
  const seconds = samples / sampleRate;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - minutes * 60).toFixed(3).padStart(6, '0')}`;
}

/** 1-based bars and beats (of the time signature's beat unit) and ticks, as DAWs show them. */
export function formatBarsBeats(beat: number, meters: MeterMap, denominator: number): string {
  const { bar, beatInBar } = meters.barAtBeat(Math.max(0, beat));
  const unit = 4 / denominator;
  const beatIndex = Math.floor(beatInBar / unit + 1e-9);
  const ticks = Math.floor(((beatInBar - beatIndex * unit) / unit) * TICKS_PER_BEAT + 1e-6);
  return `${bar + 1}:${beatIndex + 1}:${String(ticks).padStart(3, '0')}`;
}

export function TransportBar() {
  const session = useSessionSnapshot();
  const store = useProjectStore();
  const transport = useProject((s) => s.document.transport);
  const { play, stop } = useTransportActions();
  const barsRef = useRef<HTMLOutputElement>(null);
  const timeRef = useRef<HTMLOutputElement>(null);
  const loadRef = useRef<HTMLOutputElement>(null);
  const playRef = useRef<HTMLButtonElement>(null);
  const maps = useRef<{ tempo: TempoMap; meters: MeterMap; transport: typeof transport } | null>(null);
  if (maps.current?.transport !== transport) {
    maps.current = { tempo: new TempoMap(transport.tempoChanges), meters: new MeterMap(transport.timeSignatureChanges), transport };
  }
  const tempo = transport.tempoChanges[0]!.beatsPerMinute;
  const signature = transport.timeSignatureChanges[0]!;

  const draw = useCallback((state: EngineState) => {
    noteTransport(state.transport, state.playheadSamples);
    const m = maps.current!;
    const beat = state.sampleRate > 0 ? m.tempo.beatAtFrame(state.playheadSamples, state.sampleRate) : 0;
    const countIn = state.countInSamplesLeft > 0 ? ` (count-in)` : '';
    if (barsRef.current) barsRef.current.textContent = formatBarsBeats(beat, m.meters, m.transport.timeSignatureChanges[0]!.denominator) + countIn;
    if (timeRef.current) timeRef.current.textContent = formatPlayhead(state.playheadSamples, state.sampleRate);
    if (loadRef.current && state.quantum % 8 === 0) {
      const latencyMs = state.sampleRate > 0 ? (state.latencySamples / state.sampleRate) * 1000 : 0;
      loadRef.current.textContent = `${state.nodesProcessed} nodes · ${latencyMs.toFixed(1)} ms latency`;
    }
    playRef.current?.classList.toggle('active', state.transport === TransportState.Playing);
  }, []);
  useEngineFrame(draw);

  const blocked = session.status === 'starting' || (session.status === 'idle' && session.message !== null);

  return (
    <div className="transport" role="toolbar" aria-label="Transport">
      <button ref={playRef} type="button" className="transport-button play" onClick={play} disabled={blocked} title="Play (Space)">
        ▶ Play
      </button>
      <button type="button" className="transport-button" onClick={stop} disabled={blocked} title="Stop (Space); again: back to the start">
        ■ Stop
      </button>
      <button type="button" className="transport-button record" disabled title="Recording is not available yet">
        ● Rec
      </button>
      <button
        type="button"
        className={`transport-button toggle ${transport.loop.enabled ? 'on' : ''}`}
        aria-pressed={transport.loop.enabled}
        onClick={() => store.apply(setLoop({ enabled: !transport.loop.enabled }))}
        title="Loop (L)"
      >
        ⟳ Loop
      </button>
      <button
        type="button"
        className={`transport-button toggle ${transport.metronome.enabled ? 'on' : ''}`}
        aria-pressed={transport.metronome.enabled}
        onClick={() => store.apply(setMetronome({ enabled: !transport.metronome.enabled }))}
        title="Metronome"
      >
        ♩ Click
      </button>
      <label className="field">
        <span>BPM</span>
        <input
          key={`tempo-${tempo}`}
          type="number"
          min={20}
          max={999}
          step={0.1}
          defaultValue={tempo}
          aria-label="Tempo"
          onBlur={(e) => store.apply(setTempo(Number(e.target.value)))}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        />
      </label>
      <label className="field signature">
        <input
          key={`num-${signature.numerator}`}
          type="number"
          min={1}
          max={64}
          defaultValue={signature.numerator}
          aria-label="Beats per bar"
          onBlur={(e) => store.apply(setTimeSignature(Number(e.target.value), signature.denominator))}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        />
        <span>/</span>
        <select aria-label="Beat unit" value={signature.denominator} onChange={(e) => store.apply(setTimeSignature(signature.numerator, Number(e.target.value)))}>
          {[1, 2, 4, 8, 16, 32].map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <div className="position">
        <output ref={barsRef} className="bars" data-testid="position-bars">
          1:1:000
        </output>
        <output ref={timeRef} className="playhead" data-testid="playhead">
          0:00.000
        </output>
      </div>
      <LevelMeter />
      <output ref={loadRef} className="load" data-testid="engine-load" />
    </div>
  );
}
