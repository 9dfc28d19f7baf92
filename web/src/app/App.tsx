// The screen: transport on top, a toolbar (tracks, import, edit, view), the arrangement or the
// mixer, and the status line. Project state lives in the one store (src/state); the engine
// follows it through the session's reconciler; meters and playhead are drawn per frame.
import { useEffect, useRef, useState } from 'react';
import { newId } from '../project/ids';
import { TempoMap } from '../project/tempoMap';
import { addTrack, deleteClips, duplicateClips, setLoop, splitClips } from '../state/edits';
import { useProject, useProjectStore } from '../state/useProject';
import { useServer } from '../server/useServer';
import { AccountPanel } from './AccountPanel';
import { usePresence } from './usePresence';
import { Arrangement } from './Arrangement';
import { useOpenedProject } from './appContext';
import { EngineStatus } from './EngineStatus';
import { ExportDialog } from './ExportDialog';
import { importFiles } from './importFiles';
import { Mixer } from './Mixer';
import { PianoRoll } from './pianoRoll/PianoRoll';
import { playheadSamples, useTransportActions } from './transportControl';
import { TransportBar } from './TransportBar';
import { useEngineSession, useSessionSnapshot } from './useEngineSession';

const SHORTCUTS = 'Space play/stop · Ctrl+Z/Y undo/redo · Ctrl+D duplicate · Delete · S split · L loop · Ctrl+wheel zoom';

