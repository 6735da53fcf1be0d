import { expect } from 'chai';
import type { List, MemberRole } from '../../shared/types';
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
  type TestServer,
} from '../support/server';
import { codeOf, uuid } from '../support/util';
import { flush, payloadOf, record, type SeenEvent } from '../support/wait';

const memberOf = (listId: string, u: TestUser, role: string) => ({
  listId,
  userId: u.user.id,
  email: u.email,
  name: u.user.name,
  role,
});
/** The events a recorder saw, without the marker tasks of flush(). */
const names = (seen: SeenEvent[]) =>
  seen.filter((e) => !(e.event === 'task:created' && e.payload.task.title.startsWith('marker '))).map((e) => e.event);

async function listsOf(server: () => TestServer, u: TestUser): Promise<List[]> {
  return (await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: u.token })).body.lists;
}

/** A list of `owner`'s, created from `socket`, shared with `members` in order. */
async function sharedList(
  socket: ClientSocket,
  members: Array<[TestUser, MemberRole]>,
  name = 'Shared',
): Promise<List> {
  const { list } = await ok(socket, 'list:create', { name });
  for (const [u, role] of members) await ok(socket, 'list:share', { listId: list.id, email: u.email, role });
  return list;
}

describe('lists over sockets', () => {
  const server = useServer();
  const open = devices(server);
  const device = (u: TestUser) => open(u.token);

  describe('list:create', () => {
    it("creates a list owned by the caller and announces it only to the creator's other devices", async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [phone, laptop, bobs] = await Promise.all([device(alice), device(alice), device(bob)]);
      const phoneSaw = record(phone);
      const bobSaw = record(bobs);
      const onLaptop = next(laptop, 'list:created');

      const { list } = await ok(phone, 'list:create', { name: '  Groceries  ' });
      expect(list).to.have.keys('id', 'name', 'ownerId', 'role', 'seq', 'createdAt', 'updatedAt');
      expect(list).to.include({ name: 'Groceries', ownerId: alice.user.id, role: 'owner', seq: 0 });
      expect((await onLaptop).list).to.deep.equal(list);

      await Promise.all([flush(server(), alice, [phone]), flush(server(), bob, [bobs])]);
      expect(names(phoneSaw)).to.deep.equal([]); // no echo to the creating socket
      expect(names(bobSaw)).to.deep.equal([]);
      expect((await listsOf(server, alice)).map((l) => l.id)).to.include(list.id);
      expect((await listsOf(server, bob)).map((l) => l.id)).not.to.include(list.id);
    });

    it('uses a client-supplied id, and answers a retry with that id the same without creating or announcing it again', async () => {
      const alice = await registerUser(server());
      const [phone, laptop] = await Promise.all([device(alice), device(alice)]);
      const laptopSaw = record(laptop);
      const id = uuid();

      const first = await ok(phone, 'list:create', { id, name: 'Trip' });
      expect(first.list).to.include({ id, name: 'Trip', role: 'owner', ownerId: alice.user.id });
      expect(await ok(phone, 'list:create', { id, name: 'Trip' })).to.deep.equal(first);
      expect(await ok(laptop, 'list:create', { id, name: 'Trip' })).to.deep.equal(first);

      await flush(server(), alice, [laptop]);
      expect(names(laptopSaw)).to.deep.equal(['list:created']);
      expect((await listsOf(server, alice)).filter((l) => l.id === id)).to.have.length(1);
    });

    it('answers a retry sent while the first create is still running the same (no error, one list)', async () => {
      const alice = await registerUser(server());
      const [phone, laptop] = await Promise.all([device(alice), device(alice)]);
      const id = uuid();
      const acks = await Promise.all([phone, laptop, phone].map((s) => call(s, 'list:create', { id, name: 'Race' })));
      expect(acks.map(codeOf)).to.deep.equal(['ok', 'ok', 'ok']);
      expect(acks[1]).to.deep.equal(acks[0]);
      expect(acks[2]).to.deep.equal(acks[0]);
      expect((await listsOf(server, alice)).filter((l) => l.id === id)).to.have.length(1);
    });

    it("refuses the id of another user's list with conflict and leaves that list alone", async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [alices, bobs] = await Promise.all([device(alice), device(bob)]);
      const bobSaw = record(bobs);
      const id = uuid();
      await ok(bobs, 'list:create', { id, name: "Bob's" });

      expect(codeOf(await call(alices, 'list:create', { id, name: 'Mine' }))).to.equal('conflict');
      // still a conflict when alice can see the list, as a member who did not create it
      await ok(bobs, 'list:share', { listId: id, email: alice.email, role: 'editor' });
      expect(codeOf(await call(alices, 'list:create', { id, name: 'Mine' }))).to.equal('conflict');

      await flush(server(), bob, [bobs]);
      expect(names(bobSaw)).to.deep.equal([]);
      expect((await listsOf(server, bob)).find((l) => l.id === id)).to.include({ name: "Bob's", ownerId: bob.user.id });
    });

    it('answers a repeat with the same mutationId with the first answer and creates one list', async () => {
      const alice = await registerUser(server());
      const phone = await device(alice);
      const mutationId = uuid();
      const first = await ok(phone, 'list:create', { name: 'Once', mutationId });
      expect(await ok(phone, 'list:create', { name: 'Once', mutationId })).to.deep.equal(first);
      expect((await listsOf(server, alice)).filter((l) => l.name === 'Once')).to.have.length(1);
    });
  });
});

