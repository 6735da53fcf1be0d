/**
 * Expensive reads (a `sync` page, a task page) are counted in the user's budget by what they answer
 * (one event per 64 KiB begun), and at most USER_READS_AT_ONCE of one user run at once: the others
 * wait, holding no database connection, so another user's changes are served meanwhile.
 */
import { expect } from 'chai';
import pg from 'pg';
import type { Ack, SyncResult, TaskPage } from '../../shared/types';
import { bulkTasks, HEAVY_TEXT, testDb } from '../support/database';
import {
  type ApiErrorBody,
  call,
  devices,
  inboxOf,
  ok,
  registerUser,
  request,
  type TestServer,
  useServer,
} from '../support/server';
import { codeOf } from '../support/util';

/** A list of Alice's whose first page (task page or sync) is about 1 MiB: 40 tasks of about 64 KB of JSON. */
async function bigList(server: TestServer, token: string, userId: string): Promise<string> {
  const { list } = await request<{ list: { id: string } }>(server, 'POST', '/api/lists', {
    token,
    body: { name: 'Big' },
  }).then((r) => r.body);
  await bulkTasks(list.id, userId, 40, HEAVY_TEXT);
  return list.id;
}

describe('expensive reads', function () {
  this.timeout(30_000);

  describe('cost by what they answer', () => {
    // a budget of 3 events a second, bursts to 6: a page of about 1 MiB (16 events) leaves it in debt for
    // seconds, whatever few events came before
    const server = useServer({ userEventsPerSecond: 3 });
    const open = devices(server);

    it('a task page is counted in the budget: one of about 1 MiB costs 16 events, so the next request of that user, REST or socket, is refused; another user is served', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const big = await bigList(server(), alice.token, alice.user.id); // POST /api/lists: one event
      const [aliceSocket, bobInbox] = await Promise.all([open(alice.token), inboxOf(server(), bob.token)]);

      const page = await request<TaskPage>(server(), 'GET', `/api/lists/${big}/tasks`, { token: alice.token });
      expect(page.status).to.equal(200);
      expect(Buffer.byteLength(JSON.stringify(page.body))).to.be.above(15 * 64 * 1024);
      const again = await request<ApiErrorBody>(server(), 'GET', `/api/lists/${big}/tasks?limit=1`, {
        token: alice.token,
      });
      expect([again.status, again.body.error.code]).to.deep.equal([429, 'rate_limited']);
      expect(codeOf(await call(aliceSocket, 'list:create', { name: 'refused' }))).to.equal('rate_limited');
      // Bob's budget is his own: a small page costs him one
      expect((await request(server(), 'GET', `/api/lists/${bobInbox}/tasks`, { token: bob.token })).status).to.equal(
        200,
      );
    });

    it('a sync page costs by its size too: after one of about 1 MiB the next event of that user is refused', async () => {
      const alice = await registerUser(server());
      await bigList(server(), alice.token, alice.user.id);
      const socket = await open(alice.token);
      const page = await ok(socket, 'sync', {});
      expect(Buffer.byteLength(JSON.stringify(page))).to.be.above(15 * 64 * 1024);
      expect(codeOf(await call(socket, 'list:create', { name: 'refused' }))).to.equal('rate_limited');
    });
  });

  describe('a few of one user at once', () => {
    const server = useServer({ userReadsAtOnce: 2, socketEventsPerSecond: 1000 });
    const open = devices(server);

    /** Backends of this database waiting for a lock (the reads held up by the test's lock). */
    async function lockWaiters(): Promise<number> {
      const [row] = await testDb().sequelize.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        { type: 'SELECT' as never },
      );
      return row.n;
    }

    it('holds at most USER_READS_AT_ONCE of one user in the database; the others wait without a connection and are served after; another user is served meanwhile', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const inbox = await inboxOf(server(), alice.token);
      await bulkTasks(inbox, alice.user.id, 3);
      const [aliceSocket, bobSocket] = await Promise.all([open(alice.token), open(bob.token)]);
      const bobInbox = await inboxOf(server(), bob.token);

      // every sync reads task_tombstones: while the test holds this lock, each one in the database waits on it
      const lock = new pg.Client({ connectionString: testDb().url });
      await lock.connect();
      try {
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE task_tombstones IN ACCESS EXCLUSIVE MODE');
        const syncs = Array.from(
          { length: 6 },
          () => aliceSocket.timeout(20_000).emitWithAck('sync', {}) as Promise<Ack<SyncResult>>,
        );
        // two run (and wait on the lock), four wait for a slot in the server
        const deadline = Date.now() + 10_000;
        for (;;) {
          const state = server().parts.ctx.reads.state(alice.user.id);
          if (state.running === 2 && state.waiting === 4 && (await lockWaiters()) >= 2) break;
          if (Date.now() > deadline)
            throw new Error(`reads ${JSON.stringify(state)}, lock waiters ${await lockWaiters()} after 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await lockWaiters()).to.equal(2);
        expect(codeOf(await call(bobSocket, 'task:create', { listId: bobInbox, title: 'Bob is served' }))).to.equal(
          'ok',
        );
        await lock.query('COMMIT');
        expect((await Promise.all(syncs)).map(codeOf)).to.deep.equal(syncs.map(() => 'ok'));
      } finally {
        await lock.end();
      }
    });
  });
});
