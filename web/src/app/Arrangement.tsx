// The arrangement: track headers (DOM) beside a canvas timeline with a ruler in bars, clips with
// their waveform outlines or note previews, and a playhead drawn per animation frame from the
// state view on its own canvas. Click selects, drag moves (also across tracks), dragging an edge
// trims, all snapped to the grid (Alt: free); each gesture is one edit on release.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent } from 'react';
import type { EngineState } from '../audio/StateView';
import type { Clip, ProjectDocument, Track } from '../generated/project.generated';
import { MeterMap, TempoMap } from '../project/tempoMap';
import type { AudioAssetLibrary } from '../state/audioAssets';
import { addClip, moveClips, newMidiClip, removeTrack, renameTrack, setStrip, setTrackColour, trimClip, type Edit } from '../state/edits';
import { orderedTracks } from '../state/newProject';
import type { ViewState } from '../state/projectStore';
import { useProject, useProjectStore } from '../state/useProject';
import { useOpenedProject } from './appContext';
import { importFiles } from './importFiles';
import { useTransportActions } from './transportControl';
import { useEngineFrame, useSessionSnapshot } from './useEngineSession';

export const RULER_HEIGHT = 26;
export const TRACK_HEIGHT = 64;
const EDGE_PIXELS = 6;

interface Drag {
  readonly mode: 'move' | 'start' | 'end';
  readonly clipId: string;
  readonly x: number;
  readonly y: number;
  readonly trackIndex: number;
  moved: boolean;
}

const snap = (beats: number, grid: number, free: boolean) => (free || grid <= 0 ? beats : Math.round(beats / grid) * grid);

function songEndBeat(document: ProjectDocument): number {
  return Math.max(0, ...document.tracks.flatMap((t) => t.clips.map((c) => c.startBeat + c.lengthBeats)));
}

interface DrawInput {
  document: ProjectDocument;
  tracks: Track[];
  view: ViewState;
  selected: ReadonlySet<string>;
  library: AudioAssetLibrary;
  /** The visible part of the timeline, in content pixels: only it is drawn. */
  visible: Viewport;
}

