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
  });
  Mutation.initModel(sequelize);
  return sequelize;
}

/** Connections of the pool in use right now (for /metrics). */
export function poolInUse(sequelize: Sequelize): number {
  const pool = (sequelize.connectionManager as unknown as { pool?: { using?: number } }).pool;
  return pool?.using ?? 0;
}
