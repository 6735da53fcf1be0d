import { expect } from 'chai';
import type { List } from '../../shared/types';
import { scenario } from '../support/scenario';
import {
  call,
  devices,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  tasksOf,
  useServer,
  type Open,
  type TestServer,
} from '../support/server';
import { uuid } from '../support/util';
import { flush, record } from '../support/wait';

async function setup(server: () => TestServer, open: Open) {
  const {
    alice: user,
    listId,
    phone,
    laptop,
  } = await scenario(server(), open, { owner: 'alice', devices: { alice: ['phone', 'laptop'] } });
  return { user, listId, phone, laptop, laptopSaw: record(laptop) };
}

describe('idempotent mutations: retries are answered with the first answer and applied once', () => {
  const server = useServer();
  const open = devices(server);

  /**
   * A user (her Inbox is `listId`) with a writing device and an observing one (recording every event it
   * gets). flush(..., 'marker') is one more change, seen by the observer after every event of the retries.
   */

  it('task:create retried with the same mutationId', async () => {
    const { user, listId, phone, laptop, laptopSaw } = await setup(server, open);
    const mutationId = uuid();
    const first = await call(phone, 'task:create', { listId, title: 'Once', mutationId });
    expect(first.ok).to.equal(true);
    const again = await call(phone, 'task:create', { listId, title: 'Once', mutationId });
    expect(again).to.deep.equal(first);
    const fromLaptop = await call(laptop, 'task:create', { listId, title: 'Once', mutationId }); // the same user on another device
    expect(fromLaptop).to.deep.equal(first);
    await flush(server(), user, [laptop], 'marker');
    expect(
      laptopSaw.map((e) => (e.event === 'task:created' ? `${e.event} ${e.payload.task.title}` : e.event)),
    ).to.deep.equal(['task:created Once', 'task:created marker']);
    const { tasks, seq } = await tasksOf(server(), user.token, listId);
    expect(tasks.map((t) => t.title)).to.have.members(['Once', 'marker']);
    expect(seq).to.equal(2);
  });

  it('task:update retried with the same mutationId', async () => {
    const { user, listId, phone, laptop, laptopSaw } = await setup(server, open);
    const { task } = await ok(phone, 'task:create', { listId, title: 'Counter' });
    const mutationId = uuid();
    const first = await ok(phone, 'task:update', { id: task.id, patch: { notes: 'edited' }, mutationId });
    expect(first.task).to.include({ version: 2, seq: 2 });
    // a later change by another device, then the lost-ack retry: answered as the first time, not applied over it
    const later = await ok(laptop, 'task:update', { id: task.id, patch: { notes: 'later' } });
    const again = await ok(phone, 'task:update', { id: task.id, patch: { notes: 'edited' }, mutationId });
    expect(again).to.deep.equal(first);
    await flush(server(), user, [laptop], 'marker');
    expect(laptopSaw.map((e) => e.event)).to.deep.equal(['task:created', 'task:updated', 'task:created']);
    const current = (await tasksOf(server(), user.token, listId)).tasks.find((t) => t.id === task.id);
    expect(current).to.deep.equal(later.task);
    expect(current).to.include({ notes: 'later', version: 3, seq: 3 });
  });

  it('task:delete retried with the same mutationId', async () => {
    const { user, listId, phone, laptop, laptopSaw } = await setup(server, open);
    const { task } = await ok(phone, 'task:create', { listId, title: 'Doomed' });
    const mutationId = uuid();
    const first = await call(phone, 'task:delete', { id: task.id, mutationId });
    expect(first).to.deep.equal({ ok: true, data: { id: task.id, listId, seq: 2 } });
    expect(await call(phone, 'task:delete', { id: task.id, mutationId })).to.deep.equal(first);
    await flush(server(), user, [laptop], 'marker');
    expect(laptopSaw.map((e) => e.event)).to.deep.equal(['task:created', 'task:deleted', 'task:created']);
    expect((await tasksOf(server(), user.token, listId)).seq).to.equal(3);
  });

  it('list:create retried with the same mutationId, and with the same id', async () => {
    const { user, phone, laptop, laptopSaw } = await setup(server, open);
    const mutationId = uuid();
    const first = await call(phone, 'list:create', { name: 'Groceries', mutationId });
    expect(await call(phone, 'list:create', { name: 'Groceries', mutationId })).to.deep.equal(first);
    const id = uuid();
    const byId = await call(phone, 'list:create', { id, name: 'Hardware' });
    expect(await call(phone, 'list:create', { id, name: 'Hardware' })).to.deep.equal(byId);
    const seen = next(laptop, 'list:created', (p) => p.list.name === 'marker');
    await ok(phone, 'list:create', { name: 'marker' });
    await seen;
    expect(laptopSaw.map((e) => (e.event === 'list:created' ? e.payload.list.name : e.event))).to.deep.equal([
      'Groceries',
      'Hardware',
      'marker',
    ]);
    const { body } = await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: user.token });
    expect(body.lists.map((l) => l.name)).to.have.members(['Inbox', 'Groceries', 'Hardware', 'marker']);
  });

  it('task:create retried with the id of a task deleted since answers conflict, and does not bring it back', async () => {
    const { user, listId, phone } = await setup(server, open);
    const id = uuid();
    await ok(phone, 'task:create', { listId, id, title: 'Short-lived' });
    await ok(phone, 'task:delete', { id });
    const ack = await call(phone, 'task:create', { listId, id, title: 'Short-lived' });
    expect(ack.ok || ack.error.code).to.equal('conflict');
    expect((await tasksOf(server(), user.token, listId)).tasks.map((t) => t.id)).not.to.include(id);
  });
});

