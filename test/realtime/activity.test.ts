import { expect } from 'chai';
import type { Activity, ActivityPage } from '../../shared/types';
import { scenario } from '../support/scenario';
import { call, devices, next, ok, request, useServer } from '../support/server';
import { codeOf, uuid } from '../support/util';
import { payloadOf, record } from '../support/wait';

/** Every entry of the list, newest first, page by page (`limit` each). */
async function allEntries(socket: Parameters<typeof ok>[0], listId: string, limit = 100): Promise<Activity[]> {
  const entries: Activity[] = [];
  let before: string | null | undefined;
  do {
    const page: ActivityPage = await ok(socket, 'activity:list', { listId, limit, ...(before ? { before } : {}) });
    expect(page.entries.length).to.be.at.most(limit);
    entries.push(...page.entries);
    before = page.next;
  } while (before);
  return entries;
}

describe('activity: one entry per change of a list, newest first', () => {
  const server = useServer();
  const open = devices(server);

  it('writes exactly one entry per seq, with the kind, the actor and the changes of each change', async () => {
    const w = await scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'editor', carol: 'viewer' },
      list: 'Trip',
    });
    const { listId } = w;
    const { task } = await ok(w.alice.socket, 'task:create', { listId, title: 'Book', assigneeId: w.bob.id });
    await ok(w.bob.socket, 'task:update', {
      id: task.id,
      patch: { title: 'Book flights', priority: 2, completed: true, notes: '' }, // notes unchanged: not listed
    });
    await ok(w.alice.socket, 'list:rename', { id: listId, name: 'Lisbon' });
    await ok(w.alice.socket, 'list:share', { listId, email: w.carol.email, role: 'editor' }); // a role change
    const { list: other } = await ok(w.alice.socket, 'list:create', { name: 'Other' });
    const moved = await ok(w.alice.socket, 'task:update', { id: task.id, patch: { listId: other.id } });
    await ok(w.alice.socket, 'task:delete', { id: moved.task.id });
    await ok(w.alice.socket, 'list:unshare', { listId, userId: w.carol.id });

    const entries = await allEntries(w.bob.socket, listId);
    const seq = (await ok(w.alice.socket, 'sync', {})).cursors[listId];
    // newest first, one per seq from the list's first change (the shares) to its latest, no gaps
    expect(entries.map((e) => e.seq)).to.deep.equal(Array.from({ length: seq }, (_, i) => seq - i));
    expect(entries.every((e) => e.listId === listId)).to.equal(true);
    const brief = entries
      .slice()
      .reverse()
      .map((e) => ({ kind: e.kind, actorId: e.actorId, taskId: e.taskId, userId: e.userId, changes: e.changes }));
    expect(brief).to.deep.equal([
      { kind: 'member.added', actorId: w.alice.id, taskId: null, userId: w.bob.id, changes: null },
      { kind: 'member.added', actorId: w.alice.id, taskId: null, userId: w.carol.id, changes: null },
      { kind: 'task.created', actorId: w.alice.id, taskId: task.id, userId: null, changes: null },
      {
        kind: 'task.updated',
        actorId: w.bob.id,
        taskId: task.id,
        userId: null,
        changes: { title: ['Book', 'Book flights'], completed: [false, true], priority: [0, 2] },
      },
      { kind: 'list.renamed', actorId: w.alice.id, taskId: null, userId: null, changes: null },
      {
        kind: 'member.updated',
        actorId: w.alice.id,
        taskId: null,
        userId: w.carol.id,
        changes: { role: ['viewer', 'editor'] },
      },
      // a move: a task.updated in the list it left (and one in the list it joined)
      {
        kind: 'task.updated',
        actorId: w.alice.id,
        taskId: task.id,
        userId: null,
        changes: { listId: [listId, other.id], assigneeId: [w.bob.id, null] }, // bob is no member of Other
      },
      { kind: 'member.removed', actorId: w.alice.id, taskId: null, userId: w.carol.id, changes: null },
    ]);
    const inOther = await allEntries(w.alice.socket, other.id);
    expect(inOther.map((e) => [e.seq, e.kind])).to.deep.equal([
      [2, 'task.deleted'],
      [1, 'task.updated'],
    ]);
    expect(inOther[1].changes).to.deep.equal({ listId: [listId, other.id], assigneeId: [w.bob.id, null] });
    // taskId keeps one task's entries
    const ofTask = await ok(w.alice.socket, 'activity:list', { listId, taskId: task.id });
    expect(ofTask.entries.map((e) => e.kind)).to.deep.equal(['task.updated', 'task.updated', 'task.created']);
  });
});

