/**
 * A server node stopped under load, as an operator or a crash stops it: its clients move to the other
 * node and retry what was not answered with the same mutationId, as a real client does; nothing that
 * was acknowledged is lost and nothing is applied twice.
 */
import { expect } from 'chai';
import { spawnServer, type SpawnedServer } from '../dev/kit';
import type { Task } from '../shared/types';
import { testDb } from './support/database';
import { call, connect, inboxOf, registerUser, tasksOf, TEST_SECRET, type ClientSocket } from './support/server';
import { disconnected, uuid } from './support/util';

const CLIENTS = 8;
const CREATES = 40;

/** One client: CREATES task:creates one after another, each retried with its mutationId (on the other node once its own is gone) until answered ok. */
async function client(
  nodes: SpawnedServer[],
  token: string,
  listId: string,
  acked: string[],
  progress: () => void,
): Promise<{ retries: number; moved: boolean }> {
  let at = 0;
  let socket: ClientSocket = await connect(nodes[at], token);
  let retries = 0;
  const deadline = Date.now() + 40_000;
  try {
    for (let i = 0; i < CREATES; i++) {
      const payload = { listId, id: uuid(), mutationId: uuid(), title: `create ${i}` };
      for (;;) {
        if (Date.now() > deadline) throw new Error('the client did not finish within 40 s');
        const lost = disconnected(socket, 10_000).then(() => undefined);
        const ack = await Promise.race([call(socket, 'task:create', payload, 10_000).catch(() => undefined), lost]);
        if (ack?.ok) {
          acked.push(ack.data.task.id);
          progress();
          break;
        }
        retries += 1;
        if (ack && ack.error.code !== 'unavailable') throw new Error(`refused: ${JSON.stringify(ack.error)}`);
        if (!socket.connected) {
          // this node is gone: the other one (a load balancer would do this)
          socket.close();
          at = 1;
          socket = await connect(nodes[at], token);
        }
      }
    }
  } finally {
    socket.close();
  }
  return { retries, moved: at === 1 };
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  describe(`a node stopped with ${signal} under load`, function () {
    this.timeout(90_000);
    let nodes: SpawnedServer[] = [];

    before(async () => {
      const env = {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: testDb().url,
        JWT_SECRET: TEST_SECRET,
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'fatal',
        AUTH_RATE_LIMIT: '1000',
        USER_EVENTS_PER_SECOND: '100000',
      };
      nodes = [await spawnServer({ env }), await spawnServer({ env })];
    });
    after(async () => {
      for (const node of nodes) await node.stop();
    });

    it('loses no acknowledged change and applies none twice; its clients carry on on the other node', async () => {
      const user = await registerUser(nodes[1]);
      const listId = await inboxOf(nodes[1], user.token);
      const acked: string[] = [];
      let stopped: Promise<number | null> | undefined;
      // stopped once a quarter of the creates are answered: in the middle of the load
      const progress = () => {
        if (!stopped && acked.length >= (CLIENTS * CREATES) / 4) {
          process.kill(nodes[0].pid, signal);
          stopped = nodes[0].exited;
        }
      };
      const results = await Promise.all(
        Array.from({ length: CLIENTS }, () => client(nodes, user.token, listId, acked, progress)),
      );
      const code = await stopped;
      if (signal === 'SIGTERM') expect(code, nodes[0].output()).to.equal(0);
      expect(results.every((r) => r.moved)).to.equal(true);

      const { tasks } = await tasksOf(nodes[1], user.token, listId);
      const ids = tasks.map((t: Task) => t.id);
      expect(acked).to.have.length(CLIENTS * CREATES);
      expect(new Set(ids).size).to.equal(ids.length);
      expect([...ids].sort()).to.deep.equal([...acked].sort()); // each acknowledged create once, nothing else
      // gapless: every change took one seq
      expect(Math.max(...tasks.map((t) => t.seq))).to.equal(CLIENTS * CREATES);
    });
  });
}
