/**
 * The chaos run (`npm run chaos`, bench/chaos.ts; a short one in test/chaos.test.ts): server nodes
 * as separate processes on one fresh database, devices doing random mutations through an outbox
 * (dev/chaos-client.ts) with random disconnects, and faults made on purpose:
 *   - kill:   a node killed with SIGKILL, restarted on its port a moment later;
 *   - db:     every database connection of every node cut, new ones refused for a while
 *             (the nodes' DATABASE_URL goes through a TCP proxy, dev/tcp-proxy.ts);
 *   - commit: the answer of the next COMMIT of a transaction that records a mutation id (a list
 *             change) cut after the COMMIT went through;
 *   - answer: the answer of the next task function call (one statement, its own transaction) cut;
 *   - lost:   the canary's own task change: its answer cut, and at that moment every database
 *             connection cut and new ones refused for a while, so that the server cannot read
 *             whether it committed (it did); its retry is then answered from the mutation record;
 *   - redis:  every Redis connection cut and refused for a while (SOCKET_ADAPTER=redis only).
 * Then, with the faults over and the outboxes drained, without any sync forced: every device must
 * hold exactly what a fresh sync of its user shows, and every acknowledged mutation must be in the
 * database exactly once. Loopback only; every wait is bounded.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { AckData, ClientEventName, ClientToServerEvents, ServerToClientEvents } from '../shared/events';
import type { Ack, AuthResult, List, SyncResult, Task } from '../shared/types';
import { Device, newCounters, type DeviceCounters, type Mutation, type Snapshot } from './chaos-client';
import { createDatabase, dropDatabase } from './databases';
import { freePort } from './free-port';
import { spawnServer, type SpawnedServer } from './spawn-server';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export const FAULT_KINDS = ['kill', 'db', 'commit', 'answer', 'lost', 'redis'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  /** A PostgreSQL server's URL: the run makes its own database there and drops it at the end. */
  databaseServerUrl: string;
  adapter: 'postgres' | 'redis';
  /** Redis for adapter redis (its connections go through a proxy). */
  redisUrl?: string;
  nodes: number;
  sockets: number;
  users: number;
  /** How long mutations and faults go on. */
  seconds: number;
  /** Mutations a second over all devices. */
  rate: number;
  /** Random disconnects a second over all devices. */
  dropsPerSecond: number;
  /** The faults, in order, spread over the run. */
  faults: FaultKind[];
  /** How long a db or redis cut lasts, and a killed node stays down. */
  outageMs: number;
  /** After the outboxes drain: how long the devices get to hold the database's state. */
  convergeMs: number;
  /** Progress lines. */
  log: (line: string) => void;
  /** Ends the run early (the nodes are stopped and the database dropped all the same). */
  signal?: AbortSignal;
}

export const DEFAULTS = {
  adapter: 'postgres',
  nodes: 3,
  sockets: 300,
  users: 60,
  seconds: 60,
  rate: 50,
  outageMs: 2_000,
  convergeMs: 20_000,
} as const;

/** Faults for a run of `seconds`: the cycle kill, db, commit, answer, lost (, redis) repeated, one about every 10 s. */
export function defaultFaults(seconds: number, adapter: 'postgres' | 'redis'): FaultKind[] {
  const cycle: FaultKind[] =
    adapter === 'redis'
      ? ['kill', 'db', 'redis', 'commit', 'answer', 'lost']
      : ['kill', 'db', 'commit', 'answer', 'lost'];
  const n = Math.max(cycle.length, Math.floor(seconds / 10));
  return Array.from({ length: n }, (_, i) => cycle[i % cycle.length]);
}

export interface FaultRecord {
  kind: FaultKind;
  /** Seconds into the run. */
  at: number;
  /** What was hit (a node, connections cut). */
  detail: string;
  /** Milliseconds from the end of the fault until every device held a change made after it; null if not within convergeMs. */
  convergeMs: number | null;
  /** Milliseconds until that change (the canary's) was acknowledged. */
  canaryAckMs: number | null;
}

export interface ChaosReport {
  adapter: string;
  nodes: number;
  sockets: number;
  users: number;
  lists: number;
  seconds: number;
  mutations: {
    queued: number;
    acked: number;
    refused: Record<string, number>;
    unanswered: number;
    attempts: number;
    attemptsWithoutAnswer: number;
    retriedAnswers: Record<string, number>;
    byEvent: Record<string, number>;
  };
  faults: FaultRecord[];
  faultsByKind: Record<string, number>;
  counters: DeviceCounters;
  randomDrops: number;
  checks: {
    createdChecked: number;
    tasksVersionChecked: number;
    listsSeqChecked: number;
    seqsOwned: number;
    lost: number;
    duplicated: number;
    divergentDevices: number;
    problems: string[];
  };
  /** Milliseconds from the drained outboxes until every device held the database's state; null if never. */
  convergeMs: number | null;
  /** Nodes that exited without being killed. */
  crashes: string[];
  /** The nodes' warnings and errors, by message (all nodes together; at least, as read from each node's last output). */
  nodeWarnings: Record<string, number>;
  /** The first stack seen of each, for the errors and unhandled rejections. */
  nodeStacks: Record<string, string>;
  ok: boolean;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Payload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];

