// The mixer: a strip per track and the master (fader, pan, mute/solo, a peak/RMS meter read from
// the engine's channel meters per animation frame, and the insert chain with parameter controls
// drawn from the devices' declarations).
import { useCallback, useMemo, useRef } from 'react';
import type { EngineState } from '../audio/StateView';
import type { Track } from '../generated/project.generated';
import { DEVICES, type ParamDeclaration } from '../generated/protocol.generated';
import { addInsert, removeInsert, setInsertParam, setStrip } from '../state/edits';
import { masterOf, orderedTracks } from '../state/newProject';
import { useProject, useProjectStore } from '../state/useProject';
import { toDecibels } from './LevelMeter';
import { ParamControl } from './ParamControl';
import { useEngineFrame, useEngineSession } from './useEngineSession';

const INSERT_DEVICES = ['ParametricEq', 'Compressor', 'Limiter', 'Delay', 'Reverb', 'Gain', 'Pan'] as const;
const FLOOR_DB = -60;
const meterPosition = (db: number) => Math.min(1, Math.max(0, (db - FLOOR_DB) / (6 - FLOOR_DB)));

function StripMeter({ track }: { track: Track }) {
  const session = useEngineSession();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    const g = canvas?.getContext('2d');
    if (!canvas || !g) return;
    const nodeId = session.stripNodeId(track);
    const level = nodeId === undefined ? undefined : session.stripLevels.get(nodeId);
    const peaks = [level?.peakLeft ?? 0, level?.peakRight ?? 0];
    const rms = [level?.rmsLeft ?? 0, level?.rmsRight ?? 0];
    const { width, height } = canvas;
    g.fillStyle = '#0d1116';
    g.fillRect(0, 0, width, height);
    peaks.forEach((peak, c) => {
      const x = c * (width / 2) + 1;
      const w = width / 2 - 2;
      const r = meterPosition(toDecibels(rms[c]!)) * height;
      const gradient = g.createLinearGradient(0, height, 0, 0);
      gradient.addColorStop(0, '#2fbf71');
      gradient.addColorStop(meterPosition(-12), '#2fbf71');
      gradient.addColorStop(meterPosition(-3), '#e8c547');
      gradient.addColorStop(meterPosition(0), '#e5484d');
      g.fillStyle = gradient;
      g.fillRect(x, height - r, w, r);
      g.fillStyle = '#f5f7fa';
      g.fillRect(x, height - meterPosition(toDecibels(peak)) * height, w, 2);
    });
    const loudest = toDecibels(Math.max(...peaks));
    canvas.dataset.peakDb = String(loudest);
  }, [session, track]);
  useEngineFrame(draw as (state: EngineState) => void);
  return <canvas ref={canvasRef} className="strip-meter" width={22} height={160} data-testid={`meter-${track.kind === 'master' ? 'master' : track.id}`} data-peak-db="-Infinity" />;
}

function InsertList({ track }: { track: Track }) {
  const store = useProjectStore();
  return (
    <div className="inserts">
      {track.inserts.map((insert) => {
        if (insert.device === 'Unknown') return <div key={insert.id} className="insert unknown">{insert.unknown?.name ?? 'Unknown device'}</div>;
        const declarations = Object.values(DEVICES[insert.device].params as Record<string, ParamDeclaration>);
        return (
          <details key={insert.id} className="insert">
            <summary>
              {insert.device}
              <button type="button" className="small" aria-label={`Remove ${insert.device}`} onClick={() => store.apply(removeInsert(track.id, insert.id))}>
                ×
              </button>
            </summary>
            {declarations.slice(0, 12).map((declaration) => (
              <ParamControl
                key={declaration.name}
                declaration={declaration}
                value={insert.params[declaration.name] ?? declaration.defaultValue}
                onChange={(value) => store.apply(setInsertParam(track.id, insert.id, declaration.name, value))}
              />
            ))}
          </details>
        );
      })}
      <select
        aria-label={`Add an insert to ${track.name}`}
        value=""
        onChange={(e) => e.target.value && store.apply(addInsert(track.id, e.target.value as (typeof INSERT_DEVICES)[number]))}
      >
        <option value="">+ Insert…</option>
        {INSERT_DEVICES.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </div>
  );
}

function Strip({ track }: { track: Track }) {
  const store = useProjectStore();
  const { strip } = track;
  return (
    <div className={`mixer-strip ${track.kind}`} style={{ borderTopColor: track.colour }} data-testid="mixer-strip">
      <div className="strip-name" title={track.name}>
        {track.name}
      </div>
      <InsertList track={track} />
      <label className="pan">
        <span>Pan {strip.pan === 0 ? 'C' : strip.pan < 0 ? `L${Math.round(-strip.pan * 100)}` : `R${Math.round(strip.pan * 100)}`}</span>
        <input type="range" min={-1} max={1} step={0.01} value={strip.pan} aria-label={`Pan of ${track.name}`} onChange={(e) => store.apply(setStrip(track.id, { pan: Number(e.target.value) }))} onDoubleClick={() => store.apply(setStrip(track.id, { pan: 0 }))} />
      </label>
      <div className="strip-buttons">
        <button type="button" className={`small toggle mute ${strip.mute ? 'on' : ''}`} aria-pressed={strip.mute} onClick={() => store.apply(setStrip(track.id, { mute: !strip.mute }))}>
          M
        </button>
        {track.kind !== 'master' && (
          <button type="button" className={`small toggle solo ${strip.solo ? 'on' : ''}`} aria-pressed={strip.solo} onClick={() => store.apply(setStrip(track.id, { solo: !strip.solo }))}>
            S
          </button>
        )}
      </div>
      <div className="fader-meter">
        <input
          className="fader"
          type="range"
          min={-60}
          max={12}
          step={0.1}
          value={Math.max(-60, strip.volumeDb)}
          aria-label={`Fader of ${track.name}`}
          onChange={(e) => store.apply(setStrip(track.id, { volumeDb: Number(e.target.value) }))}
          onDoubleClick={() => store.apply(setStrip(track.id, { volumeDb: 0 }))}
        />
        <StripMeter track={track} />
      </div>
      <div className="strip-db">{strip.volumeDb.toFixed(1)} dB</div>
    </div>
  );
}

export function Mixer() {
  const document = useProject((s) => s.document);
  const tracks = useMemo(() => [...orderedTracks(document), masterOf(document)], [document]);
  return (
    <section className="mixer" aria-label="Mixer">
      {tracks.map((track) => (
        <Strip key={track.id} track={track} />
      ))}
    </section>
  );
}
