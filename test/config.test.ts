import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../server/core/config';
import { projectRoot } from '../dev/kit';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'todo-config-'));
const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = tmp();
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('has the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config).to.include({
      env: 'development',
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: '',
      jwtExpiresIn: 3600,
      bcryptRounds: 12,
      dbPoolMax: 15,
      logLevel: 'info',
      authRateLimit: 20,
      socketAdapter: 'postgres',
      socketEventsPerSecond: 50,
    });
    expect(config.corsOrigins).to.deep.equal([]);
    // the contract's bounds
    expect(config).to.include({
      maxTasksPerList: 10_000,
      maxCommentsPerTask: 1000,
      maxListsPerUser: 1000,
      maxMembersPerList: 100,
      maxSocketsPerUser: 50,
      userEventsPerSecond: 100,
      shareRateLimit: 30,
      loginFailureLimit: 10,
      trustProxy: false,
    });
  });

  it('needs REDIS_URL with SOCKET_ADAPTER=redis', () => {
    expect(problems({ SOCKET_ADAPTER: 'redis' }).join()).to.include('REDIS_URL');
    expect(problems({ SOCKET_ADAPTER: 'redis', REDIS_URL: 'http://x' }).join()).to.include('REDIS_URL');
    const config = loadConfig({ DATA_DIR: dataDir(), SOCKET_ADAPTER: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config).to.include({ socketAdapter: 'redis', redisUrl: 'redis://127.0.0.1:6379', redisKey: 'todo' });
  });

  it('runs WEB_CONCURRENCY workers, relaying over IPC unless another adapter is chosen', () => {
    const config = (env: Record<string, string>) => loadConfig({ DATA_DIR: dataDir(), ...env });
    expect(config({})).to.include({ webConcurrency: 1, socketAdapter: 'postgres' });
    expect(config({ WEB_CONCURRENCY: '4' })).to.include({ webConcurrency: 4, socketAdapter: 'cluster' });
    expect(config({ WEB_CONCURRENCY: '4', SOCKET_ADAPTER: 'postgres' })).to.include({ socketAdapter: 'postgres' });
    expect(config({ WEB_CONCURRENCY: 'auto' }).webConcurrency).to.equal(os.availableParallelism());
    expect(problems({ WEB_CONCURRENCY: '0' }).join()).to.include('WEB_CONCURRENCY');
    expect(problems({ WEB_CONCURRENCY: 'many' }).join()).to.include('WEB_CONCURRENCY');
    expect(problems({ SOCKET_ADAPTER: 'cluster' }).join()).to.include('needs WEB_CONCURRENCY above 1');
  });

  it('reads TRUST_PROXY as Express does: true, a hop count, or addresses; warns of true', () => {
    const warnings: string[] = [];
    const trust = (value: string) =>
      loadConfig({ DATA_DIR: dataDir(), JWT_SECRET: 'x'.repeat(32), TRUST_PROXY: value }, (w) => warnings.push(w))
        .trustProxy;
    expect([trust('false'), trust('2'), trust('loopback, 10.0.0.0/8')]).to.deep.equal([
      false,
      2,
      'loopback, 10.0.0.0/8',
    ]);
    expect(warnings).to.deep.equal([]);
    expect(trust('true')).to.equal(true);
    expect(warnings.join()).to.include('TRUST_PROXY=true');
    expect(problems({ TRUST_PROXY: 'every;body' }).join()).to.include('TRUST_PROXY');
  });
});

