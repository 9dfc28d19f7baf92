// The piano roll: the notes of one MIDI clip on a canvas grid (pitch up, song time across), a
// keyboard on the left to audition, a ruler in bars and beats, and a velocity lane underneath.
// The editing gestures are in useGridGestures (pointer) and useNoteKeys (keyboard); everything
// snaps to the song's grid (Alt: free), each gesture is one edit (one undo step), and notes being
// drawn, moved in pitch or played on the keyboard sound on the track's instrument (audition.ts).
// This file holds the view: sizes, scrolling, zoom, drawing, the keyboard, ruler and playhead.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { EngineState } from '../../audio/StateView';
import type { MidiClip, Note, Track } from '../../generated/project.generated';
import { MeterMap, TempoMap } from '../../project/tempoMap';
import { findClip, type Edit } from '../../state/edits';
import { cellStart, DEFAULT_VELOCITY, findMidiClip, growClipToNotes, quantizeNotes, snapLocal } from '../../state/noteEdits';
import { useProject, useProjectStore } from '../../state/useProject';
import { useTransportActions } from '../transportControl';
import { useEngineFrame, useEngineSession, useSessionSnapshot } from '../useEngineSession';
import { Auditioner } from './audition';
import { drawGrid, drawKeys, drawRuler, drawVelocity, type RollScene } from './draw';
import { GRID_HEIGHT, KEY_WIDTH, ROW_HEIGHT, RULER_HEIGHT, VELOCITY_HEIGHT, xToBeat, yToPitch, type Viewport } from './geometry';
import { useGridGestures, type Preview } from './useGridGestures';
import { useNoteKeys } from './useNoteKeys';
import { PianoRollToolbar } from './PianoRollToolbar';

/** The selected notes' MIDI velocity (one number when they share it). */
function velocityReadout(notes: readonly Note[], selected: ReadonlySet<string>): string {
  const values = new Set(notes.filter((n) => selected.has(n.id)).map((n) => Math.round(n.velocity * 127)));
  return values.size === 0 ? '' : values.size === 1 ? String([...values][0]) : 'mixed';
}

export function PianoRoll() {
  const document = useProject((s) => s.document);
  const clipId = useProject((s) => s.view.noteClipId);
  const store = useProjectStore();
  const found = clipId ? findClip(document, clipId) : null;
  if (!found || found.clip.kind !== 'midi' || found.track.kind !== 'instrument') {
    return (
      <section className="piano-roll empty" aria-label="Piano roll">
        <p className="empty-hint">Double-click a MIDI clip in the arrangement, or select one and press “Edit notes”, to edit its notes here.</p>
        <button type="button" className="small" onClick={() => store.setView({ panel: 'arrange' })}>
          ◂ Arrange
        </button>
      </section>
    );
  }
  return <PianoRollEditor key={found.clip.id} track={found.track} clip={found.clip} />;
}

