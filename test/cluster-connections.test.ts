/**
 * Connections as a browser or an attacker sees them, through a WEB_CONCURRENCY=2 primary and in one
 * process: those that send nothing or half a request are closed (REQUEST_TIMEOUT_MS, short here),
 * and every request of a kept-alive connection reaches the worker of the session it names.
 */
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { spawnServer, type SpawnedServer } from '../dev/kit';
import { testDb } from './support/database';
import { type ClientSocket, connect, ok, registerUser, startServer, TEST_SECRET } from './support/server';

const TIMEOUT_MS = 1_000;
/** Nothing, a byte, half the headers, the headers and half the body. */
const HALF_SENT = [
  undefined,
  'G',
  'GET /health HTTP/1.1\r\nHost: x\r\n',
  'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{"e',
];

/** Resolves with how long a raw connection that sent `bytes` (if any) stayed open; rejects past `limitMs`. */
function openFor(port: number, bytes: string | undefined, limitMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      if (bytes !== undefined) socket.write(bytes);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${JSON.stringify(bytes ?? 'nothing')}: still open after ${limitMs} ms`));
    }, limitMs);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

interface Answer {
  status: number;
  text: string;
  connection: string | undefined;
  reused: boolean;
}

/** One HTTP request through `agent` (false: a connection of its own). */
function send(group: SpawnedServer, agent: http.Agent | false, method: string, path: string, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: group.port, method, path, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection, reused: req.reusedSocket }),
      );
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    if (body !== undefined) req.setHeader('content-type', 'text/plain;charset=UTF-8');
    req.end(body);
  });
}

describe('WEB_CONCURRENCY=2 connections', function () {
  this.timeout(60_000);
  let group: SpawnedServer;
  before(async () => {
    group = await spawnServer({
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: testDb().url,
        JWT_SECRET: TEST_SECRET,
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'warn',
        WEB_CONCURRENCY: '2',
        REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      },
    });
  });
  after(async () => {
    expect(await group.stop(), group.output()).to.equal(0);
  });

  it('closes connections that send nothing or half a request within REQUEST_TIMEOUT_MS, in the primary and the workers; live sockets stay', async () => {
    const user = await registerUser(group);
    const live: ClientSocket[] = await Promise.all([
      connect(group, { auth: { token: user.token } }),
      connect(group, { auth: { token: user.token }, transports: ['polling'] }),
    ]);
    try {
      // the primary waits for the first bytes, then a worker for the rest of the request: at most twice the timeout, and Node's check
      const limit = 2 * TIMEOUT_MS + TIMEOUT_MS / 4 + 4_000;
      const lasted = await Promise.all(HALF_SENT.map((bytes) => openFor(group.port, bytes, limit)));
      for (const ms of lasted) expect(ms).to.be.at.least(TIMEOUT_MS - 100);
      // a WebSocket and a long-polling session, whose requests are complete, outlived them and are served
      for (const socket of live) {
        expect(socket.connected).to.equal(true);
        await ok(socket, 'sync', {});
      }
    } finally {
      live.forEach((s) => s.close());
    }
  });

  it('answers with Connection: close, so that every request of a kept-alive connection reaches the worker of its session', async () => {
    const user = await registerUser(group);
    // four Engine.IO sessions, each opened on a connection of its own: the workers take turns
    const sids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const opened = await send(group, false, 'GET', '/socket.io/?EIO=4&transport=polling');
      sids.push((JSON.parse(opened.text.slice(1)) as { sid: string }).sid);
    }
    // then their requests over one kept-alive connection at a time, as a browser sends them
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers: Answer[] = [];
      const poll = async (sid: string, body?: string) => {
        const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
        const answer = await send(group, agent, body === undefined ? 'GET' : 'POST', path, body);
        answers.push(answer);
        return answer;
      };
      for (const sid of sids)
        expect((await poll(sid, `40${JSON.stringify({ token: user.token })}`)).text).to.equal('ok');
      for (const sid of sids) expect((await poll(sid)).text).to.match(/^40\{"sid":/); // connected
      for (const sid of sids) expect((await poll(sid, '1')).text).to.equal('ok'); // closed by the client
      const health = await send(group, agent, 'GET', '/health');
      expect(health.status).to.equal(200);
      expect([...answers, health].map((a) => [a.status, a.connection, a.reused])).to.deep.equal(
        Array(answers.length + 1).fill([200, 'close', false]),
      );
      // a session's id begins with its worker's: the sessions were on both
      expect(new Set(sids.map((sid) => sid.split('.')[0])).size, `sids: ${sids.join(' ')}`).to.equal(2);
    } finally {
      agent.destroy();
    }
  });
});

describe('one process: connections', () => {
  it('closes connections that send nothing or half a request within REQUEST_TIMEOUT_MS (and a quarter, when Node looks)', async () => {
    const server = await startServer({ requestTimeoutMs: TIMEOUT_MS });
    try {
      const port = Number(new URL(server.url).port);
      const lasted = await Promise.all(HALF_SENT.map((bytes) => openFor(port, bytes, TIMEOUT_MS * 1.25 + 4_000)));
      for (const ms of lasted) expect(ms).to.be.at.least(TIMEOUT_MS - 100);
    } finally {
      await server.close();
    }
  });
});