export function App() {
  const session = useEngineSession();
  const snapshot = useSessionSnapshot();
  const project = useOpenedProject();
  const store = useProjectStore();
  const { canUndo, canRedo, view, selection, readOnly } = useProject();
  const server = useServer();
  const [accountOpen, setAccountOpen] = useState(false);
  const [exportOpen, setExportOpen] = useState(false);
  usePresence();
  const { toggle } = useTransportActions();
  const fileInput = useRef<HTMLInputElement>(null);
  const [messages, setMessages] = useState<string[]>(project.problem ? [project.problem] : []);

  useEffect(() => session.followProject({
    getDocument: () => store.document,
    subscribe: store.subscribe,
    audioOf: (id) => project.library.get(id),
    subscribeAudio: project.library.subscribe,
  }), [session, store, project.library]);
  useEffect(() => project.onSaveProblem((problem) => setMessages((m) => (problem ? [...m.filter((x) => x !== problem), problem] : m))), [project]);

  const split = () => {
    const rate = session.getSnapshot().sampleRate;
    const doc = store.document;
    const tempo = new TempoMap(doc.transport.tempoChanges);
    const beat = rate ? tempo.beatAtFrame(playheadSamples(), rate) : 0;
    const ids = selection.clipIds.length ? selection.clipIds : doc.tracks.flatMap((t) => t.clips.map((c) => c.id));
    store.apply(splitClips(ids, beat, 60 / tempo.beatsPerMinuteAt(beat)));
  };
  const duplicate = () => {
    const ids = store.getSnapshot().selection.clipIds;
    if (!ids.length) return;
    const copies = ids.map(() => newId());
    store.apply(duplicateClips(ids, copies));
    store.select({ ...store.getSnapshot().selection, clipIds: copies });
  };
  const remove = () => store.apply(deleteClips(store.getSnapshot().selection.clipIds));
  // "Edit notes" opens the piano roll on the one selected MIDI clip.
  const midiClipId = selection.clipIds.length === 1 && store.document.tracks.some((t) => t.clips.some((c) => c.id === selection.clipIds[0] && c.kind === 'midi')) ? selection.clipIds[0]! : null;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (event.code === 'Space') toggle();
      else if (mod && key === 'z' && !event.shiftKey) store.undo();
      else if (mod && (key === 'y' || (key === 'z' && event.shiftKey))) store.redo();
      else if (mod && key === 'd') duplicate();
      else if (!mod && (event.key === 'Delete' || event.key === 'Backspace')) remove();
      else if (!mod && key === 'l') store.apply(setLoop({ enabled: !store.document.transport.loop.enabled }));
      else if (!mod && key === 's') split();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const onFiles = (files: FileList | null) => {
    if (!files?.length) return;
    void importFiles([...files], project, { trackId: selection.trackId ?? undefined }).then((problems) => problems.length && setMessages((m) => [...m, ...problems]));
  };

  return (
    <div className="app" onDragOver={(e) => e.preventDefault()} onDrop={(e) => { e.preventDefault(); onFiles(e.dataTransfer.files); }}>
      <header className="app-header">
        <h1>Amplitude</h1>
        <TransportBar />
        <button type="button" className="transport-button account-toggle" aria-expanded={accountOpen} onClick={() => setAccountOpen((o) => !o)} title="Account & projects">
          ☁ {server.account ? server.account.username : 'Account'}
          {server.live?.peers.length ? ` · ${server.live.peers.length + 1} here` : ''}
        </button>
      </header>
      {readOnly && server.open?.viewingRevision != null && (
        <div className="read-only-banner" role="status">Revision {server.open.viewingRevision} of “{server.open.name}”, read-only. Restore it or go back to the latest in Account &amp; projects.</div>
      )}
      <nav className="toolbar" aria-label="Editing">
        <div className="view-switch" role="tablist">
          <button type="button" role="tab" aria-selected={view.panel === 'arrange'} onClick={() => store.setView({ panel: 'arrange' })}>Arrange</button>
          <button type="button" role="tab" aria-selected={view.panel === 'mix'} onClick={() => store.setView({ panel: 'mix' })}>Mix</button>
          <button type="button" role="tab" aria-selected={view.panel === 'notes'} onClick={() => store.setView({ panel: 'notes', noteClipId: midiClipId ?? view.noteClipId })}>Notes</button>
        </div>
        <span className="separator" />
        <button type="button" aria-label="+ Audio track" title="Add an audio track" onClick={() => store.apply(addTrack('audio', 'Audio'))}>+ Audio</button>
        <button type="button" aria-label="+ Instrument track" title="Add an instrument track (PolySynth)" onClick={() => store.apply(addTrack('instrument', 'Synth'))}>+ Instrument</button>
        <button type="button" onClick={() => fileInput.current?.click()}>Import…</button>
        <input ref={fileInput} type="file" hidden multiple accept=".wav,.mid,.midi,audio/*" data-testid="import-input" onChange={(e) => { onFiles(e.target.files); e.target.value = ''; }} />
        <button type="button" onClick={() => setExportOpen(true)} title="Export the song to WAV">Export…</button>
        <span className="separator" />
        <button type="button" disabled={!canUndo} onClick={() => store.undo()} title="Undo (Ctrl+Z)">↶ Undo</button>
        <button type="button" disabled={!canRedo} onClick={() => store.redo()} title="Redo (Ctrl+Y)">↷ Redo</button>
        <button type="button" disabled={!selection.clipIds.length} onClick={split} title="Split at the playhead (S)">Split</button>
        <button type="button" disabled={!selection.clipIds.length} onClick={duplicate} title="Duplicate (Ctrl+D)">Duplicate</button>
        <button type="button" disabled={!selection.clipIds.length} onClick={remove} title="Delete">Delete</button>
        <button type="button" disabled={!midiClipId} onClick={() => store.setView({ panel: 'notes', noteClipId: midiClipId })} title="Edit the selected MIDI clip's notes (or double-click it)">Edit notes</button>
        <span className="separator" />
        <label className="field">
          <span>Snap</span>
          <select aria-label="Snap" value={view.snapBeats} onChange={(e) => store.setView({ snapBeats: Number(e.target.value) })}>
            <option value={0}>Off</option>
            <option value={4}>Bar</option>
            <option value={1}>Beat</option>
            <option value={0.5}>1/8</option>
            <option value={0.25}>1/16</option>
          </select>
        </label>
        <label className="field zoom">
          <span>Zoom</span>
          <input type="range" min={2} max={200} value={view.pixelsPerBeat} aria-label="Zoom" onChange={(e) => store.setView({ pixelsPerBeat: Number(e.target.value) })} />
        </label>
      </nav>
      {(messages.length > 0 || snapshot.problems.length > 0) && (
        <div className="messages" role="alert">
          {[...messages, ...snapshot.problems].map((m) => (
            <p key={m}>{m}</p>
          ))}
          {messages.length > 0 && <button type="button" className="small" onClick={() => setMessages([])}>Dismiss</button>}
        </div>
      )}
      <main className="workspace">{view.panel === 'arrange' ? <Arrangement /> : view.panel === 'notes' ? <PianoRoll /> : <Mixer />}</main>
      <EngineStatus />
      <div className="shortcuts">{SHORTCUTS}</div>
      {accountOpen && <AccountPanel onClose={() => setAccountOpen(false)} />}
      {exportOpen && <ExportDialog onClose={() => setExportOpen(false)} />}
    </div>
  );
}