const JWT_SECRET = 'chaos-secret-chaos-secret-chaos-secret-0123456789';
const PASSWORD = 'chaos-password-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];
const short = () => randomUUID().slice(0, 8);
const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};
const addCounters = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
};

/** One socket used once (setup, a fresh read), not a device. */
function plainSocket(url: string, token: string): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const s: ClientSocket = io(url, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

async function ask<E extends ClientEventName>(s: ClientSocket, event: E, payload: Payload<E>): Promise<AckData<E>> {
  const ack = (await (s.timeout(15_000).emitWithAck as (e: string, p: unknown) => Promise<unknown>)(
    event,
    payload,
  )) as Ack<AckData<E>>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Retries `fn` (a setup step that may meet a node still starting) a few times. */
async function retry<T>(fn: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await sleep(300 * i);
    }
  }
}

/** The whole state a user sees now, by a fresh client: sync without cursors, page by page. */
async function freshState(url: string, token: string): Promise<Snapshot> {
  const s = await plainSocket(url, token);
  try {
    const lists = new Map<string, List>();
    const tasks = new Map<string, Task>();
    let cursors: Record<string, number> = {};
    for (let page = 0; page < 1000; page++) {
      const r: SyncResult = await ask(s, 'sync', page === 0 ? {} : { cursors });
      for (const l of r.lists) lists.set(l.id, l);
      for (const t of r.tasks) tasks.set(t.id, t);
      for (const d of r.deleted) if (tasks.get(d.id)?.listId === d.listId) tasks.delete(d.id);
      cursors = r.cursors;
      if (!r.more) break;
    }
    return {
      lists: Object.fromEntries([...lists.values()].map((l) => [l.id, l.name])),
      tasks: Object.fromEntries([...tasks.values()].map((t) => [t.id, t])),
      cursors,
    };
  } finally {
    s.close();
  }
}

/** How two snapshots differ, in a few words (empty when equal). */
function differences(held: Snapshot, truth: Snapshot): string[] {
  const out: string[] = [];
  for (const id of new Set([...Object.keys(held.lists), ...Object.keys(truth.lists)]))
    if (held.lists[id] !== truth.lists[id])
      out.push(`list ${id}: held ${held.lists[id] ?? 'nothing'}, database ${truth.lists[id] ?? 'nothing'}`);
  for (const id of new Set([...Object.keys(held.cursors), ...Object.keys(truth.cursors)]))
    if (held.cursors[id] !== truth.cursors[id])
      out.push(`cursor of ${id}: held ${held.cursors[id] ?? 'none'}, database ${truth.cursors[id] ?? 'none'}`);
  for (const id of new Set([...Object.keys(held.tasks), ...Object.keys(truth.tasks)])) {
    const [a, b] = [held.tasks[id] as Task | undefined, truth.tasks[id] as Task | undefined];
    if (!isDeepStrictEqual(a, b))
      out.push(
        `task ${id} (list ${(a ?? b)!.listId}): held ${a ? `v${a.version} seq ${a.seq}` : 'nothing'}, database ${b ? `v${b.version} seq ${b.seq}` : 'nothing'}`,
      );
  }
  return out;
}

interface User {
  id: string;
  email: string;
  token: string;
  inbox: string;
  /** Its own second list, shared with three others. */
  shared: string;
}

class Node {
  server: SpawnedServer | undefined;
  killed = false;
  /** Its warnings and errors by message (from its log, read every second), and the first stack of each. */
  readonly warnings: Record<string, number> = {};
  readonly stacks: Record<string, string> = {};
  private readonly seen = new Set<string>();
  private reader: NodeJS.Timeout | undefined;
  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onCrash: (what: string) => void,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = await spawnServer({ env: this.env, port: this.port, timeoutMs: 90_000 });
    this.server = server;
    this.killed = false;
    clearInterval(this.reader);
    this.reader = setInterval(() => this.readLog(), 500);
    void server.exited.then((code) => {
      this.readLog();
      if (!this.killed && this.server === server)
        this.onCrash(
          `node ${this.index} exited with ${code ?? 'a signal'}:\n${server.output().trim().split('\n').slice(-15).join('\n')}`,
        );
    });
  }

  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.killed = true;
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // it had exited already (a crash, reported by onCrash)
    }
    await server.exited;
  }

  async stop(): Promise<void> {
    this.killed = true;
    await this.server?.stop();
    clearInterval(this.reader);
    this.readLog();
  }

  /** Counts the warning and error lines (pino JSON) not seen before in what the process printed last. */
  private readLog(): void {
    const lines = this.server?.output().split('\n') ?? [];
    const seenNow = new Set<string>();
    for (const line of lines) {
      if (!line.startsWith('{') || !line.endsWith('}')) continue;
      seenNow.add(line);
      if (this.seen.has(line)) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string; stack?: string } };
        if ((entry.level ?? 0) < 40) continue;
        const what = `${entry.msg ?? '?'}${entry.err?.message ? `: ${entry.err.message.slice(0, 120)}` : ''}`;
        bump(this.warnings, what);
        if (entry.err?.stack && !Object.hasOwn(this.stacks, what))
          this.stacks[what] = entry.err.stack.split('\n').slice(0, 8).join('\n');
      } catch {
        // a line cut at the start of the kept output
      }
    }
    this.seen.clear();
    for (const line of seenNow) this.seen.add(line);
  }
}

