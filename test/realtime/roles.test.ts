import { expect } from 'chai';
import type { ClientEventName } from '../../shared/events';
import type { List, Task } from '../../shared/types';
import { scenario, type Person } from '../support/scenario';
import {
  call,
  devices,
  next,
  ok,
  registerUser,
  request,
  type TestServer,
  type TestUser,
  useServer,
} from '../support/server';
import { codeOf, uuid } from '../support/util';
import { flush, payloadOf, record } from '../support/wait';

/**
 * The stranger is refused with not_found, and with the very same answer as for an id that exists
 * nowhere, so the list's (or task's) existence does not leak.
 */
async function refusedAsUnknown(p: Person, event: ClientEventName, real: unknown, unknown: unknown): Promise<void> {
  const [a, b] = [await call(p.socket, event, real), await call(p.socket, event, unknown)];
  expect(codeOf(a), `${event} by a non-member`).to.equal('not_found');
  expect(a).to.deep.equal(b);
}

async function tasksOf(server: () => TestServer, u: TestUser, listId: string): Promise<Task[]> {
  return (await request<{ tasks: Task[] }>(server(), 'GET', `/api/lists/${listId}/tasks`, { token: u.token })).body
    .tasks;
}

describe('roles: who may do what in a shared list', () => {
  const server = useServer();
  const open = devices(server);

  /** A list of the owner's shared with an editor and a viewer, one task in it, and a stranger who is no member; one device each. */
  const world = () =>
    scenario(server(), open, {
      owner: 'owner',
      members: { editor: 'editor', viewer: 'viewer' },
      strangers: ['stranger'],
      list: 'Shared',
      task: 'First',
    });

  async function listOf(u: TestUser, listId: string): Promise<List | undefined> {
    return (await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: u.token })).body.lists.find(
      (l) => l.id === listId,
    );
  }

  it('list:rename: owner and editor may, a viewer is forbidden, a non-member gets not_found', async () => {
    const w = await world();
    expect(codeOf(await call(w.viewer.socket, 'list:rename', { id: w.listId, name: 'By viewer' }))).to.equal(
      'forbidden',
    );
    await refusedAsUnknown(
      w.stranger,
      'list:rename',
      { id: w.listId, name: 'By stranger' },
      { id: uuid(), name: 'By stranger' },
    );
    await ok(w.owner.socket, 'list:rename', { id: w.listId, name: 'By owner' });
    await ok(w.editor.socket, 'list:rename', { id: w.listId, name: 'By editor' });
    // refusals changed nothing and took no seq: share, share, task, rename, rename
    expect(await listOf(w.viewer, w.listId)).to.include({ name: 'By editor', seq: 5 });
  });

  it('list:delete: only the owner may; editor and viewer are forbidden, a non-member gets not_found', async () => {
    const w = await world();
    for (const p of [w.editor, w.viewer])
      expect(codeOf(await call(p.socket, 'list:delete', { id: w.listId }))).to.equal('forbidden');
    await refusedAsUnknown(w.stranger, 'list:delete', { id: w.listId }, { id: uuid() });
    expect(await listOf(w.editor, w.listId)).to.include({ name: 'Shared', seq: 3 });
    expect(await ok(w.owner.socket, 'list:delete', { id: w.listId })).to.deep.equal({ id: w.listId });
    expect(await listOf(w.owner, w.listId)).to.equal(undefined);
  });

  it('list:share: only the owner may; editor and viewer are forbidden, a non-member gets not_found', async () => {
    const w = await world();
    const newcomer = await registerUser(server());
    for (const p of [w.editor, w.viewer]) {
      expect(
        codeOf(await call(p.socket, 'list:share', { listId: w.listId, email: newcomer.email, role: 'viewer' })),
      ).to.equal('forbidden');
    }
    await refusedAsUnknown(
      w.stranger,
      'list:share',
      { listId: w.listId, email: newcomer.email, role: 'editor' },
      { listId: uuid(), email: newcomer.email, role: 'editor' },
    );
    expect(await listOf(newcomer, w.listId)).to.equal(undefined);
    await ok(w.owner.socket, 'list:share', { listId: w.listId, email: newcomer.email, role: 'viewer' });
    expect(await listOf(newcomer, w.listId)).to.include({ role: 'viewer' });
  });

  it('list:unshare: the owner removes anyone, a member removes only themselves, a non-member gets not_found', async () => {
    const w = await world();
    const unshare = (p: Person, userId: string) => call(p.socket, 'list:unshare', { listId: w.listId, userId });
    expect(codeOf(await unshare(w.editor, w.viewer.id))).to.equal('forbidden');
    expect(codeOf(await unshare(w.viewer, w.editor.id))).to.equal('forbidden');
    expect(codeOf(await unshare(w.viewer, w.owner.id))).to.equal('forbidden');
    expect(codeOf(await unshare(w.owner, w.owner.id))).to.equal('forbidden'); // the owner deletes instead of leaving
    await refusedAsUnknown(
      w.stranger,
      'list:unshare',
      { listId: w.listId, userId: w.viewer.id },
      { listId: uuid(), userId: w.viewer.id },
    );
    await refusedAsUnknown(
      w.stranger,
      'list:unshare',
      { listId: w.listId, userId: w.stranger.id },
      { listId: uuid(), userId: w.stranger.id },
    );
    const roles = async () =>
      (await ok(w.owner.socket, 'list:members', { listId: w.listId })).members.map((m) => m.role).sort();
    expect(await roles()).to.deep.equal(['editor', 'owner', 'viewer']);

    expect(codeOf(await unshare(w.owner, w.editor.id))).to.equal('ok');
    expect(await roles()).to.deep.equal(['owner', 'viewer']);
    expect(codeOf(await unshare(w.viewer, w.viewer.id))).to.equal('ok'); // even a viewer may leave
    expect(await roles()).to.deep.equal(['owner']);
  });
});

