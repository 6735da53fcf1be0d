/**
 * Load mode of `npm run bench` (`npm run bench -- --load`), after ../shared/bench/load.mjs: one server
 * process on a fresh database, rate limits raised so that the load is not refused.
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
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { spawnServer, type SpawnedServer } from '../dev/spawn-server';
import type { AuthResult, List } from '../shared/types';
import { call, device, JWT_SECRET, log, pct, type BenchDatabase } from './common';

const MAX_SOCKETS = 20_000;

function param(name: string, def: number, max: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return v;
}

function params() {
  const p = {
    users: param('BENCH_USERS', 50, MAX_SOCKETS),
    devices: param('BENCH_DEVICES', 4, 1000),
    mutations: param('BENCH_MUTATIONS', 200, 100_000),
    window: param('BENCH_WINDOW', 4, 1000),
    sockets: param('BENCH_SOCKETS', 2000, MAX_SOCKETS),
    concurrency: param('BENCH_CONNECT_CONCURRENCY', 50, 1000),
    drainMs: param('BENCH_DRAIN_MS', 5000, 60_000),
    maxSeconds: param('BENCH_MAX_SECONDS', 300, 3600),
  };
  if (p.users * p.devices > MAX_SOCKETS) throw new Error(`BENCH_USERS × BENCH_DEVICES must be at most ${MAX_SOCKETS}`);
  return p;
}

// ---- /proc accounting (Linux; undefined where it cannot be read) ----

const HZ = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/** The process and its children (a WEB_CONCURRENCY group's workers). */
function group(pid: number): number[] {
  try {
    return [
      pid,
      ...fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    ];
  } catch {
    return [pid];
  }
}

/** utime + stime of a process and its children now running, in seconds. */
function cpuSeconds(pid: number): number | undefined {
  try {
    let total = 0;
    for (const p of group(pid)) {
      const s = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / HZ;
    }
    return total;
  } catch {
    return undefined;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return (
      fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres' ||
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')
    );
  } catch {
    return false;
  }
}

/** Resident memory of a process and its children, in MB. */
function rssMB(pid: number, key: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    let kb = 0;
    for (const p of group(pid)) {
      const m = new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    }
    return kb / 1024;
  } catch {
    return undefined;
  }
}

const LOCAL_HOSTS = new Set(['', 'localhost', '127.0.0.1', '[::1]']);

/**
 * CPU of the PostgreSQL backends of one database: their pids from pg_stat_activity, sampled every
 * 250 ms (a pool may close and open connections meanwhile), each counted from its first sample (or
 * from 0 when it appeared during the window). Undefined, with a reason, when PostgreSQL runs on
 * another host or its processes are not visible here (another container, another pid namespace).
 */
class PgCpu {
  private readonly base = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private first = true;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  reason: string | undefined;

  private constructor(
    private readonly client: pg.Client | undefined,
    private readonly database: string,
  ) {}

  static async open(db: BenchDatabase): Promise<PgCpu> {
    if (!LOCAL_HOSTS.has(new URL(db.serverUrl).hostname) || !fs.existsSync('/proc/self/stat')) {
      const cpu = new PgCpu(undefined, db.name);
      cpu.reason = 'PostgreSQL on another host';
      return cpu;
    }
    const client = new pg.Client({ connectionString: db.serverUrl, application_name: 'todo-bench-monitor' });
    await client.connect();
    client.on('error', () => undefined);
    return new PgCpu(client, db.name);
  }

