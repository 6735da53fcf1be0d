import { expect } from 'chai';
import type { List, Task, TaskPage } from '../../shared/types';
import { scenario } from '../support/scenario';
import { type ApiErrorBody, devices, type HttpResult, next, ok, request, useServer } from '../support/server';
import { LIST_KEYS, TASK_KEYS, uuid } from '../support/util';
import { record } from '../support/wait';

describe('REST: lists and tasks', () => {
  /** A request whose answer's body is expected to be a `T` (ApiErrorBody for an error). */
  const http = <T = unknown>(method: string, path: string, token?: string, body?: unknown) =>
    request<T>(server(), method, path, { token, body });
  const expectError = (res: HttpResult, status: number, code: string) => {
    const body = res.body as Partial<ApiErrorBody> | undefined; // whatever came: this checks it is an error
    expect([res.status, body?.error?.code], JSON.stringify(res.body)).to.deep.equal([status, code]);
    expect(body?.error?.message).to.be.a('string');
  };

  const server = useServer();
  const open = devices(server);

  /** Alice owns her Inbox, `listId` (with one task); Bob is a viewer of it; Carol is not a member. */
  const world = () =>
    scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'viewer' },
      strangers: ['carol'],
      devices: { carol: [] },
      task: 'First',
    });

  it("GET /api/lists: 200 {lists} with the caller's role; POST /api/lists: 201 {list}", async () => {
    const { alice, bob, listId } = await world();
    const mine = await http<{ lists: List[] }>('GET', '/api/lists', alice.token);
    expect(mine.status).to.equal(200);
    expect(mine.body).to.have.all.keys('lists');
    expect(mine.body.lists).to.have.length(1);
    expect(mine.body.lists[0]).to.have.all.keys(...LIST_KEYS);
    expect(mine.body.lists[0]).to.include({ id: listId, name: 'Inbox', ownerId: alice.user.id, role: 'owner', seq: 2 });
    const theirs = await http<{ lists: List[] }>('GET', '/api/lists', bob.token);
    expect(theirs.body.lists.find((l) => l.id === listId)).to.include({
      role: 'viewer',
      ownerId: alice.user.id,
      name: 'Inbox',
    });

    const id = uuid();
    const created = await http<{ list: List }>('POST', '/api/lists', alice.token, { id, name: '  Trip  ' });
    expect(created.status).to.equal(201);
    expect(created.body).to.have.all.keys('list');
    expect(created.body.list).to.include({ id, name: 'Trip', ownerId: alice.user.id, role: 'owner', seq: 0 });
    const after = await http<{ lists: List[] }>('GET', '/api/lists', alice.token);
    expect(after.body.lists.find((l) => l.id === id)).to.deep.equal(created.body.list);

    for (const body of [{}, { name: '   ' }, { name: 'x'.repeat(201) }, { id: 'not-a-uuid', name: 'ok' }]) {
      expectError(await http('POST', '/api/lists', alice.token, body), 400, 'validation_error');
    }
    expectError(await http('GET', '/api/lists'), 401, 'unauthorized');
    expectError(await http('POST', '/api/lists', undefined, { name: 'Nope' }), 401, 'unauthorized');
  });

  it('GET /api/lists/:id/tasks: 200 {tasks, seq, next} for members; 404 for others and unknown lists; 401 without a token', async () => {
    const { alice, bob, carol, listId, task } = await world();
    for (const user of [alice, bob]) {
      const res = await http('GET', `/api/lists/${listId}/tasks`, user.token);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ tasks: [task], seq: 2, next: null });
    }
    expectError(await http('GET', `/api/lists/${listId}/tasks`, carol.token), 404, 'not_found');
    expectError(await http('GET', `/api/lists/${uuid()}/tasks`, alice.token), 404, 'not_found');
    expectError(await http('GET', '/api/lists/not-a-uuid/tasks', alice.token), 404, 'not_found');
    expectError(await http('GET', `/api/lists/${listId}/tasks`), 401, 'unauthorized');
  });

  it('POST /api/lists/:id/tasks: 201 {task}; 400 invalid; 403 viewer; 404 non-member or unknown list; 401', async () => {
    const { alice, bob, carol, listId, task } = await world();
    expect(task).to.have.all.keys(...TASK_KEYS);
    const id = uuid();
    const res = await http<{ task: Task }>('POST', `/api/lists/${listId}/tasks`, alice.token, {
      id,
      title: ' Second ',
      notes: 'n',
      priority: 3,
      position: 'b',
      dueAt: '2027-02-01T12:00:00.000Z',
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.have.all.keys('task');
    expect(res.body.task).to.include({
      id,
      listId,
      title: 'Second',
      notes: 'n',
      priority: 3,
      position: 'b',
      dueAt: '2027-02-01T12:00:00.000Z',
      completed: false,
      completedAt: null,
      version: 1,
      seq: 3,
      createdBy: alice.user.id,
      updatedBy: alice.user.id,
    });
    for (const body of [
      {},
      { title: '' },
      { title: 'x', priority: 9 },
      { title: 'x', notes: 'n'.repeat(10_001) },
      { title: 'x', dueAt: 'soon' },
    ]) {
      expectError(await http('POST', `/api/lists/${listId}/tasks`, alice.token, body), 400, 'validation_error');
    }
    expectError(await http('POST', `/api/lists/${listId}/tasks`, bob.token, { title: 'viewer' }), 403, 'forbidden');
    expectError(await http('POST', `/api/lists/${listId}/tasks`, carol.token, { title: 'stranger' }), 404, 'not_found');
    expectError(await http('POST', `/api/lists/${uuid()}/tasks`, alice.token, { title: 'nowhere' }), 404, 'not_found');
    expectError(
      await http('POST', `/api/lists/${listId}/tasks`, undefined, { title: 'anonymous' }),
      401,
      'unauthorized',
    );
    const { body } = await http<TaskPage>('GET', `/api/lists/${listId}/tasks`, alice.token);
    expect(body.seq).to.equal(3);
    expect(body.tasks.map((t) => t.title)).to.deep.equal(['First', 'Second']);
  });
});

