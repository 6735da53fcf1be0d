import { expect } from 'chai';
import type { List, SyncResult } from '../../shared/types';
import { bulkTasks } from '../support/database';
import { share } from '../support/scenario';
import { call, devices, inboxOf, next, ok, registerUser, request, type TestUser, useServer } from '../support/server';
import { codeOf } from '../support/util';

const TAG = /^[0-9a-f]{64}$/;

describe('unchanged lists are not sent again: sync listsTag, GET /api/lists ETag', () => {
  const server = useServer();
  const open = devices(server);

  const listsOf = async (u: TestUser): Promise<List[]> =>
    (await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: u.token })).body.lists;

  it('answers the tag of the lists on every sync; without listsTag the lists come whole, as before', async () => {
    const alice = await registerUser(server());
    const socket = await open(alice.token);
    await ok(socket, 'list:create', { name: 'Second' });
    const r = await ok(socket, 'sync', {});
    expect(r.listsTag).to.match(TAG);
    expect(r.listsUnchanged).to.equal(false);
    expect(r.lists).to.deep.equal(await listsOf(alice));
    // the tag covers each of these fields (server/lists/list.tag.ts): a field added to lists must be added there
    expect(Object.keys(r.lists[0])).to.deep.equal(['id', 'name', 'ownerId', 'role', 'seq', 'createdAt', 'updatedAt']);
    const again = await ok(socket, 'sync', { cursors: r.cursors });
    expect(again).to.deep.include({ lists: r.lists, listsTag: r.listsTag, listsUnchanged: false });
    // GET /api/lists tags the same lists the same way
    const res = await request(server(), 'GET', '/api/lists', { token: alice.token });
    expect(res.headers.get('etag')).to.equal(`"${r.listsTag}"`);
  });

  it('answers lists empty and listsUnchanged while the tag sent is current, on every page of a pass', async () => {
    const alice = await registerUser(server());
    const socket = await open(alice.token);
    const { list } = await ok(socket, 'list:create', { name: 'Big' });
    await bulkTasks(list.id, alice.user.id, 2500); // three pages of at most 1,000 entries
    const first = await ok(socket, 'sync', {});
    expect(first).to.deep.include({ more: true, listsUnchanged: false });
    expect(first.lists).to.deep.equal(await listsOf(alice));
    const pages: SyncResult[] = [first];
    let last = first;
    while (last.more && pages.length < 10) {
      last = await ok(socket, 'sync', { cursors: last.cursors, listsTag: last.listsTag });
      pages.push(last);
    }
    expect(pages.map((p) => [p.lists.length, p.listsUnchanged, p.listsTag])).to.deep.equal([
      [2, false, first.listsTag],
      [0, true, first.listsTag],
      [0, true, first.listsTag],
    ]);
    expect(pages.flatMap((p) => p.tasks)).to.have.length(2500);
    expect(last.cursors).to.deep.equal(Object.fromEntries(first.lists.map((l) => [l.id, l.seq])));
    // an idle sync with the tag: nothing at all
    const idle = await ok(socket, 'sync', { cursors: last.cursors, listsTag: last.listsTag });
    expect(idle).to.deep.include({ lists: [], tasks: [], deleted: [], listsUnchanged: true, more: false });
  });

  it('changes the tag with anything of the lists: a name, a role, a seq, a list gained or lost', async () => {
    const alice = await registerUser(server(), 'Alice');
    const bob = await registerUser(server(), 'Bob');
    const [phone, bobs] = [await open(alice.token), await open(bob.token)];
    const inbox = await inboxOf(server(), alice.token);
    const { list: shared } = await ok(bobs, 'list:create', { name: 'Shared' });
    const { task } = await ok(phone, 'task:create', { listId: inbox, title: 'To delete' });
    let tag = (await ok(phone, 'sync', {})).listsTag;
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['her list renamed', () => ok(phone, 'list:rename', { id: inbox, name: 'Home' })],
      ['a task created (seq)', () => ok(phone, 'task:create', { listId: inbox, title: 'New' })],
      ['a task deleted (seq)', () => ok(phone, 'task:delete', { id: task.id })],
      ['a list shared with her', () => share(bobs, shared.id, alice.email, 'viewer', phone)],
      ['her role changed', () => ok(bobs, 'list:share', { listId: shared.id, email: alice.email, role: 'editor' })],
      [
        "another's list renamed",
        async () => {
          const seen = next(phone, 'list:updated');
          await ok(bobs, 'list:rename', { id: shared.id, name: 'Bob and Alice' });
          await seen;
        },
      ],
      ['removed from a list', () => ok(bobs, 'list:unshare', { listId: shared.id, userId: alice.user.id })],
      ['a list created', () => ok(phone, 'list:create', { name: 'New list' })],
    ];
    for (const [what, change] of changes) {
      await change();
      const r = await ok(phone, 'sync', { listsTag: tag });
      expect(r.listsUnchanged, what).to.equal(false);
      expect(r.listsTag, what).to.not.equal(tag);
      expect(r.lists, what).to.deep.equal(await listsOf(alice));
      // and the new tag is current until the next change
      expect(await ok(phone, 'sync', { listsTag: r.listsTag }), what).to.deep.include({
        lists: [],
        listsTag: r.listsTag,
        listsUnchanged: true,
      });
      tag = r.listsTag;
    }
  });

  it('sends the lists whole for a tag that is not current, and refuses one that is not a short string', async () => {
    const [alice, bob] = [await registerUser(server()), await registerUser(server())];
    const [socket, bobs] = [await open(alice.token), await open(bob.token)];
    const bobsTag = (await ok(bobs, 'sync', {})).listsTag;
    for (const listsTag of ['nonsense', bobsTag, 'f'.repeat(128)]) {
      const r = await call(socket, 'sync', { listsTag });
      if (!r.ok) throw new Error(`${listsTag}: ${r.error.code}`);
      expect(r.data.listsUnchanged, listsTag).to.equal(false);
      expect(r.data.lists).to.deep.equal(await listsOf(alice));
    }
    for (const listsTag of ['', 'f'.repeat(129), 42, null, ['a']])
      expect(codeOf(await call(socket, 'sync', { listsTag })), JSON.stringify(listsTag)).to.equal('validation_error');
  });
});

describe('unchanged lists are not sent again: sync listsTag, GET /api/lists ETag', () => {
  const server = useServer();
  const open = devices(server);

  it('GET /api/lists: a strong ETag, and 304 with no body to an If-None-Match naming it while nothing changed', async () => {
    const alice = await registerUser(server());
    const socket = await open(alice.token);
    const get = (ifNoneMatch?: string) =>
      request<{ lists: List[] }>(server(), 'GET', '/api/lists', {
        token: alice.token,
        headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch },
      });
    const first = await get();
    const etag = first.headers.get('etag')!;
    expect(etag).to.match(/^"[0-9a-f]{64}"$/);
    for (const held of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await get(held);
      expect([res.status, res.body, res.headers.get('etag')], held).to.deep.equal([304, undefined, etag]);
    }
    const other = await get('"0000"');
    expect([other.status, other.body, other.headers.get('etag')]).to.deep.equal([200, first.body, etag]);
    await ok(socket, 'list:create', { name: 'Another' });
    const changed = await get(etag);
    expect(changed.status).to.equal(200);
    expect(changed.body.lists.map((l) => l.name)).to.deep.equal(['Inbox', 'Another']);
    expect(changed.headers.get('etag')).to.not.equal(etag);
    expect((await get(changed.headers.get('etag')!)).status).to.equal(304);
  });
});