  /** Starts a window. */
  start(): void {
    this.base.clear();
    this.last.clear();
    this.first = true;
    this.sampling = this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, 250);
  }

  /** Ends the window: CPU seconds of the database's backends, or undefined (see `reason`). */
  async stop(): Promise<number | undefined> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    if (!this.client) return undefined;
    if (!this.base.size) {
      this.reason ??= 'PostgreSQL processes not readable here';
      return undefined;
    }
    let sum = 0;
    for (const [pid, cpu] of this.last) sum += cpu - this.base.get(pid)!;
    return sum;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.client?.end().catch(() => undefined);
  }

  private async sample(): Promise<void> {
    if (!this.client) return;
    let pids: number[];
    try {
      const { rows } = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
        this.database,
      ]);
      pids = rows.map((r) => r.pid);
    } catch {
      return;
    }
    for (const pid of pids) {
      if (!this.base.has(pid) && !isPostgres(pid)) continue;
      const cpu = cpuSeconds(pid);
      if (cpu === undefined) continue;
      if (!this.base.has(pid)) this.base.set(pid, this.first ? cpu : 0);
      this.last.set(pid, cpu);
    }
    this.first = false;
  }
}

// ---- load ----

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

const round = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? null : +x.toFixed(digits);
/** Busy CPU seconds of the whole machine (user..softirq less idle and iowait); NaN without /proc. */
function machineBusy(): number {
  try {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 8).map(Number);
    return (v.reduce((a, b) => a + b) - v[3] - v[4]) / HZ;
  } catch {
    return NaN;
  }
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function load(db: BenchDatabase): Promise<void> {
  const P = params();
  const { users: U, devices: D, mutations: M, window: W, sockets: N, concurrency: C } = P;
  const deadline = Date.now() + P.maxSeconds * 1000;
  const overdue = () => Date.now() > deadline;
  /** `p`, or a rejection once the deadline has passed. */
  const bounded = async <T>(p: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${what}: past the ${P.maxSeconds} s deadline (BENCH_MAX_SECONDS)`)),
            Math.max(0, deadline - Date.now()),
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const open = new Set<Socket>();
  const connect = async (url: string, token: string) => {
    const s = await device(url, token);
    open.add(s);
    return s;
  };
  const closeAll = () => {
    open.forEach((s) => s.close());
    open.clear();
  };

  const raised = '100000';
  let server: SpawnedServer | undefined;
  const pgCpu = await PgCpu.open(db);
  try {
    log(`load: starting the server (database ${db.name}${db.embedded ? ', embedded PostgreSQL' : ''})`);
    server = await spawnServer({
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
    const { url, pid } = server;

    // 1. accounts, before anything is timed (a bcrypt hash each)
    const accountCount = Math.max(U, Math.ceil(N / D));
    const reg = await bounded(
      pool(accountCount, 8, overdue, (i) => register(url, i, i < U), progress('registering', accountCount)),
      'registering',
    );
    if (reg.errors.length) throw new Error(`${reg.errors.length} registrations failed: ${reg.errors[0]}`);
    if (reg.out.some((a) => !a)) throw new Error('registering: past the deadline (BENCH_MAX_SECONDS)');
    const accounts = reg.out as Account[];

    // 2. connect: N idle sockets, D per user
    const connectLat: number[] = [];
    await new Promise((r) => setTimeout(r, 1000));
    const connRss0 = rssMB(pid);
    const connCpu0 = cpuSeconds(pid);
    const connT0 = performance.now();
    const conn = await bounded(
      pool(
        N,
        C,
        overdue,
        async (i) => {
          const t = performance.now();
          const s = await connect(url, accounts[Math.floor(i / D)].token);
          connectLat.push(performance.now() - t);
          return s;
        },
        progress('connecting idle sockets', N),
      ),
      'connecting',
    );
    const connSecs = (performance.now() - connT0) / 1000;
    const connCpu = (cpuSeconds(pid) ?? NaN) - (connCpu0 ?? NaN);
    await new Promise((r) => setTimeout(r, 1000));
    const connRss1 = rssMB(pid);
    const connected = conn.out.filter(Boolean).length;
    closeAll();
    connectLat.sort((a, b) => a - b);
    await new Promise((r) => setTimeout(r, 1000));

    // 3. mutate: U users × D devices
    const sockets = (
      await bounded(
        pool(U * D, C, overdue, (i) => connect(url, accounts[Math.floor(i / D)].token), progress('connecting', U * D)),
        'connecting',
      )
    ).out;
    const missing = sockets.filter((s) => !s).length;
    if (missing) throw new Error(`${missing} of ${U * D} devices could not connect`);

    const sent = new Map<string, number>(); // title -> send time; `u<user>-<n>` is unique per mutation
    let received = 0;
    let echo = 0;
    let foreign = 0;
    let unknown = 0;
    let lastReceived = 0;
    const fanout: number[] = [];
    sockets.forEach((s, i) => {
      const user = Math.floor(i / D);
      const onEvent = (payload: { task?: { title?: unknown } } | undefined) => {
        const t = performance.now();
        const title = payload?.task?.title;
        if (typeof title !== 'string' || title.startsWith('warm-')) return;
        const t0 = sent.get(title);
        if (t0 === undefined) unknown++;
        else if (!title.startsWith(`u${user}-`)) foreign++;
        else if (i % D === 0)
          echo++; // the sender's own socket: not expected
        else {
          received++;
          lastReceived = t;
          fanout.push(t - t0);
        }
      };
      s!.on('task:created', onEvent).on('task:updated', onEvent);
    });

    const ackLat: number[] = [];
    const errors: string[] = [];
    /** Device 0 of user u: `count` mutations, creates then updates of them, W in flight. */
    const drive = async (u: number, count: number, prefix: string, onAck: () => void) => {
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

    // a short warm-up, not counted: 20 mutations on each of the first 10 users
    log('warming up');
    await bounded(
      Promise.all(Array.from({ length: Math.min(U, 10) }, (_, u) => drive(u, 20, 'warm-', () => undefined))),
      'warming up',
    );
    await new Promise((r) => setTimeout(r, 500));

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
    await bounded(
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
    const expected = ackLat.length * (D - 1);
    log(`draining: ${received} of ${expected} broadcasts received`);
    for (let i = 0; i < P.drainMs / 10 && received < expected && !overdue(); i++)
      await new Promise((r) => setTimeout(r, 10));
    const serverCpu = (cpuSeconds(pid) ?? NaN) - (cpu0 ?? NaN);
    const pgSecs = await pgCpu.stop();
    const genCpu = cpuNow() - gen0;
    const busy = machineBusy() - busy0;
    const rss1 = rssMB(pid);
    const rssPeak = rssMB(pid, 'VmHWM');
    const secs = (lastAck - t0) / 1000;
    closeAll();
    ackLat.sort((a, b) => a - b);
    fanout.sort((a, b) => a - b);

    const r = {
      mode: 'load',
      cores: os.cpus().length,
      postgres: db.embedded ? 'embedded' : new URL(db.serverUrl).host,
      users: U,
      devices: D,
      mutations_per_user: M,
      window: W,
      mutations: total,
      acked: ackLat.length,
      errors: errors.length,
      first_error: errors[0] ?? null,
      secs: round(secs),
      mut_per_s: Math.round(ackLat.length / secs),
      ack_ms_p50: round(pct(ackLat, 50)),
      ack_ms_p95: round(pct(ackLat, 95)),
      ack_ms_p99: round(pct(ackLat, 99)),
      fanout_ms_p50: round(pct(fanout, 50)),
      fanout_ms_p99: round(pct(fanout, 99)),
      bcast_expected: expected,
      bcast_received: received,
      lost: expected - received,
      echo,
      foreign,
      unknown,
      last_bcast_after_last_ack_ms: round(Math.max(0, lastReceived - lastAck), 1),
      cpu_server_s: round(serverCpu),
      cpu_pg_s: round(pgSecs),
      cpu_pg_note: pgCpu.reason ?? null,
      cpu_loadgen_s: round(genCpu),
      // the machine's busy time less the three above: the kernel's network work, and anything else running
      cpu_other_s: round(busy - serverCpu - (pgSecs ?? 0) - genCpu),
      server_ms_per_mut: round((1000 * serverCpu) / ackLat.length, 3),
      pg_ms_per_mut: round(pgSecs === undefined ? undefined : (1000 * pgSecs) / ackLat.length, 3),
      rss_before_mb: round(rss0, 1),
      rss_after_mb: round(rss1, 1),
      rss_peak_mb: round(rssPeak, 1),
      connect_sockets: N,
      connect_concurrency: C,
      connected,
      connect_errors: conn.errors.length,
      connect_first_error: conn.errors[0] ?? null,
      connect_secs: round(connSecs),
      connects_per_s: Math.round(connected / connSecs),
      connect_ms_p50: round(pct(connectLat, 50)),
      connect_ms_p99: round(pct(connectLat, 99)),
      connect_cpu_server_s: round(connCpu),
      connect_rss_before_mb: round(connRss0, 1),
      connect_rss_after_mb: round(connRss1, 1),
      rss_per_socket_kb: round(
        connRss0 === undefined || connRss1 === undefined ? undefined : ((connRss1 - connRss0) * 1024) / connected,
        1,
      ),
    };
    print(r);
    if (errors.length || conn.errors.length || r.lost) {
      log(`the server's last output:\n${server.output().trim().split('\n').slice(-20).join('\n')}`);
      // nothing measured is a failure; errors and losses are figures, reported above
      if (!ackLat.length || !connected) process.exitCode = 1;
    }
  } finally {
    closeAll();
    await pgCpu.close();
    const code = await server?.stop();
    if (code) log(`the server exited with ${code}:\n${server!.output().trim()}`);
  }
}

