// Stereo peak/RMS meter drawn on a canvas from the engine's state view on every animation frame.
import { useCallback, useRef } from 'react';
import type { EngineState } from '../audio/StateView';
import { useEngineFrame } from './useEngineSession';

const FLOOR_DB = -60;
const CEILING_DB = 6;

export const toDecibels = (gain: number) => (gain > 0 ? 20 * Math.log10(gain) : -Infinity);
const position = (db: number) => Math.min(1, Math.max(0, (db - FLOOR_DB) / (CEILING_DB - FLOOR_DB)));

export function formatDecibels(db: number): string {
  return db <= FLOOR_DB - 36 || !Number.isFinite(db) ? '-inf dB' : `${db.toFixed(1)} dB`;
}

export function LevelMeter() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const readoutRef = useRef<HTMLOutputElement>(null);

  const draw = useCallback((state: EngineState) => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return;
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    const barHeight = height / 2 - 2;
    state.meterPeak.forEach((peak, channel) => {
      const y = channel * (barHeight + 4);
      const rms = state.meterRms[channel] ?? 0;
      context.fillStyle = '#1d2430';
      context.fillRect(0, y, width, barHeight);
      const gradient = context.createLinearGradient(0, 0, width, 0);
      gradient.addColorStop(0, '#2fbf71');
      gradient.addColorStop(position(-12), '#2fbf71');
      gradient.addColorStop(position(-3), '#e8c547');
      gradient.addColorStop(position(0), '#e5484d');
      context.fillStyle = gradient;
      context.fillRect(0, y, position(toDecibels(rms)) * width, barHeight);
      context.fillStyle = '#f5f7fa';
      context.fillRect(position(toDecibels(peak)) * width - 2, y, 2, barHeight);
    });
    context.fillStyle = '#6b7685';
    context.fillRect(position(0) * width, 0, 1, height);
    const loudest = Math.max(...state.meterPeak);
    if (readoutRef.current) {
      readoutRef.current.textContent = formatDecibels(toDecibels(loudest));
      readoutRef.current.dataset.peakDb = String(toDecibels(loudest));
    }
  }, []);

  useEngineFrame(draw);

  return (
    <div className="meter" aria-label="Output level">
      <canvas ref={canvasRef} width={140} height={22} />
      <output ref={readoutRef} className="meter-readout" data-testid="peak-readout" data-peak-db="-Infinity">
        -inf dB
      </output>
    </div>
  );
}
