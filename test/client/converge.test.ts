/**
 * Convergence under random interleavings (seeded, bounded): two SDK clients of one user and a
 * collaborator's client make changes at random, their networks drop and come back, changes are made
 * behind their backs (over REST, and straight into the database so that a socket sees a seq gap), and
 * the server restarts on the same port and database. In the end every client shows exactly what a
 * fresh REST read of the database shows, and no change was applied twice.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { positionBetween, type ClientError, type TodoClient } from '../../sdk/index';
import type { Task } from '../../shared/types';
import { bulkTasks, testDb } from '../support/database';
import { inboxOf, registerUser, request, startServer, type TestServer, type TestUser } from '../support/server';
import { clients, converges, portOf, prng, serverPicture, synced, until } from '../support/sdk-clients';

/** The seeds run (SDK_SEEDS=4,5,6 runs others). */
const SEEDS = process.env.SDK_SEEDS ? process.env.SDK_SEEDS.split(',').map(Number) : [1, 2, 3];
const STEPS = 150;

// eslint-disable-next-line max-lines-per-function -- issue #17, not done yet: one seeded scenario, to be cut into steps
describe('client SDK: convergence under random interleavings', function () {
  this.timeout(300_000);
  const kit = clients();
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  for (const seed of SEEDS) {
    // eslint-disable-next-line max-lines-per-function -- issue #17, not done yet: one seeded scenario, to be cut into steps
    it(`two devices and a collaborator converge with the database (seed ${seed}, ${STEPS} steps, a restart, a gap)`, async () => {
      const rnd = prng(seed);
      const alice = await registerUser(server, 'Alice');
      const bob = await registerUser(server, 'Bob');
      const aliceInbox = await inboxOf(server, alice.token);

      const open = async (user: TestUser) => {
        const link = await kit.link(server);
        const client = await kit.open(link.url);
        await client.login(user.email, user.password);
        await synced(client);
        return { client, link, user, down: 0 };
      };
      const devices = [await open(alice), await open(alice), await open(bob)];
      const [a1, , b] = devices;
      const shared = await a1.client.createList('Shared');
      await a1.client.share(shared.id, bob.email, 'editor');
      await until(b.client, () => b.client.list(shared.id) !== undefined, 'bob sees the shared list');

      const errors: ClientError[] = [];
      for (const d of devices) d.client.on('error', (e) => errors.push(e));
      const created = new Map<string, Promise<Task | undefined>>(); // title -> the create's outcome
      let made = 0;
      const writable = (c: TodoClient) => c.lists().filter((l) => l.role !== 'viewer');

      let serverDown = false;
      const stats = { drops: 0, gaps: 0, offline: 0 };
      const step = async (i: number) => {
        const d = rnd.pick(devices);
        const c = d.client;
        const lists = writable(c);
        const list = rnd.pick(lists);
        const tasks = c.tasks(list.id);
        const task = tasks.length > 0 ? rnd.pick(tasks) : undefined;
        const roll = rnd.int(100);
        let op: Promise<unknown> | undefined;
        if (d.down > 0 || serverDown) stats.offline++;
        if (roll < 35 || !task) {
          const title = `t${seed}-${++made}`;
          // at the end of the list half the time; else without a position (the server's '')
          const last = tasks.at(-1)?.position ?? null;
          const position = rnd.int(2) === 0 ? positionBetween(last, null) : undefined;
          const p = c.createTask(list.id, position === undefined ? { title } : { title, position });
          created.set(
            title,
            p.then(
              (t) => t,
              () => undefined,
            ),
          );
          op = p;
        } else if (roll < 55) {
          const patch = rnd.pick([
            { title: `${task.title}'` },
            { completed: !task.completed },
            { priority: rnd.int(4) },
            { notes: `note ${i}` },
          ]);
          op = c.updateTask(task.id, patch, rnd.int(4) === 0 ? { expectedVersion: task.version } : {});
        } else if (roll < 65) {
          const other = rnd.pick(tasks);
          const j = tasks.indexOf(other);
          op = c.moveTask(task.id, other.id, tasks[j + 1]?.id ?? null);
        } else if (roll < 75) {
          op = c.deleteTask(task.id);
        } else if (roll < 79 && lists.length > 1) {
          // a move to another list the device can write to
          const to = rnd.pick(lists.filter((l) => l.id !== list.id));
          op = c.updateTask(task.id, { listId: to.id });
        } else if (roll < 82) {
          op = c.renameList(list.id, `${list.name.slice(0, 20)} ${i}`);
        } else if (roll < 88 && !serverDown) {
          // the device's network drops for a few steps
          d.link.down();
          d.down = 1 + rnd.int(8);
          stats.drops++;
        } else if (roll < 92 && !serverDown) {
          // a change over REST, by the list's owner (not through any of the clients)
          const res = await request(server, 'POST', `/api/lists/${aliceInbox}/tasks`, {
            token: alice.token,
            body: { title: `rest ${seed}-${i}` },
          });
          expect(res.status).to.equal(201);
        } else if (roll < 94) {
          // a change no socket is told of: the next event of that list shows a seq gap
          await gap(i);
        } else if (roll < 97 && d.user === alice) {
          // a new list of alice's, shared with bob once it exists (sharing is online-only: refused offline)
          op = c
            .createList(`extra ${i}`)
            .then((l) => c.share(l.id, bob.email, rnd.pick(['editor', 'viewer'] as const)))
            .catch(() => undefined);
        } else if (d.user === alice) {
          // bob taken off one of them, or put back as an editor (his queued changes there are refused)
          const extra = c.lists().filter((l) => l.name.startsWith('extra') && !l.pending);
          if (extra.length > 0) {
            const l = rnd.pick(extra);
            op = (
              rnd.int(2) === 0 ? c.unshare(l.id, bob.user.id) : c.share(l.id, bob.email, 'editor').then(() => undefined)
            ).catch(() => undefined);
          }
        }
        // now and then wait for the change's answer, otherwise let them pile up
        // (not while its network or the server is down: the answer comes only after)
        if (op && rnd.int(3) === 0 && d.down === 0 && !serverDown) await op.catch(() => undefined);
        for (const dev of devices) if (dev.down > 0 && --dev.down === 0) dev.link.up();
      };

      const gap = async (i: number) => {
        await bulkTasks(shared.id, alice.user.id, 1 + rnd.int(3), { title: `silent ${seed}-${i}` });
        stats.gaps++;
      };
      for (let i = 0; i < STEPS; i++) {
        await step(i);
        if (i === 10) {
          // at least one network drop and one gap in every run, besides the random ones
          devices[0].link.down();
          devices[0].down = 5;
          stats.drops++;
        }
        if (i === Math.floor(STEPS / 3)) await gap(i);
        if (i === Math.floor(STEPS / 2)) {
          // a server restart on the same port and database, with changes queued meanwhile
          const port = portOf(server);
          await server.close();
          serverDown = true;
          await step(-1);
          await step(-2);
          server = await startServer({}, { port });
          serverDown = false;
        }
      }
      for (const d of devices) d.link.up();
      await Promise.all(devices.map((d) => synced(d.client, 120_000)));
      // every device has sent all; what the others still receive, they converge to
      const pictures = { alice: await serverPicture(server, alice), bob: await serverPicture(server, bob) };
      await converges(devices[0].client, pictures.alice, 'alice 1');
      await converges(devices[1].client, pictures.alice, 'alice 2');
      await converges(b.client, pictures.bob, 'bob');

      // none lost, none doubled: the tasks made by the clients are exactly the acknowledged creates
      const acknowledged = (await Promise.all(created.values())).filter((t) => t !== undefined);
      const rows = await testDb().sequelize.query<{ id: string }>(
        `SELECT id FROM tasks WHERE created_by IN ($1, $2) AND title LIKE $3`,
        { bind: [alice.user.id, bob.user.id, `t${seed}-%`], type: QueryTypes.SELECT },
      );
      expect(rows.map((r) => r.id).sort()).to.deep.equal(acknowledged.map((t) => t.id).sort());
      expect(pictures.alice.tasks[shared.id].length, 'the run did make tasks').to.be.above(0);
      expect(stats.offline, 'changes were made offline').to.be.above(0);
      // refusals happen (a task deleted by another device, a stale version): each was a contract error
      for (const e of errors) expect(['not_found', 'conflict', 'forbidden', 'validation_error']).to.include(e.code);
    });
  }
});