describe('idempotent mutations: retries are answered with the first answer and applied once', () => {
  const server = useServer();
  const open = devices(server);

  /**
   * A user (her Inbox is `listId`) with a writing device and an observing one (recording every event it
   * gets). flush(..., 'marker') is one more change, seen by the observer after every event of the retries.
   */

  it('task:create with a client id: the same user gets the same answer; another user gets conflict', async () => {
    const { user, listId, phone, laptop, laptopSaw } = await setup(server, open);
    const id = uuid();
    const first = await ok(phone, 'task:create', { listId, id, title: 'Client-made' });
    expect(first.task.id).to.equal(id);
    expect(await ok(laptop, 'task:create', { listId, id, title: 'Client-made' })).to.deep.equal(first);
    expect(await ok(phone, 'task:create', { listId, id, title: 'Client-made', mutationId: uuid() })).to.deep.equal(
      first,
    );

    const other = await registerUser(server());
    const otherList = await inboxOf(server(), other.token);
    const otherSocket = await open(other.token);
    for (const target of [otherList, listId]) {
      const ack = await call(otherSocket, 'task:create', { listId: target, id, title: 'Stolen id' });
      expect(ack.ok || ack.error.code).to.equal(target === otherList ? 'conflict' : 'not_found');
    }
    const listAck = await call(otherSocket, 'list:create', { id: listId, name: 'Stolen list id' });
    expect(listAck.ok || listAck.error.code).to.equal('conflict');

    await flush(server(), user, [laptop], 'marker');
    expect(laptopSaw.map((e) => e.event)).to.deep.equal(['task:created', 'task:created']);
    expect(await tasksOf(server(), other.token, otherList)).to.deep.equal({ tasks: [], seq: 0 });
    const mine = await tasksOf(server(), user.token, listId);
    expect(mine.tasks.find((t) => t.id === id)).to.deep.equal(first.task);
    expect(mine.seq).to.equal(2);
  });

  it('refuses a mutationId reused for another event, and keeps mutationIds apart per user', async () => {
    const { user, listId, phone, laptop, laptopSaw } = await setup(server, open);
    const mutationId = uuid();
    const { task } = await ok(phone, 'task:create', { listId, title: 'First use', mutationId });
    for (const [event, payload] of [
      ['task:update', { id: task.id, patch: { title: 'Reused' }, mutationId }],
      ['task:delete', { id: task.id, mutationId }],
      ['list:create', { name: 'Reused', mutationId }],
    ] as const) {
      const ack = await call(phone, event, payload);
      expect(ack.ok || ack.error.code, event).to.equal('conflict');
    }
    expect(await tasksOf(server(), user.token, listId)).to.deep.equal({ tasks: [task], seq: 1 });

    const other = await registerUser(server());
    const otherSocket = await open(other.token);
    const theirs = await ok(otherSocket, 'task:create', {
      listId: await inboxOf(server(), other.token),
      title: 'Same mutationId, other user',
      mutationId,
    });
    expect(theirs.task.title).to.equal('Same mutationId, other user');
    await flush(server(), user, [laptop], 'marker');
    expect(laptopSaw.map((e) => e.event)).to.deep.equal(['task:created', 'task:created']);
  });

  it('applies concurrent identical retries once', async () => {
    const { user, listId, phone, laptop } = await setup(server, open);
    const tablet = await open(user.token); // only watches
    const tabletSaw = record(tablet);
    const { task } = await ok(phone, 'task:create', { listId, title: 'Shared' });
    const createId = uuid();
    const creates = await Promise.all(
      [phone, phone, laptop].map((s) => call(s, 'task:create', { listId, title: 'Raced', mutationId: createId })),
    );
    const updateId = uuid();
    const updates = await Promise.all(
      [phone, laptop, phone].map((s) =>
        call(s, 'task:update', { id: task.id, patch: { notes: 'raced' }, mutationId: updateId }),
      ),
    );
    const deleteId = uuid();
    const deletes = await Promise.all(
      [phone, laptop].map((s) => call(s, 'task:delete', { id: task.id, mutationId: deleteId })),
    );
    for (const acks of [creates, updates, deletes]) {
      expect(acks[0].ok, JSON.stringify(acks[0])).to.equal(true);
      for (const ack of acks) expect(ack).to.deep.equal(acks[0]);
    }
    expect(updates[0].ok && updates[0].data.task).to.include({ version: 2, seq: 3 });
    expect(deletes[0].ok && deletes[0].data.seq).to.equal(4);
    await flush(server(), user, [tablet], 'marker');
    expect(tabletSaw.map((e) => e.event)).to.deep.equal([
      'task:created',
      'task:created',
      'task:updated',
      'task:deleted',
      'task:created',
    ]);
    const { tasks, seq } = await tasksOf(server(), user.token, listId);
    expect(tasks.map((t) => t.title)).to.have.members(['Raced', 'marker']);
    expect(seq).to.equal(5);
  });
});

