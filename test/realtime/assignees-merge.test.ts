import { expect } from 'chai';
import type { Task } from '../../shared/types';
import { scenario } from '../support/scenario';
import { call, devices, next, ok, tasksOf, useServer, type Open, type TestServer } from '../support/server';
import { codeOf } from '../support/util';
import { flush, payloadOf, record, seen } from '../support/wait';

const team = (server: TestServer, open: Open) =>
  scenario(server, open, {
    owner: 'alice',
    members: { bob: 'editor', carol: 'editor', dave: 'viewer' },
    strangers: ['eve'],
    list: 'Team',
    task: 'Plan',
    devices: { alice: ['phone', 'laptop'] },
  });

describe('field-level merge', () => {
  const server = useServer();
  const open = devices(server);

  it('disjoint concurrent edits at one version both land; an overlapping one conflicts with details.fields', async () => {
    const w = await team(server(), open);
    const { task } = w; // version 1
    const [a, b] = await Promise.all([
      call(w.bob.socket, 'task:update', { id: task.id, patch: { title: 'Plan trip' }, expectedVersion: 1 }),
      call(w.carol.socket, 'task:update', { id: task.id, patch: { priority: 3, notes: 'soon' }, expectedVersion: 1 }),
    ]);
    expect([codeOf(a), codeOf(b)]).to.deep.equal(['ok', 'ok']);
    const { tasks } = await tasksOf(server(), w.alice.token, w.listId);
    expect(tasks[0]).to.include({ title: 'Plan trip', priority: 3, notes: 'soon', version: 3 });
    // the later of the two answered the merged task
    const acks = [a, b].map((x) => (x.ok ? x.data.task : undefined)).sort((x, y) => x!.version - y!.version);
    expect(acks[1]).to.deep.equal(tasks[0]);

    // an edit of the title at version 1 (the title changed at 2 or 3 since): conflict, nothing changed
    const stale = await call(w.phone, 'task:update', {
      id: task.id,
      patch: { title: 'Mine', completed: true },
      expectedVersion: 1,
    });
    expect(codeOf(stale)).to.equal('conflict');
    if (stale.ok) return;
    expect(stale.error.details).to.deep.equal({ task: tasks[0], fields: ['title'] });
    expect((await tasksOf(server(), w.alice.token, w.listId)).tasks).to.deep.equal(tasks);
    // the same field at the version after its change merges; a delete at a stale version is still a conflict
    const merged = await ok(w.phone, 'task:update', { id: task.id, patch: { completed: true }, expectedVersion: 1 });
    expect(merged.task).to.include({ completed: true, version: 4, title: 'Plan trip' });
    const del = await call(w.phone, 'task:delete', { id: task.id, expectedVersion: 3 });
    expect(codeOf(del)).to.equal('conflict');
    if (!del.ok) expect(del.error.details).to.deep.equal({ task: merged.task });
    // a version the task never had conflicts on every field of the patch
    const future = await call(w.phone, 'task:update', { id: task.id, patch: { priority: 1 }, expectedVersion: 9 });
    if (future.ok) throw new Error('a future version was accepted');
    expect(future.error.details).to.deep.equal({ task: merged.task, fields: ['priority'] });
    // a field set to the value it has is no change of it: no conflict on it later
    await ok(w.bob.socket, 'task:update', { id: task.id, patch: { title: 'Plan trip' } }); // v5, title unchanged
    const same = await ok(w.carol.socket, 'task:update', {
      id: task.id,
      patch: { title: 'Plan a trip' },
      expectedVersion: 3,
    });
    expect(same.task).to.include({ title: 'Plan a trip', version: 6 });
  });
});

