/**
 * MAX_SOCKETS_PER_USER under concurrent handshakes over two nodes on one database: through the
 * PostgreSQL adapter, and through Redis when TEST_REDIS_URL is set (server/realtime/socket-bound.ts).
 * The workers of one WEB_CONCURRENCY group are tested in test/cluster.test.ts.
 */
import { expect } from 'chai';
import { type ClientSocket, cluster, connect, registerUser, startServer, type TestServer } from '../support/server';
import { handshake } from '../support/util';

const ADAPTERS = ['postgres', ...(process.env.TEST_REDIS_URL ? ['redis' as const] : [])] as const;

/** Closes the sockets, and resolves once their nodes have seen every connection close (their places given back). */
async function closeAll(nodes: TestServer[], sockets: ClientSocket[]): Promise<void> {
  const closed = sockets.map((socket) => {
    const remote = nodes.map((n) => n.parts.io.sockets.sockets.get(socket.id!)).find(Boolean);
    if (!remote) throw new Error('a connected socket that no node holds');
    return new Promise<void>((resolve) => remote.conn.once('close', () => resolve()));
  });
  sockets.forEach((s) => s.close());
  await Promise.all(closed);
}

for (const socketAdapter of ADAPTERS)
  describe(`the socket bound over two nodes (SOCKET_ADAPTER=${socketAdapter})`, function () {
    this.timeout(30_000);
    let nodes: TestServer[];
    before(async () => {
      nodes = await Promise.all([1, 2].map(() => startServer({ socketAdapter, maxSocketsPerUser: 50 })));
      await cluster(...nodes); // each node asks the nodes it knows of
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
    });

    it('of 150 concurrent handshakes of one user spread over both nodes, exactly MAX_SOCKETS_PER_USER (50) connect', async () => {
      const alice = await registerUser(nodes[0]);
      const results = await Promise.allSettled(
        Array.from({ length: 150 }, (_, i) => connect(nodes[i % 2], alice.token)),
      );
      const sockets = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      try {
        const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
        expect(sockets).to.have.length(50);
        expect(refused).to.deep.equal(Array(100).fill('too_many_connections'));
        // both nodes admitted some: each counted the other's
        const held = nodes.map((n) => sockets.filter((s) => n.parts.io.sockets.sockets.has(s.id!)).length);
        expect(
          held.every((n) => n > 0),
          `held: ${held.join(' + ')}`,
        ).to.equal(true);
        expect(await handshake(nodes[1], alice.token)).to.equal('too_many_connections');
      } finally {
        await closeAll(nodes, sockets);
      }
      // the places are given back as the connections close
      const again = await Promise.all([connect(nodes[0], alice.token), connect(nodes[1], alice.token)]);
      await closeAll(nodes, again);
    });
  });
