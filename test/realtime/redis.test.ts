/**
 * SOCKET_ADAPTER=redis: changes, logout-all and socket counts cross nodes through Redis, and after
 * Redis dropped the adapter's connections every socket is told `sync:needed`. These tests need a
 * Redis: TEST_REDIS_URL (`.ci/run` sets it when one answers on 127.0.0.1:6379).
 */
import { expect } from 'chai';
import { createClient } from 'redis';
import {
  call,
  cluster,
  devices,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  startServer,
  type TestServer,
} from '../support/server';
import { disconnected, handshake } from '../support/util';

const redisUrl = process.env.TEST_REDIS_URL;

if (!redisUrl) process.stdout.write('  (no TEST_REDIS_URL: the Redis adapter tests do not run)\n');
else
  describe('the Redis adapter', function () {
    this.timeout(30_000);
    let nodeA: TestServer;
    let nodeB: TestServer;
    const open = devices();
    before(async () => {
      nodeA = await startServer({ socketAdapter: 'redis', maxSocketsPerUser: 2 });
      nodeB = await startServer({ socketAdapter: 'redis', maxSocketsPerUser: 2 });
      await cluster(nodeA, nodeB);
    });
    after(async () => {
      await Promise.all([nodeA.close(), nodeB.close()]);
    });

    it("relays changes, counts a user's sockets over both nodes, and disconnects them all on logout-all", async () => {
      const alice = await registerUser(nodeA);
      const inbox = await inboxOf(nodeA, alice.token);
      const [onA, onB] = [await open(alice.token, nodeA), await open(alice.token, nodeB)];
      const seen = next(onB, 'task:created');
      await ok(onA, 'task:create', { listId: inbox, title: 'through Redis' });
      expect((await seen).task.title).to.equal('through Redis');
      expect(await handshake(nodeA, alice.token)).to.equal('too_many_connections');
      const gone = disconnected(onB);
      expect((await request(nodeA, 'POST', '/api/auth/logout-all', { token: alice.token })).status).to.equal(204);
      expect(await gone).to.equal('io server disconnect');
    });

    it("counts a user's events in Redis: one budget over both nodes", async () => {
      const [nodeC, nodeD] = await Promise.all(
        [1, 2].map(() => startServer({ socketAdapter: 'redis', userEventsPerSecond: 5, socketEventsPerSecond: 1000 })),
      );
      try {
        const carol = await registerUser(nodeC);
        const inbox = await inboxOf(nodeC, carol.token);
        const [onC, onD] = [await open(carol.token, nodeC), await open(carol.token, nodeD)];
        // 2 × 5 in one window of 2 s, whichever node the events reach; each node alone would allow 10.
        // The two handshakes were events too: 8 are left, or 10 if the window turned meanwhile
        const answers = await Promise.all(
          Array.from({ length: 24 }, (_, i) => call(i % 2 ? onC : onD, 'list:members', { listId: inbox })),
        );
        const served = answers.filter((a) => a.ok).length;
        expect(served).to.be.within(8, 10);
        expect(answers.filter((a) => !a.ok && a.error.code === 'rate_limited')).to.have.length(24 - served);
      } finally {
        await Promise.all([nodeC.close(), nodeD.close()]);
      }
    });

    it('counts register and login attempts of an address in Redis: one AUTH_RATE_LIMIT over both nodes', async () => {
      // a deployment of their own in Redis: the other tests' registrations count under another key
      const redisKey = `todo-test-auth-${String(Date.now())}`;
      const [nodeE, nodeF] = await Promise.all(
        [1, 2].map(() => startServer({ socketAdapter: 'redis', authRateLimit: 3, redisKey })),
      );
      try {
        const attempt = (node: TestServer) =>
          request(node, 'POST', '/api/auth/login', {
            body: { email: 'nobody@example.com', password: 'whatever1' },
          }).then((r) => r.status);
        // each node alone would allow 3
        const statuses = [await attempt(nodeE), await attempt(nodeF), await attempt(nodeE), await attempt(nodeF)];
        expect(statuses).to.deep.equal([401, 401, 401, 429]);
      } finally {
        await Promise.all([nodeE.close(), nodeF.close()]);
      }
    });

    it("after Redis dropped the adapter's connections, tells every socket sync:needed and relays again", async () => {
      const bob = await registerUser(nodeA);
      const inbox = await inboxOf(nodeA, bob.token);
      const [onA, onB] = [await open(bob.token, nodeA), await open(bob.token, nodeB)];
      const told = [next(onA, 'sync:needed', () => true, 15_000), next(onB, 'sync:needed', () => true, 15_000)];
      const admin = createClient({ url: redisUrl });
      await admin.connect();
      try {
        const clients = String(await admin.sendCommand(['CLIENT', 'LIST'])).split('\n');
        const ours = clients.filter((c) => c.includes(`name=${nodeA.parts.ctx.config.redisKey}-adapter `));
        expect(ours.length).to.be.at.least(4); // a publisher and a subscriber a node
        for (const line of ours) await admin.sendCommand(['CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)![1]]);
      } finally {
        await admin.quit();
      }
      await Promise.all(told);
      const seen = next(onA, 'task:created', (p) => p.task.title === 'after the drop');
      await ok(onB, 'task:create', { listId: inbox, title: 'after the drop' });
      await seen;
    });
  });
