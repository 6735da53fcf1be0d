/**
 * Load mode of `npm run bench` (`npm run bench -- --load`), modelled on the load script of an external
 * side-by-side harness: one server process on a fresh database, rate limits raised so that the load is
 * not refused.
 *   1. registers max(BENCH_USERS, BENCH_SOCKETS / BENCH_DEVICES) accounts over HTTP (each gets an Inbox)
 *   2. connect: BENCH_SOCKETS idle sockets (BENCH_DEVICES per user), BENCH_CONNECT_CONCURRENCY at a time:
 *      connects/s, connect latency, server RSS per idle socket; then they close
 *   3. mutate: BENCH_USERS users × BENCH_DEVICES devices; device 0 of each user makes BENCH_MUTATIONS
 *      mutations in its Inbox (creates, then updates of them), BENCH_WINDOW in flight, each with a
 *      mutationId; the user's other devices must receive every change. Acked mutations/s, ack and fan-out
 *      latency, broadcasts lost (after a bounded drain), server and PostgreSQL CPU, server RSS.
 * Progress on stderr; a table and one JSON line on stdout. Loopback only; every loop is bounded in count
 * and by one deadline (BENCH_MAX_SECONDS).
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { spawnServer, type SpawnedServer } from '../dev/kit';
import type { AuthResult, List } from '../shared/types';
import { call, JWT_SECRET, log, type BenchDatabase } from './common';
import { figures, print, type ConnectFigures, type MutateFigures } from './load-report';
import { cpuNow, cpuSeconds, machineBusy, PgCpu, rssMB } from './proc';
import { params } from './load-params';
import { Session } from './session';

interface Account {
  token: string;
  listId?: string;
}

/** fn(0..n-1), at most `c` at a time, none started after the deadline; rejections are counted, not thrown. */
async function pool<T>(
  n: number,
  c: number,
  overdue: () => boolean,
  fn: (i: number) => Promise<T>,
  done?: (k: number) => void,
): Promise<{ out: (T | undefined)[]; errors: string[] }> {
  const out = new Array<T | undefined>(n);
  const errors: string[] = [];
  let next = 0;
  let finished = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, c) }, async () => {
      while (next < n && !overdue()) {
        const i = next++;
        try {
          out[i] = await fn(i);
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
        done?.(++finished);
      }
    }),
  );
  return { out, errors };
}

/** Logs "<label> k of n" at most once a second, and at the end. */
function progress(label: string, total: number): (k: number) => void {
  let last = 0;
  return (k) => {
    const now = Date.now();
    if (k === total || now - last >= 1000) {
      last = now;
      log(`${label}: ${k} of ${total}`);
    }
  };
}

async function post(url: string, body: object, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

async function register(url: string, i: number, withInbox: boolean): Promise<Account> {
  const r = await post(`${url}/api/auth/register`, {
    email: `bench-u${i}@example.com`,
    password: 'bench-password-1',
    name: `u${i}`,
  });
  if (r.status !== 201) throw new Error(`register: HTTP ${r.status}`);
  const { token } = (await r.json()) as AuthResult;
  if (!withInbox) return { token };
  const lists = await fetch(`${url}/api/lists`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(15_000),
  });
  if (!lists.ok) throw new Error(`GET /api/lists: HTTP ${lists.status}`);
  const inbox = ((await lists.json()) as { lists: List[] }).lists[0] as List | undefined;
  if (!inbox) throw new Error('no Inbox after registration');
  return { token, listId: inbox.id };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startServer(db: BenchDatabase, D: number): Promise<SpawnedServer> {
  const raised = '100000';
  return spawnServer({
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      BCRYPT_ROUNDS: '10',
      NODE_ENV: 'production',
      // the load is far above a client's allowance: raised, so that it is measured and not refused
      AUTH_RATE_LIMIT: raised,
      SOCKET_EVENTS_PER_SECOND: raised,
      USER_EVENTS_PER_SECOND: raised,
      MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: raised, // BENCH_CONNECT_CONCURRENCY handshakes at once from one address
      ...(D > 50 ? { MAX_SOCKETS_PER_USER: String(D) } : {}),
    },
  });
}

