/**
 * Throw-away databases on a PostgreSQL server, for the tests and the bench: made with a unique name,
 * dropped (connections and all) when done. Nothing here knows the server or the tests.
 */
import crypto from 'node:crypto';
import pg from 'pg';

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
