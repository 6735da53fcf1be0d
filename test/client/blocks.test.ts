/**
 * The SDK against share spam: leaveAllFrom() leaves every list of one owner, block() / unblock() /
 * blocks() manage blocks. Online only: offline they reject with code 'offline' and change nothing.
 */
import { expect } from 'chai';
import type { ClientError } from '../../sdk/index';
import { registerUser, request, type TestUser, useServer } from '../support/server';
import { clients, synced, until } from '../support/sdk-clients';

describe('client SDK: blocks and leaving all lists of a person', function () {
  this.timeout(60_000);
  const kit = clients();
  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url) => {
    const client = await kit.open(url);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('leaveAllFrom() takes every list of that owner out of this replica at once and off the other devices live', async () => {
    const [ann, owner, other] = await Promise.all(['Ann', 'Olga', 'Otto'].map((n) => registerUser(server(), n)));
    const [phone, laptop, o, x] = await Promise.all([loggedIn(ann), loggedIn(ann), loggedIn(owner), loggedIn(other)]);
    const theirs = [await o.createList('Groceries'), await o.createList('Chores')];
    for (const list of theirs) await o.share(list.id, ann.email, 'editor');
    const kept = await x.createList('From Otto');
    await x.share(kept.id, ann.email, 'viewer');
    await until(laptop, () => laptop.lists().length === 4, 'the laptop sees the three shared lists');
    await until(phone, () => phone.lists().length === 4, 'the phone sees them');

    const left = await phone.leaveAllFrom(owner.user.id);
    expect(left).to.have.members(theirs.map((l) => l.id));
    expect(phone.lists().map((l) => l.name)).to.have.members(['Inbox', 'From Otto']);
    await until(laptop, () => laptop.lists().length === 2, 'the laptop loses them live');
    expect(laptop.lists().map((l) => l.name)).to.have.members(['Inbox', 'From Otto']);
    // the owner's lists are theirs still, without ann
    for (const list of theirs) expect((await o.members(list.id)).map((m) => m.userId)).to.deep.equal([owner.user.id]);
    expect(await phone.leaveAllFrom(owner.user.id)).to.deep.equal([]);
  });

  it('block() with leave, blocks(), unblock(): a blocked person’s share is refused as an unknown email', async () => {
    const [ann, spammer] = await Promise.all([registerUser(server(), 'Ann'), registerUser(server(), 'Spam')]);
    const [a, s] = await Promise.all([loggedIn(ann), loggedIn(spammer)]);
    const spam = await s.createList('Buy now');
    await s.share(spam.id, ann.email, 'viewer');
    await until(a, () => a.list(spam.id) !== undefined, 'ann sees the spam');

    const { block, listIds } = await a.block(spammer.user.id, { leave: true });
    expect(block).to.deep.include({ userId: spammer.user.id, email: spammer.email, name: 'Spam' });
    expect(listIds).to.deep.equal([spam.id]);
    expect(a.list(spam.id)).to.equal(undefined);
    expect(await a.blocks()).to.deep.equal([block]);
    const refused = await s.share(spam.id, ann.email, 'viewer').catch((e: unknown) => e as ClientError);
    expect(refused).to.include({ code: 'not_found', message: 'No user has this email' });

    await a.unblock(spammer.user.id);
    expect(await a.blocks()).to.deep.equal([]);
    await s.share(spam.id, ann.email, 'viewer');
    await until(a, () => a.list(spam.id) !== undefined, 'after the unblock the share comes through');
  });

  it('offline, rejects block, unblock, blocks and leaveAllFrom with code offline, changing nothing', async () => {
    const [ann, owner] = await Promise.all([registerUser(server(), 'Ann'), registerUser(server(), 'Olga')]);
    const o = await loggedIn(owner);
    const list = await o.createList('Shared');
    await o.share(list.id, ann.email, 'editor');
    const link = await kit.link(server());
    const a = await loggedIn(ann, link.url);
    await until(a, () => a.list(list.id) !== undefined, 'ann sees the list');
    link.down();
    await until(a, () => a.status !== 'online', 'ann goes offline');
    const codes = await Promise.all(
      [
        a.leaveAllFrom(owner.user.id),
        a.block(owner.user.id, { leave: true }),
        a.unblock(owner.user.id),
        a.blocks(),
      ].map((p) =>
        p.then(
          () => 'ok',
          (e: unknown) => (e as ClientError).code,
        ),
      ),
    );
    expect(codes).to.deep.equal(['offline', 'offline', 'offline', 'offline']);
    expect(a.list(list.id)?.name).to.equal('Shared');
    expect(a.pendingCount()).to.equal(0);
    const blocks = await request<{ blocks: unknown[] }>(server(), 'GET', '/api/blocks', { token: ann.token });
    expect(blocks.body.blocks).to.deep.equal([]);
    expect((await o.members(list.id)).map((m) => m.userId)).to.include(ann.user.id);
  });
});
