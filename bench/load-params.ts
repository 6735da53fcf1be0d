/** The load mode's parameters (bench/load.ts), read once from the environment. */
const MAX_SOCKETS = 20_000;

function param(name: string, def: number, max: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer from 1 to ${max}`);
  return v;
}

export type Params = ReturnType<typeof params>;

/** The load's parameters, from BENCH_* (README, "Benchmark"); each bounded. */
export function params() {
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
