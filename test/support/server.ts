/**
 * The tests' server: a real one in the test process on a loopback port (startServer, or useServer for
 * a describe block), and real clients (fetch, socket.io-client) that check what they hear against the
 * contract. A server as its own process, the TCP relay that cuts the network and the databases are the
 * kit's (dev/kit/), shared with the bench and the chaos run.
 */
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Sequelize } from 'sequelize';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  AckData,
  ClientEventName,
  ClientToServerEvents,
  ServerEventName,
  ServerToClientEvents,
  EventPayload,
} from '../../shared/events';
import type { Ack, ApiError, AuthResult, List, Task, TaskPage } from '../../shared/types';
import { createServer, type ServerParts } from '../../server/app';
import type { Config } from '../../server/core/config';
import { createLogger, type Logger } from '../../server/core/logger';
import { checkAck, checkConnectError, checkEvent, checkHttp } from './contract';
import { testDb } from './database';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    env: 'test',
    port: 0,
    host: '127.0.0.1',
    databaseUrl: testDb().url,
    jwtSecret: TEST_SECRET,
    jwtExpiresIn: 3600,
    bcryptRounds: 4,
    corsOrigins: [],
    dbPoolMax: 10,
    logLevel: 'silent',
    dataDir: '.data',
    authRateLimit: 1000,
    socketAdapter: 'postgres',
    webConcurrency: 1,
    redisUrl: process.env.TEST_REDIS_URL ?? '',
    redisKey: `todo-test-${String(process.pid)}`,
    socketEventsPerSecond: 50,
    userEventsPerSecond: 100_000,
    maxTasksPerList: 10_000,
    maxCommentsPerTask: 1000,
    maxListsPerUser: 1000,
    maxMembersPerList: 100,
    maxSocketsPerUser: 50,
    shareRateLimit: 100_000,
    loginFailureLimit: 10,
    trustProxy: false,
    sessionRecheckMs: 2000,
    maxBlocksPerUser: 1000,
    activityRetentionDays: 90,
    trashRetentionDays: 30,
    socketUnsentBytes: 1024 * 1024,
    socketUnsentMaxBytes: 4 * 1024 * 1024,
    userReadsAtOnce: 2,
    requestTimeoutMs: 10_000,
    maxAnonymousPerAddress: 1000, // tests open many sockets at once from 127.0.0.1; test/realtime/anonymous.test.ts tries the bounds
    maxAnonymous: 5000,
    passwordHashConcurrency: 2,
    passwordHashQueue: 1000, // tests register many users at once; test/http/passwords.test.ts tries the bound
    maxPresenceListsPerSocket: 20,
    presenceNodeTtlMs: 30_000,
    ...overrides,
  };
}

/** What the HTTP and socket helpers need of a server: an in-process TestServer or a spawned one. */
export type Reachable = Pick<TestServer, 'url'>;

export interface TestServer {
  url: string;
  parts: ServerParts;
  close(): Promise<void>;
}

/** How startServer runs the server, beside its configuration. */
export interface StartOptions {
  /** Default: the test database's pool. */
  sequelize?: Sequelize;
  /** Default: silent, or TEST_LOG_LEVEL to stdout. */
  logger?: Logger;
  /** The loopback port to listen on (default 0: any); a restart may take the port it had. */
  port?: number;
}