/** 1. accounts, before anything is timed (a bcrypt hash each). */
async function registerAccounts(s: Session, url: string): Promise<Account[]> {
  const { users: U, devices: D, sockets: N } = s.P;
  const accountCount = Math.max(U, Math.ceil(N / D));
  const reg = await s.bounded(
    pool(accountCount, 8, s.overdue, (i) => register(url, i, i < U), progress('registering', accountCount)),
    'registering',
  );
  if (reg.errors.length) throw new Error(`${reg.errors.length} registrations failed: ${reg.errors[0]}`);
  if (reg.out.some((a) => !a)) throw new Error('registering: past the deadline (BENCH_MAX_SECONDS)');
  return reg.out as Account[];
}

/** 2. connect: N idle sockets, D per user; then they close. */
async function connectIdle(s: Session, url: string, pid: number, accounts: Account[]): Promise<ConnectFigures> {
  const { devices: D, sockets: N, concurrency: C } = s.P;
  const connectLat: number[] = [];
  await sleep(1000);
  const connRss0 = rssMB(pid);
  const connCpu0 = cpuSeconds(pid);
  const connT0 = performance.now();
  const conn = await s.bounded(
    pool(
      N,
      C,
      s.overdue,
      async (i) => {
        const t = performance.now();
        const socket = await s.connect(url, accounts[Math.floor(i / D)].token);
        connectLat.push(performance.now() - t);
        return socket;
      },
      progress('connecting idle sockets', N),
    ),
    'connecting',
  );
  const connSecs = (performance.now() - connT0) / 1000;
  const connCpu = (cpuSeconds(pid) ?? NaN) - (connCpu0 ?? NaN);
  await sleep(1000);
  const connRss1 = rssMB(pid);
  const connected = conn.out.filter(Boolean).length;
  s.closeAll();
  connectLat.sort((a, b) => a - b);
  await sleep(1000);
  return { connectLat, errors: conn.errors, connSecs, connCpu, connRss0, connRss1, connected };
}

/** What the users' other devices received of the timed mutations. */
interface Fanout {
  /** title -> send time; `u<user>-<n>` is unique per mutation */
  sent: Map<string, number>;
  received: number;
  echo: number;
  foreign: number;
  unknown: number;
  lastReceived: number;
  fanout: number[];
}

/** Counts, on every socket, the task events of the timed mutations. */
function listen(sockets: (Socket | undefined)[], D: number): Fanout {
  const f: Fanout = { sent: new Map(), received: 0, echo: 0, foreign: 0, unknown: 0, lastReceived: 0, fanout: [] };
  sockets.forEach((s, i) => {
    const user = Math.floor(i / D);
    const onEvent = (payload: { task?: { title?: unknown } } | undefined) => {
      const t = performance.now();
      const title = payload?.task?.title;
      if (typeof title !== 'string' || title.startsWith('warm-')) return;
      const t0 = f.sent.get(title);
      if (t0 === undefined) f.unknown++;
      else if (!title.startsWith(`u${user}-`)) f.foreign++;
      else if (i % D === 0)
        f.echo++; // the sender's own socket: not expected
      else {
        f.received++;
        f.lastReceived = t;
        f.fanout.push(t - t0);
      }
    };
    s!.on('task:created', onEvent).on('task:updated', onEvent);
  });
  return f;
}

/** Device 0 of user u: `count` mutations, creates then updates of them, W in flight. */
function driver(session: Session, sockets: (Socket | undefined)[], accounts: Account[], f: Fanout, acks: Acks) {
  const { devices: D, window: W } = session.P;
  const { ackLat, errors } = acks;
  const { sent } = f;
  const overdue = session.overdue;
  return async (u: number, count: number, prefix: string, onAck: () => void) => {
    const s = sockets[u * D]!;
    const listId = accounts[u].listId!;
    const mine: string[] = [];
    let k = 0;
    await Promise.all(
      Array.from({ length: Math.min(W, count) }, async () => {
        while (k < count && !overdue()) {
          const n = k++;
          const title = `${prefix}${u}-${n}`;
          const t = performance.now();
          if (prefix === 'u') sent.set(title, t);
          try {
            if (n % 2 && mine.length)
              await call(s, 'task:update', {
                id: mine[(n >> 1) % mine.length],
                patch: { title, completed: n % 4 === 3 },
                mutationId: randomUUID(),
              });
            else mine.push((await call(s, 'task:create', { listId, title, mutationId: randomUUID() })).task.id);
            if (prefix === 'u') ackLat.push(performance.now() - t);
          } catch (err) {
            if (prefix === 'u') errors.push(err instanceof Error ? err.message : String(err));
          }
          onAck();
        }
      }),
    );
  };
}

