// Canvas drawing of the piano roll: the note grid, the keyboard, the ruler and the velocity lane.
// Each canvas is the size of what is visible and only visible things are drawn (with thousands of
// notes one pass over the list is still far below a frame), so scrolling and zooming stay smooth.
import type { Note } from '../../generated/project.generated';
import type { MeterMap } from '../../project/tempoMap';
import {
  beatToX,
  isBlackKey,
  pitchName,
  pitchToY,
  ROW_HEIGHT,
  velocityToY,
  type Band,
  type Viewport,
} from './geometry';

export interface RollScene extends Viewport {
  readonly notes: readonly Note[];
  readonly selected: ReadonlySet<string>;
  /** The clip's start in song beats (the grid and the bars are the song's). */
  readonly origin: number;
  readonly clipLength: number;
  readonly loopLength: number | null;
  readonly grid: number;
  readonly meters: MeterMap;
  readonly colour: string;
  readonly band: Band | null;
  readonly pressedKey: number | null;
  /** Where a click would draw a note (pointer over empty grid). */
  readonly ghost: { readonly startBeat: number; readonly lengthBeats: number; readonly pitch: number } | null;
}

/** Sizes a canvas to its box at the screen's pixel ratio; returns its context in CSS pixels. */
export function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * ratio));
  const h = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const g = canvas.getContext('2d');
  g?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return g;
}

/** Bar starts (clip-relative) from the bar holding `fromBeat` until `toBeat`. */
function* bars(scene: RollScene, fromBeat: number, toBeat: number) {
  let bar = scene.meters.barAtBeat(Math.max(0, scene.origin + fromBeat)).bar;
  for (let guard = 0; guard < 10_000; guard++, bar++) {
    const start = scene.meters.beatAtBar(bar) - scene.origin;
    if (start > toBeat) return;
    yield { bar, start, length: scene.meters.beatsPerBarAt(bar) };
  }
}

function verticalLines(g: CanvasRenderingContext2D, scene: RollScene, width: number, top: number, bottom: number) {
  const ppb = scene.pixelsPerBeat;
  const from = scene.scrollX / ppb;
  const to = (scene.scrollX + width) / ppb;
  const line = (beat: number, colour: string) => {
    const x = Math.round(beatToX(beat, scene)) + 0.5;
    g.strokeStyle = colour;
    g.beginPath();
    g.moveTo(x, top);
    g.lineTo(x, bottom);
    g.stroke();
  };
  for (const { start, length } of bars(scene, from, to)) {
    if (scene.grid > 0 && scene.grid * ppb >= 6) {
      for (let k = 1; k * scene.grid < length - 1e-9; k++) {
        const beat = start + k * scene.grid;
        if (Math.abs(beat - start - Math.round(beat - start)) > 1e-9) line(beat, '#1a2029');
      }
    }
    if (ppb >= 10) for (let b = 1; b < length; b++) line(start + b, '#242c36');
    line(start, '#3a4552');
  }
}