describe('assignees', () => {
  const server = useServer();
  const open = devices(server);

  it('assigns on create and update to members only; others are validation_error; viewers are forbidden', async () => {
    const w = await team(server(), open);
    const { listId } = w;
    const onBob = next(w.bob.socket, 'task:created');
    const { task } = await ok(w.phone, 'task:create', { listId, title: 'Mine', assigneeId: w.dave.id });
    expect(task.assigneeId).to.equal(w.dave.id);
    expect((await onBob).task).to.deep.equal(task);
    for (const assigneeId of [w.eve.id, '00000000-0000-4000-8000-000000000000']) {
      expect(codeOf(await call(w.phone, 'task:create', { listId, title: 'No', assigneeId }))).to.equal(
        'validation_error',
      );
      expect(codeOf(await call(w.phone, 'task:update', { id: task.id, patch: { assigneeId } }))).to.equal(
        'validation_error',
      );
    }
    expect(codeOf(await call(w.dave.socket, 'task:update', { id: task.id, patch: { assigneeId: null } }))).to.equal(
      'forbidden',
    );
    const cleared = await ok(w.bob.socket, 'task:update', { id: task.id, patch: { assigneeId: null } });
    expect(cleared.task).to.include({ assigneeId: null, version: 2 });
    const sync = await ok(w.bob.socket, 'sync', {});
    expect(sync.tasks.find((t) => t.id === task.id)).to.deep.equal(cleared.task);
  });

  it('a removed member is unassigned: task:updated with their own seqs after member:removed, to those who stay (the sender included)', async () => {
    const w = await team(server(), open);
    const { listId } = w;
    const mine: Task[] = [];
    for (const title of ['One', 'Two']) {
      mine.push((await ok(w.phone, 'task:create', { listId, title, assigneeId: w.bob.id })).task);
    }
    const other = (await ok(w.phone, 'task:create', { listId, title: 'Three', assigneeId: w.carol.id })).task;
    const watchers = {
      phone: record(w.phone),
      laptop: record(w.laptop),
      carol: record(w.carol.socket),
      bob: record(w.bob.socket),
    };
    const dave = record(w.dave.socket);
    const removed = await ok(w.phone, 'list:unshare', { listId, userId: w.bob.id });
    const last = removed.seq + 2;
    // everyone who stays, the sending phone included, gets both unassignments
    const stay = [
      [w.phone, watchers.phone],
      [w.laptop, watchers.laptop],
      [w.carol.socket, watchers.carol],
      [w.dave.socket, dave],
    ] as const;
    await Promise.all(
      stay.map(([socket, among]) =>
        seen(socket, (e) => e.event === 'task:updated' && e.payload.task.seq === last, { among }),
      ),
    );
    for (const [name, events] of Object.entries(watchers)) {
      if (name === 'bob') continue;
      const list = events.filter((e) => e.event === 'member:removed' || e.event === 'task:updated');
      const shown = list.map((e) =>
        e.event === 'member:removed'
          ? ['member:removed', payloadOf(e, 'member:removed').seq]
          : ['task:updated', payloadOf(e, 'task:updated').task.seq],
      );
      const expected = [
        ['task:updated', removed.seq + 1],
        ['task:updated', removed.seq + 2],
      ];
      // the phone has the removal by its ack
      expect(shown, name).to.deep.equal(name === 'phone' ? expected : [['member:removed', removed.seq], ...expected]);
      const tasks = list.filter((e) => e.event === 'task:updated').map((e) => payloadOf(e, 'task:updated').task);
      expect(tasks.map((t) => t.id).sort()).to.deep.equal(mine.map((t) => t.id).sort());
      for (const t of tasks) expect(t).to.include({ assigneeId: null, updatedBy: w.alice.id, version: 2 });
    }
    // bob got the member:removed and nothing of the list after it
    await flush(server(), w.bob, [w.bob.socket]);
    expect(watchers.bob.map((e) => e.event)).to.deep.equal(['member:removed', 'task:created']);
    const now = await tasksOf(server(), w.alice.token, listId);
    expect(now.seq).to.equal(last);
    expect(now.tasks.find((t) => t.id === other.id)?.assigneeId).to.equal(w.carol.id);
    const { entries } = await ok(w.phone, 'activity:list', { listId, limit: 3 });
    expect(entries.map((e) => [e.seq, e.kind, e.changes])).to.deep.equal([
      [last, 'task.updated', { assigneeId: [w.bob.id, null] }],
      [last - 1, 'task.updated', { assigneeId: [w.bob.id, null] }],
      [removed.seq, 'member.removed', null],
    ]);
  });

  it('a member who leaves (list:unshare of oneself, lists:leave) is unassigned by themselves', async () => {
    const w = await team(server(), open);
    const { listId } = w;
    const { task } = await ok(w.phone, 'task:create', { listId, title: 'Carol\u2019s', assigneeId: w.carol.id });
    const onAlice = seen(w.laptop, (e) => e.event === 'task:updated' && e.payload.task.id === task.id);
    const left = await ok(w.carol.socket, 'lists:leave', { ownerId: w.alice.id });
    expect(left.listIds).to.deep.equal([listId]);
    const got = payloadOf(await onAlice, 'task:updated').task;
    expect(got).to.include({ assigneeId: null, updatedBy: w.carol.id, version: 2 });
    const { task: t2 } = await ok(w.phone, 'task:create', { listId, title: 'Bob\u2019s', assigneeId: w.bob.id });
    const onPhone = seen(w.phone, (e) => e.event === 'task:updated' && e.payload.task.id === t2.id);
    await ok(w.bob.socket, 'list:unshare', { listId, userId: w.bob.id });
    expect(payloadOf(await onPhone, 'task:updated').task).to.include({ assigneeId: null, updatedBy: w.bob.id });
  });
});
