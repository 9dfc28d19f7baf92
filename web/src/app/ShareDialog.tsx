// Who can open the open server project, and (for its owner) inviting someone by username or
// email as an editor or a viewer.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useServer, useServerSession } from '../server/useServer';

export function ShareDialog() {
  const server = useServerSession();
  const { open, members, busy } = useServer();
  const [user, setUser] = useState('');
  const [role, setRole] = useState<'editor' | 'viewer'>('editor');
  if (!open) return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void server.invite(user, role).then(() => setUser(''));
  };

  return (
    <section className="account-section" aria-label="Sharing">
      <h3>Shared with</h3>
      <ul className="member-list">
        {members.map((m) => (
          <li key={m.accountId} data-testid="member">
            <span>{m.username}</span> <span className="role">{m.role}</span>
          </li>
        ))}
      </ul>
      {open.role === 'owner' ? (
        <form className="invite-form" onSubmit={submit} aria-label="Invite">
          <input aria-label="Username or email to invite" placeholder="username or email" required value={user} onChange={(e) => setUser(e.target.value)} />
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value === 'viewer' ? 'viewer' : 'editor')}>
            <option value="editor">can edit</option>
            <option value="viewer">can view</option>
          </select>
          <button type="submit" className="small" disabled={busy}>Invite</button>
        </form>
      ) : (
        <p className="hint">Only the owner can invite people.</p>
      )}
    </section>
  );
}
