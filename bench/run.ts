/**
 * `npm run bench`: end-to-end numbers for the real-time core, against a server process started here
 * on a fresh database (on DATABASE_URL's or TEST_DATABASE_URL's server, else an embedded one).
 *   - fan-out latency: a mutation on one device until the event arrives on another (N mutations)
 *   - catch-up: one `sync` returning N changes to a device that was offline
 * Loopback only; every loop is bounded in count and time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createDatabase, dropDatabase } from '../dev/databases';
import { startEmbeddedPostgres } from '../dev/embedded-postgres';
import { spawnServer, type SpawnedServer } from '../dev/spawn-server';
import { createLogger } from '../server/core/logger';
import type { AckData, ClientEventName, ClientToServerEvents } from '../shared/events';
import type { Ack } from '../shared/types';

const N = Number(process.env.BENCH_MUTATIONS ?? 1000);
const DEADLINE = Date.now() + 5 * 60_000;
const SENDERS = 8;

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (n: number) => `${n.toFixed(2)} ms`;

function device(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

async function call<E extends ClientEventName>(
  s: Socket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<AckData<E>> {
  const ack = (await s.timeout(10_000).emitWithAck(event, payload)) as Ack<AckData<E>>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code}`);
  return ack.data;
}

/** Mean time the server spent on `event`, from its socketio_event_duration_seconds histogram. */
async function serverEventMs(url: string, event: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\{event="${event}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return (read('socketio_event_duration_seconds_sum') / read('socketio_event_duration_seconds_count')) * 1000;
}

async function main(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  if (!serverUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-bench-pg-'));
    fs.chmodSync(tmp, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', logger: createLogger('warn') });
    serverUrl = pg.url;
    stopEmbedded = pg.stop;
  }
  const db = await createDatabase(serverUrl, 'todo_bench');
  let server: SpawnedServer | undefined;
  try {
    server = await spawnServer({
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        LOG_LEVEL: 'info',
        JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
        BCRYPT_ROUNDS: '10',
        NODE_ENV: 'production',
      },
    });
    const { url } = server;
    const reg = (await fetch(`${url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password', name: 'Bench' }),
    }).then((r) => r.json())) as { token: string };
    // each socket may send about 50 events a second: the writes rotate over several devices
    const phones = await Promise.all(Array.from({ length: SENDERS }, () => device(url, reg.token)));
    const phone = (i: number) => phones[i % SENDERS];
    const laptop = await device(url, reg.token);
    const { list } = await call(phone(0), 'list:create', { name: 'bench' });

    // fan-out latency, one mutation at a time so each is measured alone
    const latencies: number[] = [];
    let taskId = '';
    for (let i = 0; i < N && Date.now() < DEADLINE; i++) {
      const arrived = new Promise<number>((resolve) =>
        laptop.once(i === 0 ? 'task:created' : 'task:updated', () => resolve(performance.now())),
      );
      const sent = performance.now();
      if (i === 0) taskId = (await call(phone(i), 'task:create', { listId: list.id, title: 'bench 0' })).task.id;
      else await call(phone(i), 'task:update', { id: taskId, patch: { title: `bench ${i}`, completed: i % 2 === 0 } });
      latencies.push((await arrived) - sent);
    }
    latencies.sort((a, b) => a - b);
    const serverMs = await serverEventMs(url, 'task:update');

    // catch-up: the laptop goes away with its cursor, N changes happen, it syncs
    const { cursors } = await call(laptop, 'sync', {});
    laptop.close();
    const changeStart = performance.now();
    for (let i = 0; i < N && Date.now() < DEADLINE; i++)
      await call(phone(i), 'task:create', { listId: list.id, title: `offline ${i}` });
    const changeMs = performance.now() - changeStart;
    const back = await device(url, reg.token);
    const syncStart = performance.now();
    const result = await call(back, 'sync', { cursors });
    const syncMs = performance.now() - syncStart;
    back.close();
    phones.forEach((p) => p.close());

    console.log(
      `fan-out latency over ${latencies.length} mutations: median ${ms(pct(latencies, 50))}, p99 ${ms(pct(latencies, 99))}, max ${ms(latencies[latencies.length - 1])}`,
    );
    console.log(`server time per task:update (event to ack, from /metrics): mean ${ms(serverMs)}`);
    console.log(`one mutation at a time, acked: ${(N / (changeMs / 1000)).toFixed(0)} per second`);
    console.log(`sync catching up ${result.tasks.length} changes: ${ms(syncMs)}`);
  } finally {
    const code = await server?.stop();
    if (code) log(`the server exited with ${code}:\n${server!.output().trim()}`);
    await dropDatabase(serverUrl, db.name);
    await stopEmbedded?.();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
