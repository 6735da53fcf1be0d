import { expect } from 'chai';
import type { Task, TrashPage } from '../../shared/types';
import { testDb } from '../support/database';
import { scenario } from '../support/scenario';
import {
  call,
  devices,
  next,
  ok,
  registerUser,
  request,
  startServer,
  useServer,
  type Open,
  type TestServer,
} from '../support/server';
import { codeOf, uuid } from '../support/util';
import { flush, record } from '../support/wait';

/** Moves a deleted task's deletion `days` back (as if it had been deleted then). */
async function ageDeletion(taskId: string, days: number): Promise<void> {
  await testDb().sequelize.query('UPDATE tasks SET deleted_at = deleted_at - make_interval(days => $2) WHERE id = $1', {
    bind: [taskId, days],
  });
}

const team = (server: TestServer, open: Open) =>
  scenario(server, open, {
    owner: 'alice',
    members: { bob: 'editor', carol: 'viewer' },
    strangers: ['dave'],
    list: 'Trip',
    task: 'Book flights',
  });

describe('trash: task:restore and trash:list', () => {
  const server = useServer();
  const open = devices(server);

  it('brings a deleted task back with its fields, a new seq and version + 1, as a task:created to the others', async () => {
    const w = await team(server(), open);
    const { listId } = w;
    const { task: edited } = await ok(w.bob.socket, 'task:update', {
      id: w.task.id,
      patch: { notes: 'Window seat', priority: 3, completed: true, assigneeId: w.bob.id },
    });
    const gone = await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    expect(codeOf(await call(w.carol.socket, 'task:restore', { id: w.task.id }))).to.equal('forbidden');
    expect(codeOf(await call(w.dave.socket, 'task:restore', { id: w.task.id }))).to.equal('not_found');
    expect(codeOf(await call(w.bob.socket, 'task:restore', { id: uuid() }))).to.equal('not_found');

    const bobSeen = record(w.bob.socket);
    const toAlice = next(w.alice.socket, 'task:created', (p) => p.task.id === w.task.id);
    const toCarol = next(w.carol.socket, 'task:created', (p) => p.task.id === w.task.id);
    const { task } = await ok(w.bob.socket, 'task:restore', { id: w.task.id });
    expect(task).to.deep.include({
      id: edited.id,
      listId,
      title: edited.title,
      notes: 'Window seat',
      priority: 3,
      completed: true,
      completedAt: edited.completedAt,
      assigneeId: w.bob.id,
      createdAt: edited.createdAt,
      createdBy: w.alice.id,
      updatedBy: w.bob.id,
      version: edited.version + 2, // the delete took one, the restore the next
      seq: gone.seq + 1,
    });
    expect(await toAlice).to.deep.equal({ task });
    expect(await toCarol).to.deep.equal({ task });
    // the sender has the ack, not the event
    await flush(server(), w.bob, [w.bob.socket]);
    expect(bobSeen.some((e) => e.event === 'task:created' && e.payload.task.id === task.id)).to.equal(false);
    // live again: in the task page, and its activity entry has the seq
    const page = await request<{ tasks: Task[] }>(server(), 'GET', `/api/lists/${listId}/tasks`, {
      token: w.carol.token,
    });
    expect(page.body.tasks.find((t) => t.id === task.id)).to.deep.equal(task);
    const { entries } = await ok(w.carol.socket, 'activity:list', { listId, limit: 1 });
    expect(entries[0]).to.deep.include({
      seq: task.seq,
      kind: 'task.restored',
      taskId: task.id,
      actorId: w.bob.id,
      changes: null,
    });
    // it can be deleted again, and restored again
    await ok(w.alice.socket, 'task:delete', { id: task.id });
    expect((await ok(w.alice.socket, 'task:restore', { id: task.id })).task.version).to.equal(task.version + 2);
  });

  it('answers a live task as it is: no seq, no event; a viewer is refused', async () => {
    const w = await team(server(), open);
    const before = (await ok(w.alice.socket, 'sync', {})).cursors[w.listId];
    const carolSeen = record(w.carol.socket);
    const { task } = await ok(w.bob.socket, 'task:restore', { id: w.task.id });
    expect(task).to.deep.equal(w.task);
    expect(codeOf(await call(w.carol.socket, 'task:restore', { id: w.task.id }))).to.equal('forbidden');
    expect(codeOf(await call(w.dave.socket, 'task:restore', { id: w.task.id }))).to.equal('not_found');
    expect((await ok(w.alice.socket, 'sync', {})).cursors[w.listId]).to.equal(before);
    await flush(server(), w.carol, [w.carol.socket]);
    expect(carolSeen.filter((e) => e.event === 'task:created')).to.have.length(1); // the marker only
  });
});