/** Runs the chaos run; resolves with what it did and what it found (never throws for a finding). */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const o = options;
  if (o.users < 4) throw new Error('at least 4 users');
  if (o.users > 99) throw new Error('at most 99 users (each is a member of the canary list, 100 members at most)');
  if (o.sockets < o.users) throw new Error('at least one socket per user');
  if (o.adapter === 'redis' && !o.redisUrl) throw new Error('the redis adapter needs a Redis URL');
  const log = o.log;
  const aborted = () => o.signal?.aborted === true;
  const stillOn = () => {
    if (aborted()) throw new Error('the chaos run was stopped');
  };
  /** Waits `ms`, or less when the run is stopped. */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (aborted()) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      o.signal?.addEventListener('abort', done, { once: true });
    });
  const db = await createDatabase(o.databaseServerUrl, 'todo_chaos');
  const dbTarget = new URL(db.url);
  const dbProxy = await startTcpProxy({ host: dbTarget.hostname, port: Number(dbTarget.port || 5432) });
  let redisProxy: TcpProxy | undefined;
  if (o.adapter === 'redis') {
    const r = new URL(o.redisUrl!);
    redisProxy = await startTcpProxy({ host: r.hostname, port: Number(r.port || 6379) });
  }
  const crashes: string[] = [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbProxy.through(db.url),
    JWT_SECRET,
    BCRYPT_ROUNDS: '4',
    SOCKET_ADAPTER: o.adapter,
    ...(redisProxy ? { REDIS_URL: redisProxy.through(o.redisUrl!), REDIS_KEY: `chaos-${process.pid}-${short()}` } : {}),
    // the run is many clients from one address, far above one client's allowance
    AUTH_RATE_LIMIT: '1000000',
    SOCKET_EVENTS_PER_SECOND: '10000',
    USER_EVENTS_PER_SECOND: '10000',
    SHARE_RATE_LIMIT: '100000',
    MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: '100000', // every device reconnects at once when its node restarts
  };
  const nodes: Node[] = [];
  const onCrash = (what: string) => {
    crashes.push(what);
    log(`chaos: ${what}`);
  };
  for (let i = 0; i < o.nodes; i++) nodes.push(new Node(i, await freePort(), env, onCrash));
  const devices: Device[] = [];
  const others: Device[] = []; // the canary
  const intervals: NodeJS.Timeout[] = [];
  const counters = newCounters();
  const mutations: Mutation[] = [];
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;

  try {
    log(
      `chaos: ${o.nodes} nodes (${o.adapter} adapter), ${o.sockets} sockets over ${o.users} users, ${o.seconds} s, faults ${o.faults.join(', ') || 'none'}`,
    );
    // one node first (it migrates the database), then the others
    await nodes[0].start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
    log(`chaos: nodes up on ports ${nodes.map((n) => n.port).join(', ')} (${elapsed().toFixed(1)} s)`);
    const url0 = nodes[0].url;

    // ---- setup: users, lists, shares (a canary list shared with everyone) ----
    const register = async (name: string): Promise<AuthResult> => {
      const res = await fetch(`${url0}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${name}-${short()}@chaos.example.com`, password: PASSWORD, name }),
        signal: AbortSignal.timeout(15_000),
      });
      if (res.status !== 201) throw new Error(`register: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as AuthResult;
    };
    const users: User[] = [];
    for (let i = 0; i < o.users; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, o.users - i) }, async (_, k) => {
          const auth = await retry(() => register(`u${i + k}`));
          const s = await retry(() => plainSocket(url0, auth.token));
          try {
            const first: SyncResult = await ask(s, 'sync', {});
            const { list } = await ask(s, 'list:create', { name: `shared by u${i + k}`, mutationId: randomUUID() });
            return {
              id: auth.user.id,
              email: auth.user.email,
              token: auth.token,
              inbox: first.lists[0].id,
              shared: list.id,
            };
          } finally {
            s.close();
          }
        }),
      );
      users.push(...batch);
    }
    const canaryAuth = await register('canary');
    const canarySocket = await plainSocket(url0, canaryAuth.token);
    const { list: canaryList } = await ask(canarySocket, 'list:create', { name: 'canary', mutationId: randomUUID() });
    /** Members of each shared list besides its owner (kept up to date by the acks of share and unshare). */
    const members = new Map<string, Map<string, 'editor' | 'viewer'>>();
    const removed = new Map<string, Map<string, 'editor' | 'viewer'>>();
    for (let i = 0; i < users.length; i++) {
      const owner = users[i];
      const s = await plainSocket(url0, owner.token);
      try {
        const m = new Map<string, 'editor' | 'viewer'>();
        for (const [k, role] of [
          [1, 'editor'],
          [2, 'editor'],
          [3, 'viewer'],
        ] as const) {
          const other = users[(i + k) % users.length];
          await ask(s, 'list:share', { listId: owner.shared, email: other.email, role });
          m.set(other.id, role);
        }
        members.set(owner.shared, m);
        removed.set(owner.shared, new Map());
      } finally {
        s.close();
      }
      await ask(canarySocket, 'list:share', { listId: canaryList.id, email: owner.email, role: 'viewer' });
    }
    canarySocket.close();
    const listCount = users.length * 2 + 1;
    stillOn();
    log(`chaos: ${users.length} users, ${listCount} lists (${elapsed().toFixed(1)} s)`);

    // the database as the run starts: each list's seq
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    direct.on('error', () => undefined);
    const startSeqs = new Map<string, number>();
    try {
      const { rows } = await direct.query<{ id: string; seq: string }>('SELECT id, seq FROM lists');
      for (const r of rows) startSeqs.set(r.id, Number(r.seq));
    } finally {
      await direct.end();
    }

    // ---- devices ----
    const answered = (m: Mutation) => {
      if (m.answer?.ok) onAcked(m);
    };
    const nodeUrls = nodes.map((n) => n.url);
    const userOf = new Map<Device, User>();
    const perUser = Math.floor(o.sockets / users.length);
    for (let i = 0; i < o.sockets; i++) {
      const u = users[i % users.length];
      const d = new Device({
        index: i,
        userId: u.id,
        token: u.token,
        nodes: nodeUrls,
        first: i % nodes.length,
        counters,
        answered,
      });
      devices.push(d);
      userOf.set(d, u);
    }
    // the canary: a device of the canary user, which makes one change after each fault
    const canary = new Device({
      index: -1,
      userId: canaryAuth.user.id,
      token: canaryAuth.token,
      nodes: nodeUrls,
      first: 0,
      counters: newCounters(),
      answered,
    });
    others.push(canary);
    for (const d of devices) d.watch = canaryList.id;
    for (let i = 0; i < devices.length; i += 50) await Promise.all(devices.slice(i, i + 50).map((d) => d.start()));
    await canary.start();
    stillOn();
    log(`chaos: ${devices.length} devices connected and synced (about ${perUser} a user) (${elapsed().toFixed(1)} s)`);

    // ---- the ledger of acknowledged mutations ----
    let n = 0;
    const queue = <E extends ClientEventName>(d: Device, event: E, payload: Payload<E>) => {
      const m: Mutation = {
        n: n++,
        event,
        payload,
        device: d.index,
        attempts: 0,
        unanswered: 0,
        retried: {},
        queuedAt: Date.now(),
      };
      mutations.push(m);
      d.enqueue(m);
      return m;
    };
    const shareBusy = new Set<string>();
    function onAcked(m: Mutation): void {
      if (m.event === 'list:unshare') {
        const { listId, userId } = m.payload as Payload<'list:unshare'>;
        const role = members.get(listId)?.get(userId);
        if (role) {
          members.get(listId)!.delete(userId);
          removed.get(listId)!.set(userId, role);
        }
      }
      if (m.event === 'list:share') {
        const data = (m.answer as { data: AckData<'list:share'> }).data;
        const role = data.member.role as 'editor' | 'viewer';
        removed.get(data.member.listId)?.delete(data.member.userId);
        members.get(data.member.listId)?.set(data.member.userId, role);
      }
    }

    // ---- load: random mutations, random drops ----
    let loadOn = true;
    let randomDrops = 0;
    const propose = (d: Device) => {
      const lists = d.editableLists().filter((l) => l.id !== canaryList.id);
      if (lists.length === 0) return;
      const list = pick(lists);
      const tasks = [...d.tasks.values()].filter((t) => lists.some((l) => l.id === t.listId));
      const r = Math.random();
      if (r < 0.35 || tasks.length < 3) {
        queue(d, 'task:create', {
          listId: list.id,
          id: randomUUID(),
          title: `t-${short()}`,
          position: `p${Math.floor(Math.random() * 1000)
            .toString()
            .padStart(3, '0')}`,
          priority: Math.floor(Math.random() * 4),
          mutationId: randomUUID(),
        });
        return;
      }
      const task = pick(tasks);
      if (r < 0.72) {
        const patch = pick([
          { title: `t-${short()}` },
          { completed: Math.random() < 0.5 },
          { priority: Math.floor(Math.random() * 4) },
          { notes: `n-${short()}` },
        ]);
        queue(d, 'task:update', {
          id: task.id,
          patch,
          ...(Math.random() < 0.2 ? { expectedVersion: task.version } : {}),
          mutationId: randomUUID(),
        });
      } else if (r < 0.84) {
        queue(d, 'task:delete', { id: task.id, mutationId: randomUUID() });
      } else if (r < 0.92) {
        const to = lists.filter((l) => l.id !== task.listId);
        if (to.length === 0) return;
        queue(d, 'task:update', { id: task.id, patch: { listId: pick(to).id }, mutationId: randomUUID() });
      } else {
        queue(d, 'list:rename', { id: list.id, name: `L-${short()}`, mutationId: randomUUID() });
      }
    };
    /** Now and then an owner's first device takes a member off its shared list, or puts one back. */
    const reshare = () => {
      const owner = pick(users);
      const listId = owner.shared;
      if (shareBusy.has(listId)) return;
      const d = devices.find((x) => userOf.get(x) === owner)!;
      const gone = [...removed.get(listId)!];
      const here = [...members.get(listId)!];
      let m: Mutation;
      if (gone.length > 0 && (here.length === 0 || Math.random() < 0.6)) {
        const [userId, role] = pick(gone);
        const email = users.find((u) => u.id === userId)!.email;
        m = queue(d, 'list:share', { listId, email, role });
      } else if (here.length > 0) {
        m = queue(d, 'list:unshare', { listId, userId: pick(here)[0] });
      } else return;
      shareBusy.add(listId);
      const poll = setInterval(() => {
        if (m.answer || !loadOn) {
          clearInterval(poll);
          shareBusy.delete(listId);
        }
      }, 100);
      intervals.push(poll);
    };

    const faults: FaultRecord[] = [];
    const TICK_MS = 50;
    let mutationCredit = 0;
    let dropCredit = 0;
    let shareCredit = 0;
    const loadTimer = setInterval(() => {
      if (!loadOn) return;
      mutationCredit += (o.rate * TICK_MS) / 1000;
      dropCredit += (o.dropsPerSecond * TICK_MS) / 1000;
      shareCredit += (0.5 * TICK_MS) / 1000; // about one share or unshare every 2 s
      for (; mutationCredit >= 1; mutationCredit -= 1) {
        const d = pick(devices);
        if (d.outbox.length < 3) propose(d);
      }
      for (; dropCredit >= 1; dropCredit -= 1) {
        const d = pick(devices);
        if (d.connected) {
          randomDrops += 1;
          d.dropFor(100 + Math.random() * 1500);
        }
      }
      for (; shareCredit >= 1; shareCredit -= 1) reshare();
    }, TICK_MS);
    intervals.push(loadTimer);

    const progress = setInterval(() => {
      const acked = mutations.filter((m) => m.answer?.ok).length;
      const pending = devices.reduce((s, d) => s + d.outbox.length, 0);
      const online = devices.filter((d) => d.connected).length;
      const stuck = devices.filter((d) => d.connectingMs > 10_000);
      if (stuck.length > 0) log(`chaos: ${stuck.length} devices connecting for over 10 s, e.g. ${stuck[0].describe()}`);
      log(
        `chaos ${elapsed().toFixed(0)} s: ${acked} acked, ${pending} pending, ${online}/${devices.length} connected, ${counters.syncNeededReceived} sync:needed, ${faults.length} faults`,
      );
    }, 5_000);
    intervals.push(progress);

    // ---- faults ----
    const canaryChange = (title = `canary-${short()}`) =>
      queue(canary, 'task:create', { listId: canaryList.id, id: randomUUID(), title, mutationId: randomUUID() });
    /**
     * After a fault: the time until every device holds a change of the canary's (made now, or the
     * one the fault was about), from `since`.
     */
    const converge = async (
      since: number,
      m = canaryChange(),
    ): Promise<{ ms: number | null; ackMs: number | null }> => {
      const deadline = since + o.convergeMs;
      while (!m.answer && !aborted() && Date.now() < deadline) await nap(20);
      if (!m.answer?.ok) return { ms: null, ackMs: null };
      const ackMs = m.answeredAt! - since;
      const { seq } = (m.answer as { data: { task: Task } }).data.task;
      const behind = () => devices.filter((d) => (d.cursors[canaryList.id] ?? -1) < seq);
      // how the devices learnt of it: its event (live) or a sync
      const how = () => {
        const live = devices.filter((d) => d.watched.has(seq));
        const byNode: Record<string, number> = {};
        for (const d of devices) if (!d.watched.has(seq)) bump(byNode, `node ${d.nodeIndex}`);
        return `${live.length} got its event${
          live.length < devices.length
            ? `; without it: ${Object.entries(byNode)
                .map(([k, v]) => `${v} on ${k}`)
                .join(', ')} (the canary on node ${canary.nodeIndex})`
            : ''
        }`;
      };
      while (!aborted() && Date.now() < deadline) {
        if (behind().length === 0) {
          if (Date.now() - since > 0) log(`chaos: the canary's seq ${seq}: ${how()}`);
          return { ms: Date.now() - since, ackMs };
        }
        await nap(20);
      }
      log(`chaos: the canary's seq ${seq}: ${how()}`);
      const late = behind();
      log(
        `chaos: ${late.length} devices without the canary's seq ${seq}:\n${late
          .slice(0, 8)
          .map((d) => `  ${d.describe(canaryList.id)}`)
          .join('\n')}`,
      );
      return { ms: null, ackMs };
    };
    let killed = 0;
    const fault = async (kind: FaultKind): Promise<void> => {
      const at = elapsed();
      let detail: string;
      let victim: Mutation | undefined;
      switch (kind) {
        case 'kill': {
          const node = nodes[killed++ % nodes.length];
          const online = devices.filter((d) => d.connected).length;
          await node.kill();
          await nap(o.outageMs);
          await node.start();
          detail = `node ${node.index} SIGKILLed (${online} devices connected over all nodes), restarted`;
          break;
        }
        case 'db': {
          const cut = dbProxy.down();
          await nap(o.outageMs);
          dbProxy.up();
          detail = `${cut} database connections cut, refused for ${o.outageMs} ms`;
          break;
        }
        case 'redis': {
          const cut = redisProxy?.down() ?? 0;
          await nap(o.outageMs);
          redisProxy?.up();
          detail = `${cut} Redis connections cut, refused for ${o.outageMs} ms`;
          break;
        }
        case 'lost': {
          const title = `canary-lost-${short()}`;
          const before = dbProxy.answersCut;
          const disarm = dbProxy.cutAnswer({ markers: [title, 'COMMIT'], once: true, thenDown: true });
          victim = canaryChange(title);
          const until = Date.now() + 10_000;
          while (dbProxy.answersCut === before && !aborted() && Date.now() < until) await nap(5);
          disarm();
          const cut = dbProxy.answersCut > before;
          if (cut) await nap(o.outageMs);
          dbProxy.up();
          detail = cut
            ? `the answer of a canary task:create cut, every database connection with it, refused for ${o.outageMs} ms`
            : 'nothing to cut within 10 s';
          break;
        }
        case 'commit':
        case 'answer': {
          const before = dbProxy.answersCut;
          // a change's COMMIT (after its mutation record), or a task's write inside its transaction
          const markers = kind === 'commit' ? ['INSERT INTO mutations', 'COMMIT'] : ['UPDATE "tasks"'];
          const disarm = dbProxy.cutAnswer({ markers, once: true });
          const until = Date.now() + 10_000;
          while (dbProxy.answersCut === before && !aborted() && Date.now() < until) await nap(10);
          disarm();
          detail =
            dbProxy.answersCut > before
              ? `the answer of ${kind === 'commit' ? "a change's COMMIT" : "a task's write"} cut`
              : 'nothing to cut within 10 s';
          break;
        }
      }
      const { ms, ackMs } = await converge(Date.now(), victim);
      faults.push({ kind, at: +at.toFixed(1), detail, convergeMs: ms, canaryAckMs: ackMs });
      log(
        `chaos ${elapsed().toFixed(0)} s: fault ${kind}: ${detail}; devices caught up in ${ms ?? `more than ${o.convergeMs}`} ms (canary acked in ${ackMs ?? '-'} ms)`,
      );
    };

    const loadStart = Date.now();
    const span = o.seconds * 1000;
    for (let i = 0; i < o.faults.length; i++) {
      // spread over the run, the first after a tenth of it
      const due = loadStart + span * (0.1 + (0.8 * i) / Math.max(1, o.faults.length));
      if (due > Date.now()) await nap(due - Date.now());
      if (aborted()) break;
      await fault(o.faults[i]);
      if (aborted()) break;
    }
    const end = loadStart + span;
    if (end > Date.now()) await nap(end - Date.now());
    stillOn();
    loadOn = false;
    clearInterval(loadTimer);
    log(`chaos ${elapsed().toFixed(0)} s: load stopped; draining the outboxes`);

    // ---- drain ----
    const drainUntil = Date.now() + 60_000;
    while (
      !aborted() &&
      Date.now() < drainUntil &&
      (devices.some((d) => d.outbox.length > 0) || canary.outbox.length > 0)
    )
      await nap(50);
    const drained = Date.now();
    clearInterval(progress);
    stillOn();
    const unanswered = mutations.filter((m) => !m.answer);
    log(`chaos ${elapsed().toFixed(0)} s: outboxes drained (${unanswered.length} unanswered); reading the database`);

    // ---- what the database holds ----
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    check.on('error', () => undefined);
    let dbLists: Array<{ id: string; seq: string; name: string }>;
    let dbTasks: Array<{ id: string; list_id: string; version: number; deleted: boolean }>;
    try {
      dbLists = (await check.query<{ id: string; seq: string; name: string }>('SELECT id, seq, name FROM lists')).rows;
      dbTasks = (
        await check.query<{ id: string; list_id: string; version: number; deleted: boolean }>(
          'SELECT id, list_id, version, deleted_at IS NOT NULL AS deleted FROM tasks',
        )
      ).rows;
    } finally {
      await check.end();
    }
    const problems: string[] = [];
    let lost = 0;
    let duplicated = 0;
    const taskRow = new Map(dbTasks.map((t) => [t.id, t]));
    const listRow = new Map(dbLists.map((l) => [l.id, l]));
    const acked = mutations.filter((m) => m.answer?.ok);
    // (a) every acknowledged create is there
    let createdChecked = 0;
    for (const m of acked) {
      if (m.event !== 'task:create') continue;
      createdChecked += 1;
      const { task } = (m.answer as { data: { task: Task } }).data;
      if (!taskRow.has(task.id)) {
        lost += 1;
        problems.push(`lost: task:create #${m.n} (task ${task.id}) acked but not in the database`);
      }
    }
    // (b) every acknowledged delete took its task away
    for (const m of acked) {
      if (m.event !== 'task:delete') continue;
      const { id } = m.payload as Payload<'task:delete'>;
      if (taskRow.get(id)?.deleted === false) {
        lost += 1;
        problems.push(`lost: task:delete #${m.n} (task ${id}) acked but the task is live`);
      }
    }
    // (c) a live task's version is 1 + the updates (and moves) acknowledged for it
    const updates = new Map<string, number>();
    for (const m of acked) {
      if (m.event !== 'task:update') continue;
      const { id } = m.payload as Payload<'task:update'>;
      updates.set(id, (updates.get(id) ?? 0) + 1);
    }
    let tasksVersionChecked = 0;
    for (const t of dbTasks) {
      if (t.deleted) continue;
      tasksVersionChecked += 1;
      const expected = 1 + (updates.get(t.id) ?? 0);
      if (t.version < expected) {
        lost += expected - t.version;
        problems.push(`lost: task ${t.id} has version ${t.version}, ${expected - 1} updates of it were acked`);
      } else if (t.version > expected) {
        duplicated += t.version - expected;
        problems.push(`doubled: task ${t.id} has version ${t.version}, only ${expected - 1} updates of it were acked`);
      }
    }
    // (d) each list's changes since the start are exactly the acknowledged ones: one seq each
    const owned = new Map<string, Map<number, number>>(); // list -> seq -> mutation n
    const own = (m: Mutation, listId: string, seq: number) => {
      const seqs = owned.get(listId) ?? new Map<number, number>();
      owned.set(listId, seqs);
      const other = seqs.get(seq);
      if (other !== undefined && other !== m.n) {
        duplicated += 1;
        problems.push(`doubled: seq ${seq} of list ${listId} acked to #${other} and #${m.n}`);
      }
      seqs.set(seq, m.n);
    };
    for (const m of acked) {
      const data = (m.answer as { data: unknown }).data as Record<string, unknown>;
      switch (m.event) {
        case 'task:create':
        case 'task:update': {
          const { task, from } = data as { task: Task; from?: { listId: string; seq: number } };
          own(m, task.listId, task.seq);
          if (from) own(m, from.listId, from.seq);
          break;
        }
        case 'task:delete':
        case 'list:unshare':
          own(m, data.listId as string, data.seq as number);
          break;
        case 'list:rename':
          own(m, (data.list as List).id, (data.list as List).seq);
          break;
        case 'list:share':
          own(m, (data.member as { listId: string }).listId, data.seq as number);
          break;
        default:
          break;
      }
    }
    // a share or unshare has no mutationId: retried after a lost answer, its repeat is refused
    // (conflict, not_found) though the first attempt may have been applied, so its seq has no owner
    const unknownOutcome = new Map<string, number>();
    for (const m of mutations) {
      if ((m.event === 'list:share' || m.event === 'list:unshare') && !m.answer?.ok && m.unanswered > 0) {
        const { listId } = m.payload as { listId: string };
        unknownOutcome.set(listId, (unknownOutcome.get(listId) ?? 0) + 1);
      }
    }
    let listsSeqChecked = 0;
    let seqsOwned = 0;
    for (const [listId, start] of startSeqs) {
      const row = listRow.get(listId);
      if (!row) continue;
      listsSeqChecked += 1;
      const final = Number(row.seq);
      const seqs = owned.get(listId) ?? new Map<number, number>();
      seqsOwned += seqs.size;
      for (const [seq, who] of seqs)
        if (seq <= start || seq > final) {
          lost += 1;
          problems.push(`lost: #${who} acked seq ${seq} of list ${listId}, which went from ${start} to ${final}`);
        }
      const unowned = final - start - seqs.size - (unknownOutcome.get(listId) ?? 0);
      if (unowned > 0) {
        duplicated += unowned;
        problems.push(
          `doubled: list ${listId} took ${final - start} changes, ${seqs.size} acked (${unknownOutcome.get(listId) ?? 0} of unknown outcome)`,
        );
      }
    }
    // (e) each list's name is the one of its last acknowledged rename
    const lastRename = new Map<string, { seq: number; name: string }>();
    for (const m of acked) {
      if (m.event !== 'list:rename') continue;
      const { list } = (m.answer as { data: { list: List } }).data;
      if ((lastRename.get(list.id)?.seq ?? -1) < list.seq) lastRename.set(list.id, { seq: list.seq, name: list.name });
    }
    for (const [id, r] of lastRename)
      if (listRow.get(id)?.name !== r.name) {
        lost += 1;
        problems.push(
          `lost: list ${id} is named ${listRow.get(id)?.name ?? '?'}, its last acked rename says ${r.name}`,
        );
      }
    if (unanswered.length > 0)
      problems.push(`${unanswered.length} mutations never answered, e.g. ${unanswered[0].event} #${unanswered[0].n}`);

    // ---- convergence: every device holds what a fresh sync of its user shows ----
    const truth = new Map<string, Snapshot>();
    for (let i = 0; i < users.length; i += 10)
      await Promise.all(
        users.slice(i, i + 10).map(async (u) => truth.set(u.id, await retry(() => freshState(url0, u.token)))),
      );
    const divergent = () => devices.filter((d) => !d.settled || !isDeepStrictEqual(d.snapshot(), truth.get(d.userId)));
    let convergeMs: number | null = null;
    const convergeUntil = drained + o.convergeMs;
    for (;;) {
      if (divergent().length === 0) {
        convergeMs = Date.now() - drained;
        break;
      }
      if (Date.now() > convergeUntil || aborted()) break;
      await nap(100);
    }
    const left = divergent();
    for (const d of left.slice(0, 10)) {
      const diff = differences(d.snapshot(), truth.get(d.userId)!);
      problems.push(
        `divergent: device ${d.index} (user ${d.userId}, ${d.connected ? 'connected' : 'offline'}${d.settled ? '' : ', not settled'}): ${diff.slice(0, 4).join('; ') || 'same data'}${diff.length > 4 ? `; and ${diff.length - 4} more` : ''}`,
      );
    }
    log(
      `chaos ${elapsed().toFixed(0)} s: ${left.length === 0 ? `every device holds the database's state (${String(convergeMs)} ms after the drain)` : `${left.length} devices diverge`}`,
    );

    // ---- the report ----
    const refused: Record<string, number> = {};
    const retried: Record<string, number> = {};
    const byEvent: Record<string, number> = {};
    for (const m of mutations) {
      bump(byEvent, m.event);
      addCounters(retried, m.retried);
      if (m.answer && !m.answer.ok) bump(refused, m.answer.error.code);
    }
    const faultsByKind: Record<string, number> = {};
    for (const f of faults) bump(faultsByKind, f.kind);
    const report: ChaosReport = {
      adapter: o.adapter,
      nodes: o.nodes,
      sockets: devices.length,
      users: users.length,
      lists: listCount,
      seconds: o.seconds,
      mutations: {
        queued: mutations.length,
        acked: acked.length,
        refused,
        unanswered: unanswered.length,
        attempts: mutations.reduce((s, m) => s + m.attempts, 0),
        attemptsWithoutAnswer: mutations.reduce((s, m) => s + m.unanswered, 0),
        retriedAnswers: retried,
        byEvent,
      },
      faults,
      faultsByKind,
      counters,
      randomDrops,
      checks: {
        createdChecked,
        tasksVersionChecked,
        listsSeqChecked,
        seqsOwned,
        lost,
        duplicated,
        divergentDevices: left.length,
        problems,
      },
      convergeMs,
      crashes,
      nodeWarnings: Object.fromEntries(
        Object.entries(
          nodes.reduce<Record<string, number>>((all, node) => {
            addCounters(all, node.warnings);
            return all;
          }, {}),
        ).sort((a, b) => b[1] - a[1]),
      ),
      nodeStacks: Object.assign({}, ...nodes.map((node) => node.stacks)) as Record<string, string>,
      ok: lost === 0 && duplicated === 0 && left.length === 0 && unanswered.length === 0 && crashes.length === 0,
    };
    return report;
  } finally {
    for (const t of intervals) clearInterval(t);
    for (const d of [...devices, ...others]) d.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await dbProxy.close();
    await redisProxy?.close();
    await dropDatabase(o.databaseServerUrl, db.name);
  }
}