interface Viewport {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Draws the visible part of the timeline into a canvas the size of the view, in content
 * coordinates shifted by the scroll position. A canvas as large as the song (7000 x 16000 px
 * for 256 tracks) costs the compositor every frame the playhead moves; this one does not grow.
 */
function drawTimeline(canvas: HTMLCanvasElement, { document, tracks, view, selected, library, visible }: DrawInput): void {
  const ratio = window.devicePixelRatio || 1;
  const pixelWidth = Math.round(visible.width * ratio);
  const pixelHeight = Math.round(visible.height * ratio);
  if (canvas.width !== pixelWidth) canvas.width = pixelWidth;
  if (canvas.height !== pixelHeight) canvas.height = pixelHeight;
  canvas.style.width = `${visible.width}px`;
  canvas.style.height = `${visible.height}px`;
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(ratio, 0, 0, ratio, -visible.x * ratio, -visible.y * ratio);
  const width = visible.x + visible.width; // the right edge of what is drawn
  const height = visible.y + visible.height;
  const firstTrack = Math.max(0, Math.floor((visible.y - RULER_HEIGHT) / TRACK_HEIGHT));
  const lastTrack = Math.min(tracks.length - 1, Math.floor((height - RULER_HEIGHT) / TRACK_HEIGHT));
  const ppb = view.pixelsPerBeat;
  const tempo = new TempoMap(document.transport.tempoChanges);
  const meters = new MeterMap(document.transport.timeSignatureChanges);
  const x = (beat: number) => beat * ppb;

  g.fillStyle = '#12171d';
  g.fillRect(visible.x, visible.y, visible.width, visible.height);
  for (let i = firstTrack; i <= lastTrack; i++) {
    g.fillStyle = i % 2 ? '#161c23' : '#141a20';
    g.fillRect(visible.x, RULER_HEIGHT + i * TRACK_HEIGHT, visible.width, TRACK_HEIGHT);
  }

  // Grid and ruler: bar lines strong, beats faint (skipped when too dense).
  g.fillStyle = '#1b222b';
  g.fillRect(visible.x, 0, visible.width, RULER_HEIGHT);
  g.font = '11px Inter, system-ui, sans-serif';
  const lastBeat = width / ppb;
  const firstBeat = visible.x / ppb;
  for (let bar = Math.max(0, meters.barAtBeat(firstBeat).bar - 1); ; bar++) {
    const start = meters.beatAtBar(bar);
    if (start > lastBeat) break;
    const perBar = meters.beatsPerBarAt(bar);
    const barX = Math.round(x(start)) + 0.5;
    const labelEvery = ppb * perBar < 40 ? 4 : 1;
    g.strokeStyle = '#2c3642';
    g.beginPath();
    g.moveTo(barX, bar % labelEvery === 0 ? 4 : 14);
    g.lineTo(barX, height);
    g.stroke();
    if (bar % labelEvery === 0) {
      g.fillStyle = '#8a95a5';
      g.fillText(String(bar + 1), barX + 4, 14);
    }
    if (ppb >= 12) {
      g.strokeStyle = '#1e262f';
      for (let b = 1; b < perBar; b++) {
        const beatX = Math.round(x(start + b)) + 0.5;
        g.beginPath();
        g.moveTo(beatX, RULER_HEIGHT);
        g.lineTo(beatX, height);
        g.stroke();
      }
    }
  }
  const loop = document.transport.loop;
  g.fillStyle = loop.enabled ? 'rgba(63,167,255,0.55)' : 'rgba(138,149,165,0.25)';
  g.fillRect(x(loop.startBeat), RULER_HEIGHT - 5, x(loop.endBeat) - x(loop.startBeat), 4);

  for (let i = firstTrack; i <= lastTrack; i++) {
    const track = tracks[i]!;
    const top = RULER_HEIGHT + i * TRACK_HEIGHT + 3;
    const h = TRACK_HEIGHT - 6;
    for (const clip of track.clips) {
      const left = x(clip.startBeat);
      const w = Math.max(2, x(clip.lengthBeats));
      if (left > width || left + w < visible.x) continue;
      const isSelected = selected.has(clip.id);
      g.globalAlpha = clip.muted ? 0.4 : 1;
      g.fillStyle = `${track.colour}40`;
      g.fillRect(left, top, w, h);
      g.fillStyle = `${track.colour}cc`;
      g.fillRect(left, top, w, 14);
      g.strokeStyle = isSelected ? '#ffffff' : `${track.colour}`;
      g.lineWidth = isSelected ? 2 : 1;
      g.strokeRect(left + 0.5, top + 0.5, w - 1, h - 1);
      g.lineWidth = 1;
      g.save();
      g.beginPath();
      g.rect(left, top, w, h);
      g.clip();
      g.fillStyle = '#0d1116';
      g.fillText(clip.name, left + 4, top + 11);
      g.fillStyle = track.colour;
      g.strokeStyle = track.colour;
      if (clip.kind === 'midi') drawNotes(g, clip, left, top + 16, h - 18, ppb);
      else drawWaveform(g, clip, library, tempo, left, top + 16, h - 18, ppb, document, visible);
      g.restore();
      g.globalAlpha = 1;
    }
  }
}

function drawNotes(g: CanvasRenderingContext2D, clip: Extract<Clip, { kind: 'midi' }>, left: number, top: number, h: number, ppb: number) {
  if (clip.notes.length === 0) return;
  const low = Math.min(...clip.notes.map((n) => n.pitch));
  const high = Math.max(...clip.notes.map((n) => n.pitch));
  const span = Math.max(12, high - low + 1);
  const rowHeight = Math.max(1.5, h / span);
  const period = clip.loop.enabled && clip.loop.lengthBeats > 0 ? clip.loop.lengthBeats : clip.lengthBeats;
  for (let pass = 0; pass * period < clip.lengthBeats; pass++) {
    for (const note of clip.notes) {
      const start = pass * period + note.startBeat;
      if (note.startBeat >= period || start >= clip.lengthBeats) continue;
      const y = top + h - ((note.pitch - low + 1) / span) * h;
      g.fillRect(left + start * ppb, y, Math.max(1.5, Math.min(note.lengthBeats, clip.lengthBeats - start) * ppb - 1), rowHeight);
    }
    if (!clip.loop.enabled) break;
  }
}

function drawWaveform(
  g: CanvasRenderingContext2D,
  clip: Extract<Clip, { kind: 'audio' }>,
  library: AudioAssetLibrary,
  tempo: TempoMap,
  left: number,
  top: number,
  h: number,
  ppb: number,
  document: ProjectDocument,
  visible: Viewport,
) {
  const outline = library.outline(clip.assetId);
  const asset = document.assets.find((a) => a.id === clip.assetId);
  if (!outline || !asset) {
    g.fillText('loading audio…', left + 4, top + h / 2);
    return;
  }
  const clipStartSeconds = tempo.secondsAtBeat(clip.startBeat);
  const loopSeconds = clip.loop.enabled ? tempo.secondsAtBeat(clip.startBeat + clip.loop.lengthBeats) - clipStartSeconds : Infinity;
  const middle = top + h / 2;
  // Only the columns in view (a long clip is thousands of pixels wide).
  const width = Math.min(Math.ceil(clip.lengthBeats * ppb), Math.ceil(visible.x + visible.width - left));
  g.beginPath();
  for (let px = Math.max(0, Math.floor(visible.x - left)); px < width; px++) {
    const seconds = tempo.secondsAtBeat(clip.startBeat + px / ppb) - clipStartSeconds;
    const frame = ((seconds % loopSeconds) + clip.sourceOffsetSeconds) * asset.sampleRate;
    const block = Math.floor(frame / outline.framesPerBlock);
    if (block >= outline.min.length) break;
    const nextSeconds = tempo.secondsAtBeat(clip.startBeat + (px + 1) / ppb) - clipStartSeconds;
    const lastBlock = Math.min(outline.min.length - 1, Math.max(block, Math.floor((((nextSeconds % loopSeconds) + clip.sourceOffsetSeconds) * asset.sampleRate) / outline.framesPerBlock)));
    let low = 0;
    let high = 0;
    for (let b = block; b <= lastBlock; b++) {
      low = Math.min(low, outline.min[b]!);
      high = Math.max(high, outline.max[b]!);
    }
    g.moveTo(left + px + 0.5, middle - (high * h) / 2);
    g.lineTo(left + px + 0.5, middle - (low * h) / 2 + 0.5);
  }
  g.stroke();
}

function TrackHeader({ track, index }: { track: Track; index: number }) {
  const store = useProjectStore();
  const selected = useProject((s) => s.selection.trackId === track.id);
  return (
    <div
      className={`track-header ${selected ? 'selected' : ''}`}
      style={{ height: TRACK_HEIGHT, borderLeftColor: track.colour }}
      data-testid={`track-${index}`}
      onPointerDown={() => store.select({ ...store.getSnapshot().selection, trackId: track.id })}
    >
      <div className="track-title">
        <input type="color" value={track.colour} aria-label={`Colour of ${track.name}`} onChange={(e) => store.apply(setTrackColour(track.id, e.target.value))} />
        <input
          key={track.name}
          className="track-name"
          defaultValue={track.name}
          aria-label="Track name"
          onBlur={(e) => e.target.value !== track.name && store.apply(renameTrack(track.id, e.target.value))}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        />
        <span className="track-kind">{track.kind === 'instrument' ? 'MIDI' : track.kind}</span>
        <button type="button" className="small delete-track" aria-label={`Delete track ${track.name}`} title="Delete the track (undo brings it back)" onClick={() => store.apply(removeTrack(track.id))}>
          ✕
        </button>
      </div>
      <div className="track-controls">
        <button type="button" className={`small toggle mute ${track.strip.mute ? 'on' : ''}`} aria-pressed={track.strip.mute} aria-label={`Mute ${track.name}`} onClick={() => store.apply(setStrip(track.id, { mute: !track.strip.mute }))}>
          M
        </button>
        <button type="button" className={`small toggle solo ${track.strip.solo ? 'on' : ''}`} aria-pressed={track.strip.solo} aria-label={`Solo ${track.name}`} onClick={() => store.apply(setStrip(track.id, { solo: !track.strip.solo }))}>
          S
        </button>
        <input
          type="range"
          min={-60}
          max={12}
          step={0.5}
          value={Math.max(-60, track.strip.volumeDb)}
          aria-label={`Volume of ${track.name}`}
          title={`${track.strip.volumeDb.toFixed(1)} dB`}
          onChange={(e) => store.apply(setStrip(track.id, { volumeDb: Number(e.target.value) }))}
        />
      </div>
    </div>
  );
}

export function Arrangement() {
  const store = useProjectStore();
  const project = useOpenedProject();
  const document = useProject((s) => s.document);
  const view = useProject((s) => s.view);
  const selection = useProject((s) => s.selection);
  const session = useSessionSnapshot();
  const { seek } = useTransportActions();
  const tracks = useMemo(() => orderedTracks(document), [document]);
  const [preview, setPreview] = useState<Edit | null>(null);
  const [width, setWidth] = useState(800);
  const [scroll, setScroll] = useState({ left: 0, top: 0, height: 600 });
  const [audioVersion, setAudioVersion] = useState(0);
  const sectionRef = useRef<HTMLElement>(null);
  const timelineRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const playheadRef = useRef<HTMLCanvasElement>(null);
  const drag = useRef<Drag | null>(null);
  const shown = useMemo(() => (preview ? preview(document) : document), [preview, document]);
  const shownTracks = useMemo(() => orderedTracks(shown), [shown]);
  const tempo = useMemo(() => new TempoMap(document.transport.tempoChanges), [document.transport.tempoChanges]);
  const selected = useMemo(() => new Set(selection.clipIds), [selection.clipIds]);
  const contentWidth = Math.max(width, (Math.max(songEndBeat(shown), 64) + 32) * view.pixelsPerBeat);

  useEffect(() => project.library.subscribe(() => setAudioVersion((v) => v + 1)), [project.library]);
  useLayoutEffect(() => {
    const element = timelineRef.current;
    const section = sectionRef.current;
    if (!element || !section) return;
    const measure = () => {
      setWidth(element.clientWidth);
      setScroll({ left: section.scrollLeft, top: section.scrollTop, height: section.clientHeight });
    };
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    observer.observe(section);
    section.addEventListener('scroll', measure, { passive: true });
    measure();
    return () => {
      observer.disconnect();
      section.removeEventListener('scroll', measure);
    };
  }, []);
  const contentHeight = RULER_HEIGHT + Math.max(1, tracks.length) * TRACK_HEIGHT;
  useLayoutEffect(() => {
    if (!canvasRef.current) return;
    const visible = { x: scroll.left, y: scroll.top, width, height: Math.max(1, Math.min(scroll.height, contentHeight - scroll.top)) };
    drawTimeline(canvasRef.current, { document: shown, tracks: shownTracks, view, selected, library: project.library, visible });
  }, [shown, shownTracks, view, selected, project.library, width, scroll, contentHeight, audioVersion]);

  const tempoRef = useRef(tempo);
  tempoRef.current = tempo;
  const ppbRef = useRef(view.pixelsPerBeat);
  ppbRef.current = view.pixelsPerBeat;
  const drawPlayhead = useCallback((state: EngineState) => {
    const canvas = playheadRef.current;
    if (!canvas || state.sampleRate <= 0) return;
    const x = tempoRef.current.beatAtFrame(state.playheadSamples, state.sampleRate) * ppbRef.current;
    canvas.style.transform = `translateX(${Math.round(x)}px)`;
    canvas.dataset.x = String(Math.round(x));
  }, []);
  useEngineFrame(drawPlayhead);

  // Content coordinates: the canvas stays in view while the content scrolls under it.
  const locate = (event: { clientX: number; clientY: number }) => {
    const rect = contentRef.current!.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    return { px, py, beat: px / view.pixelsPerBeat, trackIndex: Math.floor((py - RULER_HEIGHT) / TRACK_HEIGHT) };
  };

  const hit = (px: number, trackIndex: number): { clip: Clip; mode: Drag['mode'] } | null => {
    const track = tracks[trackIndex];
    if (!track) return null;
    for (const clip of [...track.clips].reverse()) {
      const left = clip.startBeat * view.pixelsPerBeat;
      const right = left + clip.lengthBeats * view.pixelsPerBeat;
      if (px < left || px > right) continue;
      const edge = Math.min(EDGE_PIXELS, (right - left) / 4);
      return { clip, mode: px - left < edge ? 'start' : right - px < edge ? 'end' : 'move' };
    }
    return null;
  };

  const onPointerDown = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const { px, py, beat, trackIndex } = locate(event);
    if (py < RULER_HEIGHT) {
      if (session.sampleRate) seek(tempo.frameAtBeat(snap(beat, view.snapBeats, event.altKey), session.sampleRate));
      return;
    }
    const found = hit(px, trackIndex);
    if (!found) {
      store.select({ clipIds: [], trackId: tracks[trackIndex]?.id ?? null });
      return;
    }
    const already = selection.clipIds.includes(found.clip.id);
    const clipIds = event.shiftKey || event.ctrlKey || event.metaKey ? (already ? selection.clipIds.filter((id) => id !== found.clip.id) : [...selection.clipIds, found.clip.id]) : already ? selection.clipIds : [found.clip.id];
    store.select({ clipIds, trackId: tracks[trackIndex]!.id });
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { mode: found.mode, clipId: found.clip.id, x: event.clientX, y: event.clientY, trackIndex, moved: false };
  };