describe('trash: where a restore is refused', () => {
  const server = useServer();
  const open = devices(server);

  it('is not_found past TRASH_RETENTION_DAYS, and once its list is gone', async () => {
    const w = await team(server(), open);
    const { task: other } = await ok(w.alice.socket, 'task:create', { listId: w.listId, title: 'Hotel' });
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    await ok(w.alice.socket, 'task:delete', { id: other.id });
    await ageDeletion(w.task.id, 31);
    await ageDeletion(other.id, 29);
    expect(codeOf(await call(w.bob.socket, 'task:restore', { id: w.task.id }))).to.equal('not_found');
    const trash = await ok(w.carol.socket, 'trash:list', { listId: w.listId });
    expect(trash.tasks.map((t) => t.id)).to.deep.equal([other.id]);
    expect((await ok(w.bob.socket, 'task:restore', { id: other.id })).task.id).to.equal(other.id);

    const { task: third } = await ok(w.alice.socket, 'task:create', { listId: w.listId, title: 'Museum' });
    await ok(w.alice.socket, 'task:delete', { id: third.id });
    await ok(w.alice.socket, 'list:delete', { id: w.listId });
    expect(codeOf(await call(w.alice.socket, 'task:restore', { id: third.id }))).to.equal('not_found');
  });

  it('follows a configured TRASH_RETENTION_DAYS', async () => {
    const short = await startServer({ trashRetentionDays: 1 });
    try {
      const alice = await registerUser(short);
      const socket = await open(alice.token, short);
      const listId = (await ok(socket, 'list:create', { name: 'Short' })).list.id;
      const a = (await ok(socket, 'task:create', { listId, title: 'a' })).task;
      const b = (await ok(socket, 'task:create', { listId, title: 'b' })).task;
      await ok(socket, 'task:delete', { id: a.id });
      await ok(socket, 'task:delete', { id: b.id });
      await ageDeletion(a.id, 2);
      expect((await ok(socket, 'trash:list', { listId })).tasks.map((t) => t.id)).to.deep.equal([b.id]);
      expect(codeOf(await call(socket, 'task:restore', { id: a.id }))).to.equal('not_found');
      expect((await ok(socket, 'task:restore', { id: b.id })).task.id).to.equal(b.id);
    } finally {
      await short.close();
    }
  });

  it('refuses a restore into a full list (limit_exceeded)', async () => {
    const small = await startServer({ maxTasksPerList: 2 });
    try {
      const alice = await registerUser(small);
      const socket = await open(alice.token, small);
      const listId = (await ok(socket, 'list:create', { name: 'Small' })).list.id;
      const a = (await ok(socket, 'task:create', { listId, title: 'a' })).task;
      await ok(socket, 'task:create', { listId, title: 'b' });
      await ok(socket, 'task:delete', { id: a.id });
      const c = (await ok(socket, 'task:create', { listId, title: 'c' })).task;
      expect(codeOf(await call(socket, 'task:restore', { id: a.id }))).to.equal('limit_exceeded');
      await ok(socket, 'task:delete', { id: c.id });
      expect((await ok(socket, 'task:restore', { id: a.id })).task.title).to.equal('a');
    } finally {
      await small.close();
    }
  });

  it('answers a retry by mutationId with the first answer, without restoring again', async () => {
    const w = await team(server(), open);
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    const mutationId = uuid();
    const first = await ok(w.bob.socket, 'task:restore', { id: w.task.id, mutationId });
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    const again = await ok(w.bob.socket, 'task:restore', { id: w.task.id, mutationId });
    expect(again).to.deep.equal(first);
    const trash = await ok(w.bob.socket, 'trash:list', { listId: w.listId });
    expect(trash.tasks.map((t) => t.id)).to.deep.equal([w.task.id]); // still deleted
    // the same id for another event is a conflict
    expect(codeOf(await call(w.bob.socket, 'task:delete', { id: uuid(), mutationId }))).to.equal('conflict');
  });

  it('answers twin restores sent at once with the one restore: one seq, one task:created', async () => {
    const w = await team(server(), open);
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    const carolSeen = record(w.carol.socket);
    const [a, b] = await Promise.all([
      ok(w.alice.socket, 'task:restore', { id: w.task.id }),
      ok(w.bob.socket, 'task:restore', { id: w.task.id }),
    ]);
    expect(a).to.deep.equal(b);
    await flush(server(), w.carol, [w.carol.socket]);
    expect(carolSeen.filter((e) => e.event === 'task:created' && e.payload.task.id === w.task.id)).to.have.length(1);
    expect((await ok(w.alice.socket, 'sync', {})).cursors[w.listId]).to.equal(a.task.seq);
  });

  it('clears the assignee who is no longer a member of the list', async () => {
    const w = await team(server(), open);
    await ok(w.alice.socket, 'task:update', { id: w.task.id, patch: { assigneeId: w.bob.id } });
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    await ok(w.bob.socket, 'list:unshare', { listId: w.listId, userId: w.bob.id });
    expect((await ok(w.alice.socket, 'task:restore', { id: w.task.id })).task.assigneeId).to.equal(null);
    // a deleted task whose stored assignee is not a member (as rows kept from before could be)
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    await testDb().sequelize.query('UPDATE tasks SET assignee_id = $2 WHERE id = $1', {
      bind: [w.task.id, w.dave.id],
    });
    const { task } = await ok(w.alice.socket, 'task:restore', { id: w.task.id });
    expect(task.assigneeId).to.equal(null);
    // the cleared field counts as changed at the restore's version (field-level merge)
    const stale = await call(w.alice.socket, 'task:update', {
      id: task.id,
      patch: { assigneeId: w.carol.id },
      expectedVersion: task.version - 1,
    });
    expect(codeOf(stale)).to.equal('conflict');
  });
});

