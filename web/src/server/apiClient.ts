// The browser's client of our server's /api (server/src/amplitude/server/api/*.cpp): accounts,
// sessions, projects, revisions and members. Same-origin fetch with the session cookie; the CSRF
// token from log-in (or from GET /api/sessions/current after a reload) is sent on every request
// that changes state. Errors become ApiError with the server's plain-words message.

export interface Account {
  readonly id: number;
  readonly username: string;
  readonly email: string;
  readonly createdAt: number;
}

export type Role = 'owner' | 'editor' | 'viewer';

export interface ServerProject {
  readonly id: number;
  readonly name: string;
  readonly owner: { readonly id: number; readonly username: string };
  readonly role: Role;
  readonly headRevision: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deletedAt: number | null;
}

export interface RevisionInfo {
  readonly number: number;
  readonly author: { readonly id: number; readonly username: string };
  readonly createdAt: number;
  readonly restoredFrom: number | null;
  readonly documentLength: number;
}

export interface Member {
  readonly accountId: number;
  readonly username: string;
  readonly role: Role;
}

/** A project's document at one revision (the head, or an older one). */
export interface RevisionDocument {
  readonly project: ServerProject;
  readonly revision: RevisionInfo;
  readonly document: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** For 409 stale_revision: the revision the server is at now. */
  get currentRevision(): number | null {
    const value = this.details.currentRevision;
    return typeof value === 'number' ? value : null;
  }
}

/** Any error (API, network) in words a musician can read. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export class ApiClient {
  private csrfToken: string | null = null;

  constructor(
    private readonly base = '/api',
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  // ---- accounts and sessions -------------------------------------------------------------

  async register(username: string, email: string, password: string): Promise<Account> {
    return (await this.call<{ account: Account }>('POST', '/accounts', { username, email, password })).account;
  }

  async signIn(login: string, password: string): Promise<Account> {
    const body = await this.call<{ account: Account; csrfToken: string }>('POST', '/sessions', { login, password });
    this.csrfToken = body.csrfToken;
    return body.account;
  }

  /** Who is signed in (and the CSRF token of that session), or null when nobody is. */
  async currentSession(): Promise<Account | null> {
    try {
      const body = await this.call<{ account: Account; csrfToken: string }>('GET', '/sessions/current');
      this.csrfToken = body.csrfToken;
      return body.account;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.csrfToken = null;
        return null;
      }
      throw error;
    }
  }

  async signOut(): Promise<void> {
    try {
      await this.call<void>('DELETE', '/sessions/current');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error; // already signed out
    } finally {
      this.csrfToken = null;
    }
  }

  // ---- projects ------------------------------------------------------------------------------

  async listProjects(): Promise<ServerProject[]> {
    return (await this.call<{ projects: ServerProject[] }>('GET', '/projects')).projects;
  }

  async createProject(name: string, document: unknown): Promise<ServerProject> {
    return (await this.call<{ project: ServerProject }>('POST', '/projects', { name, document })).project;
  }

  headDocument(projectId: number): Promise<RevisionDocument> {
    return this.call<RevisionDocument>('GET', `/projects/${projectId}`);
  }

  /** Saves a new revision on top of baseRevision; a 409 ApiError (stale_revision) if it moved on. */
  async saveDocument(projectId: number, baseRevision: number, document: unknown): Promise<number> {
    return (await this.call<{ revision: number }>('PUT', `/projects/${projectId}/document`, { baseRevision, document })).revision;
  }

  async listRevisions(projectId: number): Promise<RevisionInfo[]> {
    return (await this.call<{ revisions: RevisionInfo[] }>('GET', `/projects/${projectId}/revisions`)).revisions;
  }

  revisionDocument(projectId: number, revision: number): Promise<RevisionDocument> {
    return this.call<RevisionDocument>('GET', `/projects/${projectId}/revisions/${revision}`);
  }

  /** Makes an old revision the head again, as a new revision; returns its number. */
  async restoreRevision(projectId: number, revision: number, baseRevision: number): Promise<number> {
    return (await this.call<{ revision: number }>('POST', `/projects/${projectId}/revisions/${revision}/restore`, { baseRevision })).revision;
  }

  async listMembers(projectId: number): Promise<Member[]> {
    return (await this.call<{ members: Member[] }>('GET', `/projects/${projectId}/members`)).members;
  }

  async invite(projectId: number, user: string, role: 'editor' | 'viewer'): Promise<Member> {
    return (await this.call<{ member: Member }>('POST', `/projects/${projectId}/members`, { user, role })).member;
  }

  // ---- the one request path ------------------------------------------------------------------

  private async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await this.fetcher(`${this.base}${path}`, init);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) throw toApiError(response.status, parsed);
    return parsed as T;
  }
}

function toApiError(status: number, body: unknown): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message, ...details } = error as Record<string, unknown>;
    if (typeof message === 'string') return new ApiError(status, typeof code === 'string' ? code : 'error', message, details);
  }
  const fallback = status >= 500 ? 'The server had a problem; try again in a moment.' : `The server refused the request (HTTP ${status}).`;
  return new ApiError(status, 'http_error', fallback);
}
