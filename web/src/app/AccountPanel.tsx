// "Account & projects": a side panel opened from the header. Signed out it offers sign in / sign
// up (the app works without them); signed in it shows who you are, saves the current project to
// the server (new project first, then revisions on top of the base), resolves a conflicting save,
// lists your and shared projects, and the open project's history and members.
import { useProject } from '../state/useProject';
import { useServer, useServerSession } from '../server/useServer';
import { AccountForms } from './AccountForms';
import { LiveStatus } from './LiveStatus';
import { RevisionHistory } from './RevisionHistory';
import { ShareDialog } from './ShareDialog';

export function AccountPanel({ onClose }: { onClose: () => void }) {
  const server = useServerSession();
  const state = useServer();
  const { status, account, error, notice, busy } = state;

  return (
    <aside className="account-panel" role="dialog" aria-label="Account & projects" data-busy={busy}>
      <header>
        <h2>Account &amp; projects</h2>
        <button type="button" className="small" onClick={onClose} aria-label="Close">✕</button>
      </header>
      {error && <p className="account-error" role="alert" data-testid="account-error">{error}</p>}
      {notice && <p className="account-notice" role="status" data-testid="account-notice">{notice}</p>}
      {status === 'checking' && <p className="hint">Checking your session…</p>}
      {status === 'signed-out' && <AccountForms />}
      {status === 'signed-in' && account && (
        <>
          <div className="account-who">
            Signed in as <strong data-testid="signed-in-as">{account.username}</strong>
            <button type="button" className="small" disabled={busy} onClick={() => void server.signOut()}>Sign out</button>
          </div>
          <CurrentProject />
          <ProjectList />
          <RevisionHistory />
          <ShareDialog />
        </>
      )}
    </aside>
  );
}

function CurrentProject() {
  const server = useServerSession();
  const { open, savedDocument, conflict, busy, live } = useServer();
  const { document, readOnly } = useProject();
  // Live, edits are saved as they are made; otherwise by the Save button.
  const unsaved = open !== null && open.viewingRevision === null && (live ? live.pendingEdits > 0 : savedDocument !== document);
  const canSave = !readOnly && open?.role !== 'viewer';
  return (
    <section className="account-section" aria-label="This project">
      <h3>This project</h3>
      <p data-testid="server-link">
        {open
          ? <>“{open.name}” on the server · {open.viewingRevision !== null ? `revision ${open.viewingRevision} (read-only)` : `revision ${open.baseRevision}`} · {open.role}{unsaved ? ' · unsaved changes' : ''}</>
          : <>“{document.project.name}” is only in this browser.</>}
      </p>
      <LiveStatus />
      <div className="account-actions">
        {live?.status !== 'live' && (
          <button type="button" className="primary" disabled={busy || !canSave} onClick={() => void server.save()}>
            {open ? 'Save to server' : 'Upload to server'}
          </button>
        )}
        {open && <button type="button" className="small" disabled={busy} onClick={() => server.detach()}>Keep as local project</button>}
      </div>
      {open?.role === 'viewer' && <p className="hint">You can view this project; only its owner and editors can save it.</p>}
      {readOnly && <p className="hint">An old revision is open read-only: restore it from the history, or go back to the latest.</p>}
      <p className="hint">Audio clips’ files are not uploaded yet: only the arrangement (tracks, clips, notes, mixer) is saved to the server.</p>
      {conflict && (
        <div className="account-conflict" role="alert" data-testid="conflict">
          <p>Someone saved this project while you were editing: the server is at revision {conflict.currentRevision}, your changes are based on revision {open?.baseRevision}.</p>
          <button type="button" className="small" disabled={busy} onClick={() => void server.reloadFromServer()}>Load the server’s version (drop my changes)</button>
          <button type="button" className="small" disabled={busy} onClick={() => void server.overwrite()}>Save mine as the latest</button>
        </div>
      )}
    </section>
  );
}

function ProjectList() {
  const server = useServerSession();
  const { projects, open, account, busy } = useServer();
  return (
    <section className="account-section" aria-label="Server projects">
      <h3>
        Projects <button type="button" className="small" disabled={busy} onClick={() => void server.refreshProjects()}>Refresh</button>
      </h3>
      {projects.length === 0 && <p className="hint">No projects on the server yet.</p>}
      <ul className="project-list">
        {projects.map((p) => (
          <li key={p.id} data-testid="server-project" className={open?.projectId === p.id ? 'current' : ''}>
            <span className="project-name">{p.name}</span>
            <span className="revision-meta">
              rev {p.headRevision} · {p.owner.id === account?.id ? 'mine' : `shared by ${p.owner.username} (${p.role})`}
            </span>
            <button type="button" className="small" disabled={busy} onClick={() => void server.openProject(p.id)}>Open</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