/** The report as lines for a person. */
export function formatReport(r: ChaosReport): string {
  const kv = (rec: Record<string, number>) =>
    Object.entries(rec)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const lines = [
    `chaos run: ${r.nodes} nodes, ${r.adapter} adapter, ${r.sockets} sockets, ${r.users} users, ${r.lists} lists, ${r.seconds} s`,
    `mutations: ${r.mutations.queued} queued, ${r.mutations.acked} acked, refused: ${kv(r.mutations.refused)}, never answered ${r.mutations.unanswered}`,
    `  by event: ${kv(r.mutations.byEvent)}`,
    `  ${r.mutations.attempts} attempts, ${r.mutations.attemptsWithoutAnswer} without an answer (sent again), answers to try again: ${kv(r.mutations.retriedAnswers)}`,
    `connections: ${r.counters.connects} connects, ${r.randomDrops} random drops, disconnects: ${kv(r.counters.disconnects)}; connect errors: ${kv(r.counters.connectErrors)}`,
    `syncs: ${r.counters.syncs} (${r.counters.syncPages} pages): on connect ${r.counters.syncsOnConnect}, after a seq jump ${r.counters.syncsOnGap}, on sync:needed ${r.counters.syncsOnNeeded}, for a new list ${r.counters.syncsOnNewList}; failed: ${kv(r.counters.syncFailures)}`,
    `events: ${r.counters.eventsApplied} applied, ${r.counters.eventsIgnored} ignored (seq at or below the cursor); sync:needed received ${r.counters.syncNeededReceived}`,
    `faults: ${kv(r.faultsByKind)}`,
    ...r.faults.map(
      (f) =>
        `  ${String(f.at).padStart(6)} s  ${f.kind.padEnd(6)}  ${f.detail}; every device caught up ${f.convergeMs === null ? 'NOT within the bound' : `in ${f.convergeMs} ms`} (a change made after it acked in ${f.canaryAckMs ?? '-'} ms)`,
    ),
    `checked: ${r.checks.createdChecked} acked creates, ${r.checks.tasksVersionChecked} live tasks' versions, ${r.checks.listsSeqChecked} lists' seqs (${r.checks.seqsOwned} changes acked)`,
    `lost ${r.checks.lost}, duplicated ${r.checks.duplicated}, divergent devices ${r.checks.divergentDevices} of ${r.sockets}; converged ${r.convergeMs === null ? 'NOT within the bound' : `${r.convergeMs} ms after the outboxes drained`}`,
    `the nodes' warnings: ${Object.keys(r.nodeWarnings).length === 0 ? 'none' : ''}`,
    ...Object.entries(r.nodeWarnings)
      .slice(0, 12)
      .map(([what, count]) => `  ${String(count).padStart(6)}  ${what}`),
    ...Object.entries(r.nodeStacks)
      .filter(([what]) => /unhandled|uncaught|internal/i.test(what))
      .map(([what, stack]) => `  first stack of "${what}":\n    ${stack.split('\n').join('\n    ')}`),
    ...r.crashes.map((c) => `crash: ${c}`),
    ...r.checks.problems.slice(0, 30).map((p) => `  ${p}`),
    r.ok ? 'OK' : 'FAILED',
  ];
  return lines.join('\n');
}
