/**
 * Delivery across server processes: Socket.IO's PostgreSQL adapter relays notes and
 * disconnectSockets() to the other nodes through LISTEN/NOTIFY on the same database, so no other
 * service is needed. One connection listens; one publishes, so a node's messages leave in the order
 * it sent them.
 *
 * The adapter (0.5) re-establishes a lost listener by itself, but never gives the dead connection
 * back to its pool; with two connections the new listener would then hold the last one and every
 * publish would starve. Here a connection that ends is taken out of the pool at once. And once the
 * listener is back, `onRestored` is told: changes relayed while it was down were missed here. A
 * message the adapter failed to publish or to read (its wait for the publishing connection ran out
 * under a burst) is gone: `onFailed` is told, and the notifier makes every socket resync.
 */
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Logger } from '../core/logger';
import type { IoServer } from '../changes/notifier';
import { withTimeout } from '../core/timeout';

const CLOSE_WAIT_MS = 2_000;

export function attachPostgresAdapter(
  io: IoServer,
  databaseUrl: string,
  logger: Logger,
  onRestored: () => void,
  onFailed: (err: unknown) => void,
): { ready(): Promise<void>; settled(): Promise<void>; close(): Promise<void> } {
  let listens = 0;
  let late = false; // sockets were let in before the listener's first LISTEN (ready() gave up waiting)
  const pool: pg.Pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    connectionTimeoutMillis: 5_000,
    application_name: 'todo-server-adapter',
    Client: class extends pg.Client {
      constructor(config?: string | pg.ClientConfig) {
        super(config);
        // a checked-out connection that ends goes back to the pool as broken, which frees its place
        this.once('end', () => {
          const { release } = this as { release?: (err: Error) => void };
          try {
            release?.(new Error('connection ended'));
          } catch {
            // it was not checked out (released already): nothing to free
          }
        });
      }

      // tells once the adapter's listener has run its LISTEN: the first time (see ready()), and each time it is back
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an override must fit every overload of pg.Client#query, and only `any` does
      query(...args: unknown[]): any {
        const result = (super.query as (...a: unknown[]) => unknown)(...args);
        if (typeof args[0] === 'string' && args[0].startsWith('LISTEN') && result instanceof Promise) {
          // after the adapter's own continuation, which keeps the client
          result.then(
            () =>
              setImmediate(() => {
                listens += 1;
                if (listens === 1) pool.emit('listening');
                if (listens > 1 || late) onRestored();
              }),
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
  // the adapter stores a message over 8 kB first; a failure of that store escapes its errorHandler
  // (an un-awaited promise in 0.5), so it is caught here
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const inFlight = new Set<Promise<unknown>>(); // publishes not yet answered, waited for before the pool ends
  pool.query = ((...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      inFlight.add(result);
      const done = () => inFlight.delete(result);
      result.then(done, done);
    }
    if (
      typeof args[0] === 'string' &&
      args[0].startsWith('INSERT INTO socket_io_attachments') &&
      result instanceof Promise
    )
      result.catch(onFailed);
    return result;
  }) as typeof pool.query;
  const listening = new Promise<void>((resolve) => pool.once('listening', resolve));
  io.adapter(
    createAdapter(pool, {
      tableName: 'socket_io_attachments',
      // a publish or the read of a large message that failed: the message is gone, so its receivers resync
      errorHandler: onFailed,
    }),
  );
  return {
    /**
     * Once this node hears the others (its listener ran LISTEN), bounded for a database that does not
     * answer; a listener that comes later than that is then told as restored (`onRestored`), as the
     * sockets let in meanwhile may have missed changes. Before socket handshakes (app.ts), and before
     * io.close(): a listener still being set up when the adapter closes would be kept forever (and with
     * it the pool).
     */
    ready: async () => {
      await bounded(listening);
      if (!listens) late = true;
    },
    /**
     * Before io.close(), whose goodbye (ADAPTER_CLOSE: the other nodes stop counting this one) must
     * be the last message: a message published after it, or beside it on the pool's other
     * connection, would make the others count this node again until its heartbeat runs out.
     */
    settled: () => bounded(Promise.allSettled([...inFlight])),
    /**
     * After io.close(), which lets go of the listener and publishes the goodbye: a publish still
     * waiting for a connection when the pool ends would never be sent, so the pool ends once they
     * are answered (bounded).
     */
    close: async () => {
      await bounded(Promise.allSettled([...inFlight]));
      await bounded(pool.end());
    },
  };
}

async function bounded(promise: Promise<unknown>): Promise<void> {
  await withTimeout(promise, CLOSE_WAIT_MS, undefined);
}
