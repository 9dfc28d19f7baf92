// The live channel of the open server project, in words: connected or not, whether my edits
// have all reached the server, who else is here and what they are doing, and an edit the server
// refused (with its reason). Everything comes from the server session's `live` state.
import { useServer } from '../server/useServer';
import { useProject } from '../state/useProject';

export function LiveStatus() {
  const { live } = useServer();
  const { document } = useProject();
  if (!live) return null;
  const clipName = (id: string) => document.tracks.flatMap((t) => t.clips).find((c) => c.id === id)?.name ?? 'a clip';
  const saving = live.pendingEdits > 0 ? `sending ${live.pendingEdits} change${live.pendingEdits === 1 ? '' : 's'}…` : 'every change saved';
  return (
    <div className="live-status" data-testid="live-status" data-live={live.status} data-revision={live.revision}>
      <p>
        <span className={`live-dot ${live.status}`} aria-hidden="true" />
        {live.status === 'live' && <>Live · revision {live.revision} · {saving}</>}
        {live.status === 'connecting' && <>Connecting to the live session…</>}
        {live.status === 'offline' && (
          <>
            Offline ({live.problem ?? 'no connection'}):{' '}
            {live.pendingEdits > 0 ? `${live.pendingEdits} change${live.pendingEdits === 1 ? '' : 's'} kept, sent` : 'your changes are kept and sent'} when the connection is back.
          </>
        )}
        {live.status === 'closed' && <>Not live.</>}
      </p>
      {live.refused && <p className="account-error" role="alert" data-testid="live-refused">{live.refused}</p>}
      {live.peers.length > 0 && (
        <ul className="peer-list" data-testid="peers">
          {live.peers.map((peer) => (
            <li key={peer.clientId}>
              <strong>{peer.username}</strong>
              {peer.selection.length > 0 && <> · editing {peer.selection.length === 1 ? clipName(peer.selection[0]!) : `${peer.selection.length} clips`}</>}
              {peer.playheadBeat !== null && <> · at beat {peer.playheadBeat.toFixed(1)}</>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