function print(r: Record<string, string | number | null>): void {
  const v = (x: string | number | null, unit = '') => (x === null ? 'n/a' : `${x}${unit}`);
  const rows: [string, string][] = [
    [
      'load',
      `${v(r.users)} users × ${v(r.devices)} devices, ${v(r.mutations_per_user)} mutations per user, ${v(r.window)} in flight; ${v(r.cores)} cores, PostgreSQL ${v(r.postgres)}`,
    ],
    [
      'mutations',
      `${v(r.acked)} of ${v(r.mutations)} acked in ${v(r.secs)} s: ${v(r.mut_per_s)}/s, ${v(r.errors)} errors`,
    ],
    ['ack latency', `p50 ${v(r.ack_ms_p50, ' ms')}, p95 ${v(r.ack_ms_p95, ' ms')}, p99 ${v(r.ack_ms_p99, ' ms')}`],
    [
      'fan-out latency',
      `p50 ${v(r.fanout_ms_p50, ' ms')}, p99 ${v(r.fanout_ms_p99, ' ms')}; lost ${v(r.lost)} of ${v(r.bcast_expected)}`,
    ],
    ['server CPU', `${v(r.cpu_server_s, ' s')} (${v(r.server_ms_per_mut, ' ms')} per mutation)`],
    [
      'PostgreSQL CPU',
      r.cpu_pg_s === null
        ? `n/a (${v(r.cpu_pg_note)})`
        : `${v(r.cpu_pg_s)} s (${v(r.pg_ms_per_mut, ' ms')} per mutation)`,
    ],
    ['load generator CPU', v(r.cpu_loadgen_s, ' s')],
    ['other CPU', `${v(r.cpu_other_s, ' s')} (kernel, other processes)`],
    ['server RSS', `${v(r.rss_before_mb)} → ${v(r.rss_after_mb, ' MB')} (peak ${v(r.rss_peak_mb, ' MB')})`],
    [
      'connect',
      `${v(r.connected)} of ${v(r.connect_sockets)} sockets in ${v(r.connect_secs)} s: ${v(r.connects_per_s)}/s, p50 ${v(r.connect_ms_p50, ' ms')}, p99 ${v(r.connect_ms_p99, ' ms')}, ${v(r.connect_errors)} errors`,
    ],
    [
      'idle sockets RSS',
      `${v(r.connect_rss_before_mb)} → ${v(r.connect_rss_after_mb, ' MB')}: ${v(r.rss_per_socket_kb, ' KB')} per socket`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, x]) => `${k.padEnd(w)}  ${x}`).join('\n'));
  console.log(JSON.stringify(r));
}
