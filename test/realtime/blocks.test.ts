/**
 * Share spam (issue 15, item 8): a user blocks a person, whose later shares are answered exactly as
 * shares to an email with no account, and leaves every list a person owns at once (`lists:leave`, or
 * `user:block` with `leave`), each list left as by `list:unshare` of oneself. Over sockets and REST.
 */
import { expect } from 'chai';
import { loadConfig } from '../../server/core/config';
import type { Block, List } from '../../shared/types';
import {
  type ApiErrorBody,
  call,
  type ClientSocket,
  devices,
  next,
  ok,
  registerUser,
  request,
  type TestUser,
  useServer,
} from '../support/server';
import { flush, payloadOf, record } from '../support/wait';
import { codeOf, uuid } from '../support/util';

/** Lists `owner` creates and shares with `member` (as editor), answered by id. */
async function sharedLists(owner: ClientSocket, member: TestUser, names: string[]): Promise<List[]> {
  const lists: List[] = [];
  for (const name of names) {
    const { list } = await ok(owner, 'list:create', { name });
    await ok(owner, 'list:share', { listId: list.id, email: member.email, role: 'editor' });
    lists.push(list);
  }
  return lists;
}

describe('blocks and leaving all lists of a person', () => {
  const server = useServer({ maxListsPerUser: 6, maxBlocksPerUser: 3 });
  const device = devices(server);

  describe('user:block', () => {
    it("answers a blocked person's share to the blocker exactly as one to an email with no account, role changes included", async () => {
      const [ann, spammer] = await Promise.all([registerUser(server()), registerUser(server())]);
      const anns = await device(ann.token);
      const spams = await device(spammer.token);
      const [kept] = await sharedLists(spams, ann, ['Shared before the block']);
      const { list: fresh } = await ok(spams, 'list:create', { name: 'After the block' });

      const { block, listIds } = await ok(anns, 'user:block', { userId: spammer.user.id });
      expect(block).to.deep.include({ userId: spammer.user.id, email: spammer.email, name: spammer.user.name });
      expect(listIds).to.deep.equal([]);

      const unknown = await call(spams, 'list:share', {
        listId: fresh.id,
        email: `nobody-${uuid()}@example.com`,
        role: 'viewer',
      });
      const blocked = await call(spams, 'list:share', { listId: fresh.id, email: ann.email, role: 'viewer' });
      expect(unknown).to.deep.equal({ ok: false, error: { code: 'not_found', message: 'No user has this email' } });
      expect(blocked).to.deep.equal(unknown);
      // a role change in a list she is in already: the same answer, and her role stays
      const roleChange = await call(spams, 'list:share', { listId: kept.id, email: ann.email, role: 'viewer' });
      expect(roleChange).to.deep.equal(unknown);
      // blocking removed no membership; the blocked person's list is still hers, as editor
      const lists = (await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: ann.token })).body.lists;
      expect(lists.find((l) => l.id === kept.id)?.role).to.equal('editor');
      expect(lists.map((l) => l.id)).not.to.include(fresh.id);
      // the blocker may still share with the person she blocked
      const { list: hers } = await ok(anns, 'list:create', { name: 'Mine' });
      expect(
        codeOf(await call(anns, 'list:share', { listId: hers.id, email: spammer.email, role: 'viewer' })),
      ).to.equal('ok');

      // unblocked: the share goes through again
      expect(await ok(anns, 'user:unblock', { userId: spammer.user.id })).to.deep.equal({ userId: spammer.user.id });
      expect(codeOf(await call(spams, 'list:share', { listId: fresh.id, email: ann.email, role: 'viewer' }))).to.equal(
        'ok',
      );
    });

    it('is idempotent: a repeat answers the same block, and a mutationId replays the first answer', async () => {
      const [ann, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const anns = await device(ann.token);
      const first = await ok(anns, 'user:block', { userId: bob.user.id });
      expect(await ok(anns, 'user:block', { userId: bob.user.id })).to.deep.equal(first);
      const mutationId = uuid();
      const unblocked = await ok(anns, 'user:unblock', { userId: bob.user.id, mutationId });
      expect(await ok(anns, 'user:unblock', { userId: bob.user.id, mutationId })).to.deep.equal(unblocked);
      const again = await call(anns, 'user:unblock', { userId: bob.user.id });
      expect(again.ok || again.error).to.deep.equal({ code: 'not_found', message: 'This user is not blocked' });
      expect(codeOf(await call(anns, 'user:block', { userId: bob.user.id, mutationId }))).to.equal('conflict');
    });

    it('refuses oneself (validation_error) and an unknown user (not_found)', async () => {
      const ann = await registerUser(server());
      const anns = await device(ann.token);
      expect(codeOf(await call(anns, 'user:block', { userId: ann.user.id }))).to.equal('validation_error');
      expect(codeOf(await call(anns, 'user:block', { userId: uuid() }))).to.equal('not_found');
      expect(codeOf(await call(anns, 'user:block', { userId: 'nope' }))).to.equal('validation_error');
      expect(await ok(anns, 'blocks:list', {})).to.deep.equal({ blocks: [] });
    });

    it('MAX_BLOCKS_PER_USER holds, exactly when the blocks come at once; an unblock frees a place', async () => {
      const ann = await registerUser(server());
      const people = await Promise.all([1, 2, 3, 4, 5, 6].map(() => registerUser(server())));
      const sockets = await Promise.all([1, 2, 3].map(() => device(ann.token)));
      const acks = await Promise.all(
        people.map((p, i) => call(sockets[i % 3], 'user:block', { userId: p.user.id }, 10_000)),
      );
      expect(acks.map(codeOf).sort()).to.deep.equal([
        'limit_exceeded',
        'limit_exceeded',
        'limit_exceeded',
        'ok',
        'ok',
        'ok',
      ]);
      const { blocks } = await ok(sockets[0], 'blocks:list', {});
      const blockedIds = people.filter((_, i) => acks[i].ok).map((p) => p.user.id);
      expect(blocks.map((b) => b.userId).sort()).to.deep.equal([...blockedIds].sort());
      const refused = await call(sockets[0], 'user:block', {
        userId: people.find((p) => !blockedIds.includes(p.user.id))!.user.id,
      });
      expect(refused.ok || refused.error).to.deep.equal({
        code: 'limit_exceeded',
        message: 'A user blocks at most 3 people',
      });
      expect(codeOf(await call(sockets[0], 'user:block', { userId: blockedIds[0] }))).to.equal('ok'); // a repeat is no new block
      await ok(sockets[0], 'user:unblock', { userId: blockedIds[0] });
      expect(
        codeOf(
          await call(sockets[0], 'user:block', {
            userId: people.find((p) => !blockedIds.includes(p.user.id))!.user.id,
          }),
        ),
      ).to.equal('ok');
    });
  });
});

