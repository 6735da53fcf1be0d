/**
 * What both bench modes share: a fresh database on a PostgreSQL server (DATABASE_URL's or
 * TEST_DATABASE_URL's, else an embedded one), dropped afterwards even on failure; a device (one
 * real websocket); an event with its ack; percentiles; progress on stderr.
 */
import { io, type Socket } from 'socket.io-client';
import { createDatabase, dropDatabase, postgresServer } from '../dev/kit';
import { createLogger } from '../server/core/logger';
import type { AckData, ClientEventName, ClientToServerEvents } from '../shared/events';
import type { Ack } from '../shared/types';

export const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

export const log = (msg: string) => process.stderr.write(`${msg}\n`);

/** The p-th percentile of an ascending array (nearest rank); NaN when empty. */
export const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;

export const ms = (n: number) => `${n.toFixed(2)} ms`;

/** One device: its own websocket (no multiplexing, no reconnects), resolved once connected. */
export function device(url: string, token: string, timeoutMs = 20_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: timeoutMs,
    });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

/** Emits `event` and resolves with the ack's data; rejects on a refusal or after 10 s without an ack. */
export async function call<E extends ClientEventName>(
  s: Socket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<AckData<E>> {
  const ack = (await s.timeout(10_000).emitWithAck(event, payload)) as Ack<AckData<E>>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code}`);
  return ack.data;
}

export interface BenchDatabase {
  /** URL of the fresh database. */
  url: string;
  name: string;
  /** URL of the server's maintenance database (for pg_stat_activity). */
  serverUrl: string;
  /** True when PostgreSQL is the embedded one started here. */
  embedded: boolean;
}

/** Runs `fn` on a fresh database, then drops it (and stops the embedded PostgreSQL), whatever happened. */
export async function withBenchDatabase<T>(fn: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const postgres = await postgresServer(process.env.DATABASE_URL || process.env.TEST_DATABASE_URL, {
    name: 'todo-bench-pg-',
    logger: createLogger('warn'),
  });
  try {
    const db = await createDatabase(postgres.url, 'todo_bench');
    try {
      return await fn({ ...db, serverUrl: postgres.url, embedded: postgres.embedded });
    } finally {
      await dropDatabase(postgres.url, db.name);
    }
  } finally {
    await postgres.stop();
  }
}
