/**
 * WEB_CONCURRENCY: one port, several worker processes behind a primary (server/cluster.ts), spawned
 * as `npm start` runs them, on the test database.
 */
import { expect } from 'chai';
import { io } from 'socket.io-client';
import { spawnServer, type SpawnedServer } from '../dev/kit';
import type { Task } from '../shared/types';
import { testDb } from './support/database';
import {
  connect,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  TEST_SECRET,
  type ClientSocket,
  type ConnectOptions,
  type TestUser,
} from './support/server';
import { disconnected, handshake, workersOf } from './support/util';

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startGroup(env: Record<string, string>): Promise<SpawnedServer> {
  return spawnServer({
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: testDb().url,
      JWT_SECRET: TEST_SECRET,
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: 'warn',
      AUTH_RATE_LIMIT: '1000',
      // 150 handshakes of one user at once, all from 127.0.0.1: far more than a client address's
      // connections not yet authenticated (test/realtime/anonymous.test.ts tries that bound)
      MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS: '1000',
      WEB_CONCURRENCY: '2',
      ...env,
    },
  });
}

for (const adapter of ['cluster', 'postgres'] as const) {
  describe(`WEB_CONCURRENCY=2 with SOCKET_ADAPTER=${adapter}`, function () {
    this.timeout(60_000);
    let group: SpawnedServer;
    let sockets: ClientSocket[] = [];
    const open = async (token: string, opts: ConnectOptions = {}) => {
      const socket = await connect(group, { auth: { token }, ...opts });
      sockets.push(socket);
      return socket;
    };

    before(async () => {
      group = await startGroup({ SOCKET_ADAPTER: adapter, MAX_SOCKETS_PER_USER: '16' });
    });
    afterEach(() => {
      sockets.forEach((s) => s.close());
      sockets = [];
    });
    after(async () => {
      expect(await group.stop(), group.output()).to.equal(0);
    });

    it('runs two workers, and every change reaches sockets on both, over WebSocket and long-polling', async () => {
      expect(workersOf(group.pid)).to.have.length(2);
      const [alice, bob] = [await registerUser(group), await registerUser(group)];
      const inbox = await inboxOf(group, alice.token);
      const first = await open(alice.token);
      await ok(first, 'list:share', { listId: inbox, email: bob.email, role: 'editor' });
      const others = [
        ...(await Promise.all([1, 2, 3].map(() => open(alice.token)))),
        ...(await Promise.all([1, 2, 3].map(() => open(bob.token, { transports: ['polling'] })))),
      ];
      const everyone = [first, ...others];

      // over HTTP: to all seven sockets, whichever worker holds them
      const seen = everyone.map((s) => next(s, 'task:created'));
      const made = await request<{ task: Task }>(group, 'POST', `/api/lists/${inbox}/tasks`, {
        token: alice.token,
        body: { title: 'from REST' },
      });
      expect(made.status).to.equal(201);
      for (const p of await Promise.all(seen)) expect(p.task.id).to.equal(made.body.task.id);

      // from a long-polling socket: to the six others
      const poller = others[others.length - 1];
      const rest = everyone.filter((s) => s !== poller);
      const seen2 = rest.map((s) => next(s, 'task:created'));
      const { task } = await ok(poller, 'task:create', { listId: inbox, title: 'from polling' });
      for (const p of await Promise.all(seen2)) expect(p.task).to.deep.equal(task);
    });

    it('connects 160 sockets in bursts of 16 without losing a handshake', async () => {
      for (let burst = 0; burst < 10; burst++) {
        // a user a socket: one user's 16 syncs at once on a loaded machine may spend their budget (reads
        // cost their time), and a refused sync is not what this test is about
        const users = await Promise.all(Array.from({ length: 16 }, () => registerUser(group)));
        const batch = await Promise.all(
          users.map((user) => connect(group, { auth: { token: user.token }, timeout: 5000 })),
        );
        // every one is served: an event answered on each
        await Promise.all(batch.map((s) => ok(s, 'sync', {})));
        batch.forEach((s) => s.close());
      }
    });

    it('of 150 concurrent handshakes of one user over both workers, exactly MAX_SOCKETS_PER_USER (16) connect', async () => {
      const user = await registerUser(group);
      const results = await Promise.allSettled(
        Array.from({ length: 150 }, () => connect(group, { auth: { token: user.token }, timeout: 10_000 })),
      );
      const mine = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      sockets.push(...mine);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      expect(mine).to.have.length(16);
      expect(refused).to.deep.equal(Array(134).fill('too_many_connections'));
    });

    it("counts a user's sockets over both workers, and logout-all disconnects them on both", async () => {
      const user = await registerUser(group);
      const mine = await Promise.all(Array.from({ length: 16 }, () => open(user.token)));
      expect(await handshake(group, user.token)).to.equal('too_many_connections');
      const gone = mine.map((s) => disconnected(s));
      expect((await request(group, 'POST', '/api/auth/logout-all', { token: user.token })).status).to.equal(204);
      expect(await Promise.all(gone)).to.deep.equal(mine.map(() => 'io server disconnect'));
    });
  });
}