describe('configuration', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = tmp();
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('names every bad variable in one error', () => {
    const found = problems({
      PORT: 'abc',
      JWT_SECRET: 'short',
      BCRYPT_ROUNDS: 'many',
      DB_POOL_MAX: '0',
      LOG_LEVEL: 'loud',
      AUTH_RATE_LIMIT: '-1',
      DATABASE_URL: 'mysql://x/y',
      JWT_EXPIRES_IN: 'soon',
      NODE_ENV: 'staging',
      SOCKET_ADAPTER: 'carrier-pigeon',
      SOCKET_EVENTS_PER_SECOND: '0',
      MAX_TASKS_PER_LIST: '0',
      MAX_LISTS_PER_USER: 'lots',
      MAX_MEMBERS_PER_LIST: '1.5',
      MAX_SOCKETS_PER_USER: '-3',
      USER_EVENTS_PER_SECOND: 'fast',
      SHARE_RATE_LIMIT: '0',
      LOGIN_FAILURE_LIMIT: 'x',
      SESSION_RECHECK_MS: '-1',
    }).join('\n');
    for (const name of [
      'PORT',
      'JWT_SECRET',
      'BCRYPT_ROUNDS',
      'DB_POOL_MAX',
      'LOG_LEVEL',
      'AUTH_RATE_LIMIT',
      'DATABASE_URL',
      'JWT_EXPIRES_IN',
      'NODE_ENV',
      'SOCKET_ADAPTER',
      'SOCKET_EVENTS_PER_SECOND',
      'MAX_TASKS_PER_LIST',
      'MAX_LISTS_PER_USER',
      'MAX_MEMBERS_PER_LIST',
      'MAX_SOCKETS_PER_USER',
      'USER_EVENTS_PER_SECOND',
      'SHARE_RATE_LIMIT',
      'LOGIN_FAILURE_LIMIT',
      'SESSION_RECHECK_MS',
    ]) {
      expect(found).to.include(name);
    }
  });

  it('requires JWT_SECRET and at least 10 bcrypt rounds in production', () => {
    const found = problems({ NODE_ENV: 'production', BCRYPT_ROUNDS: '8' }).join('\n');
    expect(found).to.include('JWT_SECRET').and.include('BCRYPT_ROUNDS');
  });

  it('in development without JWT_SECRET, generates one, keeps it in DATA_DIR and warns', () => {
    const dir = dataDir();
    const warnings: string[] = [];
    const first = loadConfig({ DATA_DIR: dir }, (w) => warnings.push(w));
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.jwtSecret).to.have.length.of.at.least(32).and.equal(second.jwtSecret);
    expect(warnings.join()).to.include('JWT_SECRET');
    expect(fs.statSync(path.join(dir, 'jwt-secret')).mode & 0o077).to.equal(0);
  });

  it('resolves a relative DATA_DIR against the project folder, whatever the working directory', () => {
    const config = loadConfig({ DATA_DIR: 'some/data', JWT_SECRET: 's'.repeat(32) });
    expect(config.dataDir).to.equal(path.join(projectRoot, 'some', 'data'));
  });

  it('reads durations and CORS origins', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      JWT_EXPIRES_IN: '15m',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.jwtExpiresIn).to.equal(900);
    expect(config.corsOrigins).to.deep.equal(['https://a.example', 'https://b.example']);
    expect(loadConfig({ DATA_DIR: dataDir(), JWT_EXPIRES_IN: '90' }).jwtExpiresIn).to.equal(90);
  });

  it('reads REQUEST_TIMEOUT_MS: 10 s by default, from 100 ms to 5 minutes', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).requestTimeoutMs).to.equal(10_000);
    expect(loadConfig({ DATA_DIR: dataDir(), REQUEST_TIMEOUT_MS: '2500' }).requestTimeoutMs).to.equal(2500);
    for (const bad of ['0', '99', '300001', 'soon'])
      expect(problems({ REQUEST_TIMEOUT_MS: bad }).join()).to.include('REQUEST_TIMEOUT_MS');
  });

  it('bounds connections not yet authenticated and password hashing: documented defaults, bad values named', () => {
    expect(loadConfig({ DATA_DIR: dataDir() })).to.include({
      maxAnonymousPerAddress: 100,
      maxAnonymous: 5000,
      passwordHashConcurrency: 2,
      passwordHashQueue: 16,
    });
    const bad = problems({
      MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: '0',
      MAX_ANONYMOUS_CONNECTIONS: 'many',
      PASSWORD_HASH_CONCURRENCY: '0',
      PASSWORD_HASH_QUEUE: '-1',
    }).join();
    for (const name of [
      'MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS',
      'MAX_ANONYMOUS_CONNECTIONS',
      'PASSWORD_HASH_CONCURRENCY',
      'PASSWORD_HASH_QUEUE',
    ])
      expect(bad).to.include(name);
    expect(loadConfig({ DATA_DIR: dataDir(), PASSWORD_HASH_QUEUE: '0' }).passwordHashQueue).to.equal(0);
  });
});

describe('configuration', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = tmp();
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('makes the server exit 1 with one clear message and no stack trace', function () {
    this.timeout(20_000);
    const { DATABASE_URL: _unused, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: projectRoot,
      env: { ...env, PORT: 'abc', JWT_SECRET: 'short', DATA_DIR: dataDir() },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).to.equal(1);
    expect(run.stderr).to.include('Invalid configuration').and.include('PORT').and.include('JWT_SECRET');
    expect(run.stderr).not.to.match(/\n\s+at /);
  });
});