describe('activity: paging and retries', () => {
  const server = useServer();
  const open = devices(server);

  it('pages newest first: `next` is passed as `before`, null on the last page; REST answers the same', async () => {
    const w = await scenario(server(), open, { owner: 'alice', members: { bob: 'viewer' }, strangers: ['eve'] });
    const listId = w.alice.inbox;
    for (let i = 0; i < 7; i++) await ok(w.alice.socket, 'task:create', { listId, title: `T${i}` });
    const seq = (await ok(w.alice.socket, 'sync', {})).cursors[listId];
    const pages: number[][] = [];
    let before: string | null = null;
    do {
      const page: ActivityPage = await ok(w.bob.socket, 'activity:list', {
        listId,
        limit: 3,
        ...(before ? { before } : {}),
      });
      pages.push(page.entries.map((e) => e.seq));
      const rest = await request<ActivityPage>(
        server(),
        'GET',
        `/api/lists/${listId}/activity?limit=3${before ? `&before=${before}` : ''}`,
        { token: w.bob.token },
      );
      expect(rest.status).to.equal(200);
      expect(rest.body).to.deep.equal(page);
      before = page.next;
    } while (before);
    expect(pages.flat()).to.deep.equal(Array.from({ length: seq }, (_, i) => seq - i));
    expect(pages.slice(0, -1).every((p) => p.length === 3)).to.equal(true);
    // default and most: 100; a bad cursor or limit is validation_error; a non-member gets not_found
    expect((await ok(w.bob.socket, 'activity:list', { listId })).next).to.equal(null);
    expect(codeOf(await call(w.bob.socket, 'activity:list', { listId, limit: 101 }))).to.equal('validation_error');
    expect(codeOf(await call(w.bob.socket, 'activity:list', { listId, before: 'bm9wZQ' }))).to.equal(
      'validation_error',
    );
    const eve = await open(w.eve.token);
    const [a, b] = [await call(eve, 'activity:list', { listId }), await call(eve, 'activity:list', { listId: uuid() })];
    expect(codeOf(a)).to.equal('not_found');
    expect(a).to.deep.equal(b);
    const rest = await request(server(), 'GET', `/api/lists/${listId}/activity`, { token: w.eve.token });
    expect(rest.status).to.equal(404);
  });

  it('a retry by mutationId is answered the same and writes no second entry', async () => {
    const w = await scenario(server(), open, { owner: 'alice', devices: { alice: ['phone', 'laptop'] } });
    const listId = w.alice.inbox;
    const mutationId = uuid();
    const first = await call(w.phone, 'task:create', { listId, title: 'Once', mutationId });
    const again = await call(w.laptop, 'task:create', { listId, title: 'Once', mutationId });
    expect(again).to.deep.equal(first);
    if (!first.ok) throw new Error('task:create failed');
    const upd = uuid();
    const patch = { id: first.data.task.id, patch: { title: 'Twice?' }, mutationId: upd };
    const u1 = await call(w.phone, 'task:update', patch);
    const u2 = await call(w.phone, 'task:update', patch);
    expect(u2).to.deep.equal(u1);
    const { entries } = await ok(w.phone, 'activity:list', { listId, taskId: first.data.task.id });
    expect(entries.map((e) => e.kind)).to.deep.equal(['task.updated', 'task.created']);
    const seq = (await ok(w.phone, 'sync', {})).cursors[listId];
    expect(entries[0].seq).to.equal(seq);
  });
});

describe('role changes: list:share to a member', () => {
  const server = useServer();
  const open = devices(server);

  it('a role change: member:updated to every member but the sender; the owner\u2019s own role is forbidden', async () => {
    const w = await scenario(server(), open, {
      owner: 'alice',
      members: { bob: 'viewer', carol: 'editor' },
      list: 'Roles',
      devices: { alice: ['phone', 'laptop'] },
    });
    const { listId } = w;
    const onLaptop = next(w.laptop, 'member:updated');
    const onBob = next(w.bob.socket, 'member:updated');
    const onCarol = next(w.carol.socket, 'member:updated');
    const phoneSaw = record(w.phone);
    const ack = await ok(w.phone, 'list:share', { listId, email: w.bob.email, role: 'editor' });
    expect(ack.member).to.include({ listId, userId: w.bob.id, role: 'editor' });
    for (const got of await Promise.all([onLaptop, onBob, onCarol])) expect(got).to.deep.equal(ack);
    expect(ack.seq).to.equal(3); // after the two shares
    // the sending phone got the ack, not the event: it sees the laptop's change only
    const marker = next(w.phone, 'member:updated');
    await ok(w.laptop, 'list:share', { listId, email: w.carol.email, role: 'viewer' });
    expect((await marker).seq).to.equal(4);
    expect(
      phoneSaw.filter((e) => e.event === 'member:updated').map((e) => payloadOf(e, 'member:updated').seq),
    ).to.deep.equal([4]);
    // bob is an editor now
    await ok(w.bob.socket, 'task:create', { listId, title: 'By bob' });
    const owner = await call(w.phone, 'list:share', { listId, email: w.alice.email, role: 'viewer' });
    expect(codeOf(owner)).to.equal('forbidden');
    expect((await ok(w.phone, 'list:members', { listId })).members.find((m) => m.userId === w.alice.id)?.role).to.equal(
      'owner',
    );
  });
});