describe('WEB_CONCURRENCY=2: worker faults and shutdown', function () {
  this.timeout(60_000);
  let group: SpawnedServer;
  let user: TestUser;
  let listId: string;
  /** Sockets that reconnect by themselves, as a real client's do. */
  let sockets: ClientSocket[] = [];
  const reconnecting = (n: number) =>
    Promise.all(
      Array.from({ length: n }, () =>
        connect(group, {
          auth: { token: user.token },
          reconnection: true,
          reconnectionDelay: 100,
          reconnectionDelayMax: 500,
        }).then((s) => (sockets.push(s), s)),
      ),
    );

  before(async () => {
    group = await startGroup({ SOCKET_ADAPTER: 'cluster' });
    user = await registerUser(group);
    listId = await inboxOf(group, user.token);
  });
  afterEach(() => {
    sockets.forEach((s) => s.close());
    sockets = [];
  });
  after(() => group.stop());

  it('replaces a worker killed with SIGKILL; its clients reconnect and get changes again', async () => {
    const clients = await reconnecting(6);
    const [victim, survivor] = workersOf(group.pid);
    const dropped = clients.map((s) => disconnected(s, 10_000).then(() => s));
    process.kill(victim, 'SIGKILL');
    const lost = await Promise.any(dropped); // the victim's clients lose their connection
    await until('a new worker in place of the killed one', () => {
      const now = workersOf(group.pid);
      return now.length === 2 && !now.includes(victim) && now.includes(survivor);
    });
    await until('every client connected again', () => clients.every((s) => s.connected));
    expect(lost.connected).to.equal(true);
    expect((await fetch(`${group.url}/health`)).status).to.equal(200);
    const seen = clients.map((s) => next(s, 'task:created', undefined, 10_000));
    const made = await request<{ task: Task }>(group, 'POST', `/api/lists/${listId}/tasks`, {
      token: user.token,
      body: { title: 'after the kill' },
    });
    expect(made.status).to.equal(201);
    for (const p of await Promise.all(seen)) expect(p.task.id).to.equal(made.body.task.id);
  });

  it('on SIGTERM closes every connection so that clients reconnect elsewhere, and the whole group exits 0', async () => {
    const clients = await reconnecting(4);
    const workers = workersOf(group.pid);
    // a client whose connection is closed reconnects by itself; a Socket.IO disconnect ("io server disconnect") would be final
    const reasons = clients.map((s) => disconnected(s, 12_000));
    process.kill(group.pid, 'SIGTERM');
    expect(await Promise.all(reasons)).to.deep.equal(clients.map(() => 'transport close'));
    expect(await group.exited, group.output()).to.equal(0);
    for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid} still running`).to.throw();
  });
});

describe('WEB_CONCURRENCY=2 keeps one socket.io-client session on one worker over long-polling', function () {
  this.timeout(60_000);
  it('serves a polling client many requests without "session id unknown"', async () => {
    const group = await startGroup({ SOCKET_ADAPTER: 'cluster' });
    try {
      const user = await registerUser(group);
      const listId = await inboxOf(group, user.token);
      const socket = io(group.url, { auth: { token: user.token }, transports: ['polling'], reconnection: false });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        const ids = [];
        for (let i = 0; i < 20; i++) {
          const ack = (await socket.timeout(5000).emitWithAck('task:create', { listId, title: `t${i}` })) as {
            ok: boolean;
            data: { task: Task };
          };
          expect(ack.ok).to.equal(true);
          ids.push(ack.data.task.id);
        }
        expect(socket.connected).to.equal(true);
        expect(new Set(ids).size).to.equal(20);
      } finally {
        socket.close();
      }
    } finally {
      expect(await group.stop()).to.equal(0);
    }
  });
});
