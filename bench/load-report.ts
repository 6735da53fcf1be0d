/**
 * The figures of the load mode of `npm run bench` (bench/load.ts), as one record, printed as a table
 * and as one JSON line.
 */
import os from 'node:os';
import { pct, type BenchDatabase } from './common';
import type { Params } from './load-params';

const round = (x: number | undefined, digits = 2) =>
  x === undefined || !Number.isFinite(x) ? null : +x.toFixed(digits);

/** What the connect phase measured. */
export interface ConnectFigures {
  connectLat: number[];
  errors: string[];
  connSecs: number;
  connCpu: number;
  connRss0: number | undefined;
  connRss1: number | undefined;
  connected: number;
}

/** What the mutate phase measured. */
export interface MutateFigures {
  ackLat: number[];
  errors: string[];
  received: number;
  echo: number;
  foreign: number;
  unknown: number;
  lastReceived: number;
  fanout: number[];
  total: number;
  expected: number;
  lastAck: number;
  secs: number;
  serverCpu: number;
  pgSecs: number | undefined;
  genCpu: number;
  busy: number;
  rss0: number | undefined;
  rss1: number | undefined;
  rssPeak: number | undefined;
}

export function figures(
  db: BenchDatabase,
  P: Params,
  conn: ConnectFigures,
  mut: MutateFigures,
  pgNote: string | undefined,
) {
  const { users: U, devices: D, mutations: M, window: W, sockets: N, concurrency: C } = P;
  const { connectLat, connSecs, connCpu, connRss0, connRss1, connected } = conn;
  const { ackLat, errors, received, echo, foreign, unknown, lastReceived, fanout, total, expected, lastAck } = mut;
  const { secs, serverCpu, pgSecs, genCpu, busy, rss0, rss1, rssPeak } = mut;
  return {
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
    cpu_pg_note: pgNote ?? null,
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
}

export function print(r: Record<string, string | number | null>): void {
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