  const dragEdit = (event: { clientX: number; clientY: number; altKey: boolean }): Edit | null => {
    const d = drag.current;
    if (!d) return null;
    const deltaBeats = snap((event.clientX - d.x) / view.pixelsPerBeat, view.snapBeats, event.altKey);
    const secondsPerBeat = 60 / tempo.beatsPerMinuteAt(0);
    if (d.mode === 'move') {
      const targetIndex = Math.max(0, Math.min(tracks.length - 1, d.trackIndex + Math.round((event.clientY - d.y) / TRACK_HEIGHT)));
      const ids = selection.clipIds.includes(d.clipId) ? selection.clipIds : [d.clipId];
      const toTrack = targetIndex !== d.trackIndex ? tracks[targetIndex]?.id : undefined;
      return deltaBeats === 0 && !toTrack ? null : moveClips(ids, deltaBeats, toTrack);
    }
    return deltaBeats === 0 ? null : trimClip(d.clipId, d.mode, deltaBeats, secondsPerBeat);
  };

  const onPointerMove = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d) {
      const { px, py, trackIndex } = locate(event);
      const found = py >= RULER_HEIGHT ? hit(px, trackIndex) : null;
      event.currentTarget.style.cursor = py < RULER_HEIGHT ? 'text' : found ? (found.mode === 'move' ? 'grab' : 'ew-resize') : 'default';
      return;
    }
    if (Math.abs(event.clientX - d.x) + Math.abs(event.clientY - d.y) > 3) d.moved = true;
    if (d.moved) setPreview(() => dragEdit(event));
  };

  const onPointerUp = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const edit = drag.current?.moved ? dragEdit(event) : null;
    drag.current = null;
    setPreview(null);
    if (edit) store.apply(edit);
  };

  // Double-click: a MIDI clip opens in the piano roll; an empty instrument lane gets a new one-bar
  // MIDI clip at that bar (selected, ready for "Edit notes").
  const onDoubleClick = (event: ReactMouseEvent<HTMLCanvasElement>) => {
    const { px, py, beat, trackIndex } = locate(event);
    if (py < RULER_HEIGHT) return;
    const found = hit(px, trackIndex);
    if (found?.clip.kind === 'midi') {
      store.setView({ panel: 'notes', noteClipId: found.clip.id });
      return;
    }
    const track = tracks[trackIndex];
    if (found || track?.kind !== 'instrument') return;
    const meters = new MeterMap(document.transport.timeSignatureChanges);
    const { bar } = meters.barAtBeat(Math.max(0, beat));
    const clip = newMidiClip('MIDI clip', meters.beatAtBar(bar), meters.beatsPerBarAt(bar), []);
    store.apply(addClip(track.id, clip));
    store.select({ clipIds: [clip.id], trackId: track.id });
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    const files = [...event.dataTransfer.files];
    if (files.length === 0) return;
    const { beat, trackIndex } = locate(event);
    void importFiles(files, project, { trackId: tracks[trackIndex]?.id, beat: snap(Math.max(0, beat), view.snapBeats, false) }).then((problems) => problems.length && alert(problems.join('\n')));
  };

  return (
    <section className="arrangement" aria-label="Arrangement" ref={sectionRef}>
      <div className="arrangement-headers">
        <div className="ruler-corner" style={{ height: RULER_HEIGHT }}>
          <span>{tracks.length} tracks</span>
        </div>
        {tracks.map((track, i) => (
          <TrackHeader key={track.id} track={track} index={i} />
        ))}
        {tracks.length === 0 && <p className="empty-hint">Drop WAV or MIDI files here, or use Import.</p>}
      </div>
      <div
        className="arrangement-timeline"
        ref={timelineRef}
        onDragOver={(e) => e.preventDefault()}
        onDrop={onDrop}
        onWheel={(e) => {
          if (!e.ctrlKey && !e.metaKey) return;
          e.preventDefault();
          store.setView({ pixelsPerBeat: Math.min(400, Math.max(2, view.pixelsPerBeat * (e.deltaY < 0 ? 1.25 : 0.8))) });
        }}
      >
        <div className="timeline-content" ref={contentRef} style={{ width: contentWidth, height: contentHeight }}>
          <canvas ref={canvasRef} data-testid="timeline" onDoubleClick={onDoubleClick} onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} />
          <canvas ref={playheadRef} className="playhead-line" width={2} height={RULER_HEIGHT + Math.max(1, tracks.length) * TRACK_HEIGHT} data-testid="playhead-line" />
          {shownTracks.flatMap((track, i) =>
            track.clips.map((clip) => (
              <div
                key={clip.id}
                className="clip-handle"
                data-testid="clip"
                data-clip-id={clip.id}
                data-kind={clip.kind}
                data-start-beat={clip.startBeat}
                data-track-index={i}
                aria-label={`${clip.kind === 'midi' ? 'MIDI' : 'Audio'} clip ${clip.name}`}
                aria-selected={selected.has(clip.id)}
                style={{ left: clip.startBeat * view.pixelsPerBeat, top: RULER_HEIGHT + i * TRACK_HEIGHT + 3, width: clip.lengthBeats * view.pixelsPerBeat, height: TRACK_HEIGHT - 6 }}
              />
            )),
          )}
        </div>
      </div>
    </section>
  );
}
