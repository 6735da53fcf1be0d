/**
 * One database per test run: on TEST_DATABASE_URL's server when set, else on an embedded PostgreSQL
 * in a temporary folder. Migrated once; dropped (and the embedded cluster removed) at the end.
 * bulkTasks() writes many rows straight into it.
 */
import crypto from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { createDatabase, dropDatabase, postgresServer, type PostgresServer } from '../../dev/kit';
import { LIMITS } from '../../shared/limits';
import { migrateUp } from '../../server/core/db/migrate';
import { createSequelize } from '../../server/models';
import { createLogger } from '../../server/core/logger';

export interface TestDatabase {
  /** URL of the server's maintenance database (to create more databases). */
  serverUrl: string;
  url: string;
  sequelize: Sequelize;
}

let current: (TestDatabase & { name: string; postgres: PostgresServer }) | undefined;

/** The run's database (set up by hooks.ts before any test). */
export function testDb(): TestDatabase {
  if (!current) throw new Error('the test database is not set up (test/support/hooks.ts)');
  return current;
}

/** Creates and migrates the run's database (and starts an embedded PostgreSQL without TEST_DATABASE_URL). */
export async function setUpTestDatabase(): Promise<void> {
  const postgres = await postgresServer(process.env.TEST_DATABASE_URL, {
    name: 'todo-test-pg-',
    logger: createLogger('warn'),
  });
  if (postgres.embedded)
    process.stdout.write(`  (no TEST_DATABASE_URL: tests run on an embedded PostgreSQL at ${postgres.url})\n`);
  const { name, url } = await createDatabase(postgres.url);
  const sequelize = createSequelize({ url, poolMax: 20 });
  await migrateUp(sequelize, url);
  current = { serverUrl: postgres.url, url, sequelize, name, postgres };
}

/** Drops the run's database and stops what setUpTestDatabase started. */
export async function tearDownTestDatabase(): Promise<void> {
  if (!current) return;
  const { sequelize, serverUrl, name, postgres } = current;
  current = undefined;
  await sequelize.close();
  await dropDatabase(serverUrl, name);
  await postgres.stop();
}

/** A task's text at its largest, all U+0001 (each becomes 6 bytes of JSON). */
export const HEAVY_TEXT = {
  title: '\u0001'.repeat(LIMITS.titleMax),
  notes: '\u0001'.repeat(LIMITS.notesMax),
  position: '\u0001'.repeat(LIMITS.positionMax),
};

/**
 * Adds `n` live tasks to a list in one statement, keeping the data as the server would: each takes
 * the list's next seq, lists.seq is the latest, lists.task_count counts them.
 */
export async function bulkTasks(
  listId: string,
  userId: string,
  n: number,
  text: { title?: string; notes?: string; position?: string } = {},
): Promise<void> {
  await testDb().sequelize.query(
    `WITH l AS (UPDATE lists SET seq = seq + $2, task_count = task_count + $2 WHERE id = $1 RETURNING seq - $2 AS base)
     INSERT INTO tasks (id, list_id, title, notes, completed, priority, position, version, seq, created_by, updated_by, created_at, updated_at)
     SELECT gen_random_uuid(), $1, coalesce($3, 'bulk ' || i), coalesce($4, ''), false, 0, coalesce($5, lpad(i::text, 6, '0')), 1, l.base + i, $6, $6, date_trunc('milliseconds', now()), date_trunc('milliseconds', now())
       FROM l, generate_series(1, $2::int) i`,
    { bind: [listId, n, text.title ?? null, text.notes ?? null, text.position ?? null, userId] },
  );
}

/**
 * A fault of the database made on purpose: a trigger on inserts into tasks that runs `action`
 * (plpgsql) for a task titled `title`. Resolves with the function that removes it (other test files
 * share the database).
 */
export async function taskFault(title: string, action: string): Promise<() => Promise<void>> {
  const fn = `test_fault_${crypto.randomBytes(4).toString('hex')}`;
  const { sequelize } = testDb();
  await sequelize.query(`
    CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.title = ${sequelize.escape(title)} THEN ${action}; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${fn} BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION ${fn}();`);
  return async () => {
    await sequelize.query(`DROP TRIGGER IF EXISTS ${fn} ON tasks; DROP FUNCTION IF EXISTS ${fn}();`);
  };
}
