/**
 * One database per test run: on TEST_DATABASE_URL's server when set, else on an embedded PostgreSQL
 * in a temporary folder. Migrated once; dropped (and the embedded cluster removed) at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Sequelize } from 'sequelize';
import { createDatabase, dropDatabase } from '../../dev/databases';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../dev/embedded-postgres';
import { migrateUp } from '../../server/core/db/migrate';
import { createSequelize } from '../../server/models';
import { createLogger } from '../../server/core/logger';

export interface TestDatabase {
  /** URL of the server's maintenance database (to create more databases). */
  serverUrl: string;
  url: string;
  sequelize: Sequelize;
}

let current: (TestDatabase & { name: string; embedded?: EmbeddedPostgres; tmp?: string }) | undefined;

export function testDb(): TestDatabase {
  if (!current) throw new Error('the test database is not set up (test/support/hooks.ts)');
  return current;
}

export async function setUpTestDatabase(): Promise<void> {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  let tmp: string | undefined;
  if (!serverUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-test-pg-'));
    fs.chmodSync(tmp, 0o755); // as root the cluster runs as `postgres`, which must enter it
    embedded = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', logger: createLogger('warn') });
    serverUrl = embedded.url;
    process.stdout.write(`  (no TEST_DATABASE_URL: tests run on an embedded PostgreSQL in ${tmp})\n`);
  }
  const { name, url } = await createDatabase(serverUrl);
  const sequelize = createSequelize({ url, poolMax: 20 });
  await migrateUp(sequelize, url);
  current = { serverUrl, url, sequelize, name, embedded, tmp };
}

export async function tearDownTestDatabase(): Promise<void> {
  if (!current) return;
  const { sequelize, serverUrl, name, embedded, tmp } = current;
  current = undefined;
  await sequelize.close();
  await dropDatabase(serverUrl, name);
  await embedded?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