describe('idempotent mutations: retries are answered with the first answer and applied once', () => {
  const server = useServer();
  const open = devices(server);

  /**
   * A user (her Inbox is `listId`) with a writing device and an observing one (recording every event it
   * gets). flush(..., 'marker') is one more change, seen by the observer after every event of the retries.
   */

  it('applies concurrent creates with the same client id once, answering each the same', async () => {
    const { user, listId, phone, laptop } = await setup(server, open);
    const tablet = await open(user.token); // only watches
    const tabletSaw = record(tablet);
    for (let round = 0; round < 5; round++) {
      const [taskId, newListId] = [uuid(), uuid()];
      const tasks = await Promise.all(
        [phone, laptop, phone, laptop].map((s) =>
          call(s, 'task:create', { listId, id: taskId, title: `Raced ${round}` }),
        ),
      );
      const lists = await Promise.all(
        [phone, laptop, phone, laptop].map((s) => call(s, 'list:create', { id: newListId, name: `Raced ${round}` })),
      );
      for (const acks of [tasks, lists]) {
        expect(acks[0].ok, JSON.stringify(acks[0])).to.equal(true);
        for (const ack of acks) expect(ack).to.deep.equal(acks[0]);
      }
    }
    await flush(server(), user, [tablet], 'marker');
    expect(tabletSaw.filter((e) => e.event === 'task:created')).to.have.length(6); // 5 raced + marker
    expect(tabletSaw.filter((e) => e.event === 'list:created')).to.have.length(5);
    expect((await tasksOf(server(), user.token, listId)).seq).to.equal(6);
  });
});
