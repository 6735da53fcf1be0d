/** The database connection: a Sequelize instance with its pool, and how its values come back. */
import pg from 'pg';
import { Sequelize } from 'sequelize';
import { readTimestamptz, writeTimestamptz } from './times';

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Milliseconds to wait for a pooled connection before giving up. */
  acquireTimeout?: number;
  /** False for migrations: a schema change on a large table may take long. */
  timeouts?: boolean;
}

/**
 * The timeouts, chosen so that a request is answered within seconds whatever the database does
 * (docs/architecture.md "Timeouts"): a refused connection fails at once; a connection attempt that
 * hangs, after 3 s; a statement that runs long is cancelled by PostgreSQL after 7 s (our statements
 * are single rows and bounded pages, milliseconds each); a connection whose answer never comes (the
 * network or the server froze) is given up by the client after 8 s and dropped from the pool; a
 * transaction left idle (a stuck caller) is ended by PostgreSQL after 10 s, releasing its locks. A
 * request waits at most 5 s for a free pooled connection. Each failure is `unavailable` (503).
 */
export const DB_TIMEOUTS = {
  connectMs: 3_000,
  acquireMs: 5_000,
  statementMs: 7_000,
  queryMs: 8_000,
  idleInTransactionMs: 10_000,
};

/**
 * Opens the pool (lazily). BIGINT columns and counts come back as
 * numbers: change numbers (`seq`) and counts stay far below 2^53, and the contract sends numbers.
 */
export function openSequelize({
  url,
  poolMax,
  acquireTimeout = DB_TIMEOUTS.acquireMs,
  timeouts = true,
}: DbOptions): Sequelize {
  pg.types.setTypeParser(pg.types.builtins.INT8, Number);
  readTimestamptz(); // year 0 (1 BC) read right
  writeTimestamptz(); // and years outside 1 to 9999 written right
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: acquireTimeout },
    dialectOptions: {
      application_name: 'todo-server',
      connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
      keepAlive: true,
      ...(timeouts && {
        statement_timeout: DB_TIMEOUTS.statementMs,
        query_timeout: DB_TIMEOUTS.queryMs, // Sequelize drops a connection whose query timed out
        idle_in_transaction_session_timeout: DB_TIMEOUTS.idleInTransactionMs,
      }),
    },
    hooks: { afterConnect: (connection) => dropOnFatal(connection as PooledClient) },
  });
  return sequelize;
}

/** The parts of a node-postgres client that tell whether the pool may hand it out again. */
interface PooledClient {
  connection: { on(event: 'errorMessage', listener: (msg: { severity?: string }) => void): void };
  /** Sequelize's mark of a connection it will not hand out again. */
  _invalid?: boolean;
}

/**
 * A FATAL error (the backend was terminated, the server shuts down) means the connection is gone,
 * but the client learns it only when the socket closes, a moment after the query failed. Marked at
 * once, the pool never hands it to the next query (which would fail too).
 */
function dropOnFatal(client: PooledClient): void {
  client.connection.on('errorMessage', (msg) => {
    if (msg.severity === 'FATAL') client._invalid = true;
  });
}

/** Connections of the pool in use right now (for /metrics). */
export function poolInUse(sequelize: Sequelize): number {
  const pool = (sequelize.connectionManager as unknown as { pool?: { using?: number } }).pool;
  return pool?.using ?? 0;
}