function PianoRollEditor({ track, clip }: { track: Track; clip: MidiClip }) {
  const store = useProjectStore();
  const session = useEngineSession();
  const { sampleRate } = useSessionSnapshot();
  const { seek } = useTransportActions();
  const document = useProject((s) => s.document);
  const view = useProject((s) => s.view);
  const noteSelection = useProject((s) => s.noteSelection);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [size, setSize] = useState({ width: 600, height: 300, full: 600 });
  const [quantizeLengths, setQuantizeLengths] = useState(false);
  const auditioner = useMemo(() => new Auditioner(session), [session]);
  useEffect(() => () => auditioner.releaseAll(), [auditioner]);

  const wrapRef = useRef<HTMLDivElement>(null);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLCanvasElement>(null);
  const keysRef = useRef<HTMLCanvasElement>(null);
  const rulerRef = useRef<HTMLCanvasElement>(null);
  const velocityRef = useRef<HTMLCanvasElement>(null);
  const playheadRef = useRef<HTMLDivElement>(null);
  const scroll = useRef({ x: 0, y: 0 });
  const pressedKey = useRef<number | null>(null);
  const ghost = useRef<RollScene['ghost']>(null);

  const ppb = view.notePixelsPerBeat;
  const grid = view.noteGridBeats;
  const origin = clip.startBeat;
  const shownClip = useMemo(() => (preview?.edit ? (findMidiClip(preview.edit(document), clip.id) ?? clip) : clip), [preview, document, clip]);
  const selected = useMemo(() => new Set(preview?.selection ?? noteSelection), [preview, noteSelection]);
  const meters = useMemo(() => new MeterMap(document.transport.timeSignatureChanges), [document.transport.timeSignatureChanges]);
  const tempo = useMemo(() => new TempoMap(document.transport.tempoChanges), [document.transport.tempoChanges]);
  const lastEnd = shownClip.notes.reduce((end, n) => Math.max(end, n.startBeat + n.lengthBeats), 0);
  const contentWidth = Math.max(size.width, (Math.max(clip.lengthBeats, lastEnd) + 8) * ppb);

  // Every note edit goes through here: notes that end past the clip grow it to the next bar line,
  // in the same undo step, so what is drawn is what plays.
  const commit = useCallback(
    (edit: Edit) => {
      const barLine = (beat: number) => {
        const { bar, beatInBar } = meters.barAtBeat(beat);
        return meters.beatAtBar(beatInBar > 1e-9 ? bar + 1 : bar);
      };
      store.apply((doc) => growClipToNotes(clip.id, barLine)(edit(doc)));
    },
    [store, meters, clip.id],
  );

  const viewport = (): Viewport => ({ pixelsPerBeat: ppb, scrollX: scroll.current.x, scrollY: scroll.current.y });
  const scene = (): RollScene => ({
    ...viewport(),
    notes: shownClip.notes,
    selected,
    origin,
    clipLength: clip.lengthBeats,
    loopLength: clip.loop.enabled ? clip.loop.lengthBeats : null,
    grid,
    meters,
    colour: track.colour,
    band: preview?.band ?? null,
    pressedKey: pressedKey.current,
    ghost: ghost.current,
  });
  const sceneRef = useRef(scene);
  sceneRef.current = scene;
  const sizeRef = useRef(size);
  sizeRef.current = size;

  // Drawing reads the latest scene through refs, so scrolling redraws without a React render.
  const drawAll = useCallback(() => {
    const s = sceneRef.current();
    const { width, height, full } = sizeRef.current;
    const highlighted = new Set(s.notes.filter((n) => s.selected.has(n.id)).map((n) => n.pitch));
    if (gridRef.current) drawGrid(gridRef.current, s, width, height);
    if (keysRef.current) drawKeys(keysRef.current, s, KEY_WIDTH, height, highlighted);
    if (rulerRef.current) drawRuler(rulerRef.current, s, full, RULER_HEIGHT);
    if (velocityRef.current) drawVelocity(velocityRef.current, s, full, VELOCITY_HEIGHT);
  }, []);
  useLayoutEffect(() => drawAll());

  useLayoutEffect(() => {
    const wrap = wrapRef.current;
    const scroller = scrollerRef.current;
    if (!wrap || !scroller) return;
    const measure = () => setSize({ width: scroller.clientWidth, height: scroller.clientHeight, full: wrap.clientWidth });
    const observer = new ResizeObserver(measure);
    observer.observe(wrap);
    measure();
    // Open on the notes (or around middle C when there are none).
    const pitches = clip.notes.map((n) => n.pitch);
    const centre = pitches.length ? (Math.min(...pitches) + Math.max(...pitches)) / 2 : 66;
    scroller.scrollTop = (127 - centre) * ROW_HEIGHT - scroller.clientHeight / 2;
    scroll.current = { x: scroller.scrollLeft, y: scroller.scrollTop };
    return () => observer.disconnect();
  }, []); // once per opened clip: the editor is keyed by the clip's id

  // Zooming keeps a beat where it was on screen: the pointer's (Ctrl+wheel) or the left edge's.
  const zoomAnchor = useRef<{ x: number; beat: number } | null>(null);
  const previousPpb = useRef(ppb);
  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller || previousPpb.current === ppb) return;
    const anchor = zoomAnchor.current ?? { x: 0, beat: scroll.current.x / previousPpb.current };
    scroller.scrollLeft = Math.max(0, anchor.beat * ppb - anchor.x);
    scroll.current = { x: scroller.scrollLeft, y: scroller.scrollTop };
    previousPpb.current = ppb;
    zoomAnchor.current = null;
    drawAll();
  }, [ppb, drawAll]);

  useEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    // Native listener: React's wheel handlers are passive and could not stop the page zooming.
    const onWheel = (event: WheelEvent) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      const rect = scroller.getBoundingClientRect();
      const x = event.clientX - rect.left;
      const current = store.getSnapshot().view.notePixelsPerBeat;
      zoomAnchor.current = { x, beat: (x + scroller.scrollLeft) / current };
      store.setView({ notePixelsPerBeat: Math.min(480, Math.max(12, current * (event.deltaY < 0 ? 1.2 : 1 / 1.2))) });
    };
    scroller.addEventListener('wheel', onWheel, { passive: false });
    return () => scroller.removeEventListener('wheel', onWheel);
  }, [store]);

  const onScroll = () => {
    const scroller = scrollerRef.current!;
    scroll.current = { x: scroller.scrollLeft, y: scroller.scrollTop };
    drawAll();
  };
  const forwardWheel = (dx: number, dy: number) => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    scroller.scrollLeft += dx;
    scroller.scrollTop += dy;
  };

  // The playhead, per animation frame from the engine's state view (no React render).
  const frameRef = useRef({ tempo, origin, ppb, width: size.width });
  frameRef.current = { tempo, origin, ppb, width: size.width };
  const drawPlayhead = useCallback((state: EngineState) => {
    const line = playheadRef.current;
    if (!line || state.sampleRate <= 0) return;
    const f = frameRef.current;
    const x = (f.tempo.beatAtFrame(state.playheadSamples, state.sampleRate) - f.origin) * f.ppb - scroll.current.x;
    line.style.display = x < 0 || x > f.width ? 'none' : 'block';
    line.style.transform = `translateX(${Math.round(x)}px)`;
  }, []);
  useEngineFrame(drawPlayhead);

  const drawStart = (beat: number, free: boolean) => Math.max(0, free || grid <= 0 ? beat : cellStart(beat, origin, grid));
  const showGhost = (next: RollScene['ghost']) => {
    const now = ghost.current;
    if (now === next || (now && next && now.startBeat === next.startBeat && now.pitch === next.pitch && now.lengthBeats === next.lengthBeats)) return;
    ghost.current = next;
    drawAll();
  };

  const laneY = (event: { clientY: number; currentTarget: Element }) => event.clientY - event.currentTarget.getBoundingClientRect().top;
  const gestures = useGridGestures({ clip, track, grid, scrollerRef, viewport, setPreview, commit, auditioner, showGhost, drawStart });

  const keyAt = (event: { clientY: number; currentTarget: Element }) => yToPitch(laneY(event), viewport());
  const pressKey = (pitch: number | null) => {
    if (pressedKey.current !== null) auditioner.release(pressedKey.current);
    pressedKey.current = pitch;
    if (pitch !== null) auditioner.start(track, pitch, DEFAULT_VELOCITY);
    drawAll();
  };
  // A key sounds while it is held; sliding along the keyboard plays each key it passes.
  const onKeysDown = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    pressKey(keyAt(event));
  };
  const onKeysMove = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    if (pressedKey.current !== null && keyAt(event) !== pressedKey.current) pressKey(keyAt(event));
  };
  const onKeysUp = () => pressKey(null);

  const onRulerDown = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    if (!sampleRate) return;
    const x = event.clientX - event.currentTarget.getBoundingClientRect().left;
    const local = xToBeat(x, viewport());
    const beat = event.altKey || grid <= 0 ? local : snapLocal(local, origin, grid);
    seek(tempo.frameAtBeat(Math.max(0, origin + beat), sampleRate));
  };

  const quantize = useCallback(() => {
    const ids = store.getSnapshot().noteSelection;
    commit(quantizeNotes(clip.id, ids.length ? ids : null, grid, { lengths: quantizeLengths }));
  }, [store, commit, clip.id, grid, quantizeLengths]);
  useNoteKeys({ clipId: clip.id, track, grid, auditioner, quantize, commit });

  return (
    <section className="piano-roll" aria-label="Piano roll" data-testid="piano-roll" data-note-count={clip.notes.length}>
      <PianoRollToolbar
        track={track}
        clip={clip}
        selectedCount={noteSelection.length}
        grid={grid}
        pixelsPerBeat={ppb}
        quantizeLengths={quantizeLengths}
        onQuantizeLengths={setQuantizeLengths}
        onQuantize={quantize}
      />
      <div className="pr-body" style={{ gridTemplateColumns: `${KEY_WIDTH}px 1fr`, gridTemplateRows: `${RULER_HEIGHT}px 1fr ${VELOCITY_HEIGHT}px` }}>
        <div className="pr-corner">{Math.round(ppb)} px/beat</div>
        <canvas ref={rulerRef} className="pr-ruler" data-testid="piano-ruler" onPointerDown={onRulerDown} onWheel={(e) => forwardWheel(e.deltaX || e.deltaY, 0)} />
        <canvas
          ref={keysRef}
          className="pr-keys"
          data-testid="piano-keys"
          onPointerDown={onKeysDown}
          onPointerMove={onKeysMove}
          onPointerUp={onKeysUp}
          onPointerCancel={onKeysUp}
          onLostPointerCapture={onKeysUp}
          onWheel={(e) => forwardWheel(0, e.deltaY)}
        />
        <div className="pr-grid-wrap" ref={wrapRef}>
          <canvas ref={gridRef} className="pr-grid-canvas" />
          <div ref={playheadRef} className="pr-playhead" />
          <div
            ref={scrollerRef}
            className="pr-scroller"
            data-testid="piano-grid"
            data-pixels-per-beat={ppb}
            data-row-height={ROW_HEIGHT}
            data-grid-beats={grid}
            onScroll={onScroll}
            onPointerDown={gestures.onGridDown}
            onPointerMove={gestures.onGridMove}
            onPointerUp={gestures.onGridUp}
            onPointerCancel={gestures.cancel}
            onPointerLeave={() => showGhost(null)}
            onContextMenu={(e) => e.preventDefault()}
          >
            <div style={{ width: contentWidth, height: GRID_HEIGHT }} />
          </div>
        </div>
        <div className="pr-corner pr-velocity-label">
          <span>Velocity</span>
          <strong data-testid="velocity-readout">{velocityReadout(shownClip.notes, selected)}</strong>
        </div>
        <canvas
          ref={velocityRef}
          className="pr-velocity"
          data-testid="velocity-lane"
          onPointerDown={gestures.onVelocityDown}
          onPointerMove={gestures.onVelocityMove}
          onPointerUp={gestures.onVelocityUp}
          onPointerCancel={gestures.cancel}
          onWheel={(e) => forwardWheel(e.deltaX || e.deltaY, 0)}
        />
      </div>
    </section>
  );
}