describe('REST: lists and tasks', () => {
  /** A request whose answer's body is expected to be a `T` (ApiErrorBody for an error). */
  const http = <T = unknown>(method: string, path: string, token?: string, body?: unknown) =>
    request<T>(server(), method, path, { token, body });
  const expectError = (res: HttpResult, status: number, code: string) => {
    const body = res.body as Partial<ApiErrorBody> | undefined; // whatever came: this checks it is an error
    expect([res.status, body?.error?.code], JSON.stringify(res.body)).to.deep.equal([status, code]);
    expect(body?.error?.message).to.be.a('string');
  };

  const server = useServer();
  const open = devices(server);

  /** Alice owns her Inbox, `listId` (with one task); Bob is a viewer of it; Carol is not a member. */
  const world = () =>
    scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'viewer' },
      strangers: ['carol'],
      devices: { carol: [] },
      task: 'First',
    });

  it('PATCH /api/tasks/:id: 200 {task}; 400; 403 viewer; 404 non-member or unknown; 409 conflict with details.task', async () => {
    const { alice, bob, carol, task } = await world();
    const res = await http<{ task: Task }>('PATCH', `/api/tasks/${task.id}`, alice.token, {
      title: 'Renamed',
      completed: true,
      expectedVersion: 1,
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.have.all.keys('task');
    expect(res.body.task).to.include({ id: task.id, title: 'Renamed', completed: true, version: 2, seq: task.seq + 1 });
    expect(res.body.task.completedAt).to.be.a('string');
    const current: Task = res.body.task;

    for (const body of [{}, { expectedVersion: 2 }, { title: '  ' }, { priority: -1 }, { completed: 'no' }]) {
      expectError(await http('PATCH', `/api/tasks/${task.id}`, alice.token, body), 400, 'validation_error');
    }
    expectError(await http('PATCH', `/api/tasks/${task.id}`, bob.token, { title: 'viewer' }), 403, 'forbidden');
    expectError(await http('PATCH', `/api/tasks/${task.id}`, carol.token, { title: 'stranger' }), 404, 'not_found');
    expectError(await http('PATCH', `/api/tasks/${uuid()}`, alice.token, { title: 'ghost' }), 404, 'not_found');
    expectError(await http('PATCH', `/api/tasks/${task.id}`, undefined, { title: 'anonymous' }), 401, 'unauthorized');

    const stale = await http<ApiErrorBody>('PATCH', `/api/tasks/${task.id}`, alice.token, {
      title: 'From v1',
      expectedVersion: 1,
    });
    expectError(stale, 409, 'conflict');
    expect(stale.body.error.details).to.deep.equal({ task: current, fields: ['title'] });
    const { body } = await http('GET', `/api/lists/${task.listId}/tasks`, alice.token);
    expect(body).to.deep.equal({ tasks: [current], seq: current.seq, next: null });
  });

  it('DELETE /api/tasks/:id: 204 with no body; 403 viewer; 404 non-member, unknown or already deleted', async () => {
    const { alice, bob, carol, listId, task } = await world();
    expectError(await http('DELETE', `/api/tasks/${task.id}`, bob.token), 403, 'forbidden');
    expectError(await http('DELETE', `/api/tasks/${task.id}`, carol.token), 404, 'not_found');
    expectError(await http('DELETE', `/api/tasks/${task.id}`), 401, 'unauthorized');
    const stale = await http<ApiErrorBody>('DELETE', `/api/tasks/${task.id}`, alice.token, { expectedVersion: 7 });
    expectError(stale, 409, 'conflict');
    expect(stale.body.error.details).to.deep.equal({ task });
    const res = await http('DELETE', `/api/tasks/${task.id}`, alice.token);
    expect([res.status, res.body]).to.deep.equal([204, undefined]);
    expectError(await http('DELETE', `/api/tasks/${task.id}`, alice.token), 404, 'not_found');
    expectError(await http('DELETE', `/api/tasks/${uuid()}`, alice.token), 404, 'not_found');
    expect((await http('GET', `/api/lists/${listId}/tasks`, alice.token)).body).to.deep.equal({
      tasks: [],
      seq: task.seq + 1,
      next: null,
    });
  });

  it('broadcasts a change made over HTTP to every socket of every member, as if from a socket', async () => {
    const { alice, bob, listId, phone, laptop, bobby } = await scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'editor' },
      devices: { alice: ['phone', 'laptop'], bob: ['bobby'] },
    });
    const all = [phone, laptop, bobby];
    const seen = all.map(record);

    const createdOn = all.map((s) => next(s, 'task:created'));
    const created = await http<{ task: Task }>('POST', `/api/lists/${listId}/tasks`, bob.token, {
      title: 'From a script',
    });
    for (const p of createdOn) expect((await p).task).to.deep.equal(created.body.task);

    const updatedOn = all.map((s) => next(s, 'task:updated'));
    const updated = await http<{ task: Task }>('PATCH', `/api/tasks/${created.body.task.id}`, alice.token, {
      completed: true,
    });
    for (const p of updatedOn) expect((await p).task).to.deep.equal(updated.body.task);

    const deletedOn = all.map((s) => next(s, 'task:deleted'));
    await http('DELETE', `/api/tasks/${created.body.task.id}`, bob.token);
    for (const p of deletedOn)
      expect(await p).to.deep.equal({ id: created.body.task.id, listId, seq: updated.body.task.seq + 1 });

    const listOn = [phone, laptop].map((s) => next(s, 'list:created'));
    const list = await http<{ list: List }>('POST', '/api/lists', alice.token, { name: 'Made over HTTP' });
    for (const p of listOn) expect((await p).list).to.deep.equal(list.body.list);
    // the same change from a socket reaches the other sockets alike: seq follows on
    const viaSocket = [laptop, bobby].map((s) => next(s, 'task:created'));
    const { task } = await ok(phone, 'task:create', { listId, title: 'From a socket' });
    for (const p of viaSocket) expect((await p).task).to.deep.equal(task);
    expect(task.seq).to.equal(updated.body.task.seq + 2);
    expect(seen[2].map((e) => e.event)).to.deep.equal(['task:created', 'task:updated', 'task:deleted', 'task:created']);
  });
});
