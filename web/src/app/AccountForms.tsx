// Sign in and sign up, for the account panel. The app works without either: they only add the
// server's projects, history and sharing.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useServer, useServerSession } from '../server/useServer';

export function AccountForms() {
  const server = useServerSession();
  const { busy } = useServer();
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [login, setLogin] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void (mode === 'sign-in' ? server.signIn(login, password) : server.signUp(login, email, password));
  };

  return (
    <form className="account-form" onSubmit={submit} aria-label={mode === 'sign-in' ? 'Sign in' : 'Sign up'}>
      <div className="view-switch" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'sign-in'} onClick={() => setMode('sign-in')}>Sign in</button>
        <button type="button" role="tab" aria-selected={mode === 'sign-up'} onClick={() => setMode('sign-up')}>Sign up</button>
      </div>
      <label>
        <span>{mode === 'sign-in' ? 'Username or email' : 'Username'}</span>
        <input name="login" autoComplete="username" required value={login} onChange={(e) => setLogin(e.target.value)} />
      </label>
      {mode === 'sign-up' && (
        <label>
          <span>Email</span>
          <input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
      )}
      <label>
        <span>Password{mode === 'sign-up' ? ' (at least 12 characters)' : ''}</span>
        <input name="password" type="password" autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'} required
          value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <button type="submit" className="primary" disabled={busy}>{mode === 'sign-in' ? 'Sign in' : 'Create account'}</button>
      <p className="hint">No account needed to make music: your project is kept in this browser. Sign in to save it to the server, keep its history and share it.</p>
    </form>
  );
}
