/**
 * Runs the files in migrations/ (the same ones sequelize-cli runs, recorded in the same SequelizeMeta
 * table). A PostgreSQL advisory lock keeps several server processes from migrating at once.
 */
import path from 'node:path';
import pg from 'pg';
import { Sequelize, type QueryInterface } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { projectRoot } from '../paths';

const MIGRATIONS = path.join(projectRoot, 'migrations', '*.js');
const LOCK_KEY = 7_401_226_001; // any constant shared by every process of this app

/** What a file in migrations/ exports (sequelize-cli's format). */
interface MigrationFile {
  up(queryInterface: QueryInterface, sequelize: typeof Sequelize): Promise<unknown>;
  down(queryInterface: QueryInterface, sequelize: typeof Sequelize): Promise<unknown>;
}

export function createMigrator(sequelize: Sequelize) {
  const queryInterface = sequelize.getQueryInterface();
  return new Umzug({
    migrations: {
      glob: MIGRATIONS,
      resolve: ({ name, path: file }) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- migrations/ are CommonJS files shared with sequelize-cli, loaded the way it loads them
        const migration = require(file!) as MigrationFile;
        return {
          name,
          up: () => migration.up(queryInterface, Sequelize),
          down: () => migration.down(queryInterface, Sequelize),
        };
      },
    },
    context: queryInterface,
    storage: new SequelizeStorage({ sequelize }),
    logger: undefined,
  });
}

/** Applies every pending migration; returns the names applied. */
export async function migrateUp(sequelize: Sequelize, url: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    const done = await createMigrator(sequelize).up();
    return done.map((m) => m.name);
  } finally {
    await lock.end().catch(() => undefined); // ending the session releases the lock
  }
}