describe('blocks and leaving all lists of a person', () => {
  const server = useServer({ maxListsPerUser: 6, maxBlocksPerUser: 3 });
  const device = devices(server);

  const listIdsOf = async (user: TestUser): Promise<string[]> =>
    (await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: user.token })).body.lists.map(
      (l) => l.id,
    );

  describe('lists:leave', () => {
    it('leaves every list the person owns, each as list:unshare of oneself: member:removed with its seq to every member', async () => {
      const [ann, owner, carol, other] = await Promise.all([1, 2, 3, 4].map(() => registerUser(server())));
      const [annA, annB, owners, carols, others] = await Promise.all(
        [ann, ann, owner, carol, other].map((u) => device(u.token)),
      );
      const lists = await sharedLists(owners, ann, ['One', 'Two', 'Three']);
      await ok(owners, 'list:share', { listId: lists[1].id, email: carol.email, role: 'viewer' });
      const [elsewhere] = await sharedLists(others, ann, ['Not his']);
      const seen = { annB: record(annB), owner: record(owners), carol: record(carols) };

      const { listIds } = await ok(annA, 'lists:leave', { ownerId: owner.user.id });
      expect(listIds).to.have.members(lists.map((l) => l.id));
      await flush(server(), ann, [annB]);
      await flush(server(), owner, [owners]);
      await flush(server(), carol, [carols]);
      // each list: created at seq 0, ann's share 1, carol's share 2 (the second list only), then the leave
      const removed = (events: typeof seen.owner) =>
        events.filter((e) => e.event === 'member:removed').map((e) => payloadOf(e, 'member:removed'));
      const expected = lists.map((l) => ({ listId: l.id, userId: ann.user.id, seq: l.id === lists[1].id ? 3 : 2 }));
      expect(removed(seen.owner)).to.have.deep.members(expected);
      expect(removed(seen.annB)).to.have.deep.members(expected);
      expect(removed(seen.carol)).to.deep.equal(expected.filter((e) => e.listId === lists[1].id));
      expect(await listIdsOf(ann))
        .to.include(elsewhere.id)
        .and.not.include.members(listIds);
      const { members } = await ok(owners, 'list:members', { listId: lists[1].id });
      expect(members.map((m) => m.userId)).to.have.members([owner.user.id, carol.user.id]);
      // nothing more to leave
      expect(await ok(annA, 'lists:leave', { ownerId: owner.user.id })).to.deep.equal({ listIds: [] });
    });

    it('replays the first answer for a repeated mutationId, without broadcasting again; refuses leaving oneself', async () => {
      const [ann, owner] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [anns, owners] = await Promise.all([device(ann.token), device(owner.token)]);
      const [list] = await sharedLists(owners, ann, ['Once']);
      const seen = record(owners);
      const mutationId = uuid();
      const first = await ok(anns, 'lists:leave', { ownerId: owner.user.id, mutationId });
      expect(first).to.deep.equal({ listIds: [list.id] });
      expect(await ok(anns, 'lists:leave', { ownerId: owner.user.id, mutationId })).to.deep.equal(first);
      await flush(server(), owner, [owners]);
      expect(seen.filter((e) => e.event === 'member:removed')).to.have.length(1);
      const self = await call(anns, 'lists:leave', { ownerId: ann.user.id });
      expect(self.ok || self.error.code).to.equal('forbidden');
    });

    it('user:block with leave blocks and leaves in one step; the spam cannot come back', async () => {
      const [ann, spammer] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [anns, spams] = await Promise.all([device(ann.token), device(spammer.token)]);
      const lists = await sharedLists(spams, ann, ['Spam 1', 'Spam 2', 'Spam 3', 'Spam 4', 'Spam 5']);
      // Inbox + 5 = 6: ann is full, a friend's share is refused
      const friend = await registerUser(server());
      const friends = await device(friend.token);
      const { list: real } = await ok(friends, 'list:create', { name: 'Real' });
      expect(codeOf(await call(friends, 'list:share', { listId: real.id, email: ann.email, role: 'editor' }))).to.equal(
        'limit_exceeded',
      );
      const { block, listIds } = await ok(anns, 'user:block', { userId: spammer.user.id, leave: true });
      expect(block.userId).to.equal(spammer.user.id);
      expect(listIds).to.have.members(lists.map((l) => l.id));
      expect(
        codeOf(await call(spams, 'list:share', { listId: lists[0].id, email: ann.email, role: 'viewer' })),
      ).to.equal('not_found');
      expect(codeOf(await call(friends, 'list:share', { listId: real.id, email: ann.email, role: 'editor' }))).to.equal(
        'ok',
      );
    });
  });
});

