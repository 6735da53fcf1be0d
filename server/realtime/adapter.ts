/**
 * Delivery across server processes: Socket.IO's PostgreSQL adapter relays notes and
 * disconnectSockets() to the other nodes through LISTEN/NOTIFY on the same database, so no other
 * service is needed. One connection listens; one publishes, so a node's messages leave in the order
 * it sent them.
 */
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Logger } from '../core/logger';
import type { IoServer } from '../core/notifier';
import { withTimeout } from '../core/timeout';

const CLOSE_WAIT_MS = 2_000;

export function attachPostgresAdapter(
  io: IoServer,
  databaseUrl: string,
  logger: Logger,
): { ready(): Promise<void>; close(): Promise<void> } {
  const pool: pg.Pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    connectionTimeoutMillis: 5_000,
    application_name: 'todo-server-adapter',
    // tells the pool once the adapter's listener has run its LISTEN (see ready())
    Client: class extends pg.Client {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an override must fit every overload of pg.Client#query, and only `any` does
      query(...args: unknown[]): any {
        const result = (super.query as (...a: unknown[]) => unknown)(...args);
        if (typeof args[0] === 'string' && args[0].startsWith('LISTEN') && result instanceof Promise) {
          // after the adapter's own continuation, which keeps the client
          result.then(
            () => setImmediate(() => pool.emit('listening')),
            () => undefined,
          );
        }
        return result;
      }
    },
  });
  // a lost connection (database restart) must not crash the server: the adapter reconnects by itself
  pool.on('connect', (client) => client.on('error', (err) => logger.warn({ err }, 'socket adapter connection lost')));
  pool.on('error', (err) => logger.warn({ err }, 'socket adapter connection lost'));
  const listening = new Promise<void>((resolve) => pool.once('listening', resolve));
  io.adapter(
    createAdapter(pool, {
      tableName: 'socket_io_attachments',
      errorHandler: (err) => logger.warn({ err }, 'socket adapter error'),
    }),
  );
  return {
    /**
     * Before io.close(): a listener still being set up when the adapter closes would be kept forever
     * (and with it the pool), so wait for it, bounded for a database that does not answer.
     */
    ready: () => bounded(listening),
    /** After io.close(), which lets go of the listener. */
    close: () => bounded(pool.end()),
  };
}

async function bounded(promise: Promise<unknown>): Promise<void> {
  await withTimeout(promise, CLOSE_WAIT_MS, undefined);
}