describe('lists over sockets', () => {
  const server = useServer();
  const open = devices(server);
  const device = (u: TestUser) => open(u.token);

  describe('list:rename', () => {
    it("renames for every member, each list:updated carrying the receiver's own role, with no echo", async () => {
      const [alice, bob, carol] = await Promise.all([
        registerUser(server()),
        registerUser(server()),
        registerUser(server()),
      ]);
      const [phone, laptop, bobs, carols] = await Promise.all([
        device(alice),
        device(alice),
        device(bob),
        device(carol),
      ]);
      const list = await sharedList(phone, [
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      const bobSaw = record(bobs);
      const waits = [phone, laptop, carols].map((s) => next(s, 'list:updated'));

      const { list: renamed } = await ok(bobs, 'list:rename', { id: list.id, name: ' Team  ' });
      expect(renamed).to.include({ id: list.id, name: 'Team', role: 'editor', ownerId: alice.user.id, seq: 3 });
      const [onPhone, onLaptop, onCarol] = (await Promise.all(waits)).map((p) => p.list);
      expect(onPhone).to.deep.equal({ ...renamed, role: 'owner' });
      expect(onLaptop).to.deep.equal({ ...renamed, role: 'owner' });
      expect(onCarol).to.deep.equal({ ...renamed, role: 'viewer' });

      await flush(server(), bob, [bobs]);
      expect(names(bobSaw)).to.deep.equal([]);
      expect((await listsOf(server, carol)).find((l) => l.id === list.id)).to.include({
        name: 'Team',
        role: 'viewer',
        seq: 3,
      });
    });
  });

  describe('list:delete', () => {
    it('deletes the list and its tasks for everyone: list:deleted {id} to every other socket', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [phone, laptop, bobs] = await Promise.all([device(alice), device(alice), device(bob)]);
      const list = await sharedList(phone, [[bob, 'editor']]);
      await ok(bobs, 'task:create', { listId: list.id, title: 'Doomed' });
      const phoneSaw = record(phone);
      const waits = [laptop, bobs].map((s) => next(s, 'list:deleted'));

      expect(await ok(phone, 'list:delete', { id: list.id })).to.deep.equal({ id: list.id });
      for (const payload of await Promise.all(waits)) expect(payload).to.deep.equal({ id: list.id });
      for (const u of [alice, bob]) {
        expect((await listsOf(server, u)).map((l) => l.id)).not.to.include(list.id);
        const tasks = await request<ApiErrorBody>(server(), 'GET', `/api/lists/${list.id}/tasks`, { token: u.token });
        expect(tasks.status).to.equal(404);
        expect(tasks.body.error.code).to.equal('not_found');
      }
      await flush(server(), alice, [phone]);
      expect(names(phoneSaw)).to.deep.equal([]);
    });
  });

  describe('list:members', () => {
    it('lists every member with email, name and role, for any member', async () => {
      const [alice, bob, carol] = await Promise.all([
        registerUser(server()),
        registerUser(server()),
        registerUser(server()),
      ]);
      const [alices, carols] = await Promise.all([device(alice), device(carol)]);
      const list = await sharedList(alices, [
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      const expected = [
        memberOf(list.id, alice, 'owner'),
        memberOf(list.id, bob, 'editor'),
        memberOf(list.id, carol, 'viewer'),
      ];
      expect((await ok(alices, 'list:members', { listId: list.id })).members).to.have.deep.members(expected);
      expect((await ok(carols, 'list:members', { listId: list.id })).members).to.have.deep.members(expected);
    });
  });
});

describe('lists over sockets', () => {
  const server = useServer();
  const open = devices(server);
  const device = (u: TestUser) => open(u.token);

  describe('list:share', () => {
    it('sends the new member list:created with their role first, then member:added {member, seq} to every member', async () => {
      const [alice, bob, carol] = await Promise.all([
        registerUser(server()),
        registerUser(server()),
        registerUser(server()),
      ]);
      const [phone, laptop, bobs, carol1, carol2] = await Promise.all([alice, alice, bob, carol, carol].map(device));
      const list = await sharedList(phone, [[bob, 'editor']]);
      const carolSaw = [record(carol1), record(carol2)];
      const phoneSaw = record(phone);
      const waits = [laptop, bobs, carol1, carol2].map((s) => next(s, 'member:added'));

      const { member, seq } = await ok(phone, 'list:share', { listId: list.id, email: carol.email, role: 'viewer' });
      expect(member).to.deep.equal(memberOf(list.id, carol, 'viewer'));
      expect(seq).to.equal(2);
      for (const payload of await Promise.all(waits)) expect(payload).to.deep.equal({ member, seq: 2 });
      for (const seen of carolSaw) {
        expect(seen.map((e) => e.event)).to.deep.equal(['list:created', 'member:added']);
        expect(payloadOf(seen[0], 'list:created').list).to.include({
          id: list.id,
          name: 'Shared',
          ownerId: alice.user.id,
          role: 'viewer',
          seq: 2,
        });
      }

      // from now on carol's devices get the list's changes
      const onCarol = next(carol1, 'task:created');
      const { task } = await ok(bobs, 'task:create', { listId: list.id, title: 'Welcome' });
      expect((await onCarol).task).to.deep.equal(task);
      expect(task.seq).to.equal(3);
      await flush(server(), alice, [phone]);
      expect(names(phoneSaw)).to.deep.equal(['task:created']);
    });

    it('changes the role of a member shared again (email in any case), and refuses a no-op, an unknown email and the owner', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [alices, bobs] = await Promise.all([device(alice), device(bob)]);
      const list = await sharedList(alices, [[bob, 'viewer']]);
      expect(codeOf(await call(bobs, 'task:create', { listId: list.id, title: 'Not yet' }))).to.equal('forbidden');
      const bobSaw = record(bobs);

      const onBob = next(bobs, 'member:updated');
      const { member } = await ok(alices, 'list:share', {
        listId: list.id,
        email: `  ${bob.email.toUpperCase()} `,
        role: 'editor',
      });
      expect(member).to.deep.equal(memberOf(list.id, bob, 'editor'));
      expect(await onBob).to.deep.equal({ member, seq: 2 });
      await flush(server(), bob, [bobs]);
      expect(names(bobSaw)).to.deep.equal(['member:updated']); // a role change: no list:created, no member:added
      await ok(bobs, 'task:create', { listId: list.id, title: 'Now I may' });

      expect(codeOf(await call(alices, 'list:share', { listId: list.id, email: bob.email, role: 'editor' }))).to.equal(
        'conflict',
      );
      expect(
        codeOf(
          await call(alices, 'list:share', { listId: list.id, email: `nobody-${uuid()}@example.com`, role: 'viewer' }),
        ),
      ).to.equal('not_found');
      expect(
        codeOf(await call(alices, 'list:share', { listId: list.id, email: alice.email, role: 'editor' })),
      ).to.equal('forbidden'); // the owner's own role cannot change
      expect((await ok(alices, 'list:members', { listId: list.id })).members).to.have.deep.members([
        memberOf(list.id, alice, 'owner'),
        memberOf(list.id, bob, 'editor'),
      ]);
    });
  });
});

describe('lists over sockets', () => {
  const server = useServer();
  const open = devices(server);
  const device = (u: TestUser) => open(u.token);

  describe('list:unshare', () => {
    it('lets the owner remove a member: member:removed {listId, userId, seq} to everyone, the removed user included', async () => {
      const [alice, bob, carol] = await Promise.all([
        registerUser(server()),
        registerUser(server()),
        registerUser(server()),
      ]);
      const [phone, laptop, bob1, bob2, carols] = await Promise.all([alice, alice, bob, bob, carol].map(device));
      const list = await sharedList(phone, [
        [bob, 'editor'],
        [carol, 'viewer'],
      ]);
      const waits = [laptop, bob1, bob2, carols].map((s) => next(s, 'member:removed'));

      const removed = await ok(phone, 'list:unshare', { listId: list.id, userId: bob.user.id });
      expect(removed).to.deep.equal({ listId: list.id, userId: bob.user.id, seq: 3 });
      for (const payload of await Promise.all(waits))
        expect(payload).to.deep.equal({ listId: list.id, userId: bob.user.id, seq: 3 });

      expect((await listsOf(server, bob)).map((l) => l.id)).not.to.include(list.id);
      expect(codeOf(await call(bob1, 'list:members', { listId: list.id }))).to.equal('not_found');
      expect((await ok(carols, 'list:members', { listId: list.id })).members).to.have.deep.members([
        memberOf(list.id, alice, 'owner'),
        memberOf(list.id, carol, 'viewer'),
      ]);
    });

    it('lets a member leave by unsharing themselves; their other devices and the others are told, the owner cannot leave', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [alices, bob1, bob2] = await Promise.all([alice, bob, bob].map(device));
      const list = await sharedList(alices, [[bob, 'editor']]);
      const bob1Saw = record(bob1);
      const waits = [alices, bob2].map((s) => next(s, 'member:removed'));

      expect(await ok(bob1, 'list:unshare', { listId: list.id, userId: bob.user.id })).to.deep.equal({
        listId: list.id,
        userId: bob.user.id,
        seq: 2,
      });
      for (const payload of await Promise.all(waits))
        expect(payload).to.deep.equal({ listId: list.id, userId: bob.user.id, seq: 2 });
      await flush(server(), bob, [bob1]);
      expect(names(bob1Saw)).to.deep.equal([]);

      expect(codeOf(await call(alices, 'list:unshare', { listId: list.id, userId: alice.user.id }))).to.equal(
        'forbidden',
      );
      expect(codeOf(await call(alices, 'list:unshare', { listId: list.id, userId: bob.user.id }))).to.equal(
        'not_found',
      );
      expect((await ok(alices, 'list:members', { listId: list.id })).members).to.deep.equal([
        memberOf(list.id, alice, 'owner'),
      ]);
    });
  });

  describe('member limit', () => {
    it('lets a list have 100 members (owner included) and refuses the 101st with limit_exceeded', async function () {
      this.timeout(60_000);
      const owner = await registerUser(server(), 'Popular');
      const socket = await device(owner);
      const { list } = await ok(socket, 'list:create', { name: 'Crowded' });
      const users: TestUser[] = [];
      for (let i = 0; i < 100; i += 20)
        users.push(...(await Promise.all(Array.from({ length: 20 }, () => registerUser(server())))));
      for (const u of users.slice(0, 99))
        await ok(socket, 'list:share', { listId: list.id, email: u.email, role: 'viewer' });
      const refused = await call(socket, 'list:share', { listId: list.id, email: users[99].email, role: 'viewer' });
      expect(refused.ok || refused.error.code).to.equal('limit_exceeded');
      const { members } = await ok(socket, 'list:members', { listId: list.id });
      expect(members).to.have.length(100);
      expect(members.map((m) => m.userId)).not.to.include(users[99].user.id);
    });
  });
});