describe('blocks and leaving all lists of a person', () => {
  const server = useServer({ maxListsPerUser: 6, maxBlocksPerUser: 3 });
  const device = devices(server);

  describe('REST', () => {
    it('GET/POST /api/blocks, DELETE /api/blocks/:userId and POST /api/lists/leave mirror the events', async () => {
      const [ann, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const bobs = await device(bob.token);
      const [list] = await sharedLists(bobs, ann, ['Bob shares']);
      const removed = next(bobs, 'member:removed');
      const left = await request<{ listIds: string[] }>(server(), 'POST', '/api/lists/leave', {
        token: ann.token,
        body: { ownerId: bob.user.id },
      });
      expect([left.status, left.body]).to.deep.equal([200, { listIds: [list.id] }]);
      expect(await removed).to.deep.equal({ listId: list.id, userId: ann.user.id, seq: 2 });

      const blocked = await request<{ block: Block; listIds: string[] }>(server(), 'POST', '/api/blocks', {
        token: ann.token,
        body: { userId: bob.user.id },
      });
      expect(blocked.status).to.equal(201);
      expect(blocked.body.block).to.deep.include({ userId: bob.user.id, email: bob.email });
      const listed = await request<{ blocks: Block[] }>(server(), 'GET', '/api/blocks', { token: ann.token });
      expect(listed.body).to.deep.equal({ blocks: [blocked.body.block] });
      expect(codeOf(await call(bobs, 'list:share', { listId: list.id, email: ann.email, role: 'viewer' }))).to.equal(
        'not_found',
      );

      const unblocked = await request(server(), 'DELETE', `/api/blocks/${bob.user.id}`, { token: ann.token });
      expect(unblocked.status).to.equal(204);
      const again = await request<ApiErrorBody>(server(), 'DELETE', `/api/blocks/${bob.user.id}`, { token: ann.token });
      expect([again.status, again.body.error.code]).to.deep.equal([404, 'not_found']);
      expect((await request(server(), 'DELETE', '/api/blocks/not-a-uuid', { token: ann.token })).status).to.equal(404);
      const self = await request<ApiErrorBody>(server(), 'POST', '/api/blocks', {
        token: ann.token,
        body: { userId: ann.user.id },
      });
      expect([self.status, self.body.error.code]).to.deep.equal([400, 'validation_error']);
      expect((await request(server(), 'GET', '/api/blocks')).status).to.equal(401);
    });
  });

  it('MAX_BLOCKS_PER_USER is configured: 1 to 1,000 (blocks:list answers them all at once), 1,000 by default', () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).maxBlocksPerUser).to.equal(1000);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32), MAX_BLOCKS_PER_USER: '5' }).maxBlocksPerUser).to.equal(5);
    for (const bad of ['0', '1001', 'many']) {
      expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), MAX_BLOCKS_PER_USER: bad })).to.throw(
        'MAX_BLOCKS_PER_USER',
      );
    }
  });
});
