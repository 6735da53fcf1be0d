/**
 * The session: the user and their token, signing in (register, login, with the device cookie kept
 * outside a browser), refreshing the token before it expires, and revoking it at logout. It knows no
 * socket: its delegate tells the open socket a new token, and is told when the token is refused.
 */
import type { ApiError, AuthResult, User } from '../shared/types';
import { apiError, TodoClientError } from './errors';
import { KEYS, type Store } from './store';
import type { ClientOptions } from './types';

/** The session as stored. */
export interface StoredSession {
  user: User;
  token: string;
  expiresAt: string;
  /** The token's life when it was received, in ms (the refresh margin's base). */
  lifeMs: number;
}

export interface SessionDelegate {
  /** The client was closed: nothing more is done. */
  closed(): boolean;
  /** A refreshed token: the open socket is told (auth:refresh). */
  refreshed(token: string): Promise<void>;
  /** The token was refused or expired (the session has stopped refreshing): the app is to ask for a login. */
  failed(reason: 'expired' | 'unauthorized'): void;
}

/** How long logout() waits for the server to revoke the token before it forgets the session all the same. */
const LOGOUT_TIMEOUT_MS = 5_000;
/** The server's device cookie (server/auth/devices.ts): a browser keeps it itself, other clients in storage. */
const DEVICE_COOKIE = 'todo_device';
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Session {
  current: StoredSession | null = null;
  /** The token was refused or expired: nothing is sent until a login. */
  authNeeded = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly url: string,
    private readonly options: ClientOptions,
    private readonly store: Store,
    private readonly d: SessionDelegate,
  ) {}

  get user(): User | null {
    return this.current?.user ?? null;
  }

  /** The token has expired by the clock. */
  get expired(): boolean {
    return this.current !== null && Date.now() >= Date.parse(this.current.expiresAt);
  }

  /** POSTs a register or login; resolves with the answer (the caller starts the session with it). */
  async authenticate(path: string, body: Record<string, string>): Promise<AuthResult> {
    let res: Response;
    // outside a browser, the device cookie (a known device is not held by its account's login lockout) is
    // sent from storage; a browser sends its own and drops this header
    const device = await this.store.storage.get(KEYS.device).catch(() => undefined);
    try {
      res = await fetch(this.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(device ? { cookie: `${DEVICE_COOKIE}=${device}` } : {}) },
        body: JSON.stringify(body),
      });
    } catch {
      throw new TodoClientError('offline', 'The server could not be reached');
    }
    this.keepDeviceCookie(res);
    const answer = (await res.json().catch(() => undefined)) as Partial<AuthResult> & { error?: ApiError };
    if (!res.ok || !answer.user || !answer.token || !answer.expiresAt)
      throw apiError(answer.error ?? { code: 'internal', message: `HTTP ${res.status}` });
    return { user: answer.user, token: answer.token, expiresAt: answer.expiresAt };
  }

  /** Stores the device cookie a sign-in answered, where the client can read it (not in a browser). */
  private keepDeviceCookie(res: Response): void {
    const headers: { getSetCookie?: () => string[] } = res.headers; // browsers before 2023 lack it
    for (const cookie of headers.getSetCookie?.() ?? []) {
      const match = new RegExp(`^${DEVICE_COOKIE}=([^;]+)`).exec(cookie);
      if (match) this.store.write(KEYS.device, match[1]);
    }
  }

  /** Takes a stored session (its token maybe expired already). */
  resume(session: StoredSession): void {
    this.current = session;
  }

  /**
   * Starts the stored session taken by resume(): true if its token is alive (it is refreshed in time);
   * else false, and the app is told (`failed`) once it has had the chance to listen.
   */
  revive(): boolean {
    if (this.current && !this.expired) {
      this.scheduleRefresh();
      return true;
    }
    this.authNeeded = true;
    setTimeout(() => {
      if (this.authNeeded && !this.d.closed()) this.d.failed('expired');
    }, 0);
    return false;
  }

  /** A new session from a sign-in's answer: stored, and refreshed in time. */
  begin(auth: AuthResult): void {
    this.current = {
      user: auth.user,
      token: auth.token,
      expiresAt: auth.expiresAt,
      lifeMs: Math.max(Date.parse(auth.expiresAt) - Date.now(), 0),
    };
    this.authNeeded = false;
    this.store.write(KEYS.session, JSON.stringify(this.current));
    this.scheduleRefresh();
  }

  /** Forgets the session here (the caller revokes its token); returns the token to revoke, if usable. */
  end(): string | undefined {
    const token = this.current && !this.authNeeded ? this.current.token : undefined;
    clearTimeout(this.refreshTimer);
    this.current = null;
    this.authNeeded = false;
    return token;
  }

  stop(): void {
    clearTimeout(this.refreshTimer);
  }

  /** POST /api/auth/logout with `token`; never rejects (offline, refused or late: nothing more to do). */
  async revoke(token: string): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), LOGOUT_TIMEOUT_MS);
    try {
      await fetch(`${this.url}/api/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
    } catch {
      // offline: forgotten here all the same
    } finally {
      clearTimeout(timer);
    }
  }

  /** The server refused the token: expired if its time is past, else revoked. */
  refused(): void {
    this.fail(this.expired ? 'expired' : 'unauthorized');
  }

  fail(reason: 'expired' | 'unauthorized'): void {
    if (this.authNeeded || this.d.closed()) return;
    this.authNeeded = true;
    clearTimeout(this.refreshTimer);
    this.d.failed(reason);
  }

  scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const s = this.current;
    if (!s || this.authNeeded || this.d.closed()) return;
    const margin = this.options.refreshMarginMs ?? Math.min(s.lifeMs * 0.1, 3_600_000);
    const ms = Date.parse(s.expiresAt) - margin - Date.now();
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  }

  private async refresh(): Promise<void> {
    const s = this.current;
    if (!s || this.authNeeded || this.d.closed()) return;
    const retry = () => {
      if (this.current === s) this.refreshTimer = setTimeout(() => void this.refresh(), 5000);
    };
    let res: Response;
    try {
      res = await fetch(`${this.url}/api/auth/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}` },
      });
    } catch {
      retry();
      return;
    }
    if (this.stale(s)) return;
    if (res.status === 401) {
      this.refused();
      return;
    }
    const next = res.ok ? ((await res.json().catch(() => undefined)) as { token?: string; expiresAt?: string }) : {};
    if (!next.token || !next.expiresAt) {
      retry();
      return;
    }
    if (this.stale(s)) return;
    this.current = {
      ...s,
      token: next.token,
      expiresAt: next.expiresAt,
      lifeMs: Math.max(Date.parse(next.expiresAt) - Date.now(), 0),
    };
    this.store.write(KEYS.session, JSON.stringify(this.current));
    this.scheduleRefresh();
    await this.d.refreshed(next.token);
  }

  /** The session changed (a logout or another login) or the client closed since `s` was read. */
  private stale(s: StoredSession): boolean {
    return this.current !== s || this.d.closed();
  }
}
