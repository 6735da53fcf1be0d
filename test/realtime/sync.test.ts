import { expect } from 'chai';
import type { ServerEventName } from '../../shared/events';
import type { List, Task } from '../../shared/types';
import { Replica } from '../support/replica';
import { share } from '../support/scenario';
import {
  type ClientSocket,
  devices,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  tasksOf,
  useServer,
  type TestServer,
} from '../support/server';
import { contractOrder, range, uuid } from '../support/util';
import { record } from '../support/wait';

/** The replica's lists, each compared with what GET /api/lists/:id/tasks answers. */
async function expectMatchesServer(server: () => TestServer, replica: Replica, token: string): Promise<void> {
  for (const listId of replica.lists.keys()) {
    const { tasks, seq } = await tasksOf(server(), token, listId);
    const mine = contractOrder([...replica.tasks.values()].filter((t) => t.listId === listId));
    expect(mine, `tasks of ${replica.lists.get(listId)!.name}`).to.deep.equal(tasks);
    expect(replica.cursors[listId], `cursor of ${replica.lists.get(listId)!.name}`).to.equal(seq);
  }
}

describe('sync: a device that was away catches up', () => {
  const create = async (s: ClientSocket, listId: string, title: string): Promise<Task> =>
    (await ok(s, 'task:create', { listId, title })).task;

  const server = useServer();
  const open = devices(server);

  it('brings an offline device to exactly the state of a device that stayed online, and of the server', async () => {
    const alice = await registerUser(server(), 'Alice');
    const bob = await registerUser(server(), 'Bob');
    const inbox = await inboxOf(server(), alice.token);
    const [phone, laptop, tablet, bobby] = [
      await open(alice.token),
      await open(alice.token),
      await open(alice.token),
      await open(bob.token),
    ];
    const work = (await ok(tablet, 'list:create', { name: 'Work' })).list.id;
    const leaving = (await ok(bobby, 'list:create', { name: 'Bob: alice will be removed' })).list.id;
    const joining = (await ok(bobby, 'list:create', { name: 'Bob: alice will be added' })).list.id;
    await share(bobby, leaving, alice.email, 'editor', phone);
    const kept = await create(tablet, inbox, 'unchanged');
    const renamed = await create(tablet, inbox, 'to rename');
    const done = await create(tablet, inbox, 'to complete');
    const gone = await create(tablet, inbox, 'to delete');
    const movedOut = await create(tablet, inbox, 'moves to Work');
    const movedIn = await create(tablet, work, 'moves to Inbox');
    await create(bobby, leaving, 'bob, before');
    const joiningTasks = [await create(bobby, joining, 'joining 1'), await create(bobby, joining, 'joining 2')];

    // the phone (it never writes) stays online and applies live events; the laptop syncs, then goes away
    const online = new Replica(alice.user.id);
    online.applySync(await ok(phone, 'sync', {}));
    online.follow(phone);
    const offline = new Replica(alice.user.id);
    offline.applySync(await ok(laptop, 'sync', {}));
    expect(offline.snapshot()).to.deep.equal(online.snapshot());
    const stored = { ...offline.cursors };
    expect(Object.keys(stored)).to.have.members([inbox, work, leaving]);
    laptop.close();

    /** Runs a change and waits until the phone saw its (last) event. */
    const seen = async (event: ServerEventName, change: () => Promise<unknown>) => {
      const e = next(phone, event);
      await change();
      await e;
    };
    await seen('task:updated', () => ok(tablet, 'task:update', { id: renamed.id, patch: { title: 'renamed' } }));
    await seen('task:updated', () => ok(tablet, 'task:update', { id: done.id, patch: { completed: true } }));
    await seen('task:deleted', () => ok(tablet, 'task:delete', { id: gone.id }));
    await seen('task:created', () => ok(tablet, 'task:update', { id: movedOut.id, patch: { listId: work } }));
    await seen('task:created', () => ok(tablet, 'task:update', { id: movedIn.id, patch: { listId: inbox } }));
    await seen('task:created', () => create(tablet, inbox, 'new in inbox'));
    await seen('task:created', () =>
      request(server(), 'POST', `/api/lists/${work}/tasks`, { token: alice.token, body: { title: 'over HTTP' } }),
    );
    const shortLived = await create(tablet, work, 'short-lived'); // the phone gets it, then its deletion
    await seen('task:deleted', () => ok(tablet, 'task:delete', { id: shortLived.id }));
    await seen('task:created', () => create(bobby, leaving, 'bob, while alice is a member'));
    await seen('member:removed', () => ok(bobby, 'list:unshare', { listId: leaving, userId: alice.user.id }));
    await create(bobby, leaving, 'bob, after alice left');
    await seen('list:created', () => ok(bobby, 'list:share', { listId: joining, email: alice.email, role: 'editor' }));
    online.applyListTasks(joining, await tasksOf(server(), alice.token, joining)); // a client loads a list shared with it
    await seen('task:created', () => create(bobby, joining, 'joining 3'));
    expect(online.gaps).to.deep.equal([]);

    // the laptop comes back and catches up through sync with its stored cursors
    const back = await open(alice.token);
    const result = await ok(back, 'sync', { cursors: stored });
    expect(result.removedListIds).to.deep.equal([leaving]);
    expect(result.lists.map((l) => l.id)).to.have.members([inbox, work, joining]);
    const byId = new Map(result.tasks.map((t) => [t.id, t]));
    expect(byId.has(kept.id), 'an unchanged task is not sent again').to.equal(false);
    expect(byId.get(renamed.id)).to.include({ title: 'renamed', version: 2 });
    expect(byId.get(done.id)).to.include({ completed: true });
    expect(byId.get(movedOut.id)).to.include({ listId: work });
    expect(byId.get(movedIn.id)).to.include({ listId: inbox });
    expect(result.tasks.filter((t) => t.listId === joining).map((t) => t.title)).to.have.members([
      'joining 1',
      'joining 2',
      'joining 3',
    ]);
    expect(joiningTasks.every((t) => byId.has(t.id))).to.equal(true);
    expect(result.tasks.some((t) => t.listId === leaving)).to.equal(false);
    expect(result.deleted.map(({ id, listId }) => ({ id, listId }))).to.have.deep.members([
      { id: gone.id, listId: inbox },
      { id: movedOut.id, listId: inbox },
      { id: movedIn.id, listId: work },
      { id: shortLived.id, listId: work },
    ]);
    for (const d of result.deleted) expect(d.seq).to.be.above(stored[d.listId]).and.at.most(result.cursors[d.listId]);

    offline.applySync(result);
    expect(offline.snapshot()).to.deep.equal(online.snapshot());
    await expectMatchesServer(server, offline, alice.token);
  });
});

