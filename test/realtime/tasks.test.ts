import { expect } from 'chai';
import type { Task } from '../../shared/types';
import { scenario, share } from '../support/scenario';
import { call, devices, inboxOf, next, ok, registerUser, tasksOf, useServer } from '../support/server';
import { contractOrder, TASK_KEYS } from '../support/util';
import { record } from '../support/wait';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('tasks over sockets', () => {
  const server = useServer();
  const open = devices(server);

  /** Alice (two devices) owns her Inbox; Bob (one device) is an editor of it. */
  const team = () =>
    scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'editor' },
      devices: { alice: ['phone', 'laptop'], bob: ['bobby'] },
    });

  it('creates a task with every contract field, takes the next seq, and shows it to every other socket', async () => {
    const { alice, bob, listId, phone, laptop, bobby } = await team();
    const { seq: before } = await tasksOf(server(), alice.token, listId);
    const [onLaptop, onBob] = [next(laptop, 'task:created'), next(bobby, 'task:created')];
    const phoneSaw = record(phone);
    const dueAt = '2026-12-01T09:30:00.000Z';
    const { task } = await ok(phone, 'task:create', {
      listId,
      title: '  Call mom  ',
      notes: 'about Sunday',
      dueAt,
      priority: 2,
      position: 'm',
    });
    expect(task).to.have.all.keys(...TASK_KEYS);
    expect(task).to.include({
      listId,
      title: 'Call mom',
      notes: 'about Sunday',
      completed: false,
      completedAt: null,
      dueAt,
      priority: 2,
      position: 'm',
      version: 1,
      seq: before + 1,
      createdBy: alice.user.id,
      updatedBy: alice.user.id,
    });
    expect(task.id).to.match(/^[0-9a-f-]{36}$/);
    expect(task.createdAt).to.match(ISO).and.equal(task.updatedAt);
    expect((await onLaptop).task).to.deep.equal(task);
    expect((await onBob).task).to.deep.equal(task);
    expect(phoneSaw).to.deep.equal([]);

    const plain = (await ok(bobby, 'task:create', { listId, title: 'defaults' })).task;
    expect(plain).to.include({
      notes: '',
      dueAt: null,
      priority: 0,
      version: 1,
      seq: before + 2,
      createdBy: bob.user.id,
    });
    expect(typeof plain.position).to.equal('string');
  });

  it('updates fields: version +1 and the next seq per change, completedAt set and cleared, broadcasts equal to acks', async () => {
    const { alice, bob, listId, phone, laptop, bobby } = await team();
    const created = (await ok(phone, 'task:create', { listId, title: 'Pay rent', dueAt: '2026-12-01T00:00:00.000Z' }))
      .task;
    const patches = [
      { completed: true },
      { title: 'Pay the rent', notes: 'by transfer' },
      { dueAt: null },
      { priority: 3 },
      { position: 'zz' },
      { completed: false },
      { dueAt: '2027-01-15T08:00:00.000Z' },
    ];
    let previous = created;
    for (const [i, patch] of patches.entries()) {
      const writer = i % 2 === 0 ? bobby : laptop; // Bob and Alice's laptop take turns
      const watchers = [phone, writer === bobby ? laptop : bobby].map((s) => next(s, 'task:updated'));
      const { task } = await ok(writer, 'task:update', { id: created.id, patch });
      expect(task).to.include({
        ...patch,
        version: previous.version + 1,
        seq: previous.seq + 1,
        updatedBy: writer === bobby ? bob.user.id : alice.user.id,
      });
      expect(task).to.include({ createdBy: alice.user.id, createdAt: created.createdAt });
      for (const w of watchers) expect((await w).task).to.deep.equal(task);
      previous = task;
    }
    const after = (await tasksOf(server(), alice.token, listId)).tasks.find((t) => t.id === created.id)!;
    expect(after).to.deep.equal(previous);
    expect(after).to.include({
      title: 'Pay the rent',
      notes: 'by transfer',
      priority: 3,
      position: 'zz',
      completed: false,
      completedAt: null,
      version: 8,
    });
  });

  it('sets completedAt to the time of completion and keeps it while other fields change', async () => {
    const { phone, listId } = await team();
    const { task } = await ok(phone, 'task:create', { listId, title: 'Water plants' });
    const t0 = Date.now();
    const done = (await ok(phone, 'task:update', { id: task.id, patch: { completed: true } })).task;
    expect(done.completedAt).to.match(ISO);
    expect(Date.parse(done.completedAt!)).to.be.within(t0 - 2000, Date.now() + 2000);
    const renamed = (
      await ok(phone, 'task:update', { id: task.id, patch: { title: 'Water the plants', completed: true } })
    ).task;
    expect(renamed.completedAt).to.equal(done.completedAt);
    const undone = (await ok(phone, 'task:update', { id: task.id, patch: { completed: false } })).task;
    expect(undone).to.include({ completed: false, completedAt: null, version: 4 });
  });
});

