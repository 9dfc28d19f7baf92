// Play/Stop and the playhead. The playhead text is written straight from the state view on each
// animation frame; the buttons' "active" look follows the engine's transport, not the click.
import { useCallback, useRef } from 'react';
import { TransportState } from '../generated/protocol.generated';
import type { EngineState } from '../audio/StateView';
import { useEngineFrame } from './useEngineSession';

interface TransportBarProps {
  onPlay: () => void;
  onStop: () => void;
  disabled: boolean;
}

export function formatPlayhead(samples: number, sampleRate: number): string {
  if (sampleRate <= 0) return '0:00.000';
  const seconds = samples / sampleRate;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - minutes * 60).toFixed(3).padStart(6, '0')}`;
}

export function TransportBar({ onPlay, onStop, disabled }: TransportBarProps) {
  const playheadRef = useRef<HTMLOutputElement>(null);
  const playRef = useRef<HTMLButtonElement>(null);

  const draw = useCallback((state: EngineState) => {
    if (playheadRef.current) playheadRef.current.textContent = formatPlayhead(state.playheadSamples, state.sampleRate);
    playRef.current?.classList.toggle('active', state.transport === TransportState.Playing);
  }, []);
  useEngineFrame(draw);

  return (
    <div className="transport" role="toolbar" aria-label="Transport">
      <button ref={playRef} type="button" className="transport-button play" onClick={onPlay} disabled={disabled} title="Play (Space)">
        ▶ Play
      </button>
      <button type="button" className="transport-button" onClick={onStop} disabled={disabled} title="Stop (Space)">
        ■ Stop
      </button>
      <output ref={playheadRef} className="playhead" data-testid="playhead">
        0:00.000
      </output>
    </div>
  );
}
