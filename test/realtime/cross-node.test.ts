/**
 * The contract's cross-node behaviour on three nodes, with each adapter that relays between nodes
 * (PostgreSQL always; Redis when TEST_REDIS_URL is set): delivery from every node to every other,
 * membership changes, logout-all and token expiry. WEB_CONCURRENCY's IPC adapter is covered in
 * test/cluster.test.ts.
 */
import { expect } from 'chai';
import type { Config } from '../../server/core/config';
import {
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
import { disconnected } from '../support/util';

const adapters: Array<Config['socketAdapter']> = [
  'postgres',
  ...(process.env.TEST_REDIS_URL ? ['redis' as const] : []),
];

for (const adapter of adapters) {
  describe(`three nodes with SOCKET_ADAPTER=${adapter}`, function () {
    this.timeout(30_000);
    let nodes: TestServer[] = [];
    const open = devices();
    before(async () => {
      const key = `todo-test-${String(process.pid)}-three`;
      nodes = await Promise.all([1, 2, 3].map(() => startServer({ socketAdapter: adapter, redisKey: key })));
      await cluster(...nodes);
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
    });

    it('delivers a change made on any node to the devices on the two others', async () => {
      const user = await registerUser(nodes[0]);
      const listId = await inboxOf(nodes[0], user.token);
      const sockets = await Promise.all(nodes.map((node) => open(user.token, node)));
      for (const [i, maker] of sockets.entries()) {
        const others = sockets.filter((_, j) => j !== i);
        const seen = others.map((s) => next(s, 'task:created'));
        const { task } = await ok(maker, 'task:create', { listId, title: `made on node ${String(i)}` });
        for (const p of await Promise.all(seen)) expect(p.task).to.deep.equal(task);
      }
    });

    it("shares and unshares across nodes: the new member's devices get the list and its changes, the removed one's nothing more", async () => {
      const [owner, friend] = [await registerUser(nodes[0]), await registerUser(nodes[1])];
      const listId = await inboxOf(nodes[0], owner.token);
      const ownerOnA = await open(owner.token, nodes[0]);
      const [friendOnB, friendOnC] = [await open(friend.token, nodes[1]), await open(friend.token, nodes[2])];

      const listSeen = [friendOnB, friendOnC].map((s) => next(s, 'list:created', (p) => p.list.id === listId));
      const addedSeen = [friendOnB, friendOnC].map((s) => next(s, 'member:added'));
      await ok(ownerOnA, 'list:share', { listId, email: friend.email, role: 'editor' });
      for (const p of await Promise.all(listSeen)) expect(p.list.role).to.equal('editor');
      for (const p of await Promise.all(addedSeen)) expect(p.member.userId).to.equal(friend.user.id);

      const taskSeen = next(ownerOnA, 'task:created');
      await ok(friendOnC, 'task:create', { listId, title: 'from the friend on node C' });
      expect((await taskSeen).task.title).to.equal('from the friend on node C');

      const removedSeen = [friendOnB, friendOnC].map((s) => next(s, 'member:removed'));
      await ok(ownerOnA, 'list:unshare', { listId, userId: friend.user.id });
      for (const p of await Promise.all(removedSeen)) expect(p).to.include({ listId, userId: friend.user.id });
      // from now on nothing of that list reaches the friend: the owner's next change is seen by the owner's own other device only
      const ownerOnC = await open(owner.token, nodes[2]);
      const leaked = [friendOnB, friendOnC].map((s) =>
        next(s, 'task:created', undefined, 1_000).then(
          () => 'leaked',
          () => 'none',
        ),
      );
      const ownSeen = next(ownerOnC, 'task:created');
      await ok(ownerOnA, 'task:create', { listId, title: 'private again' });
      expect((await ownSeen).task.title).to.equal('private again');
      expect(await Promise.all(leaked)).to.deep.equal(['none', 'none']);
    });

    it('logout-all on one node disconnects the devices on all three', async () => {
      const user = await registerUser(nodes[2]);
      const sockets = await Promise.all(nodes.map((node) => open(user.token, node)));
      const gone = sockets.map((s) => disconnected(s));
      expect((await request(nodes[1], 'POST', '/api/auth/logout-all', { token: user.token })).status).to.equal(204);
      expect(await Promise.all(gone)).to.deep.equal([
        'io server disconnect',
        'io server disconnect',
        'io server disconnect',
      ]);
    });

    it('tells each node its sockets of an expired token, wherever the token was issued', async () => {
      const short = await Promise.all(
        [1, 2, 3].map(() =>
          startServer({ socketAdapter: adapter, jwtExpiresIn: 2, redisKey: `todo-test-${String(process.pid)}-expiry` }),
        ),
      );
      try {
        await cluster(...short);
        const user = await registerUser(short[0]);
        const sockets = await Promise.all(short.map((node) => open(user.token, node)));
        const expired = sockets.map((s) => next(s, 'auth:expired', undefined, 6_000));
        const gone = sockets.map((s) => disconnected(s, 6_000));
        await Promise.all(expired);
        expect(await Promise.all(gone)).to.deep.equal([
          'io server disconnect',
          'io server disconnect',
          'io server disconnect',
        ]);
      } finally {
        await Promise.all(short.map((n) => n.close()));
      }
    });
  });
}