export function drawGrid(canvas: HTMLCanvasElement, scene: RollScene, width: number, height: number): void {
  const g = prepare(canvas, width, height);
  if (!g) return;
  g.fillStyle = '#12171d';
  g.fillRect(0, 0, width, height);
  const top = Math.max(0, Math.floor(127 - (scene.scrollY + height) / ROW_HEIGHT));
  const bottom = Math.min(127, Math.ceil(127 - scene.scrollY / ROW_HEIGHT));
  for (let pitch = top; pitch <= bottom; pitch++) {
    const y = pitchToY(pitch, scene);
    g.fillStyle = isBlackKey(pitch) ? '#10151a' : '#161c23';
    g.fillRect(0, y, width, ROW_HEIGHT);
    g.fillStyle = pitch % 12 === 0 ? '#2b3440' : '#1b2129';
    g.fillRect(0, y + ROW_HEIGHT - 1, width, 1);
  }
  // Outside the clip nothing plays: darker, so the clip's extent is obvious.
  const clipEnd = beatToX(scene.clipLength, scene);
  if (clipEnd < width) {
    g.fillStyle = 'rgba(0,0,0,0.38)';
    g.fillRect(Math.max(0, clipEnd), 0, width, height);
  }
  verticalLines(g, scene, width, 0, height);
  if (scene.loopLength !== null) {
    g.fillStyle = '#f5c451';
    g.fillRect(Math.round(beatToX(scene.loopLength, scene)) - 1, 0, 2, height);
  }
  g.strokeStyle = '#3fa7ff';
  g.fillStyle = 'rgba(63,167,255,0.12)';
  g.beginPath();
  g.moveTo(Math.round(clipEnd) + 0.5, 0);
  g.lineTo(Math.round(clipEnd) + 0.5, height);
  g.stroke();

  g.font = '10px Inter, system-ui, sans-serif';
  g.textBaseline = 'middle';
  const ppb = scene.pixelsPerBeat;
  for (const pass of [false, true]) {
    for (const note of scene.notes) {
      const isSelected = scene.selected.has(note.id);
      if (isSelected !== pass) continue;
      const x = beatToX(note.startBeat, scene);
      const w = Math.max(3, note.lengthBeats * ppb);
      const y = pitchToY(note.pitch, scene);
      if (x > width || x + w < 0 || y > height || y + ROW_HEIGHT < 0) continue;
      g.globalAlpha = note.startBeat >= scene.clipLength ? 0.35 : 1;
      g.fillStyle = isSelected ? '#ffffff' : scene.colour;
      g.fillRect(x, y + 1, w, ROW_HEIGHT - 2);
      // Velocity as the body's depth: a darker inner bar for quieter notes.
      g.fillStyle = isSelected ? 'rgba(63,167,255,0.35)' : `rgba(0,0,0,${(0.55 * (1 - note.velocity)).toFixed(3)})`;
      g.fillRect(x + 1, y + 2, w - 2, ROW_HEIGHT - 4);
      g.strokeStyle = isSelected ? '#3fa7ff' : 'rgba(0,0,0,0.6)';
      g.strokeRect(x + 0.5, y + 1.5, w - 1, ROW_HEIGHT - 3);
      if (w > 30) {
        g.fillStyle = '#0b0e12';
        g.fillText(pitchName(note.pitch), x + 4, y + ROW_HEIGHT / 2 + 0.5, w - 6);
      }
      g.globalAlpha = 1;
    }
  }
  if (scene.ghost) {
    const x = beatToX(scene.ghost.startBeat, scene);
    const y = pitchToY(scene.ghost.pitch, scene);
    g.fillStyle = `${scene.colour}40`;
    g.fillRect(x, y + 1, Math.max(3, scene.ghost.lengthBeats * ppb), ROW_HEIGHT - 2);
    g.strokeStyle = `${scene.colour}aa`;
    g.strokeRect(x + 0.5, y + 1.5, Math.max(3, scene.ghost.lengthBeats * ppb) - 1, ROW_HEIGHT - 3);
  }
  if (scene.band) {
    const { x0, y0, x1, y1 } = scene.band;
    const left = Math.min(x0, x1) - scene.scrollX;
    const topY = Math.min(y0, y1) - scene.scrollY;
    g.fillStyle = 'rgba(63,167,255,0.14)';
    g.strokeStyle = '#3fa7ff';
    g.fillRect(left, topY, Math.abs(x1 - x0), Math.abs(y1 - y0));
    g.strokeRect(left + 0.5, topY + 0.5, Math.abs(x1 - x0), Math.abs(y1 - y0));
  }
}

