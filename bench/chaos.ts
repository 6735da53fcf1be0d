/**
 * `npm run chaos`: the chaos run of dev/chaos/ from the command line. Three server nodes on a fresh
 * database (on DATABASE_URL's or TEST_DATABASE_URL's server, else an embedded PostgreSQL), devices
 * mutating at random through an outbox with random disconnects, nodes killed and database (and Redis)
 * connections cut; then every device must hold the database's state and every acknowledged mutation
 * must be there exactly once. Progress on stderr; the report and one JSON line on stdout; exit 1 on
 * any loss, duplicate, divergent device or mutation left unanswered.
 *
 *   npm run chaos -- [--seconds 60] [--sockets 300] [--users 60] [--nodes 3] [--adapter postgres|redis]
 *                    [--rate 50] [--drops 5] [--faults kill,db,commit,answer,lost,redis] [--outage-ms 2000]
 *                    [--converge-ms 20000]
 * With --adapter redis, Redis is REDIS_URL's or TEST_REDIS_URL's, else redis://127.0.0.1:6379.
 */
import { parseArgs } from 'node:util';
import { DEFAULTS, FAULT_KINDS, defaultFaults, formatReport, runChaos, type FaultKind } from '../dev/chaos';
import { postgresServer } from '../dev/kit';
import { log } from './common';

function int(name: string, raw: string | undefined, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return v;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      sockets: { type: 'string' },
      users: { type: 'string' },
      nodes: { type: 'string' },
      adapter: { type: 'string' },
      rate: { type: 'string' },
      drops: { type: 'string' },
      faults: { type: 'string' },
      'outage-ms': { type: 'string' },
      'converge-ms': { type: 'string' },
    },
  });
  const adapter = values.adapter ?? DEFAULTS.adapter;
  if (adapter !== 'postgres' && adapter !== 'redis') throw new Error('--adapter must be postgres or redis');
  const seconds = int('seconds', values.seconds, DEFAULTS.seconds, 5, 600);
  const sockets = int('sockets', values.sockets, DEFAULTS.sockets, 4, 5000);
  const users = int('users', values.users, Math.min(DEFAULTS.users, sockets), 4, 99);
  const faults = values.faults
    ? values.faults.split(',').map((f) => {
        if (!(FAULT_KINDS as readonly string[]).includes(f))
          throw new Error(`unknown fault ${f}: ${FAULT_KINDS.join(', ')}`);
        if (f === 'redis' && adapter !== 'redis') throw new Error('the redis fault needs --adapter redis');
        return f as FaultKind;
      })
    : defaultFaults(seconds, adapter);

  const quiet = {
    info: () => undefined,
    warn: (o: object, m?: string) => log(`postgres: ${m ?? ''} ${JSON.stringify(o)}`),
  };
  const postgres = await postgresServer(process.env.DATABASE_URL || process.env.TEST_DATABASE_URL, {
    name: 'todo-chaos-pg-',
    logger: quiet,
  });
  // Ctrl-C: the run stops early and still stops its nodes and drops its database
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`chaos: ${signal}, stopping`);
      stop.abort();
    });
  try {
    const report = await runChaos({
      signal: stop.signal,
      databaseServerUrl: postgres.url,
      adapter,
      redisUrl: process.env.REDIS_URL || process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
      nodes: int('nodes', values.nodes, DEFAULTS.nodes, 2, 8),
      sockets,
      users,
      seconds,
      rate: int('rate', values.rate, DEFAULTS.rate, 1, 5000),
      dropsPerSecond: int('drops', values.drops, Math.max(1, Math.round(sockets / 60)), 0, 1000),
      faults,
      outageMs: int('outage-ms', values['outage-ms'], DEFAULTS.outageMs, 100, 60_000),
      convergeMs: int('converge-ms', values['converge-ms'], DEFAULTS.convergeMs, 1000, 120_000),
      log,
    });
    console.log(formatReport(report));
    console.log(JSON.stringify({ ...report, checks: { ...report.checks, problems: report.checks.problems.length } }));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await postgres.stop();
  }
}

main().catch((err: unknown) => {
  log(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 2;
});