/** Starts a server on 127.0.0.1 with testConfig(overrides), on the test database's pool unless `sequelize` is given. */
export async function startServer(
  overrides: Partial<Config> = {},
  { sequelize = testDb().sequelize, logger, port = 0 }: StartOptions = {},
): Promise<TestServer> {
  const config = testConfig(overrides);
  const parts = createServer(config, {
    sequelize,
    logger: logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  await new Promise<void>((resolve, reject) => {
    parts.httpServer.once('error', reject);
    parts.httpServer.listen(port, '127.0.0.1', () => {
      parts.httpServer.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = parts.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, parts, close: () => parts.close() };
}

/**
 * A server for a describe block: started in its `before` (registered here, so before the block's own
 * hooks that come later) and closed in its `after`. Answers an accessor, `server()`, valid from the
 * block's first hook on.
 */
export function useServer(overrides: Partial<Config> = {}, options: StartOptions = {}): () => TestServer {
  let server: TestServer | undefined;
  before(async () => {
    server = await startServer(overrides, options);
  });
  after(async () => {
    await server?.close(); // unset if before() failed
    server = undefined;
  });
  return () => {
    if (!server) throw new Error("useServer(): the server runs from the block's before() to its after()");
    return server;
  };
}

/**
 * Resolves once every node's Socket.IO adapter has heard of all the others (their heartbeats), so
 * that counts over all nodes (fetchSockets) include them; the adapter tells of a new node by no event,
 * so this looks every 25 ms, for at most 15 s (the adapters' heartbeat comes every 5 s, later on a loaded machine).
 */
export async function cluster(...nodes: TestServer[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  const counts = () => Promise.all(nodes.map((n) => n.parts.io.of('/').adapter.serverCount()));
  while ((await counts()).some((c) => c < nodes.length)) {
    if (Date.now() > deadline)
      throw new Error(`the nodes did not all see each other within 15 s: ${(await counts()).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * An HTTP answer; `T` is the body the caller expects (the shared/types.ts entity for the route, or
 * ApiErrorBody for an error answer): not checked, as the test's assertions do that.
 */
export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** The body of every error answer (docs/api.md). */
export interface ApiErrorBody {
  error: ApiError;
}

/** A JSON request; `body` may be a string to send as is. */
export async function request<T = unknown>(
  server: Reachable,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(server.url + path, {
    method,
    headers,
    body: typeof opts.body === 'string' ? opts.body : opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  // every answer is checked against the OpenAPI document: a mismatch fails the test that made the request
  checkHttp(method, path, {
    status: res.status,
    contentType: res.headers.get('content-type'),
    text,
    body,
    headers: res.headers,
  });
  return { status: res.status, body: body as T, headers: res.headers };
}

export interface TestUser extends AuthResult {
  email: string;
  password: string;
}

let userCounter = 0;

/** Registers a fresh user over HTTP. */
export async function registerUser(server: Reachable, name = `User ${++userCounter}`): Promise<TestUser> {
  const email = `u${crypto.randomBytes(6).toString('hex')}@example.com`;
  const password = 'correct horse battery';
  const res = await request<AuthResult>(server, 'POST', '/api/auth/register', { body: { email, password, name } });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, email, password };
}

export type ConnectOptions = Partial<ManagerOptions & SocketOptions>;

/**
 * A connected socket (a "device") of the user holding `token`, or made with these socket.io-client
 * options (a hand-made handshake); rejects with the connect_error.
 */
export function connect(server: Reachable, token: string | ConnectOptions): Promise<ClientSocket> {
  const opts = typeof token === 'string' ? { auth: { token } } : token;
  return new Promise((resolve, reject) => {
    const socket: ClientSocket = io(server.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      ...opts,
    });
    watchEvents(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      // a refusal by the server (not a transport failure) is one of the documented handshake messages
      if (!('type' in err) && err.message !== 'timeout') checkConnectError(err.message);
      reject(err);
    });
  });
}

/** Opens a device of the user holding `token`, on the block's server or `on`; see devices(). */
export type Open = (token: string, on?: TestServer) => Promise<ClientSocket>;

/**
 * Devices for a describe block: `open(token)` connects to the block's server (or `on`), and every
 * socket opened in a test (or its beforeEach) is closed after it.
 */
export function devices(server?: () => TestServer): Open {
  let sockets: ClientSocket[] = [];
  afterEach(() => {
    sockets.forEach((s) => s.close());
    sockets = [];
  });
  return async (token, on = server?.()) => {
    if (!on) throw new Error('devices(): no server given');
    const socket = await connect(on, token);
    sockets.push(socket);
    return socket;
  };
}

const watched = new WeakSet<ClientSocket>();

/**
 * Checks every server event `socket` receives against the AsyncAPI document (connect() and the event
 * helpers call it; once per socket). A mismatch is thrown outside the socket's own code, as an uncaught
 * exception: mocha fails the test that is running with it.
 */
export function watchEvents(socket: ClientSocket): void {
  if (watched.has(socket)) return;
  watched.add(socket);
  socket.onAny((event: string, payload: unknown) => {
    try {
      checkEvent(event, payload);
    } catch (err) {
      setImmediate(() => {
        throw err;
      });
    }
  });
}

/** Emits with an ack and resolves with the ack (rejects if none comes within the timeout). */
export async function call<E extends ClientEventName>(
  socket: ClientSocket,
  event: E,
  payload: unknown,
  timeoutMs = 5000,
): Promise<Ack<AckData<E>>> {
  // the payload is unknown on purpose (tests send hostile ones), so emitWithAck is called untyped
  const timed = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(event: E, payload: unknown): Promise<Ack<AckData<E>>>;
  };
  const ack = await timed.emitWithAck(event, payload);
  checkAck(event, ack); // against the AsyncAPI document: a mismatch fails the test that sent the event
  return ack;
}

/** Like call, but fails unless the ack is ok; returns its data. */
export async function ok<E extends ClientEventName>(
  socket: ClientSocket,
  event: E,
  payload: unknown,
): Promise<AckData<E>> {
  const ack = await call(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** The next `event` on `socket` (optionally the next one matching `filter`), or a timeout error. */
export function next<E extends ServerEventName>(
  socket: ClientSocket,
  event: E,
  filter: (p: EventPayload<E>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<EventPayload<E>> {
  watchEvents(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on as never);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (payload: EventPayload<E>) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      socket.off(event, on as never);
      resolve(payload);
    };
    socket.on(event, on as never);
  });
}

/** The user's Inbox id (every user has one from registration). */
export async function inboxOf(server: Reachable, token: string): Promise<string> {
  const res = await request<{ lists: List[] }>(server, 'GET', '/api/lists', { token });
  const inbox = res.body.lists.find((l) => l.name === 'Inbox');
  if (!inbox) throw new Error(`no Inbox: ${res.status} ${JSON.stringify(res.body)}`);
  return inbox.id;
}

/**
 * The list's seq and live tasks as GET /api/lists/:id/tasks answers them, every page followed
 * (the list must not change meanwhile: every page must answer the same seq).
 */
export async function tasksOf(
  server: Reachable,
  token: string,
  listId: string,
): Promise<{ tasks: Task[]; seq: number }> {
  const tasks: Task[] = [];
  let seq: number | undefined;
  let after: string | null = null;
  do {
    const query: string = after === null ? '' : `?after=${after}`;
    const res = await request<TaskPage>(server, 'GET', `/api/lists/${listId}/tasks${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.have.all.keys('tasks', 'seq', 'next');
    if (seq !== undefined) expect(res.body.seq, 'the list changed between pages').to.equal(seq);
    seq = res.body.seq;
    tasks.push(...res.body.tasks);
    after = res.body.next;
  } while (after !== null);
  return { tasks, seq };
}
