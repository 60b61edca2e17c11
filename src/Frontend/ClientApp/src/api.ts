// Session handling: the access token lives only in memory; the (rotating) refresh token is the one thing kept in
// localStorage. Refreshes are serialised across tabs with the Web Locks API so two tabs never replay a rotated token.

export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
  username: string;
  agentId: string | null;
  roles: string[];
}

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: Record<string, string[]>;
  /** Set on a sign-in whose (generated) password is right but must be changed first. */
  passwordChangeRequired?: boolean;
}

export class ApiError extends Error {
  constructor(public readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

const REFRESH_KEY = 'acd.refreshToken';
let session: TokenResponse | null = null;
let expiresAt = 0;
let refreshTimer: number | undefined;
let pending: Promise<TokenResponse | null> | null = null;
const listeners: Array<(s: TokenResponse | null) => void> = [];

export function onSessionChange(listener: (s: TokenResponse | null) => void): void {
  listeners.push(listener);
}

export function currentSession(): TokenResponse | null {
  return session;
}

export function hasRole(role: string): boolean {
  return !!session && session.roles.includes(role);
}

function adopt(response: TokenResponse | null): TokenResponse | null {
  session = response;
  window.clearTimeout(refreshTimer);
  if (response) {
    localStorage.setItem(REFRESH_KEY, response.refreshToken);
    expiresAt = Date.now() + response.expiresIn * 1000;
    // Silent refresh a minute before the access token expires.
    const delay = Math.max(5_000, (response.expiresIn - 60) * 1000);
    refreshTimer = window.setTimeout(() => void refresh(), delay);
  } else {
    expiresAt = 0;
  }
  listeners.forEach((l) => l(response));
  return response;
}

async function postJson(path: string, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
}

async function toProblem(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as Problem;
    return { ...body, status: response.status };
  } catch {
    return { status: response.status, title: response.statusText };
  }
}

export async function signIn(username: string, password: string): Promise<TokenResponse> {
  const response = await postJson('/api/v1/auth/token', { username, password });
  if (!response.ok) throw new ApiError(await toProblem(response));
  return adopt((await response.json()) as TokenResponse)!;
}

/** Sets a new password and signs in with it (the answer to a sign-in that said passwordChangeRequired). */
export async function changePasswordAndSignIn(username: string, currentPassword: string, newPassword: string): Promise<TokenResponse> {
  const response = await postJson('/api/v1/auth/change-password', { username, currentPassword, newPassword });
  if (!response.ok) throw new ApiError(await toProblem(response));
  return adopt((await response.json()) as TokenResponse)!;
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request('acd-token-refresh', work) as Promise<T>) : work();
}

/** Exchanges the stored refresh token for a new pair; null when there is no valid session. */
export function refresh(): Promise<TokenResponse | null> {
  pending ??= withLock(async () => {
    const stored = localStorage.getItem(REFRESH_KEY);
    if (!stored) return adopt(null);
    const response = await postJson('/api/v1/auth/refresh', { refreshToken: stored });
    if (response.ok) return adopt((await response.json()) as TokenResponse);
    if (response.status === 401 || response.status === 400) {
      if (localStorage.getItem(REFRESH_KEY) === stored) localStorage.removeItem(REFRESH_KEY);
      return adopt(null);
    }
    throw new ApiError(await toProblem(response));
  }).finally(() => {
    pending = null;
  });
  return pending;
}

/** A valid access token, refreshed when close to expiry. */
export async function accessToken(): Promise<string> {
  if (session && Date.now() < expiresAt - 30_000) return session.accessToken;
  const renewed = await refresh();
  if (!renewed) throw new ApiError({ status: 401, title: 'Signed out' });
  return renewed.accessToken;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const send = async (token: string) =>
    fetch(path, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      credentials: 'same-origin',
    });
  let response = await send(await accessToken());
  if (response.status === 401) {
    const renewed = await refresh();
    if (!renewed) throw new ApiError({ status: 401, title: 'Signed out' });
    response = await send(renewed.accessToken);
  }
  if (!response.ok) throw new ApiError(await toProblem(response));
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('Content-Type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export async function signOut(): Promise<void> {
  const stored = localStorage.getItem(REFRESH_KEY);
  localStorage.removeItem(REFRESH_KEY);
  const token = session?.accessToken;
  adopt(null);
  try {
    await postJson('/api/v1/auth/logout', { refreshToken: stored }, token);
  } catch {
    /* signed out locally anyway */
  }
}

/** For pages that need a session: resumes it or sends the user to the login page. */
export async function requireSession(role?: string): Promise<TokenResponse> {
  const resumed = session ?? (await refresh().catch(() => null));
  if (!resumed || (role && !resumed.roles.includes(role) && !resumed.roles.includes('admin'))) {
    window.location.replace('/index.html');
    throw new Error('redirecting to login');
  }
  return resumed;
}

/** Fetches a file with the session's token (a plain link cannot carry it) and hands it to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<void> {
  let response = await fetch(path, { headers: { Authorization: `Bearer ${await accessToken()}` }, credentials: 'same-origin' });
  if (response.status === 401) {
    const renewed = await refresh();
    if (!renewed) throw new ApiError({ status: 401, title: 'Signed out' });
    response = await fetch(path, { headers: { Authorization: `Bearer ${renewed.accessToken}` }, credentials: 'same-origin' });
  }
  if (!response.ok) throw new ApiError(await toProblem(response));
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = decodeURIComponent(name);
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
