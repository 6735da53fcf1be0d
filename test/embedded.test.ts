import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, ROOT_FALLBACK, startEmbeddedPostgres } from '../server/db/embedded';
import { createLogger } from '../server/logger';
import { projectRoot } from '../server/paths';

/** `npm start`'s server process with no DATABASE_URL; resolves once it logs that it listens. */
function startServerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not listen within 60 s:\n${out}`)); }, 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      if (out.includes('"msg":"listening"')) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => { out += chunk; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

const post = (port: number, route: string, body: unknown) => fetch(`http://127.0.0.1:${port}${route}`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

describe('the embedded PostgreSQL default (no DATABASE_URL)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let child: ChildProcess | undefined;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-embedded-'));
    fs.chmodSync(dataDir, 0o755); // as root the cluster runs as `postgres`, which must enter it
  });
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps data across a SIGKILL and a restart, and stops cleanly on SIGTERM', async () => {
    const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, JWT_SECRET: _secret, ...base } = process.env;
    const port = await freePort();
    const env = { ...base, NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', BCRYPT_ROUNDS: '4' };
    const account = { email: 'embedded@example.com', password: 'long enough', name: 'Em' };

    child = await startServerProcess(env);
    const registered = await post(port, '/api/auth/register', account);
    expect(registered.status).to.equal(201);
    const { token } = await registered.json() as { token: string };
    child.kill('SIGKILL'); // leaves its PostgreSQL running, holding the data folder
    await exited(child);

    child = await startServerProcess(env);
    const login = await post(port, '/api/auth/login', { email: account.email, password: account.password });
    expect(login.status).to.equal(200);
    // the generated JWT secret was kept too: the first token still works
    const me = await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).to.equal(200);

    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited(child)).to.equal(0);
    expect(Date.now() - started).to.be.lessThan(10_000);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'PostgreSQL stopped').to.equal(false);
  });

  it('starts from a DATA_DIR that other users cannot enter (as root, the cluster lives under /var/lib/todo-server)', async () => {
    const closed = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-closed-'));
    fs.chmodSync(closed, 0o700); // like a checkout under /root
    const dataDir = path.join(closed, '.data');
    const cluster = await startEmbeddedPostgres({ dataDir, logger: createLogger('silent') });
    try {
      const asRoot = process.getuid?.() === 0;
      if (asRoot) expect(cluster.dir.startsWith(ROOT_FALLBACK + path.sep)).to.equal(true);
      else expect(cluster.dir).to.equal(path.join(dataDir, 'pg'));
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).to.deep.equal([{ one: 1 }]);
      await client.end();
    } finally {
      await cluster.stop();
      if (cluster.dir.startsWith(ROOT_FALLBACK + path.sep)) {
        fs.rmSync(path.dirname(cluster.dir), { recursive: true, force: true });
        if (fs.readdirSync(ROOT_FALLBACK).length === 0) fs.rmdirSync(ROOT_FALLBACK); // leave nothing behind
      }
      fs.rmSync(closed, { recursive: true, force: true });
    }
  });
});