describe('tasks over sockets', () => {
  const server = useServer();
  const open = devices(server);

  /** Alice (two devices) owns her Inbox; Bob (one device) is an editor of it. */
  const team = () =>
    scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'editor' },
      devices: { alice: ['phone', 'laptop'], bob: ['bobby'] },
    });

  it('refuses invalid fields without changing anything', async () => {
    const { alice, phone, listId } = await team();
    const { task } = await ok(phone, 'task:create', { listId, title: 'valid' });
    for (const patch of [{ title: '   ' }, { priority: 4 }, { dueAt: 'tomorrow' }, { completed: 'yes' }, {}]) {
      const ack = await call(phone, 'task:update', { id: task.id, patch });
      expect(ack, JSON.stringify(patch)).to.deep.include({ ok: false });
      if (!ack.ok) expect(ack.error.code).to.equal('validation_error');
    }
    const ack = await call(phone, 'task:create', { listId, title: 'x'.repeat(501) });
    expect(ack.ok || ack.error.code).to.equal('validation_error');
    expect(await tasksOf(server(), alice.token, listId)).to.deep.equal({ tasks: [task], seq: task.seq });
  });

  it('lists tasks sorted by (position, createdAt, id)', async () => {
    const { alice, phone, listId } = await team();
    const made: Task[] = [];
    for (const [title, position] of [
      ['c', 'b'],
      ['a1', 'a'],
      ['B', 'B'],
      ['a2', 'a'],
      ['empty', undefined],
      ['a0V', 'a0V'],
      ['Z', 'Zz'],
    ]) {
      made.push((await ok(phone, 'task:create', { listId, title, position })).task); // no position: the default, ''
    }
    expect(made[4].position).to.equal('');
    await ok(phone, 'task:update', { id: made[0].id, patch: { position: 'a' } }); // 'c' joins the two 'a's, created first
    const { tasks } = await tasksOf(server(), alice.token, listId);
    expect(tasks.map((t) => t.title)).to.deep.equal(['empty', 'B', 'Z', 'c', 'a1', 'a2', 'a0V']);
    expect(tasks).to.deep.equal(contractOrder(tasks));
  });

  it('answers a stale expectedVersion with conflict and the current task, changing nothing', async () => {
    const { alice, listId, phone, laptop, bobby } = await team();
    const { task } = await ok(phone, 'task:create', { listId, title: 'Draft' });
    const current = (await ok(bobby, 'task:update', { id: task.id, patch: { title: 'Draft v2' }, expectedVersion: 1 }))
      .task;
    const laptopSaw = record(laptop);
    for (const [event, payload] of [
      ['task:update', { id: task.id, patch: { title: 'Draft from v1', completed: true }, expectedVersion: 1 }],
      ['task:delete', { id: task.id, expectedVersion: 1 }],
    ] as const) {
      const ack = await call(phone, event, payload);
      expect(ack).to.deep.include({ ok: false });
      if (ack.ok) continue;
      expect(ack.error.code).to.equal('conflict');
      // an update names the patch's fields that changed meanwhile (field-level merge); a stale delete does not
      expect(ack.error.details).to.deep.equal(
        event === 'task:update' ? { task: current, fields: ['title'] } : { task: current },
      );
    }
    expect(await tasksOf(server(), alice.token, listId)).to.deep.equal({ tasks: [current], seq: current.seq });
    // nothing was broadcast: the next change is the laptop's first event, and takes the very next seq
    const onLaptop = next(laptop, 'task:updated');
    const ok3 = (await ok(phone, 'task:update', { id: task.id, patch: { completed: true }, expectedVersion: 2 })).task;
    expect(ok3).to.include({ version: 3, seq: current.seq + 1, title: 'Draft v2' });
    expect((await onLaptop).task).to.deep.equal(ok3);
    expect(laptopSaw.map((e) => e.event)).to.deep.equal(['task:updated']);
  });

  it('moves a task: task:deleted in the old list and task:created in the new one, each with its next seq', async () => {
    const alice = await registerUser(server(), 'Alice');
    const bob = await registerUser(server(), 'Bob');
    const carol = await registerUser(server(), 'Carol');
    const from = await inboxOf(server(), alice.token);
    const [phone, laptop, bobby, caro] = [
      await open(alice.token),
      await open(alice.token),
      await open(bob.token),
      await open(carol.token),
    ];
    const to = (await ok(phone, 'list:create', { name: 'Someday' })).list.id;
    await share(phone, from, bob.email, 'editor', bobby); // Bob sees only the old list
    await share(phone, to, carol.email, 'editor', caro); // Carol sees only the new one
    const { task } = await ok(phone, 'task:create', { listId: from, title: 'Learn Go' });
    const [seqFrom, seqTo] = [
      (await tasksOf(server(), alice.token, from)).seq,
      (await tasksOf(server(), alice.token, to)).seq,
    ];
    const [laptopSaw, bobSaw, carolSaw] = [record(laptop), record(bobby), record(caro)];
    const laptopGotBoth = Promise.all([next(laptop, 'task:deleted'), next(laptop, 'task:created')]);
    const [onBob, onCarol] = [next(bobby, 'task:deleted'), next(caro, 'task:created')];

    const ack = await ok(phone, 'task:update', { id: task.id, patch: { listId: to, title: 'Learn Rust' } });
    const moved = ack.task;
    expect(moved).to.include({ id: task.id, listId: to, title: 'Learn Rust', seq: seqTo + 1, version: 2 });
    const deleted = { id: task.id, listId: from, seq: seqFrom + 1 };
    expect(ack.from, 'the mover learns the old list seq too').to.deep.equal(deleted);
    const [laptopDeleted, laptopCreated] = await laptopGotBoth;
    expect(laptopDeleted).to.deep.equal(deleted);
    expect(laptopCreated.task).to.deep.equal(moved);
    expect(laptopSaw.map((e) => e.event)).to.deep.equal(['task:deleted', 'task:created']);
    expect(await onBob).to.deep.equal(deleted);
    expect((await onCarol).task).to.deep.equal(moved);

    // Bob may not move it back (he cannot edit the new list), and the lists stay as they are
    const back = await call(bobby, 'task:update', { id: task.id, patch: { listId: from } });
    expect(back.ok || back.error.code).to.equal('not_found');
    expect(await tasksOf(server(), alice.token, from)).to.deep.equal({ tasks: [], seq: seqFrom + 1 });
    expect(await tasksOf(server(), alice.token, to)).to.deep.equal({ tasks: [moved], seq: seqTo + 1 });
    expect(bobSaw.map((e) => e.event)).to.deep.equal(['task:deleted']);
    expect(carolSaw.map((e) => e.event)).to.deep.equal(['task:created']);
  });
});

