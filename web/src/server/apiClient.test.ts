// The client's contract with the server: the CSRF token from log-in rides on every state-changing
// request (never on GETs), errors carry the server's own message, and a stale save's 409 tells
// which revision the server is at; the session links the store to the project and keeps a
// conflicting save from losing anything.
import { describe, expect, it } from 'vitest';
import { createEmptyProject } from '../state/newProject';
import { ProjectStore } from '../state/projectStore';
import { setTempo } from '../state/edits';
import { ApiClient, ApiError } from './apiClient';
import { ServerSession } from './serverSession';

interface Seen { method: string; url: string; headers: Record<string, string>; body: unknown }

function fakeServer(answer: (seen: Seen) => [number, unknown]) {
  const seen: Seen[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request: Seen = {
      method: init?.method ?? 'GET',
      url: String(input),
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    seen.push(request);
    const [status, body] = answer(request);
    return new Response(status === 204 ? null : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { seen, api: new ApiClient('/api', fetcher) };
}

const account = { id: 1, username: 'ada', email: 'ada@example.com', createdAt: 0 };
const project = (head: number) => ({ id: 7, name: 'Song', owner: { id: 1, username: 'ada' }, role: 'owner', headRevision: head, createdAt: 0, updatedAt: 0, deletedAt: null });

describe('ApiClient', () => {
  it('sends the CSRF token from log-in on changes only', async () => {
    const { seen, api } = fakeServer((r) => (r.url.endsWith('/sessions') ? [201, { account, csrfToken: 'tok' }] : [200, { projects: [] }]));
    await api.signIn('ada', 'correct horse battery');
    await api.listProjects();
    await api.createProject('Song', {}).catch(() => undefined);
    expect(seen[1]!.headers['X-CSRF-Token']).toBeUndefined();
    expect(seen[2]!.headers['X-CSRF-Token']).toBe('tok');
    expect(seen[2]!.body).toEqual({ name: 'Song', document: {} });
  });

  it('turns error bodies into ApiError with the server message and details', async () => {
    const { api } = fakeServer(() => [409, { error: { code: 'stale_revision', message: 'The project has changed', currentRevision: 3 } }]);
    const error = await api.saveDocument(7, 1, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('The project has changed');
    expect((error as ApiError).currentRevision).toBe(3);
  });

  it('reads a 401 from the current session as signed out', async () => {
    const { api } = fakeServer(() => [401, { error: { code: 'unauthenticated', message: 'Sign in first' } }]);
    expect(await api.currentSession()).toBeNull();
  });
});

describe('ServerSession', () => {
  it('uploads a local project, then saves on top of its base, and reports a stale save as a conflict', async () => {
    let head = 1;
    const { seen, api } = fakeServer((r) => {
      if (r.url.endsWith('/sessions')) return [201, { account, csrfToken: 'tok' }];
      if (r.method === 'POST' && r.url.endsWith('/projects')) return [201, { project: project(1) }];
      if (r.method === 'PUT') {
        const base = (r.body as { baseRevision: number }).baseRevision;
        if (base !== head) return [409, { error: { code: 'stale_revision', message: 'changed', currentRevision: head } }];
        return [201, { revision: ++head }];
      }
      if (r.url.endsWith('/revisions')) return [200, { revisions: [] }];
      if (r.url.endsWith('/members')) return [200, { members: [] }];
      return [200, { projects: [project(head)] }];
    });
    const store = new ProjectStore(createEmptyProject('Song', new Date(0)));
    const session = new ServerSession(api, store, null);
    await session.signIn('ada', 'correct horse battery');
    await session.save();
    expect(session.getSnapshot().open).toMatchObject({ projectId: 7, baseRevision: 1 });
    store.apply(setTempo(90));
    await session.save();
    expect(session.getSnapshot().open?.baseRevision).toBe(2);
    head = 5; // someone else saved meanwhile
    await session.save();
    expect(session.getSnapshot().conflict).toEqual({ currentRevision: 5 });
    expect(session.getSnapshot().error).toBeNull();
    await session.overwrite();
    expect(session.getSnapshot()).toMatchObject({ conflict: null, open: { baseRevision: 6 } });
    expect(seen.filter((r) => r.method === 'PUT').map((r) => (r.body as { baseRevision: number }).baseRevision)).toEqual([1, 2, 5]);
  });
});
