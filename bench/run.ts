/**
 * `npm run bench`: end-to-end numbers against a server process started here on a fresh database
 * (on DATABASE_URL's or TEST_DATABASE_URL's server, else an embedded one), dropped afterwards.
 * Two modes, `npm run bench -- --load` or BENCH_MODE=latency|load|all (default latency):
 *   - latency: a mutation on one device until the event arrives on another (BENCH_MUTATIONS, one at a
 *     time), and one `sync` returning as many changes to a device that was offline; BENCH_NODES=2
 *     puts the other device on a second server process, so every event crosses SOCKET_ADAPTER's relay
 *   - load: users × devices under concurrent mutations, then many idle sockets (bench/load.ts)
 * Loopback only; every loop is bounded in count and time.
 */
import { spawnServer, type SpawnedServer } from '../dev/kit';
import { call, device, JWT_SECRET, log, ms, pct, withBenchDatabase, type BenchDatabase } from './common';
import { load } from './load';

const MODES = ['latency', 'load', 'all'] as const;
type Mode = (typeof MODES)[number];

function mode(): Mode {
  const flag = process.argv.slice(2).find((a) => a.startsWith('--'));
  const m = flag ? flag.slice(2) : (process.env.BENCH_MODE ?? 'latency');
  if (!(MODES as readonly string[]).includes(m)) throw new Error(`unknown mode "${m}": --latency, --load or --all`);
  return m as Mode;
}

const SENDERS = 8;

/** Mean time the server spent on `event`, from its socketio_event_duration_seconds histogram. */
async function serverEventMs(url: string, event: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\{event="${event}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return (read('socketio_event_duration_seconds_sum') / read('socketio_event_duration_seconds_count')) * 1000;
}

async function latency(db: BenchDatabase): Promise<void> {
  const N = Number(process.env.BENCH_MUTATIONS ?? 1000);
  const DEADLINE = Date.now() + 5 * 60_000;
  const NODES = Number(process.env.BENCH_NODES ?? 1);
  if (NODES !== 1 && NODES !== 2) throw new Error('BENCH_NODES is 1 or 2');
  const servers: SpawnedServer[] = [];
  try {
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
      JWT_SECRET,
      BCRYPT_ROUNDS: '10',
      NODE_ENV: 'production',
      REDIS_KEY: `todo-bench-${String(process.pid)}`,
      // one user makes every mutation, far above a client's allowance: raised, so that it is measured and not refused
      USER_EVENTS_PER_SECOND: '100000',
      SOCKET_EVENTS_PER_SECOND: '100000',
    };
    // with two nodes the writers are on the first and the watching device on the second: every event crosses the adapter
    for (let i = 0; i < NODES; i++) servers.push(await spawnServer({ env }));
    const { url } = servers[0];
    const watchUrl = servers[NODES - 1].url;
    log(`latency: ${String(NODES)} node(s), SOCKET_ADAPTER=${process.env.SOCKET_ADAPTER ?? 'postgres'}`);
    const reg = (await fetch(`${url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password: 'bench-password', name: 'Bench' }),
    }).then((r) => r.json())) as { token: string };
    // each socket may send about 50 events a second: the writes rotate over several devices
    const phones = await Promise.all(Array.from({ length: SENDERS }, () => device(url, reg.token)));
    const phone = (i: number) => phones[i % SENDERS];
    const laptop = await device(watchUrl, reg.token);
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
    const back = await device(watchUrl, reg.token);
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
    for (const server of servers) {
      const code = await server.stop();
      if (code) log(`the server exited with ${code}:\n${server.output().trim()}`);
    }
  }
}

async function main(): Promise<void> {
  const m = mode();
  if (m !== 'load') await withBenchDatabase(latency);
  if (m !== 'latency') await withBenchDatabase(load);
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
