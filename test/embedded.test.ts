import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ROOT_FALLBACK, startEmbeddedPostgres } from '../server/core/db/embedded-postgres';
import { spawnServer, type SpawnedServer } from '../dev/kit';
import { createLogger } from '../server/core/logger';
import { workersOf } from './support/util';

const post = (server: SpawnedServer, route: string, body: unknown) =>
  fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the embedded PostgreSQL default (no DATABASE_URL)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: SpawnedServer | undefined;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-embedded-'));
    fs.chmodSync(dataDir, 0o755); // as root the cluster runs as `postgres`, which must enter it
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps data across a SIGKILL and a restart, and stops cleanly on SIGTERM', async () => {
    const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, JWT_SECRET: _secret, ...base } = process.env;
    const env = { ...base, NODE_ENV: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'info', BCRYPT_ROUNDS: '4' };
    const account = { email: 'embedded@example.com', password: 'long enough', name: 'Em' };

    server = await spawnServer({ env });
    const registered = await post(server, '/api/auth/register', account);
    expect(registered.status).to.equal(201);
    const { token } = (await registered.json()) as { token: string };
    process.kill(server.pid, 'SIGKILL'); // leaves its PostgreSQL running, holding the data folder
    await server.exited;

    server = await spawnServer({ env, port: server.port }); // a restart, on the same port
    const login = await post(server, '/api/auth/login', { email: account.email, password: account.password });
    expect(login.status).to.equal(200);
    // the generated JWT secret was kept too: the first token still works
    const me = await fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).to.equal(200);

    const started = Date.now();
    expect(await server.stop()).to.equal(0);
    expect(Date.now() - started).to.be.lessThan(10_000);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), 'PostgreSQL stopped').to.equal(false);
  });

  it('with WEB_CONCURRENCY=2, starts one embedded PostgreSQL for both workers and stops it with the group', async () => {
    const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, JWT_SECRET: _secret, ...base } = process.env;
    const groupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'todo-embedded-group-'));
    fs.chmodSync(groupDir, 0o755);
    const env = { ...base, NODE_ENV: 'development', DATA_DIR: groupDir, LOG_LEVEL: 'warn', BCRYPT_ROUNDS: '4' };
    const group = await spawnServer({ env: { ...env, WEB_CONCURRENCY: '2', SOCKET_ADAPTER: 'cluster' } });
    try {
      expect(workersOf(group.pid)).to.have.length(2);
      const account = { email: 'group@example.com', password: 'long enough', name: 'Group' };
      expect((await post(group, '/api/auth/register', account)).status).to.equal(201);
      // each request is a new connection (sticky closes them), handed to the worker with the fewest clients: both answer
      for (let i = 0; i < 4; i++)
        expect(
          (await post(group, '/api/auth/login', { email: account.email, password: account.password })).status,
        ).to.equal(200);
      expect(await group.stop(), group.output()).to.equal(0);
      expect(fs.existsSync(path.join(groupDir, 'pg', 'postmaster.pid')), 'PostgreSQL stopped').to.equal(false);
    } finally {
      await group.stop();
      fs.rmSync(groupDir, { recursive: true, force: true });
    }
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