describe('tasks over sockets', () => {
  const server = useServer();
  const open = devices(server);

  /** Alice (two devices) owns her Inbox; Bob (one device) is an editor of it. */
  const team = () =>
    scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'editor' },
      devices: { alice: ['phone', 'laptop'], bob: ['bobby'] },
    });

  it('deletes a task: ack {id, listId, seq}, the same task:deleted to the others, gone afterwards', async () => {
    const { alice, listId, phone, laptop, bobby } = await team();
    const { task } = await ok(phone, 'task:create', { listId, title: 'Temporary' });
    const [onLaptop, onPhone, bobSaw] = [next(laptop, 'task:deleted'), next(phone, 'task:deleted'), record(bobby)];
    const ack = await ok(bobby, 'task:delete', { id: task.id });
    expect(ack).to.deep.equal({ id: task.id, listId, seq: task.seq + 1 });
    expect(await onLaptop).to.deep.equal(ack);
    expect(await onPhone).to.deep.equal(ack);
    const onBob = next(bobby, 'task:created'); // Bob's next event is the next change: no echo of his delete came before it
    await ok(laptop, 'task:create', { listId, title: 'after' });
    await onBob;
    expect(bobSaw.map((e) => e.event)).to.deep.equal(['task:created']);
    for (const [event, payload] of [
      ['task:delete', { id: task.id }],
      ['task:update', { id: task.id, patch: { title: 'back?' } }],
    ] as const) {
      const again = await call(phone, event, payload);
      expect(again.ok || again.error.code, event).to.equal('not_found');
    }
    expect((await tasksOf(server(), alice.token, listId)).seq).to.equal(ack.seq + 1);
  });
});