export function drawKeys(canvas: HTMLCanvasElement, scene: RollScene, width: number, height: number, highlighted: ReadonlySet<number>): void {
  const g = prepare(canvas, width, height);
  if (!g) return;
  g.fillStyle = '#0b0e12';
  g.fillRect(0, 0, width, height);
  g.font = '9px Inter, system-ui, sans-serif';
  g.textBaseline = 'middle';
  const top = Math.max(0, Math.floor(127 - (scene.scrollY + height) / ROW_HEIGHT));
  const bottom = Math.min(127, Math.ceil(127 - scene.scrollY / ROW_HEIGHT));
  const whiteWidth = width - 1;
  const blackWidth = Math.round(width * 0.6);
  // White keys fill every row (beside a black key too, as on a piano); the lines between them
  // fall under B|C and E|F and through the middle of each black key.
  for (let pitch = top; pitch <= bottom; pitch++) {
    const y = pitchToY(pitch, scene);
    const black = isBlackKey(pitch);
    g.fillStyle = !black && scene.pressedKey === pitch ? '#3fa7ff' : !black && highlighted.has(pitch) ? '#b9dcff' : '#dfe3e8';
    g.fillRect(0, y, whiteWidth, ROW_HEIGHT);
    g.fillStyle = '#8d96a1';
    if (pitch % 12 === 0 || pitch % 12 === 5) g.fillRect(0, y + ROW_HEIGHT - 1, whiteWidth, 1);
    if (black) g.fillRect(blackWidth, y + ROW_HEIGHT / 2, whiteWidth - blackWidth, 1);
    if (pitch % 12 === 0) {
      g.fillStyle = scene.pressedKey === pitch ? '#ffffff' : '#3b4450';
      g.fillText(pitchName(pitch), width - 26, y + ROW_HEIGHT / 2 + 0.5);
    }
  }
  for (let pitch = top; pitch <= bottom; pitch++) {
    if (!isBlackKey(pitch)) continue;
    const y = pitchToY(pitch, scene);
    g.fillStyle = scene.pressedKey === pitch ? '#3fa7ff' : highlighted.has(pitch) ? '#2e5d86' : '#1b2028';
    g.fillRect(0, y + 1, blackWidth, ROW_HEIGHT - 2);
  }
  g.fillStyle = '#252d37';
  g.fillRect(width - 1, 0, 1, height);
}

export function drawRuler(canvas: HTMLCanvasElement, scene: RollScene, width: number, height: number): void {
  const g = prepare(canvas, width, height);
  if (!g) return;
  g.fillStyle = '#1b222b';
  g.fillRect(0, 0, width, height);
  const ppb = scene.pixelsPerBeat;
  // The clip's extent (and its loop) along the bottom of the ruler.
  g.fillStyle = `${scene.colour}99`;
  g.fillRect(beatToX(0, scene), height - 5, scene.clipLength * ppb, 4);
  if (scene.loopLength !== null) {
    g.fillStyle = '#f5c451';
    g.fillRect(beatToX(0, scene), height - 5, scene.loopLength * ppb, 2);
  }
  g.font = '11px Inter, system-ui, sans-serif';
  g.textBaseline = 'alphabetic';
  const from = scene.scrollX / ppb;
  const to = (scene.scrollX + width) / ppb;
  for (const { bar, start, length } of bars(scene, from, to)) {
    const x = Math.round(beatToX(start, scene)) + 0.5;
    g.strokeStyle = '#4a5563';
    g.beginPath();
    g.moveTo(x, 2);
    g.lineTo(x, height);
    g.stroke();
    const labelEvery = length * ppb < 36 ? 4 : 1;
    if (bar % labelEvery === 0) {
      g.fillStyle = '#c3ccd7';
      g.fillText(String(bar + 1), x + 4, 13);
    }
    for (let b = 1; b < length; b++) {
      const bx = Math.round(beatToX(start + b, scene)) + 0.5;
      g.strokeStyle = '#343e4a';
      g.beginPath();
      g.moveTo(bx, height - 9);
      g.lineTo(bx, height);
      g.stroke();
      if (ppb >= 44) {
        g.fillStyle = '#6f7b8a';
        g.fillText(`${bar + 1}.${b + 1}`, bx + 3, 13);
      }
    }
  }
}

export function drawVelocity(canvas: HTMLCanvasElement, scene: RollScene, width: number, height: number): void {
  const g = prepare(canvas, width, height);
  if (!g) return;
  g.fillStyle = '#10151a';
  g.fillRect(0, 0, width, height);
  g.fillStyle = '#1c232c';
  for (const level of [0.25, 0.5, 0.75, 1]) g.fillRect(0, Math.round(velocityToY(level, height)), width, 1);
  verticalLines(g, scene, width, 0, height);
  const bottom = velocityToY(0, height);
  for (const pass of [false, true]) {
    for (const note of scene.notes) {
      const isSelected = scene.selected.has(note.id);
      if (isSelected !== pass) continue;
      const x = Math.round(beatToX(note.startBeat, scene));
      if (x < -4 || x > width + 4) continue;
      const y = velocityToY(note.velocity, height);
      g.fillStyle = isSelected ? '#ffffff' : scene.colour;
      g.globalAlpha = isSelected ? 1 : 0.85;
      g.fillRect(x, y, 2, bottom - y);
      g.fillRect(x - 2, y - 2, 6, 4);
      g.globalAlpha = 1;
    }
  }
  g.fillStyle = '#252d37';
  g.fillRect(0, 0, width, 1);
}
