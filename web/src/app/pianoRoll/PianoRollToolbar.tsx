// The piano roll's bar: back to the arrangement, which clip, the grid, quantize, zoom.
import type { MidiClip, Track } from '../../generated/project.generated';
import { useProjectStore } from '../../state/useProject';

/** Grid choices in beats (quarter notes); triplets are two thirds of the straight value. */
export const GRIDS: readonly { label: string; beats: number }[] = [
  { label: 'Off', beats: 0 },
  { label: '1/1', beats: 4 },
  { label: '1/2', beats: 2 },
  { label: '1/4', beats: 1 },
  { label: '1/8', beats: 0.5 },
  { label: '1/16', beats: 0.25 },
  { label: '1/32', beats: 0.125 },
  { label: '1/4T', beats: 2 / 3 },
  { label: '1/8T', beats: 1 / 3 },
  { label: '1/16T', beats: 1 / 6 },
];

interface Props {
  track: Track;
  clip: MidiClip;
  selectedCount: number;
  grid: number;
  pixelsPerBeat: number;
  quantizeLengths: boolean;
  onQuantizeLengths: (on: boolean) => void;
  onQuantize: () => void;
}

export function PianoRollToolbar({ track, clip, selectedCount, grid, pixelsPerBeat, quantizeLengths, onQuantizeLengths, onQuantize }: Props) {
  const store = useProjectStore();
  return (
    <div className="pr-toolbar">
      <button type="button" className="small" onClick={() => store.setView({ panel: 'arrange' })} title="Back to the arrangement">
        ◂ Arrange
      </button>
      <span className="pr-title">
        <span className="pr-swatch" style={{ background: track.colour }} />
        <strong>{clip.name}</strong>
        <span className="pr-muted">
          {track.name} · {clip.notes.length} notes{selectedCount ? ` · ${selectedCount} selected` : ''}
        </span>
      </span>
      <span className="separator" />
      <label className="field">
        <span>Grid</span>
        <select
          aria-label="Grid"
          value={GRIDS.find((g) => Math.abs(g.beats - grid) < 1e-9)?.beats ?? grid}
          onChange={(e) => {
            store.setView({ noteGridBeats: Number(e.target.value) });
            e.currentTarget.blur(); // arrow keys go back to the notes
          }}
        >
          {GRIDS.map((g) => (
            <option key={g.label} value={g.beats}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={onQuantize} disabled={grid <= 0 || clip.notes.length === 0} title="Quantize the selected notes, or all notes, to the grid (Q)">
        Quantize {selectedCount ? 'selected' : 'all'}
      </button>
      <label className="field">
        <input
          type="checkbox"
          checked={quantizeLengths}
          onChange={(e) => {
            onQuantizeLengths(e.target.checked);
            e.currentTarget.blur();
          }}
        />
        <span>lengths too</span>
      </label>
      <span className="separator" />
      <label className="field zoom">
        <span>Zoom</span>
        <input type="range" min={12} max={480} value={pixelsPerBeat} aria-label="Note zoom" onChange={(e) => store.setView({ notePixelsPerBeat: Number(e.target.value) })} onPointerUp={(e) => e.currentTarget.blur()} />
      </label>
      <span className="pr-hint">Click: draw · drag empty: select · drag end: length · Alt: no snap · right-click: delete · ↑↓←→ nudge · Q quantize</span>
    </div>
  );
}
