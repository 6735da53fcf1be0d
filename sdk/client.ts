/**
 * The client: a session (token, refreshed before it expires), a socket, a replica (the server's lists,
 * tasks and each list's cursor, kept with `sync` and live events applied in seq order), and a queue of
 * mutations applied optimistically on top of it and sent in order, each with its mutationId, until
 * the server answers. What the app reads is always the replica with the queue replayed on top.
 */
import { io, type Socket } from 'socket.io-client';
import type { AckData, ClientEventName, ClientToServerEvents, ServerToClientEvents, TaskPatch } from '../shared/events';
import { listSeqOf, type ServerEventMessage } from '../shared/events';
import { parseTime } from '../shared/time';
import type {
  Ack,
  ApiError,
  AuthResult,
  Block,
  List,
  Member,
  SyncResult,
  Task,
  TaskDeleted,
  User,
} from '../shared/types';
import { comparePositions, positionBetween, positionsBetween } from './position';
import { memoryStorage, type ClientStorage } from './storage';
import type {
  ClientError,
  ClientEvents,
  ClientOptions,
  ConnectionStatus,
  ListView,
  TaskFieldsInput,
  TaskView,
  TodoClient,
} from './types';

type TodoSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Payload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];
type LiveEvent = ServerEventMessage;

type QueuedEvent = 'list:create' | 'list:rename' | 'list:delete' | 'task:create' | 'task:update' | 'task:delete';
/** A queued mutation: the exact payload sent (and sent again) until answered. */
type Mutation = {
  [E in QueuedEvent]: {
    event: E;
    payload: Payload<E> & { mutationId: string };
    /** When it was made (the optimistic createdAt/updatedAt). */
    at: string;
    /** The version its answer gave the task (acknowledged, its effect maybe not in the replica yet). */
    ackVersion?: number;
    /** Answers `internal` so far (given up after a few). */
    failures?: number;
  };
}[QueuedEvent];

interface Session {
  user: User;
  token: string;
  expiresAt: string;
  /** The token's life when it was received, in ms (the refresh margin's base). */
  lifeMs: number;
}

/** A browser page's globals used (the repo's lib has no DOM types). */
interface PageGlobals {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
  document?: { visibilityState?: string };
}

interface Waiter {
  resolve(value: unknown): void;
  reject(err: ClientError): void;
}

const KEYS = { session: 'todo.session', replica: 'todo.replica', queue: 'todo.queue', device: 'todo.device' } as const;
const FORMAT = 1;
const ACK_TIMEOUT_MS = 15_000;
/** How long logout() waits for the server to revoke the token before it forgets the session all the same. */
const LOGOUT_TIMEOUT_MS = 5_000;
/** The server's device cookie (server/auth/devices.ts): a browser keeps it itself, other clients in storage. */
const DEVICE_COOKIE = 'todo_device';
const SYNC_TIMEOUT_MS = 30_000;
const PERIODIC_SYNC_MS = 5 * 60_000;
const REPLICA_SAVE_MS = 300;
const MAX_TIMER_MS = 2 ** 31 - 1;
const LIVE_EVENTS = new Set<string>([
  'task:created',
  'task:updated',
  'task:deleted',
  'list:created',
  'list:updated',
  'list:deleted',
  'member:added',
  'member:removed',
]);
const noop = (): void => undefined;

/** A ClientError that is also an Error (so rejections carry a stack and pass lint rules). */
export class TodoClientError extends Error implements ClientError {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly task?: Task,
    readonly event?: string,
  ) {
    super(message);
    this.name = 'TodoClientError';
  }
}

const offlineError = (event?: string) =>
  new TodoClientError('offline', 'Not connected to the server', undefined, undefined, event);

function apiError(err: ApiError, event?: string): TodoClientError {
  const task = err.code === 'conflict' ? (err.details as { task?: Task } | undefined)?.task : undefined;
  return new TodoClientError(err.code, err.message, err.details, task, event);
}