describe('sync: a device that was away catches up', () => {
  const create = async (s: ClientSocket, listId: string, title: string): Promise<Task> =>
    (await ok(s, 'task:create', { listId, title })).task;

  const server = useServer();
  const open = devices(server);

  it("returns every visible list and all live tasks without cursors; cursors are the lists' seqs", async () => {
    const alice = await registerUser(server());
    const bob = await registerUser(server());
    const [device, bobby] = [await open(alice.token), await open(bob.token)];
    const inbox = await inboxOf(server(), alice.token);
    const errands = (await ok(device, 'list:create', { name: 'Errands' })).list.id;
    const theirs = (await ok(bobby, 'list:create', { name: 'Shared by Bob' })).list.id;
    await share(bobby, theirs, alice.email, 'viewer', device);
    await create(device, inbox, 'one');
    const deleted = await create(device, inbox, 'deleted');
    await ok(device, 'task:delete', { id: deleted.id });
    await create(device, errands, 'two');
    await create(bobby, theirs, 'three');

    for (const payload of [{}, { cursors: {} }]) {
      const result = await ok(device, 'sync', payload);
      const { body } = await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: alice.token });
      expect(result.lists).to.deep.equal(body.lists);
      expect(result.lists.find((l) => l.id === theirs)).to.include({ role: 'viewer' });
      expect(result.deleted).to.deep.equal([]);
      expect(result.removedListIds).to.deep.equal([]);
      const live: Task[] = [];
      for (const list of result.lists) {
        const { tasks, seq } = await tasksOf(server(), alice.token, list.id);
        live.push(...tasks);
        expect(result.cursors[list.id]).to.equal(seq).and.equal(list.seq);
      }
      expect(Object.keys(result.cursors)).to.have.members([inbox, errands, theirs]);
      expect(result.tasks.map((t) => t.title)).to.have.members(['one', 'two', 'three']);
      expect(result.tasks).to.have.deep.members(live);
    }
  });

  it('sends tombstones only for lists given a cursor, and names lists no longer visible', async () => {
    const alice = await registerUser(server());
    const device = await open(alice.token);
    const a = await inboxOf(server(), alice.token);
    const b = (await ok(device, 'list:create', { name: 'B' })).list.id;
    const [a1, a2, b1, b2] = [
      await create(device, a, 'a1'),
      await create(device, a, 'a2'),
      await create(device, b, 'b1'),
      await create(device, b, 'b2'),
    ];
    const before = (await ok(device, 'sync', {})).cursors;
    const delA = await ok(device, 'task:delete', { id: a1.id });
    const delB = await ok(device, 'task:delete', { id: b1.id });
    await ok(device, 'task:update', { id: a2.id, patch: { title: 'a2 changed' } });
    const unknown = uuid();

    const onlyA = await ok(device, 'sync', { cursors: { [a]: before[a], [unknown]: 3 } });
    expect(onlyA.deleted).to.deep.equal([delA]);
    expect(onlyA.removedListIds).to.deep.equal([unknown]);
    expect(onlyA.tasks.map((t) => t.id)).to.have.members([a2.id, b2.id]); // a: the change; b: every live task
    expect(onlyA.cursors).to.deep.equal({ [a]: delA.seq + 1, [b]: delB.seq });

    const both = await ok(device, 'sync', { cursors: before });
    expect(both.deleted).to.have.deep.members([delA, delB]);
    expect(both.tasks.map((t) => t.id)).to.deep.equal([a2.id]);

    const upToDate = await ok(device, 'sync', { cursors: both.cursors });
    expect([upToDate.tasks, upToDate.deleted, upToDate.removedListIds]).to.deep.equal([[], [], []]);
  });

  it('lets a device apply sync, then live events from cursor + 1 on, applying nothing twice', async () => {
    const alice = await registerUser(server());
    const inbox = await inboxOf(server(), alice.token);
    const [writer, device] = [await open(alice.token), await open(alice.token)];
    const edited = await create(writer, inbox, 'edited while syncing');
    const events = record(device); // everything the device receives, from before it asks to sync

    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 40; i++) {
      writes.push(
        i % 4 === 3
          ? ok(writer, 'task:update', { id: edited.id, patch: { notes: `edit ${i}` } })
          : create(writer, inbox, `t${i}`),
      );
    }
    await writes[4];
    const result = await ok(device, 'sync', {});
    await Promise.all(writes);
    const marker = next(device, 'task:created', (p) => p.task.title === 'marker');
    const last = await create(writer, inbox, 'marker');
    await marker;

    const cursor = result.cursors[inbox];
    for (const task of result.tasks) expect(task.seq).to.be.at.most(cursor);
    const replica = new Replica(alice.user.id);
    replica.applySync(result);
    for (const e of events) replica.applyEvent(e);
    expect(replica.gaps).to.deep.equal([]);
    expect(replica.applied.map((e) => e.seq)).to.deep.equal(range(cursor + 1, last.seq));
    expect(replica.ignored).to.equal(events.length - replica.applied.length);
    expect(replica.tasks.get(edited.id)).to.include({ version: 11 }); // ten edits, in whatever order they committed
    await expectMatchesServer(server, replica, alice.token);
  });
});
