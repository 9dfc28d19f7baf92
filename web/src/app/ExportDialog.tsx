// Export to WAV: range (whole song with its tail, or the loop region), sample format, sample rate
// and stems; then a progress bar while the export Worker renders, Cancel, and the download
// ("<project name>.wav", or a ZIP of stems). Problems are shown in plain words in the dialog.
import { useEffect, useRef, useState } from 'react';
import type { WavSampleFormat } from '../io/wavFile';
import { downloadBlob, startExport, ExportCancelled, type ExportResult, type ExportSource, type RunningExport } from '../export/exportClient';
import type { ExportRangeKind } from '../export/exportRange';
import { useProject } from '../state/useProject';
import { useOpenedProject } from './appContext';
import './ExportDialog.css';

type Phase = { kind: 'settings' } | { kind: 'running' } | { kind: 'done'; result: ExportResult } | { kind: 'failed'; message: string } | { kind: 'cancelled' };

const FORMATS: { value: WavSampleFormat; label: string }[] = [
  { value: '16', label: 'WAV 16-bit (dithered)' },
  { value: '24', label: 'WAV 24-bit (dithered)' },
  { value: '32f', label: 'WAV 32-bit float' },
];

/** "the song is empty" -> "The song is empty." (messages come lower-case, to be composed). */
const sentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}${/[.!?]$/.test(message) ? '' : '.'}`;

const kHz = (rate: number) => `${(rate / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} kHz`;

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const project = useOpenedProject();
  const document = useProject((s) => s.document);
  const projectRate = document.project.sampleRate;
  const loop = document.transport.loop;
  const hasLoop = loop.endBeat > loop.startBeat;
  const [range, setRange] = useState<ExportRangeKind>('song');
  const [format, setFormat] = useState<WavSampleFormat>('16');
  const [sampleRate, setSampleRate] = useState(projectRate);
  const [stems, setStems] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: 'settings' });
  const [progress, setProgress] = useState(0);
  const running = useRef<RunningExport | null>(null);
  // Closing the dialog (or leaving the page) mid-export stops the Worker.
  useEffect(() => () => running.current?.cancel(), []);
  // Escape closes when nothing runs; the app's own shortcuts (Space plays...) stay off meanwhile.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      event.stopPropagation();
      if (event.key === 'Escape' && !running.current) onClose();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [onClose]);

  const rates = [...new Set([projectRate, 44_100, 48_000])].sort((a, b) => a - b);

  const start = () => {
    setProgress(0);
    setPhase({ kind: 'running' });
    const storage = project.storage;
    const source: ExportSource = {
      document: project.store.document,
      audioOf: (id) => project.library.get(id),
      ...(storage ? { loadAudio: (id: string) => storage.loadAudio(id) } : {}),
    };
    const job = startExport(source, { range, format, sampleRate, stems }, setProgress);
    running.current = job;
    job.result.then(
      (result) => {
        running.current = null;
        downloadBlob(result.blob, result.name);
        setPhase({ kind: 'done', result });
      },
      (error: unknown) => {
        running.current = null;
        if (error instanceof ExportCancelled) setPhase({ kind: 'cancelled' });
        else setPhase({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  };

  const busy = phase.kind === 'running';
  return (
    <div className="export-backdrop" onClick={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <section className="export-dialog" role="dialog" aria-modal="true" aria-label="Export">
        <h2>Export “{document.project.name}”</h2>
        <fieldset disabled={busy}>
          <div className="export-row" role="radiogroup" aria-label="Range">
            <span>Range</span>
            <label>
              <input type="radio" name="export-range" checked={range === 'song'} onChange={() => setRange('song')} /> Whole song (with effect tails)
            </label>
            <label title={hasLoop ? '' : 'Set a loop region first'}>
              <input type="radio" name="export-range" checked={range === 'loop'} disabled={!hasLoop} onChange={() => setRange('loop')} /> Loop region
            </label>
          </div>
          <label className="export-row">
            <span>Format</span>
            <select aria-label="Format" value={format} onChange={(e) => setFormat(e.target.value as WavSampleFormat)}>
              {FORMATS.map((f) => (
                <option key={f.value} value={f.value}>{f.label}</option>
              ))}
            </select>
          </label>
          <label className="export-row">
            <span>Sample rate</span>
            <select aria-label="Sample rate" value={sampleRate} onChange={(e) => setSampleRate(Number(e.target.value))}>
              {rates.map((rate) => (
                <option key={rate} value={rate}>{kHz(rate)}{rate === projectRate ? ' (project)' : ''}</option>
              ))}
            </select>
          </label>
          <label className="export-row">
            <span>Stems</span>
            <span><input type="checkbox" checked={stems} onChange={(e) => setStems(e.target.checked)} /> one WAV per track, in a ZIP</span>
          </label>
        </fieldset>
        {busy && (
          <div className="export-progress">
            <progress data-testid="export-progress" data-fraction={progress} value={progress} max={1} />
            <span>{Math.round(progress * 100)} %</span>
          </div>
        )}
        <ExportStatus phase={phase} />
        <div className="export-buttons">
          {busy ? (
            <button type="button" onClick={() => running.current?.cancel()}>Cancel</button>
          ) : (
            <>
              {phase.kind === 'done' && <button type="button" onClick={() => downloadBlob(phase.result.blob, phase.result.name)}>Download again</button>}
              <button type="button" onClick={onClose}>Close</button>
              <button type="button" className="primary" onClick={start}>{phase.kind === 'settings' ? 'Export' : 'Export again'}</button>
            </>
          )}
        </div>
      </section>
    </div>
  );
}

function ExportStatus({ phase }: { phase: Phase }) {
  if (phase.kind === 'failed') return <p className="export-error" role="alert">{sentence(phase.message)}</p>;
  if (phase.kind === 'cancelled') return <p className="export-note" role="status">Export cancelled.</p>;
  if (phase.kind !== 'done') return null;
  const { result } = phase;
  const seconds = result.frames / result.sampleRate;
  const speed = seconds / Math.max(result.renderMs / 1000, 1e-3);
  return (
    <div role="status" data-testid="export-done" data-render-ms={result.renderMs.toFixed(1)} data-frames={result.frames}>
      <p className="export-note">
        Saved “{result.name}”: {seconds.toFixed(2)} s at {kHz(result.sampleRate)}, rendered {speed.toFixed(0)}× faster than real time.
      </p>
      {result.warnings.map((w) => (
        <p key={w} className="export-warning">Note: {w}.</p>
      ))}
    </div>
  );
}