describe('roles: who may do what in a shared list', () => {
  const server = useServer();
  const open = devices(server);

  /** A list of the owner's shared with an editor and a viewer, one task in it, and a stranger who is no member; one device each. */
  const world = () =>
    scenario(server(), open, {
      owner: 'owner',
      members: { editor: 'editor', viewer: 'viewer' },
      strangers: ['stranger'],
      list: 'Shared',
      task: 'First',
    });

  it('list:members: every member may, a non-member gets not_found', async () => {
    const w = await world();
    const answers = [];
    for (const p of [w.owner, w.editor, w.viewer])
      answers.push((await ok(p.socket, 'list:members', { listId: w.listId })).members);
    expect(answers[0].map((m) => m.userId)).to.have.members([w.owner.id, w.editor.id, w.viewer.id]);
    expect(answers[1]).to.deep.equal(answers[0]);
    expect(answers[2]).to.deep.equal(answers[0]);
    await refusedAsUnknown(w.stranger, 'list:members', { listId: w.listId }, { listId: uuid() });
  });

  it('task:create: owner and editor may, a viewer is forbidden, a non-member gets not_found', async () => {
    const w = await world();
    await ok(w.owner.socket, 'task:create', { listId: w.listId, title: 'By owner' });
    await ok(w.editor.socket, 'task:create', { listId: w.listId, title: 'By editor' });
    expect(codeOf(await call(w.viewer.socket, 'task:create', { listId: w.listId, title: 'By viewer' }))).to.equal(
      'forbidden',
    );
    await refusedAsUnknown(
      w.stranger,
      'task:create',
      { listId: w.listId, title: 'By stranger' },
      { listId: uuid(), title: 'By stranger' },
    );
    expect((await tasksOf(server, w.viewer, w.listId)).map((t) => t.title)).to.have.members([
      'First',
      'By owner',
      'By editor',
    ]);
  });

  it('task:update: owner and editor may, a viewer is forbidden, a non-member gets not_found', async () => {
    const w = await world();
    const id = w.task.id;
    await ok(w.owner.socket, 'task:update', { id, patch: { title: 'By owner' } });
    await ok(w.editor.socket, 'task:update', { id, patch: { title: 'By editor', completed: true } });
    expect(codeOf(await call(w.viewer.socket, 'task:update', { id, patch: { title: 'By viewer' } }))).to.equal(
      'forbidden',
    );
    await refusedAsUnknown(
      w.stranger,
      'task:update',
      { id, patch: { title: 'By stranger' } },
      { id: uuid(), patch: { title: 'By stranger' } },
    );
    expect((await tasksOf(server, w.owner, w.listId))[0]).to.include({
      id,
      title: 'By editor',
      completed: true,
      version: 3,
    });
  });

  it('task:delete: owner and editor may, a viewer is forbidden, a non-member gets not_found', async () => {
    const w = await world();
    const { task: second } = await ok(w.owner.socket, 'task:create', { listId: w.listId, title: 'Second' });
    expect(codeOf(await call(w.viewer.socket, 'task:delete', { id: w.task.id }))).to.equal('forbidden');
    await refusedAsUnknown(w.stranger, 'task:delete', { id: w.task.id }, { id: uuid() });
    expect(await tasksOf(server, w.owner, w.listId)).to.have.length(2);
    expect(await ok(w.editor.socket, 'task:delete', { id: w.task.id })).to.deep.equal({
      id: w.task.id,
      listId: w.listId,
      seq: 5,
    });
    await ok(w.owner.socket, 'task:delete', { id: second.id });
    expect(await tasksOf(server, w.owner, w.listId)).to.deep.equal([]);
  });
});

