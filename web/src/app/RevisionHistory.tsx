// The open server project's revisions, newest first: open one read-only, or restore it as the
// latest revision.
import { useServer, useServerSession } from '../server/useServer';

const when = (ms: number) => new Date(ms).toLocaleString();

export function RevisionHistory() {
  const server = useServerSession();
  const { open, revisions, busy } = useServer();
  if (!open) return null;
  const canEdit = open.role !== 'viewer';
  const head = revisions[0]?.number ?? open.baseRevision;
  return (
    <section className="account-section" aria-label="Revision history">
      <h3>History</h3>
      <ol className="revision-list">
        {revisions.map((r) => (
          <li key={r.number} data-testid="revision" data-revision={r.number} className={open.viewingRevision === r.number ? 'viewing' : ''}>
            <span className="revision-number">#{r.number}</span>
            <span className="revision-meta">
              {r.author.username} · {when(r.createdAt)}
              {r.restoredFrom !== null ? ` · restored from #${r.restoredFrom}` : ''}
              {r.number === head ? ' · latest' : ''}
            </span>
            {r.number === head ? (
              open.viewingRevision !== null && <button type="button" className="small" disabled={busy} onClick={() => void server.openProject(open.projectId)}>Back to latest</button>
            ) : (
              <>
                <button type="button" className="small" disabled={busy} onClick={() => void server.openRevision(r.number)}>Open</button>
                {canEdit && <button type="button" className="small" disabled={busy} onClick={() => void server.restoreRevision(r.number)}>Restore</button>}
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