describe('trash: the trash list, sync and REST', () => {
  const server = useServer();
  const open = devices(server);

  it('lists the trash newest deletion first, in pages, with deletedAt and deletedBy, to any member', async () => {
    const w = await team(server(), open);
    const made: Task[] = [w.task];
    for (const title of ['b', 'c', 'd'])
      made.push((await ok(w.alice.socket, 'task:create', { listId: w.listId, title })).task);
    const deletedBy = [w.alice.id, w.bob.id, w.alice.id, w.bob.id];
    for (const [i, t] of made.entries()) await ok(i % 2 ? w.bob.socket : w.alice.socket, 'task:delete', { id: t.id });
    const { list: other } = await ok(w.alice.socket, 'list:create', { name: 'Other' });
    const { task: moved } = await ok(w.alice.socket, 'task:create', { listId: w.listId, title: 'moved' });
    await ok(w.alice.socket, 'task:update', { id: moved.id, patch: { listId: other.id } }); // not in the trash

    const pages: TrashPage[] = [];
    let after: string | null | undefined;
    do {
      const page = await ok(w.carol.socket, 'trash:list', { listId: w.listId, limit: 3, ...(after ? { after } : {}) });
      pages.push(page);
      after = page.next;
    } while (after);
    expect(pages.map((p) => p.tasks.length)).to.deep.equal([3, 1]);
    const all = pages.flatMap((p) => p.tasks);
    expect(all.map((t) => t.id)).to.deep.equal(made.map((t) => t.id).reverse());
    expect(all.map((t) => t.deletedBy)).to.deep.equal(deletedBy.slice().reverse());
    for (const t of all) {
      expect(Date.parse(t.deletedAt)).to.equal(Date.parse(t.updatedAt));
      expect(t.version).to.equal(2);
    }
    expect(codeOf(await call(w.dave.socket, 'trash:list', { listId: w.listId }))).to.equal('not_found');
    expect(codeOf(await call(w.carol.socket, 'trash:list', { listId: w.listId, limit: 101 }))).to.equal(
      'validation_error',
    );
    expect(codeOf(await call(w.carol.socket, 'trash:list', { listId: w.listId, after: 'bm9wZQ' }))).to.equal(
      'validation_error',
    );
    // a restored task leaves the trash
    await ok(w.bob.socket, 'task:restore', { id: made[1].id });
    const left = await ok(w.carol.socket, 'trash:list', { listId: w.listId });
    expect(left.tasks.map((t) => t.id)).to.deep.equal([made[3].id, made[2].id, made[0].id]);
    expect(left.next).to.equal(null);
  });

  it('sync: a device that synced the deletion, and one from scratch, both end with the live task', async () => {
    const w = await team(server(), open);
    const { listId } = w;
    const start = (await ok(w.bob.socket, 'sync', {})).cursors[listId];
    const gone = await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    const afterDelete = await ok(w.bob.socket, 'sync', { cursors: { [listId]: start } });
    expect(afterDelete.deleted).to.deep.equal([gone]);
    expect(afterDelete.tasks).to.deep.equal([]);
    const { task } = await ok(w.alice.socket, 'task:restore', { id: w.task.id });

    // the device that applied the tombstone: from its cursor, the live task and no departure
    const fromTomb = await ok(w.bob.socket, 'sync', { cursors: { [listId]: afterDelete.cursors[listId] } });
    expect(fromTomb.tasks).to.deep.equal([task]);
    expect(fromTomb.deleted).to.deep.equal([]);
    expect(fromTomb.cursors[listId]).to.equal(task.seq);
    // one that saw neither: the live task only
    const fromBefore = await ok(w.bob.socket, 'sync', { cursors: { [listId]: start } });
    expect(fromBefore.tasks).to.deep.equal([task]);
    expect(fromBefore.deleted).to.deep.equal([]);
    // from scratch: live
    const scratch = await ok(w.carol.socket, 'sync', {});
    expect(scratch.tasks.filter((t) => t.listId === listId)).to.deep.equal([task]);
  });

  it('REST mirrors: GET /api/lists/:listId/trash and POST /api/tasks/:id/restore', async () => {
    const w = await team(server(), open);
    await ok(w.alice.socket, 'task:delete', { id: w.task.id });
    const trash = await request<TrashPage>(server(), 'GET', `/api/lists/${w.listId}/trash?limit=5`, {
      token: w.carol.token,
    });
    expect(trash.status).to.equal(200);
    expect(trash.body.tasks.map((t) => t.id)).to.deep.equal([w.task.id]);
    expect(trash.body.next).to.equal(null);
    const stranger = await request(server(), 'GET', `/api/lists/${w.listId}/trash`, { token: w.dave.token });
    expect(stranger.status).to.equal(404);
    const bad = await request(server(), 'GET', `/api/lists/${w.listId}/trash?limit=0`, { token: w.carol.token });
    expect(bad.status).to.equal(400);

    const path = `/api/tasks/${w.task.id}/restore`;
    expect((await request(server(), 'POST', path, { token: w.carol.token })).status).to.equal(403);
    expect((await request(server(), 'POST', path, { token: w.dave.token })).status).to.equal(404);
    const toBob = next(w.bob.socket, 'task:created', (p) => p.task.id === w.task.id);
    const mutationId = uuid();
    const restored = await request<{ task: Task }>(server(), 'POST', path, {
      token: w.alice.token,
      body: { mutationId },
    });
    expect(restored.status).to.equal(200);
    expect(await toBob).to.deep.equal(restored.body);
    // a retry by mutationId, and a restore of the live task, answer the same
    const again = await request<{ task: Task }>(server(), 'POST', path, { token: w.alice.token, body: { mutationId } });
    expect(again.body).to.deep.equal(restored.body);
    const live = await request<{ task: Task }>(server(), 'POST', path, { token: w.bob.token });
    expect(live.status).to.equal(200);
    expect(live.body).to.deep.equal(restored.body);
  });
});