describe('roles: who may do what in a shared list', () => {
  const server = useServer();
  const open = devices(server);

  /** A list of the owner's shared with an editor and a viewer, one task in it, and a stranger who is no member; one device each. */
  const world = () =>
    scenario(server(), open, {
      owner: 'owner',
      members: { editor: 'editor', viewer: 'viewer' },
      strangers: ['stranger'],
      list: 'Shared',
      task: 'First',
    });

  it('moving a task needs a writer role in both lists: viewer of either side is forbidden, non-member of either gets not_found', async () => {
    const w = await world();
    const { list: other } = await ok(w.owner.socket, 'list:create', { name: 'Other' }); // the editor is only a viewer here
    await ok(w.owner.socket, 'list:share', { listId: other.id, email: w.editor.email, role: 'viewer' });
    const move = (p: Person, id: string, listId: string) => call(p.socket, 'task:update', { id, patch: { listId } });

    expect(codeOf(await move(w.editor, w.task.id, other.id))).to.equal('forbidden');
    expect(codeOf(await move(w.viewer, w.task.id, w.viewer.inbox))).to.equal('forbidden');
    await refusedAsUnknown(
      w.editor,
      'task:update',
      { id: w.task.id, patch: { listId: w.stranger.inbox } },
      { id: w.task.id, patch: { listId: uuid() } },
    );
    await refusedAsUnknown(
      w.stranger,
      'task:update',
      { id: w.task.id, patch: { listId: w.stranger.inbox } },
      { id: uuid(), patch: { listId: w.stranger.inbox } },
    );
    const { task: otherTask } = await ok(w.owner.socket, 'task:create', { listId: other.id, title: 'Stays' });
    expect(codeOf(await move(w.editor, otherTask.id, w.editor.inbox))).to.equal('forbidden'); // viewer in the source
    expect((await tasksOf(server, w.owner, w.listId)).map((t) => t.id)).to.deep.equal([w.task.id]);
    expect(await tasksOf(server, w.stranger, w.stranger.inbox)).to.deep.equal([]);

    // writer in both: the members of the old list see it leave, with the old list's next seq
    const onViewer = next(w.viewer.socket, 'task:deleted');
    const { task } = await ok(w.editor.socket, 'task:update', { id: w.task.id, patch: { listId: w.editor.inbox } });
    expect(task).to.include({ id: w.task.id, listId: w.editor.inbox, seq: 1, version: 2 });
    expect(await onViewer).to.deep.equal({ id: w.task.id, listId: w.listId, seq: 4 });
    expect(await tasksOf(server, w.owner, w.listId)).to.deep.equal([]);
  });
});

