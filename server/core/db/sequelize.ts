/** The database connection: a Sequelize instance with its pool, and how its values come back. */
import pg from 'pg';
import { Sequelize } from 'sequelize';
import { Mutation } from './mutation.model';

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Milliseconds to wait for a pooled connection before giving up. */
  acquireTimeout?: number;
}

/**
 * Opens the pool (lazily) and sets up the core's own model. BIGINT columns and counts come back as
 * numbers: change numbers (`seq`) and counts stay far below 2^53, and the contract sends numbers.
 */
export function openSequelize({ url, poolMax, acquireTimeout = 10_000 }: DbOptions): Sequelize {
  pg.types.setTypeParser(pg.types.builtins.INT8, Number);
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    logging: false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: acquireTimeout },
    dialectOptions: { connectionTimeoutMillis: 5_000, application_name: 'todo-server' },
    hooks: { afterConnect: (connection) => dropOnFatal(connection as PooledClient) },
  });
  Mutation.initModel(sequelize);
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