/** Tasks in the contract's order: (position, createdAt, id), positions by code point. */
export function compareTasks(a: Task, b: Task): number {
  return (
    comparePositions(a.position, b.position) ||
    (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function compareLists(a: List, b: List): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues?: (bytes: Uint8Array) => Uint8Array;
}

/** A v4 UUID: crypto.randomUUID, or (outside a secure context, e.g. a page over http on a LAN) one made of getRandomValues. */
function uuid(): string {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  if (!c?.getRandomValues) throw new Error('globalThis.crypto is not available');
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A time as the server will store it (UTC), or the text itself if the server will refuse it. */
function isoOrSame(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const parsed = parseTime(value);
  return 'time' in parsed ? parsed.time.toISOString() : value;
}

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The last position of a move's neighbours, and tasks re-keyed so that the moved one fits. */
interface Placement {
  position: string;
  rekey: Array<{ id: string; position: string }>;
}

/** Where to put a task among `order` (its list without it) at index `gap`: re-keys as few neighbours as it must. */
function place(order: TaskView[], gap: number): Placement {
  const n = order.length;
  let l = gap;
  let r = gap - 1;
  for (;;) {
    const lower = l > 0 ? order[l - 1].position : null;
    const upper = r + 1 < n ? order[r + 1].position : null;
    try {
      const keys = positionsBetween(lower, upper, r - l + 2);
      const before = order.slice(l, gap).map((t, i) => ({ id: t.id, position: keys[i] }));
      const after = order.slice(gap, r + 1).map((t, i) => ({ id: t.id, position: keys[gap - l + 1 + i] }));
      return {
        position: keys[gap - l],
        rekey: [...before, ...after].filter((k) => order.find((t) => t.id === k.id)?.position !== k.position),
      };
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // no room: take in a neighbour, first the one blocking (an empty or equal upper key), else alternately
      const upperBlocks = upper !== null && (upper === '' || (lower !== null && comparePositions(upper, lower) <= 0));
      if (r + 1 < n && (upperBlocks || l === 0 || r - gap < gap - l)) r++;
      else if (l > 0) l--;
      else throw err; // both ends open: cannot happen
    }
  }
}

class Client implements TodoClient {
  private readonly storage: ClientStorage;
  private readonly url: string;
  private session: Session | null = null;
  /** The token was refused or expired: nothing is sent until a login. */
  private authNeeded = false;
  /** auth:expired came: the coming disconnect is the token's expiry. */
  private expired = false;
  private closed = false;
  private socket: TodoSocket | undefined;
  private statusNow: ConnectionStatus = 'offline';

  // the replica: the server's state as last heard
  private readonly baseLists = new Map<string, List>();
  private readonly baseTasks = new Map<string, Task>();
  private readonly byList = new Map<string, Set<string>>();
  private cursors = new Map<string, number>();
  /** The server's tag of exactly the lists in baseLists (sync's listsTag); cleared when they change otherwise. */
  private listsTag: string | undefined;

  // the queue: unanswered mutations, then answered ones whose effect may not be in the replica yet
  private queue: Mutation[] = [];
  private acked: Mutation[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private overlayTasks = new Map<string, TaskView | null>();
  private overlayLists = new Map<string, ListView | null>();

  // sync: 'idle' (live events applied as they come), 'running', or 'wanted' (on the next chance)
  private syncState: 'idle' | 'running' | 'wanted' = 'wanted';
  private syncAgain = false;
  private syncRun = 0;
  private syncFailures = 0;
  private buffered: LiveEvent[] = [];
  private pumping = false;

  // what changed since the last 'change'
  private touched = new Set<string>();
  private listsChanged = false;
  /** The queue's length at the last 'change' (a change fires when it moves, so pendingCount() can be shown). */
  private queueSeen = 0;
  private replicaDirty = false;
  private readonly sortedCache = new Map<string, { sorted: TaskView[]; byId: Map<string, TaskView> }>();
  /** Per list, the tasks changed since its sorted view was made ('all': made again whole). */
  private readonly dirty = new Map<string, Set<string> | 'all'>();
  private listCache: { sorted: ListView[]; byId: Map<string, ListView> } | undefined;
  private readonly views = new WeakMap<Task, TaskView>();

  private readonly listeners = new Map<keyof ClientEvents, Set<(...args: never[]) => void>>();
  private readonly subs = new Map<string, Set<(tasks: TaskView[]) => void>>();
  private syncedWaiters: Array<() => void> = [];

  // storage writes: what each key is to hold (made when written, so a burst is serialised once), in call order
  private readonly latest = new Map<string, () => string | undefined>();
  private writes: Promise<void> = Promise.resolve();

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectDelay = 1000;
  private backoffTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = 200;
  private syncRetryTimer: ReturnType<typeof setTimeout> | undefined;
  private replicaTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly periodic: ReturnType<typeof setInterval>;

  constructor(private readonly options: ClientOptions) {
    this.storage = options.storage ?? memoryStorage();
    this.url = options.url.replace(/\/+$/, '');
    this.periodic = setInterval(() => {
      if (this.socket?.connected && this.syncState === 'idle') this.requestSync();
    }, PERIODIC_SYNC_MS);
    (this.periodic as { unref?: () => void }).unref?.();
    // in a browser: what is not written yet is written when the page is hidden or left (a reload, a closed tab)
    const page = globalThis as Partial<PageGlobals>;
    if (typeof page.addEventListener === 'function' && typeof page.removeEventListener === 'function') {
      this.page = page as PageGlobals;
      this.page.addEventListener('pagehide', this.onHide);
      this.page.addEventListener('visibilitychange', this.onHide);
    }
  }

  private readonly page: PageGlobals | undefined;
  private readonly onHide = (): void => {
    if (this.closed) return;
    if (this.page?.document?.visibilityState === 'visible') return;
    this.flushNow();
  };

  // ---------------------------------------------------------------- start, session

  async load(): Promise<void> {
    const [s, r, q] = await Promise.all([
      this.storage.get(KEYS.session),
      this.storage.get(KEYS.replica),
      this.storage.get(KEYS.queue),
    ]);
    const session = parse(s) as Session | undefined;
    if (!session?.user.id || !session.token) return;
    this.session = session;
    const replica = parse(r) as
      | { v: number; userId: string; lists: List[]; tasks: Task[]; cursors: Record<string, number>; listsTag?: unknown }
      | undefined;
    if (replica?.v === FORMAT && replica.userId === session.user.id) {
      for (const list of replica.lists) this.baseLists.set(list.id, list);
      for (const task of replica.tasks) this.putTask(task);
      this.cursors = new Map(Object.entries(replica.cursors));
      // written with the lists it tags (an older replica has none: the first sync sends the lists)
      if (typeof replica.listsTag === 'string') this.listsTag = replica.listsTag;
    }
    const queue = parse(q) as { v: number; userId: string; queue: Mutation[] } | undefined;
    if (queue?.v === FORMAT && queue.userId === session.user.id) this.queue = queue.queue;
    this.listsChanged = true;
    this.replicaDirty = false;
    this.commit();
    if (Date.now() >= Date.parse(session.expiresAt)) {
      // the stored token is dead: the app is told once it has had the chance to listen
      this.authNeeded = true;
      setTimeout(() => {
        if (this.authNeeded && !this.closed) this.emit('auth', { reason: 'expired' });
      }, 0);
      return;
    }
    this.scheduleRefresh();
    this.connect();
  }

  get user(): User | null {
    return this.session?.user ?? null;
  }

  get status(): ConnectionStatus {
    return this.statusNow;
  }

  register(email: string, password: string, name: string): Promise<User> {
    return this.authenticate('/api/auth/register', { email, password, name });
  }

  login(email: string, password: string): Promise<User> {
    return this.authenticate('/api/auth/login', { email, password });
  }

  /**
   * Asks the server to revoke this session's token (its sockets are closed) while forgetting the session,
   * replica and queue here at once. Offline, or without an answer within LOGOUT_TIMEOUT_MS, the session is
   * forgotten all the same (the token then stays valid until it expires). The device cookie is kept.
   */
  async logout(): Promise<void> {
    const token = this.session && !this.authNeeded ? this.session.token : undefined;
    const revoked = token === undefined ? Promise.resolve() : this.revoke(token);
    this.dropSocket();
    clearTimeout(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    this.session = null;
    this.authNeeded = false;
    this.resetLocal();
    this.write(KEYS.session, undefined);
    this.setStatus('offline');
    this.emit('session', null);
    await Promise.all([this.writes, revoked]);
  }

  /** POST /api/auth/logout with `token`; never rejects (offline, refused or late: nothing more to do). */
  private async revoke(token: string): Promise<void> {
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropSocket();
    for (const t of [this.refreshTimer, this.reconnectTimer, this.backoffTimer, this.syncRetryTimer, this.replicaTimer])
      clearTimeout(t);
    clearInterval(this.periodic);
    this.page?.removeEventListener('pagehide', this.onHide);
    this.page?.removeEventListener('visibilitychange', this.onHide);
    this.flushNow();
    this.setStatus('offline');
  }

  /** Writes the last state now, not waiting for the debounce (a client made next from the same storage reads it). */
  private flushNow(): void {
    clearTimeout(this.replicaTimer);
    this.replicaTimer = undefined;
    if (this.session) {
      const queue = this.queueJson();
      this.latest.set(KEYS.queue, () => queue);
      if (this.replicaDirty) {
        const replica = this.replicaJson();
        this.latest.set(KEYS.replica, () => replica);
        this.replicaDirty = false;
      }
    }
    for (const [key, make] of this.latest) {
      const value = make();
      void (value === undefined ? this.storage.remove(key) : this.storage.set(key, value)).catch(noop);
    }
    this.latest.clear();
  }

  private async authenticate(path: string, body: Record<string, string>): Promise<User> {
    let res: Response;
    // outside a browser, the device cookie (a known device is not held by its account's login lockout) is
    // sent from storage; a browser sends its own and drops this header
    const device = await this.storage.get(KEYS.device).catch(() => undefined);
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
    this.startSession({ user: answer.user, token: answer.token, expiresAt: answer.expiresAt });
    return answer.user;
  }

  /** Stores the device cookie a sign-in answered, where the client can read it (not in a browser). */
  private keepDeviceCookie(res: Response): void {
    const headers: { getSetCookie?: () => string[] } = res.headers; // browsers before 2023 lack it
    for (const cookie of headers.getSetCookie?.() ?? []) {
      const match = new RegExp(`^${DEVICE_COOKIE}=([^;]+)`).exec(cookie);
      if (match) this.write(KEYS.device, match[1]);
    }
  }

  private startSession(auth: AuthResult): void {
    if (this.closed) return;
    if (this.session?.user.id !== auth.user.id) {
      // another user (or none before): their replica and queue are not this one's
      this.dropSocket();
      this.resetLocal();
    }
    this.session = {
      user: auth.user,
      token: auth.token,
      expiresAt: auth.expiresAt,
      lifeMs: Math.max(Date.parse(auth.expiresAt) - Date.now(), 0),
    };
    this.authNeeded = false;
    this.expired = false;
    this.write(KEYS.session, JSON.stringify(this.session));
    this.saveQueueSoon(); // the queue's owner
    this.scheduleRefresh();
    this.emit('session', auth.user);
    if (this.socket?.connected) void this.tellSocket(auth.token);
    else this.connect();
  }

  /** Forgets the replica and queue (a logout, or another user's login). */
  private resetLocal(): void {
    for (const id of this.baseLists.keys()) this.touch(id);
    for (const id of this.overlayLists.keys()) this.touch(id);
    this.baseLists.clear();
    this.listsTag = undefined;
    this.baseTasks.clear();
    this.byList.clear();
    this.cursors.clear();
    const dropped = [...this.queue, ...this.acked];
    this.queue = [];
    this.acked = [];
    this.buffered = [];
    this.syncRun++;
    this.syncState = 'wanted';
    this.listsChanged = true;
    for (const m of dropped) {
      const waiter = this.waiters.get(m.payload.mutationId);
      this.waiters.delete(m.payload.mutationId);
      waiter?.reject(new TodoClientError('cancelled', 'Dropped by logout', undefined, undefined, m.event));
    }
    this.write(KEYS.replica, undefined);
    this.write(KEYS.queue, undefined);
    this.replicaDirty = false;
    this.commit();
  }

  // ---------------------------------------------------------------- token

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const s = this.session;
    if (!s || this.authNeeded || this.closed) return;
    const margin = this.options.refreshMarginMs ?? Math.min(s.lifeMs * 0.1, 3_600_000);
    const ms = Date.parse(s.expiresAt) - margin - Date.now();
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.min(Math.max(ms, 0), MAX_TIMER_MS));
  }

  private async refresh(): Promise<void> {
    const s = this.session;
    if (!s || this.authNeeded || this.closed) return;
    const retry = () => {
      if (this.session === s) this.refreshTimer = setTimeout(() => void this.refresh(), 5000);
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
      this.authFailed(Date.now() >= Date.parse(s.expiresAt) ? 'expired' : 'unauthorized');
      return;
    }
    const next = res.ok ? ((await res.json().catch(() => undefined)) as { token?: string; expiresAt?: string }) : {};
    if (!next.token || !next.expiresAt) {
      retry();
      return;
    }
    if (this.stale(s)) return;
    this.session = {
      ...s,
      token: next.token,
      expiresAt: next.expiresAt,
      lifeMs: Math.max(Date.parse(next.expiresAt) - Date.now(), 0),
    };
    this.write(KEYS.session, JSON.stringify(this.session));
    this.scheduleRefresh();
    if (this.socket?.connected) await this.tellSocket(next.token);
  }

  /** auth:refresh: the open socket's expiry moves to the new token's. */
  private async tellSocket(token: string): Promise<void> {
    try {
      await this.call('auth:refresh', { token }, ACK_TIMEOUT_MS);
    } catch {
      // no answer: the socket is gone or going, and the next handshake uses the new token
    }
  }

  private authFailed(reason: 'expired' | 'unauthorized'): void {
    if (this.authNeeded || this.closed) return;
    this.authNeeded = true;
    this.expired = false;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.reconnectTimer);
    this.socket?.disconnect();
    this.setStatus('offline');
    this.emit('auth', { reason });
  }

  // ---------------------------------------------------------------- socket

  private connect(): void {
    if (this.closed || !this.session || this.authNeeded) return;
    clearTimeout(this.reconnectTimer);
    const socket = (this.socket ??= this.makeSocket());
    if (socket.connected || socket.active) return;
    this.setStatus('connecting');
    socket.connect();
  }

  private makeSocket(): TodoSocket {
    const socket: TodoSocket = io(this.url, {
      forceNew: true,
      ...this.options.socketOptions,
      autoConnect: false,
      // read on every attempt, so a refreshed token is used on reconnect
      auth: (cb) => cb({ token: this.session?.token ?? '' }),
    });
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', (reason) => this.onDisconnect(reason));
    socket.on('connect_error', (err) => this.onConnectError(err));
    socket.on('auth:expired', () => (this.expired = true));
    socket.on('sync:needed', () => this.requestSync());
    socket.onAny((event: string, payload: unknown) => {
      if (!LIVE_EVENTS.has(event)) return;
      this.receive({ event, payload } as LiveEvent);
      this.commit();
    });
    return socket;
  }

  private dropSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.removeAllListeners();
    socket.offAny();
    socket.disconnect();
    this.syncRun++;
    this.syncState = 'wanted';
    this.buffered = [];
  }

  private onConnect(): void {
    this.reconnectDelay = 1000;
    this.expired = false;
    this.syncRun++;
    this.syncState = 'wanted';
    this.buffered = [];
    this.setStatus('online');
    this.requestSync();
  }

  private onDisconnect(reason: string): void {
    this.syncRun++;
    this.syncState = 'wanted';
    this.buffered = [];
    if (reason === 'io client disconnect') {
      this.setStatus('offline');
      return;
    }
    if (reason === 'io server disconnect') {
      // an expiry, a logout-all or a shutdown: socket.io does not reconnect by itself; the handshake tells which
      if (this.expired) {
        this.authFailed('expired');
        return;
      }
      this.setStatus('connecting');
      this.scheduleReconnect(1000);
      return;
    }
    this.setStatus(this.socket?.active ? 'connecting' : 'offline');
  }

  private onConnectError(err: Error): void {
    if (this.socket?.active) {
      this.setStatus('offline'); // the connection failed: socket.io tries again by itself
      return;
    }
    if (err.message === 'unauthorized') {
      const s = this.session;
      this.authFailed(s && Date.now() >= Date.parse(s.expiresAt) ? 'expired' : 'unauthorized');
      return;
    }
    // too_many_connections, unavailable, internal: the token is fine, try again later
    this.setStatus('offline');
    this.scheduleReconnect(this.reconnectDelay);
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 30_000);
  }

  private scheduleReconnect(ms: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), ms);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.statusNow) return;
    this.statusNow = status;
    this.emit('status', status);
    this.checkSynced();
  }

  /** One event with its ack; rejects when no ack comes (timeout, or the socket went away). */
  private call<E extends ClientEventName>(event: E, payload: Payload<E>, timeoutMs: number): Promise<Ack<AckData<E>>> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.reject(offlineError(event));
    return new Promise((resolve, reject) => {
      const timed = socket.timeout(timeoutMs) as unknown as {
        emit(e: E, p: Payload<E>, cb: (err: Error | null, res: Ack<AckData<E>>) => void): void;
      };
      timed.emit(event, payload, (err, res) => {
        if (err) reject(err);
        else resolve(res);
      });
    });
  }

  // ---------------------------------------------------------------- sync and live events

  private requestSync(): void {
    if (this.syncState === 'running') {
      this.syncAgain = true;
      return;
    }
    this.syncState = 'wanted';
    if (!this.socket?.connected || this.closed) return; // the next connect syncs
    clearTimeout(this.syncRetryTimer);
    this.syncState = 'running';
    void this.runSync(++this.syncRun);
  }

  private async runSync(run: number): Promise<void> {
    try {
      do {
        this.syncAgain = false;
        const sent = Object.fromEntries(this.cursors);
        const tag = this.listsTag; // the lists held are not sent again while this tag is current
        const ack = await this.call(
          'sync',
          tag === undefined ? { cursors: sent } : { cursors: sent, listsTag: tag },
          SYNC_TIMEOUT_MS,
        );
        if (run !== this.syncRun) return; // disconnected or reset meanwhile
        if (!ack.ok) throw apiError(ack.error, 'sync');
        this.applySync(ack.data, sent, tag);
        if (ack.data.more) this.syncAgain = true;
        this.commit();
      } while (this.syncAgain);
      this.syncState = 'idle';
      this.syncFailures = 0;
      this.drain();
    } catch {
      if (run !== this.syncRun) return;
      this.syncState = 'wanted';
      // rate_limited, unavailable, no answer: again soon (a lost socket syncs on its next connect)
      const ms = Math.min(500 * 2 ** this.syncFailures++, 30_000);
      this.syncRetryTimer = setTimeout(() => this.requestSync(), ms);
    }
  }

  /** Live events held during a sync, applied after it (those it covered are ignored by seq). */
  private drain(): void {
    while (this.buffered.length > 0 && this.syncState === 'idle') this.applyLive(this.buffered.shift()!);
    this.commit();
    void this.pump();
  }

  private receive(ev: LiveEvent): void {
    if (this.syncState !== 'idle') this.buffered.push(ev);
    else this.applyLive(ev);
  }

  /**
   * Applies one sync answer. Its `lists` are the lists, unless it says the tag sent is current
   * (`listsUnchanged`): then the lists held are. A server that knows no tags always sends them.
   */
  private applySync(r: SyncResult, sent: Record<string, number>, sentTag: string | undefined): void {
    const tagged: Partial<Pick<SyncResult, 'listsTag' | 'listsUnchanged'>> = r; // a server without tags sends neither
    const unchanged = sentTag !== undefined && tagged.listsUnchanged === true && tagged.listsTag === sentTag;
    if (unchanged && this.listsTag !== sentTag) {
      // the lists held changed while the answer was on its way: it cannot say what they are now
      this.syncAgain = true;
      return;
    }
    let exact = true;
    for (const id of r.removedListIds) if (this.dropList(id) && unchanged) exact = false;
    const lists = unchanged ? [...this.baseLists.values()] : r.lists;
    const visible = new Set(lists.map((l) => l.id));
    for (const id of [...this.baseLists.keys()]) if (!visible.has(id)) this.dropList(id);
    for (const list of lists) {
      this.putList(list);
      const c = Object.hasOwn(sent, list.id) ? sent[list.id] : undefined;
      const now = Object.hasOwn(r.cursors, list.id) ? r.cursors[list.id] : undefined;
      // no cursor sent (or 0, or one ahead of the list): the answer holds the list's tasks whole
      if (c === undefined || c === 0 || (now !== undefined && c > now)) {
        for (const id of this.byList.get(list.id) ?? []) this.baseTasks.delete(id);
        this.byList.delete(list.id);
        this.touch(list.id);
      }
    }
    for (const d of r.deleted) this.dropTask(d.id, d.listId);
    for (const task of r.tasks) this.putTask(task);
    this.cursors = new Map(Object.entries(r.cursors));
    // the lists held are now exactly those of the answer's tag (unless a server without tags answered)
    this.listsTag = exact && typeof tagged.listsTag === 'string' ? tagged.listsTag : undefined;
    this.replicaDirty = true;
  }

  private applyLive(ev: LiveEvent): void {
    if (ev.event === 'list:deleted') {
      this.dropList(ev.payload.id);
      return;
    }
    if (ev.event === 'list:created') {
      // new to this device (another device's, or shared): sync brings it, its tasks and its cursor
      if (!this.cursors.has(ev.payload.list.id)) this.requestSync();
      return;
    }
    const scope = listSeqOf(ev);
    if (!scope) return;
    const cursor = this.cursors.get(scope.listId);
    if (cursor === undefined) {
      this.requestSync(); // a list not held yet
      return;
    }
    if (scope.seq <= cursor) return;
    if (scope.seq > cursor + 1) {
      this.requestSync(); // something is missing: sync catches up from the cursor
      return;
    }
    switch (ev.event) {
      case 'task:created':
      case 'task:updated':
        this.putTask(ev.payload.task);
        break;
      case 'task:deleted':
        this.dropTask(ev.payload.id, ev.payload.listId);
        break;
      case 'list:updated':
        this.putList(ev.payload.list);
        break;
      case 'member:added': {
        const { member } = ev.payload;
        const list = this.baseLists.get(member.listId);
        if (list && member.userId === this.session?.user.id && list.role !== member.role)
          this.putList({ ...list, role: member.role });
        break;
      }
      case 'member:removed':
        if (ev.payload.userId === this.session?.user.id) {
          this.dropList(ev.payload.listId); // nothing more of it will come
          return;
        }
        break;
    }
    this.cursors.set(scope.listId, scope.seq);
    this.replicaDirty = true;
  }

  // ---------------------------------------------------------------- the replica

  /** Something of the list changed: its sorted view is made again whole. */
  private touch(listId: string): void {
    this.touched.add(listId);
    this.dirty.set(listId, 'all');
  }

  /** One task of the list changed: its sorted view is patched (or made again when many did). */
  private touchTask(listId: string, taskId: string): void {
    this.touched.add(listId);
    const ids = this.dirty.get(listId);
    if (ids === undefined) this.dirty.set(listId, new Set([taskId]));
    else if (ids !== 'all') ids.add(taskId);
  }

  private putList(list: List): void {
    this.listsTag = undefined; // the lists are no longer those of the tag (a sync sets it again after)
    const old = this.baseLists.get(list.id);
    if (old?.name !== list.name || old.role !== list.role) this.listsChanged = true;
    else if (old.seq !== list.seq || old.updatedAt !== list.updatedAt) this.listCache = undefined; // no event for these
    this.baseLists.set(list.id, list);
    this.replicaDirty = true;
  }

  /** Sets a task (never to an older version of itself) in a list the replica holds. */
  private putTask(task: Task): void {
    const old = this.baseTasks.get(task.id);
    if (old && old.version > task.version) return;
    if (old && old.listId !== task.listId) {
      this.byList.get(old.listId)?.delete(task.id);
      this.touchTask(old.listId, task.id);
    }
    this.baseTasks.set(task.id, task);
    let ids = this.byList.get(task.listId);
    if (!ids) this.byList.set(task.listId, (ids = new Set()));
    ids.add(task.id);
    this.touchTask(task.listId, task.id);
    this.replicaDirty = true;
  }

  /** Removes a task from the list named (a moved task may sit in its new list already). */
  private dropTask(id: string, listId: string): void {
    if (this.baseTasks.get(id)?.listId !== listId) return;
    this.baseTasks.delete(id);
    this.byList.get(listId)?.delete(id);
    this.touchTask(listId, id);
    this.replicaDirty = true;
  }

  /** Forgets a list and its tasks; true if the replica held it. */
  private dropList(listId: string): boolean {
    const held = this.baseLists.delete(listId);
    if (held) {
      this.listsChanged = true;
      this.listsTag = undefined;
    }
    this.cursors.delete(listId);
    for (const id of this.byList.get(listId) ?? []) this.baseTasks.delete(id);
    this.byList.delete(listId);
    this.touch(listId);
    this.replicaDirty = true;
    return held;
  }

  // ---------------------------------------------------------------- the optimistic view

  private viewOf(task: Task): TaskView {
    let view = this.views.get(task);
    if (!view) this.views.set(task, (view = { ...task, pending: false }));
    return view;
  }

  /** The queue replayed on the replica: the tasks and lists it changes (null: deleted). */
  private replay(): { tasks: Map<string, TaskView | null>; lists: Map<string, ListView | null> } {
    const tasks = new Map<string, TaskView | null>();
    const lists = new Map<string, ListView | null>();
    const userId = this.session?.user.id ?? '';
    const listNow = (id: string): ListView | undefined => {
      if (lists.has(id)) return lists.get(id) ?? undefined;
      const base = this.baseLists.get(id);
      return base && { ...base, pending: false };
    };
    const taskNow = (id: string): TaskView | undefined => {
      if (tasks.has(id)) return tasks.get(id) ?? undefined;
      const base = this.baseTasks.get(id);
      return base && listNow(base.listId) ? this.viewOf(base) : undefined;
    };
    for (const m of [...this.acked, ...this.queue]) {
      switch (m.event) {
        case 'list:create': {
          const { id, name } = m.payload;
          if (!id || this.baseLists.has(id) || lists.has(id)) break;
          lists.set(id, {
            id,
            name: name.trim(),
            ownerId: userId,
            role: 'owner',
            seq: 0,
            createdAt: m.at,
            updatedAt: m.at,
            pending: true,
          });
          break;
        }
        case 'list:rename': {
          const cur = listNow(m.payload.id);
          if (cur) lists.set(cur.id, { ...cur, name: m.payload.name.trim(), updatedAt: m.at });
          break;
        }
        case 'list:delete':
          if (listNow(m.payload.id)) lists.set(m.payload.id, null);
          break;
        case 'task:create': {
          const p = m.payload;
          if (!p.id || this.baseTasks.has(p.id) || tasks.has(p.id) || !listNow(p.listId)) break;
          tasks.set(p.id, {
            id: p.id,
            listId: p.listId,
            title: p.title.trim(),
            notes: p.notes ?? '',
            completed: false,
            completedAt: null,
            dueAt: isoOrSame(p.dueAt),
            priority: p.priority ?? 0,
            position: p.position ?? '',
            version: 1,
            seq: 0,
            createdBy: userId,
            updatedBy: userId,
            createdAt: m.at,
            updatedAt: m.at,
            pending: true,
          });
          break;
        }
        case 'task:update': {
          const cur = taskNow(m.payload.id);
          if (!cur) break;
          const base = this.baseTasks.get(cur.id);
          if (m.ackVersion !== undefined && base && base.version >= m.ackVersion) break; // in the replica already
          const patch = m.payload.patch;
          const next: TaskView = {
            ...cur,
            version: cur.version + 1,
            updatedBy: userId,
            updatedAt: m.at,
            pending: true,
          };
          if (patch.title !== undefined) next.title = patch.title.trim();
          if (patch.notes !== undefined) next.notes = patch.notes;
          if (patch.dueAt !== undefined) next.dueAt = isoOrSame(patch.dueAt);
          if (patch.priority !== undefined) next.priority = patch.priority;
          if (patch.position !== undefined) next.position = patch.position;
          if (patch.completed !== undefined && patch.completed !== cur.completed) {
            next.completed = patch.completed;
            next.completedAt = patch.completed ? m.at : null;
          }
          if (patch.listId !== undefined && patch.listId !== cur.listId) {
            if (!listNow(patch.listId)) break;
            next.listId = patch.listId;
          }
          tasks.set(cur.id, next);
          break;
        }
        case 'task:delete':
          if (taskNow(m.payload.id)) tasks.set(m.payload.id, null);
          break;
      }
    }
    return { tasks, lists };
  }

  /** Brings the view up to date and tells the app what changed (synchronously). */
  private commit(): void {
    if (this.syncState === 'idle' && this.buffered.length === 0 && this.acked.length > 0) {
      this.acked = []; // their effects are in the replica now
      this.saveQueueSoon();
    }
    const { tasks, lists } = this.replay();
    const same = <T extends object>(a: T | null | undefined, b: T | null | undefined): boolean => {
      if (a === b) return true;
      if (!a || !b) return false;
      const keys = Object.keys(a) as Array<keyof T>;
      return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
    };
    for (const id of new Set([...this.overlayTasks.keys(), ...tasks.keys()])) {
      const before = this.overlayTasks.get(id);
      const after = tasks.get(id);
      if (this.overlayTasks.has(id) === tasks.has(id) && same(before, after)) continue;
      for (const t of [before, after, this.baseTasks.get(id)]) if (t) this.touchTask(t.listId, id);
    }
    for (const id of new Set([...this.overlayLists.keys(), ...lists.keys()])) {
      if (this.overlayLists.has(id) === lists.has(id) && same(this.overlayLists.get(id), lists.get(id))) continue;
      this.listsChanged = true;
      this.touch(id);
    }
    this.overlayTasks = tasks;
    this.overlayLists = lists;
    if (this.replicaDirty) this.saveReplicaSoon();

    const listIds = [...this.touched];
    const listsChanged = this.listsChanged;
    this.touched = new Set();
    this.listsChanged = false;
    if (listsChanged) this.listCache = undefined; // before the tasks: a list's visibility may have changed
    for (const [id, ids] of this.dirty) this.patchSorted(id, ids);
    this.dirty.clear();
    const queueMoved = this.queue.length !== this.queueSeen;
    this.queueSeen = this.queue.length;
    if (listIds.length > 0 || listsChanged || queueMoved) {
      this.emit('change', { listIds, lists: listsChanged });
      for (const id of listIds) {
        const subs = this.subs.get(id);
        if (!subs) continue;
        const view = this.tasks(id);
        for (const cb of [...subs]) this.safely(() => cb(view));
      }
    }
    this.checkSynced();
  }

  lists(): ListView[] {
    return [...this.listViews().sorted];
  }

  list(id: string): ListView | undefined {
    return this.listViews().byId.get(id);
  }

  /** The lists as shown (replica with the queue on top), made again only when the list set, a name or a role changed. */
  private listViews(): { sorted: ListView[]; byId: Map<string, ListView> } {
    if (!this.listCache) {
      const out: ListView[] = [];
      for (const list of this.baseLists.values())
        if (!this.overlayLists.has(list.id)) out.push({ ...list, pending: false });
      for (const list of this.overlayLists.values()) if (list) out.push(list);
      this.listCache = { sorted: out.sort(compareLists), byId: new Map(out.map((l) => [l.id, l])) };
    }
    return this.listCache;
  }

  /** Brings a list's sorted view up to date: each changed task taken out of its place and put in its new one. */
  private patchSorted(listId: string, ids: Set<string> | 'all'): void {
    const cached = this.sortedCache.get(listId);
    if (!cached) return;
    if (ids === 'all' || ids.size > 64 || !this.list(listId)) {
      this.sortedCache.delete(listId);
      return;
    }
    const { sorted, byId } = cached;
    /** Where `view` is, or goes, in `sorted` (the key ends with the id, so no two tasks compare equal). */
    const place = (view: TaskView): number => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareTasks(sorted[mid], view) < 0) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const id of ids) {
      const old = byId.get(id);
      if (old) {
        sorted.splice(place(old), 1);
        byId.delete(id);
      }
      const view = this.task(id);
      if (view?.listId !== listId) continue;
      sorted.splice(place(view), 0, view);
      byId.set(id, view);
    }
  }

  tasks(listId: string): TaskView[] {
    let cached = this.sortedCache.get(listId);
    if (!cached) {
      const sorted: TaskView[] = [];
      if (this.list(listId)) {
        for (const id of this.byList.get(listId) ?? [])
          if (!this.overlayTasks.has(id)) sorted.push(this.viewOf(this.baseTasks.get(id)!));
        for (const task of this.overlayTasks.values()) if (task?.listId === listId) sorted.push(task);
        sorted.sort(compareTasks);
      }
      cached = { sorted, byId: new Map(sorted.map((t) => [t.id, t])) };
      this.sortedCache.set(listId, cached);
    }
    return [...cached.sorted];
  }

  task(id: string): TaskView | undefined {
    if (this.overlayTasks.has(id)) return this.overlayTasks.get(id) ?? undefined;
    const base = this.baseTasks.get(id);
    return base && this.list(base.listId) ? this.viewOf(base) : undefined;
  }

  subscribe(listId: string, cb: (tasks: TaskView[]) => void): () => void {
    let subs = this.subs.get(listId);
    if (!subs) this.subs.set(listId, (subs = new Set()));
    const entry = (tasks: TaskView[]) => cb(tasks);
    subs.add(entry);
    cb(this.tasks(listId));
    return () => {
      subs.delete(entry);
      if (subs.size === 0 && this.subs.get(listId) === subs) this.subs.delete(listId);
    };
  }

  on<E extends keyof ClientEvents>(event: E, cb: ClientEvents[E]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const entry = cb as (...args: never[]) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  private emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    for (const cb of [...(this.listeners.get(event) ?? [])])
      this.safely(() => (cb as unknown as (...a: Parameters<ClientEvents[E]>) => void)(...args));
  }

  /** An app callback that throws does not break the client: the error is thrown again on its own. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      setTimeout(() => {
        throw err;
      }, 0);
    }
  }

  pendingCount(): number {
    return this.queue.length;
  }

  synced(): Promise<void> {
    return new Promise((resolve) => {
      this.syncedWaiters.push(resolve);
      this.checkSynced();
    });
  }

  private checkSynced(): void {
    if (this.syncedWaiters.length === 0) return;
    const done =
      this.statusNow === 'online' &&
      this.syncState === 'idle' &&
      this.queue.length === 0 &&
      this.acked.length === 0 &&
      this.buffered.length === 0;
    if (!done) return;
    const waiters = this.syncedWaiters;
    this.syncedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---------------------------------------------------------------- mutations

  createList(name: string, id: string = uuid()): Promise<List> {
    return this.enqueue({ event: 'list:create', payload: { id, name, mutationId: uuid() }, at: now() });
  }

  renameList(id: string, name: string): Promise<List> {
    return this.enqueue({ event: 'list:rename', payload: { id, name, mutationId: uuid() }, at: now() });
  }

  deleteList(id: string): Promise<void> {
    return this.enqueue({ event: 'list:delete', payload: { id, mutationId: uuid() }, at: now() });
  }

  createTask(listId: string, fields: TaskFieldsInput): Promise<Task> {
    const { id = uuid(), ...rest } = fields;
    return this.enqueue({ event: 'task:create', payload: { ...rest, listId, id, mutationId: uuid() }, at: now() });
  }

  updateTask(id: string, patch: TaskPatch, opts: { expectedVersion?: number } = {}): Promise<Task> {
    const payload: Payload<'task:update'> & { mutationId: string } = { id, patch: { ...patch }, mutationId: uuid() };
    if (opts.expectedVersion !== undefined) payload.expectedVersion = opts.expectedVersion;
    return this.enqueue({ event: 'task:update', payload, at: now() });
  }

  deleteTask(id: string, opts: { expectedVersion?: number } = {}): Promise<void> {
    const payload: Payload<'task:delete'> & { mutationId: string } = { id, mutationId: uuid() };
    if (opts.expectedVersion !== undefined) payload.expectedVersion = opts.expectedVersion;
    return this.enqueue({ event: 'task:delete', payload, at: now() });
  }

  moveTask(id: string, before: string | null, after: string | null): Promise<Task> {
    const task = this.task(id);
    if (!task)
      return this.refuse(new TodoClientError('not_found', 'No such task', undefined, undefined, 'task:update'));
    const order = this.tasks(task.listId).filter((t) => t.id !== id);
    const at = (ref: string | null) => (ref === null ? undefined : order.findIndex((t) => t.id === ref));
    const [i, j] = [at(before), at(after)];
    if (i === -1 || j === -1)
      return this.refuse(
        new TodoClientError('not_found', 'A neighbour is not in the task’s list', undefined, undefined, 'task:update'),
      );
    // the gap after the upper neighbour (whichever of the two sorts first), or before the lower one
    let gap: number;
    if (i !== undefined && j !== undefined) gap = Math.min(i, j) + 1;
    else if (i !== undefined) gap = i + 1;
    else if (j !== undefined) gap = j;
    else gap = order.length;
    let placement: Placement;
    try {
      placement = place(order, gap);
    } catch (err) {
      return this.refuse(
        new TodoClientError('validation_error', (err as Error).message, undefined, undefined, 'task:update'),
      );
    }
    for (const k of placement.rekey) void this.updateTask(k.id, { position: k.position });
    return this.updateTask(id, { position: placement.position });
  }

  private refuse<T>(err: TodoClientError): Promise<T> {
    const p = Promise.reject(err);
    p.catch(noop);
    return p;
  }

  private enqueue<T>(m: Mutation): Promise<T> {
    if (!this.session)
      return this.refuse(new TodoClientError('unauthorized', 'Not logged in', undefined, undefined, m.event));
    const p = new Promise<T>((resolve, reject) => {
      this.waiters.set(m.payload.mutationId, { resolve, reject });
    });
    p.catch(noop); // an app that ignores the promise gets no unhandled rejection (the 'error' event tells)
    this.queue.push(m);
    this.saveQueueSoon();
    this.commit();
    void this.pump();
    return p;
  }

  /** Sends the queue, one mutation at a time, in order, while connected and in sync. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (
        !this.closed &&
        !this.authNeeded &&
        this.socket?.connected &&
        this.syncState === 'idle' &&
        this.backoffTimer === undefined &&
        this.queue.length > 0
      ) {
        const m = this.queue[0];
        await this.saveQueue(); // persisted before it is sent
        if (this.queue[0] !== m || !this.isConnected()) continue;
        let ack: Ack<unknown>;
        try {
          ack = await this.call(m.event, m.payload, ACK_TIMEOUT_MS);
        } catch {
          continue; // no ack: sent again, same mutationId, now (timeout) or once connected
        }
        if (this.queue[0] !== m) continue; // logged out meanwhile
        this.answered(m, ack);
      }
    } finally {
      this.pumping = false;
    }
  }

  private isConnected(): boolean {
    return this.socket?.connected === true;
  }

  /** The session changed (a logout or another login) or the client closed since `s` was read. */
  private stale(s: Session): boolean {
    return this.session !== s || this.closed;
  }

  private backoff(ms: number): void {
    clearTimeout(this.backoffTimer);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      void this.pump();
    }, ms);
  }

  private answered(m: Mutation, ack: Ack<unknown>): void {
    const waiter = this.waiters.get(m.payload.mutationId);
    if (ack.ok) {
      this.backoffMs = 200;
      this.queue.shift();
      this.acked.push(m);
      this.waiters.delete(m.payload.mutationId);
      const result = this.applyAnswer(m, ack.data);
      this.saveQueueSoon();
      this.commit();
      waiter?.resolve(result);
      return;
    }
    const { code } = ack.error;
    if (code === 'rate_limited' || code === 'unavailable' || (code === 'internal' && (m.failures ?? 0) < 4)) {
      if (code === 'internal') m.failures = (m.failures ?? 0) + 1;
      this.backoff(this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
      return;
    }
    if (code === 'unauthorized') {
      this.backoff(1000); // the server drops the socket; the handshake then tells the app
      return;
    }
    // refused: rolled back (the replay no longer holds it) and reported
    this.queue.shift();
    this.waiters.delete(m.payload.mutationId);
    const err = apiError(ack.error, m.event);
    if (code === 'conflict') {
      if (err.task) {
        if (this.baseLists.has(err.task.listId)) this.putTask(err.task);
      } else this.requestSync(); // moved meanwhile
    }
    this.saveQueueSoon();
    this.commit();
    this.emit('error', err);
    waiter?.reject(err);
  }

  /** Feeds an answer in as the events the other devices got; returns the promise's value. */
  private applyAnswer(m: Mutation, data: unknown): unknown {
    switch (m.event) {
      case 'task:create': {
        const { task } = data as AckData<'task:create'>;
        m.ackVersion = task.version;
        this.receive({ event: 'task:created', payload: { task } });
        return task;
      }
      case 'task:update': {
        const { task, from } = data as AckData<'task:update'>;
        m.ackVersion = task.version;
        if (from) this.receive({ event: 'task:deleted', payload: from });
        this.receive({ event: 'task:updated', payload: { task } });
        return task;
      }
      case 'task:delete':
        this.receive({ event: 'task:deleted', payload: data as TaskDeleted });
        return undefined;
      case 'list:create': {
        const { list } = data as AckData<'list:create'>;
        if (!this.cursors.has(list.id)) this.requestSync(); // as list:created: sync brings it with its cursor
        return list;
      }
      case 'list:rename': {
        const { list } = data as AckData<'list:rename'>;
        this.receive({ event: 'list:updated', payload: { list } });
        return list;
      }
      case 'list:delete':
        this.receive({ event: 'list:deleted', payload: data as AckData<'list:delete'> });
        return undefined;
    }
  }

  // ---------------------------------------------------------------- online-only calls

  private async online<E extends ClientEventName>(event: E, payload: Payload<E>): Promise<AckData<E>> {
    if (!this.socket?.connected || this.authNeeded) throw offlineError(event);
    let ack: Ack<AckData<E>>;
    try {
      ack = await this.call(event, payload, ACK_TIMEOUT_MS);
    } catch {
      throw offlineError(event);
    }
    if (!ack.ok) throw apiError(ack.error, event);
    return ack.data;
  }

  async members(listId: string): Promise<Member[]> {
    return (await this.online('list:members', { listId })).members;
  }

  async share(listId: string, email: string, role: 'editor' | 'viewer'): Promise<Member> {
    const data = await this.online('list:share', { listId, email, role });
    this.receive({ event: 'member:added', payload: data });
    this.commit();
    return data.member;
  }

  async unshare(listId: string, userId: string): Promise<void> {
    const data = await this.online('list:unshare', { listId, userId });
    this.receive({ event: 'member:removed', payload: data });
    this.commit();
  }

  leave(listId: string): Promise<void> {
    const userId = this.session?.user.id;
    if (!userId)
      return this.refuse(new TodoClientError('unauthorized', 'Not logged in', undefined, undefined, 'list:unshare'));
    return this.unshare(listId, userId);
  }

  async leaveAllFrom(ownerId: string): Promise<string[]> {
    const { listIds } = await this.online('lists:leave', { ownerId, mutationId: uuid() });
    this.dropLeft(listIds);
    return listIds;
  }

  async block(userId: string, opts: { leave?: boolean } = {}): Promise<{ block: Block; listIds: string[] }> {
    const payload = opts.leave ? { userId, leave: true, mutationId: uuid() } : { userId, mutationId: uuid() };
    const data = await this.online('user:block', payload);
    this.dropLeft(data.listIds);
    return data;
  }

  async unblock(userId: string): Promise<void> {
    await this.online('user:unblock', { userId, mutationId: uuid() });
  }

  async blocks(): Promise<Block[]> {
    return (await this.online('blocks:list', {})).blocks;
  }

  /**
   * Lists this user left (their ack carries no seqs, and this socket gets no member:removed): dropped
   * now. A sync running meanwhile may have read them before the leave: it runs again, and the server
   * names them in removedListIds.
   */
  private dropLeft(listIds: string[]): void {
    if (!listIds.length) return;
    for (const id of listIds) this.dropList(id);
    if (this.syncState === 'running') this.requestSync();
    this.commit();
  }

  // ---------------------------------------------------------------- persistence

  private replicaJson(): string {
    return JSON.stringify({
      v: FORMAT,
      userId: this.session?.user.id,
      lists: [...this.baseLists.values()],
      tasks: [...this.baseTasks.values()],
      cursors: Object.fromEntries(this.cursors),
      listsTag: this.listsTag,
    });
  }

  private queueJson(): string {
    return JSON.stringify({ v: FORMAT, userId: this.session?.user.id, queue: [...this.acked, ...this.queue] });
  }

  /** Writes `value` (undefined: removes) under `key`; writes go in call order, each with its key's latest value. */
  private write(key: string, value: string | undefined | (() => string | undefined)): void {
    this.latest.set(key, typeof value === 'function' ? value : () => value);
    this.writes = this.writes.then(async () => {
      const make = this.latest.get(key);
      if (!make) return;
      this.latest.delete(key);
      const v = make();
      await (v === undefined ? this.storage.remove(key) : this.storage.set(key, v)).catch(noop);
    });
  }

  /** Writes the queue at once (its JSON is made when the write runs, once for a burst of changes). */
  private saveQueueSoon(): void {
    if (!this.session || this.closed) return;
    const userId = this.session.user.id;
    this.write(KEYS.queue, () => (this.session?.user.id === userId ? this.queueJson() : undefined));
  }

  /** Resolves once the queue as it is now is stored (every change of it has called saveQueueSoon). */
  private saveQueue(): Promise<void> {
    return this.writes;
  }

  private saveReplicaSoon(): void {
    if (this.replicaTimer !== undefined || this.closed || !this.session) return;
    this.replicaTimer = setTimeout(() => {
      this.replicaTimer = undefined;
      if (!this.session || this.closed) return;
      this.replicaDirty = false;
      this.write(KEYS.replica, this.replicaJson());
    }, REPLICA_SAVE_MS);
  }
}

let lastAt = 0;
/** When a mutation is made: increasing, as the server's createdAt of a list's tasks is (so local ties keep their order). */
const now = (): string => {
  lastAt = Math.max(Date.now(), lastAt + 1);
  return new Date(lastAt).toISOString();
};

/** Loads the stored session, replica and queue, and connects when a session is stored. */
export async function createClient(options: ClientOptions): Promise<TodoClient> {
  const client = new Client(options);
  await client.load();
  return client;
}

export { positionBetween };