describe('roles: who may do what in a shared list', () => {
  const server = useServer();
  const open = devices(server);

  /** A list of the owner's shared with an editor and a viewer, one task in it, and a stranger who is no member; one device each. */
  const world = () =>
    scenario(server(), open, {
      owner: 'owner',
      members: { editor: 'editor', viewer: 'viewer' },
      strangers: ['stranger'],
      list: 'Shared',
      task: 'First',
    });

  describe('revocation', () => {
    it('after unshare the removed user gets member:removed, then nothing more of that list', async () => {
      const w = await world();
      const second = await open(w.viewer.token);
      const seen = [record(w.viewer.socket), record(second)];
      const waits = [w.viewer.socket, second].map((s) => next(s, 'member:removed'));
      await ok(w.owner.socket, 'list:unshare', { listId: w.listId, userId: w.viewer.id });
      for (const payload of await Promise.all(waits))
        expect(payload).to.deep.equal({ listId: w.listId, userId: w.viewer.id, seq: 4 });

      // every kind of change in the list, none of which the viewer may see any more
      await ok(w.owner.socket, 'task:update', { id: w.task.id, patch: { title: 'Secret' } });
      await ok(w.editor.socket, 'task:create', { listId: w.listId, title: 'Secret too' });
      await ok(w.owner.socket, 'list:rename', { id: w.listId, name: 'Secret list' });
      await ok(w.owner.socket, 'list:share', { listId: w.listId, email: w.stranger.email, role: 'viewer' });
      await ok(w.owner.socket, 'list:unshare', { listId: w.listId, userId: w.editor.id });
      await ok(w.owner.socket, 'task:delete', { id: w.task.id });
      const both = [w.viewer.socket, second];
      const markers = [(await flush(server(), w.viewer, both)).id, (await flush(server(), w.viewer, both)).id];
      for (const s of seen) {
        expect(s.map((e) => e.event)).to.deep.equal(['member:removed', 'task:created', 'task:created']);
        expect(s.slice(1).map((e) => payloadOf(e, 'task:created').task.id)).to.have.members(markers);
      }
      expect(codeOf(await call(w.viewer.socket, 'list:members', { listId: w.listId }))).to.equal('not_found');
    });

    it("a removed member retrying a task:create by id gets not_found or the first answer, never the task's later state", async () => {
      const w = await world();
      const id = uuid();
      const first = await ok(w.editor.socket, 'task:create', { listId: w.listId, id, title: 'Mine' });
      await ok(w.owner.socket, 'task:update', { id, patch: { title: 'Secret plan', notes: 'after you left' } });
      await ok(w.owner.socket, 'list:unshare', { listId: w.listId, userId: w.editor.id });
      const retry = await call(w.editor.socket, 'task:create', { listId: w.listId, id, title: 'Mine' });
      if (retry.ok) expect(retry.data).to.deep.equal(first);
      else expect(retry.error.code).to.equal('not_found');
    });

    it("after leaving, the user's sockets get nothing more of that list", async () => {
      const w = await world();
      const seen = record(w.editor.socket);
      const onViewer = next(w.viewer.socket, 'member:removed');
      await ok(w.editor.socket, 'list:unshare', { listId: w.listId, userId: w.editor.id });
      expect(await onViewer).to.deep.equal({ listId: w.listId, userId: w.editor.id, seq: 4 });
      await ok(w.owner.socket, 'task:update', { id: w.task.id, patch: { completed: true } });
      await ok(w.owner.socket, 'list:rename', { id: w.listId, name: 'Without you' });
      const marker = (await flush(server(), w.editor, [w.editor.socket])).id;
      expect(seen.map((e) => e.event)).to.deep.equal(['task:created']);
      expect(payloadOf(seen[0], 'task:created').task.id).to.equal(marker);
    });

    it('after a list is deleted its former members get list:deleted, and nothing of a list re-created with that id', async () => {
      const w = await world();
      const seen = [w.editor, w.viewer].map((p) => record(p.socket));
      const waits = [w.editor, w.viewer].map((p) => next(p.socket, 'list:deleted'));
      await ok(w.owner.socket, 'list:delete', { id: w.listId });
      for (const payload of await Promise.all(waits)) expect(payload).to.deep.equal({ id: w.listId });
      expect(codeOf(await call(w.editor.socket, 'task:create', { listId: w.listId, title: 'Too late' }))).to.equal(
        'not_found',
      );

      const { list } = await ok(w.owner.socket, 'list:create', { id: w.listId, name: 'Fresh start' });
      expect(list).to.include({ id: w.listId, seq: 0 });
      await ok(w.owner.socket, 'task:create', { listId: w.listId, title: 'Private' });
      await ok(w.owner.socket, 'list:rename', { id: w.listId, name: 'Still private' });
      for (const [i, p] of [w.editor, w.viewer].entries()) {
        const marker = (await flush(server(), p, [p.socket])).id;
        expect(seen[i].map((e) => e.event)).to.deep.equal(['list:deleted', 'task:created']);
        expect(payloadOf(seen[i][1], 'task:created').task.id).to.equal(marker);
      }
    });
  });
});
