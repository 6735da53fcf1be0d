/**
 * A node that stops says goodbye through the adapter, so the other nodes stop counting it at once:
 * a later fetchSockets() or server-side emit with acks would otherwise wait for its answer until the
 * adapter's timeout. The goodbye must go out even when the node was publishing to the end.
 */
import { expect } from 'chai';
import { cluster, startServer } from '../support/server';

describe('a node that stops (postgres adapter)', () => {
  it('is forgotten by the other nodes within a second, even right after many publishes', async () => {
    const [a, b] = [await startServer(), await startServer()];
    try {
      await cluster(a, b);
      // b's adapter connections are busy publishing when it closes
      for (let i = 0; i < 50; i++)
        b.parts.io.serverSideEmit('todo:revoked', { userId: '00000000-0000-4000-8000-000000000000', version: 0 });
      await b.close();
      const deadline = Date.now() + 1_000;
      let count = await a.parts.io.of('/').adapter.serverCount();
      while (count > 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        count = await a.parts.io.of('/').adapter.serverCount();
      }
      expect(count, 'nodes a counts').to.equal(1);
    } finally {
      await a.close();
    }
  });
});
