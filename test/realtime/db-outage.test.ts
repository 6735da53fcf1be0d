/**
 * PostgreSQL going away and coming back, as a server process sees it through a TCP proxy that cuts
 * its connections and refuses new ones: answers stay fast and honest, sockets stay up, and once the
 * database is back everything works again without a restart.
 */
import { expect } from 'chai';
import { spawnServer, startTcpProxy, type SpawnedServer, type TcpProxy } from '../../dev/kit';
import type { Task } from '../../shared/types';
import { testDb } from '../support/database';
import {
  call,
  connect,
  inboxOf,
  ok,
  registerUser,
  request,
  TEST_SECRET,
  type ApiErrorBody,
  type ClientSocket,
} from '../support/server';

/** How long an answer may take while the database is away: "within a few seconds". */
const ANSWER_WITHIN_MS = 5_000;

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

describe('a database outage', function () {
  this.timeout(60_000);
  let proxy: TcpProxy;
  let node: SpawnedServer;
  let socket: ClientSocket | undefined;

  before(async () => {
    const db = new URL(testDb().url);
    proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
    node = await spawnServer({
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: proxy.through(testDb().url),
        JWT_SECRET: TEST_SECRET,
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'fatal', // the outage's error lines are expected
        AUTH_RATE_LIMIT: '1000',
        SOCKET_ADAPTER: 'none',
      },
    });
  });
  after(async () => {
    socket?.close();
    await node.stop();
    await proxy.close();
  });

  it('is answered unavailable within seconds, keeps sockets connected, and heals without a restart', async () => {
    const user = await registerUser(node);
    const listId = await inboxOf(node, user.token);
    socket = await connect(node, user.token);
    await ok(socket, 'task:create', { listId, title: 'before' });

    proxy.down(); // every database connection cut, new ones refused

    const ready = await timed(request(node, 'GET', '/ready'));
    expect(ready.value.status).to.equal(503);
    expect(ready.ms).to.be.below(2_000); // the contract's bound for /ready

    const bySocket = await timed(call(socket, 'task:create', { listId, title: 'during (socket)' }, 10_000));
    expect(bySocket.value).to.deep.include({ ok: false });
    expect(!bySocket.value.ok && bySocket.value.error.code).to.equal('unavailable');
    expect(bySocket.ms).to.be.below(ANSWER_WITHIN_MS);

    const byRest = await timed(
      request<ApiErrorBody>(node, 'POST', `/api/lists/${listId}/tasks`, {
        token: user.token,
        body: { title: 'during (REST)' },
      }),
    );
    expect(byRest.value.status).to.equal(503);
    expect(byRest.value.body.error.code).to.equal('unavailable');
    expect(byRest.ms).to.be.below(ANSWER_WITHIN_MS);

    const sync = await timed(call(socket, 'sync', {}, 10_000));
    expect(!sync.value.ok && sync.value.error.code).to.equal('unavailable');
    expect(sync.ms).to.be.below(ANSWER_WITHIN_MS);
    expect(socket.connected, 'the socket stays connected through the outage').to.equal(true);

    proxy.up();

    // back: the same socket and the same process work again at once
    const after = await ok(socket, 'task:create', { listId, title: 'after' });
    expect((await request(node, 'GET', '/ready')).status).to.equal(200);
    const tasks = await request<{ tasks: Task[] }>(node, 'GET', `/api/lists/${listId}/tasks`, { token: user.token });
    // nothing half-applied: the refused changes left no trace
    expect(tasks.body.tasks.map((t) => t.title).sort()).to.deep.equal(['after', 'before']);
    expect(after.task.seq).to.equal(2);
  });
});