/** The acks of the timed mutations: their latencies, and the errors. */
interface Acks {
  ackLat: number[];
  errors: string[];
}

/** 3. mutate: U users × D devices, after a short warm-up. */
async function mutate(s: Session, url: string, pid: number, accounts: Account[], pgCpu: PgCpu): Promise<MutateFigures> {
  const { users: U, devices: D, mutations: M, concurrency: C } = s.P;
  const sockets = (
    await s.bounded(
      pool(
        U * D,
        C,
        s.overdue,
        (i) => s.connect(url, accounts[Math.floor(i / D)].token),
        progress('connecting', U * D),
      ),
      'connecting',
    )
  ).out;
  const missing = sockets.filter((x) => !x).length;
  if (missing) throw new Error(`${missing} of ${U * D} devices could not connect`);
  const f = listen(sockets, D);
  const acks: Acks = { ackLat: [], errors: [] };
  const drive = driver(s, sockets, accounts, f, acks);

  // a short warm-up, not counted: 20 mutations on each of the first 10 users
  log('warming up');
  await s.bounded(
    Promise.all(Array.from({ length: Math.min(U, 10) }, (_, u) => drive(u, 20, 'warm-', () => undefined))),
    'warming up',
  );
  await sleep(500);

  const total = U * M;
  const tick = progress('mutations', total);
  let finished = 0;
  const rss0 = rssMB(pid);
  const cpu0 = cpuSeconds(pid);
  const gen0 = cpuNow();
  const busy0 = machineBusy();
  pgCpu.start();
  const t0 = performance.now();
  let lastAck = t0;
  await s.bounded(
    Promise.all(
      Array.from({ length: U }, (_, u) =>
        drive(u, M, 'u', () => {
          lastAck = performance.now();
          tick(++finished);
        }),
      ),
    ),
    'mutating',
  );
  const expected = acks.ackLat.length * (D - 1);
  log(`draining: ${f.received} of ${expected} broadcasts received`);
  for (let i = 0; i < s.P.drainMs / 10 && f.received < expected && !s.overdue(); i++) await sleep(10);
  const serverCpu = (cpuSeconds(pid) ?? NaN) - (cpu0 ?? NaN);
  const pgSecs = await pgCpu.stop();
  const genCpu = cpuNow() - gen0;
  const busy = machineBusy() - busy0;
  const rss1 = rssMB(pid);
  const rssPeak = rssMB(pid, 'VmHWM');
  const secs = (lastAck - t0) / 1000;
  s.closeAll();
  acks.ackLat.sort((a, b) => a - b);
  f.fanout.sort((a, b) => a - b);
  return { ...acks, ...f, total, expected, lastAck, secs, serverCpu, pgSecs, genCpu, busy, rss0, rss1, rssPeak };
}

export async function load(db: BenchDatabase): Promise<void> {
  const s = new Session(params());
  let server: SpawnedServer | undefined;
  const pgCpu = await PgCpu.open(db);
  try {
    log(`load: starting the server (database ${db.name}${db.embedded ? ', embedded PostgreSQL' : ''})`);
    server = await startServer(db, s.P.devices);
    const { url, pid } = server;
    const accounts = await registerAccounts(s, url);
    const conn = await connectIdle(s, url, pid, accounts);
    const mut = await mutate(s, url, pid, accounts, pgCpu);
    const r = figures(db, s.P, conn, mut, pgCpu.reason);
    print(r);
    if (mut.errors.length || conn.errors.length || r.lost) {
      log(`the server's last output:\n${server.output().trim().split('\n').slice(-20).join('\n')}`);
      // nothing measured is a failure; errors and losses are figures, reported above
      if (!mut.ackLat.length || !conn.connected) process.exitCode = 1;
    }
  } finally {
    s.closeAll();
    await pgCpu.close();
    const code = await server?.stop();
    if (code) log(`the server exited with ${code}:\n${server!.output().trim()}`);
  }
}
