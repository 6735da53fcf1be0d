/**
 * The one place that makes databases for the tests, the bench and the chaos run: a PostgreSQL server
 * (the URL given, else an embedded one in a temporary folder), and throw-away databases on it, made
 * with a unique name and dropped (connections and all) when done. Nothing here knows the tables:
 * the callers migrate.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresLogger } from '../../server/core/db/embedded-postgres';

/** A PostgreSQL server to make databases on. */
export interface PostgresServer {
  /** URL of its maintenance database (`postgres`). */
  url: string;
  /** True when it is an embedded PostgreSQL started here. */
  embedded: boolean;
  /** Stops the embedded PostgreSQL and removes its folder (nothing for a server of one's own). */
  stop(): Promise<void>;
}

/**
 * The server at `url` when one is given, else an embedded PostgreSQL in a fresh temporary folder
 * named after `name` (e.g. `todo-test-pg-`), logging through `logger`.
 */
export async function postgresServer(
  url: string | undefined,
  { name, logger }: { name: string; logger: EmbeddedPostgresLogger },
): Promise<PostgresServer> {
  if (url) return { url, embedded: false, stop: () => Promise.resolve() };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), name));
  fs.chmodSync(tmp, 0o755); // as root the cluster runs as `postgres`, which must enter it
  try {
    const embedded = await startEmbeddedPostgres({ dataDir: tmp, database: 'postgres', logger });
    return {
      url: embedded.url,
      embedded: true,
      async stop() {
        await embedded.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** `serverUrl` with its database replaced by `name`. */
export function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates `<prefix>_<pid>_<random>` on the server of `serverUrl`; answers its name and URL. */
export async function createDatabase(serverUrl: string, prefix = 'todo_test'): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  return { name, url: withDatabase(serverUrl, name) };
}

/** Drops the database `name` if it exists, closing its connections. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
