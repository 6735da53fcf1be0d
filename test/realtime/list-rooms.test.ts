import { expect } from 'chai';
import { closeListRoom, joinListRoom, joinListRooms, leaveListRoom, listRoom } from '../../server/lists/list-rooms';
import type { DomainSocket } from '../../server/core/socket-domain';
import {
  type ClientSocket,
  cluster,
  devices,
  ok,
  registerUser,
  request,
  startServer,
  type TestUser,
  useServer,
} from '../support/server';
import { roomHolds as roomHoldsOn } from '../support/rooms';

describe('list rooms (list:<id>, for ephemeral traffic)', () => {
  const server = useServer();
  const open = devices(server);
  const device = (u: TestUser) => open(u.token);

  const roomHolds = (listId: string, sockets: ClientSocket[]) => roomHoldsOn(server(), listId, sockets);

  const inboxOf = async (u: TestUser) =>
    (await request<{ lists: Array<{ id: string }> }>(server(), 'GET', '/api/lists', { token: u.token })).body.lists[0]
      .id;

  it("puts a socket in the room of every list its user is a member of when it connects, and in no other's", async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(server()),
      registerUser(server()),
      registerUser(server()),
    ]);
    const setup = await device(alice);
    const { list } = await ok(setup, 'list:create', { name: 'Shared' });
    await ok(setup, 'list:share', { listId: list.id, email: bob.email, role: 'editor' });
    setup.close(); // the sockets below are in the room from their connection

    const [alices, bobsPhone, bobsLaptop, carols] = await Promise.all([
      device(alice),
      device(bob),
      device(bob),
      device(carol),
    ]);
    await roomHolds(list.id, [alices, bobsPhone, bobsLaptop]);
    await roomHolds(await inboxOf(bob), [bobsPhone, bobsLaptop]);
    await roomHolds(await inboxOf(carol), [carols]);
  });

  it('joinListRoom, leaveListRoom and closeListRoom move every socket of the user (or of the list), and no other', async () => {
    const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    const [alices, bobsPhone, bobsLaptop] = await Promise.all([device(alice), device(bob), device(bob)]);
    const { list } = await ok(alices, 'list:create', { name: 'Not shared' });
    const { ctx } = server().parts;
    closeListRoom(ctx, list.id);
    await roomHolds(list.id, []);

    joinListRoom(ctx, bob.user.id, list.id);
    await roomHolds(list.id, [bobsPhone, bobsLaptop]);
    joinListRoom(ctx, alice.user.id, list.id);
    await roomHolds(list.id, [alices, bobsPhone, bobsLaptop]);
    leaveListRoom(ctx, bob.user.id, list.id);
    await roomHolds(list.id, [alices]);
    await roomHolds(await inboxOf(bob), [bobsPhone, bobsLaptop]); // its other rooms stay
    joinListRoom(ctx, bob.user.id, list.id);
    await roomHolds(list.id, [alices, bobsPhone, bobsLaptop]);
    closeListRoom(ctx, list.id);
    await roomHolds(list.id, []);
  });

  it("moves the user's sockets on another node too (through the adapter)", async () => {
    const other = await startServer();
    try {
      await cluster(server(), other);
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const { list } = await ok(await device(alice), 'list:create', { name: 'Across' });
      closeListRoom(server().parts.ctx, list.id);
      await roomHolds(list.id, []);
      const bobs = await open(bob.token, other);
      joinListRoom(server().parts.ctx, bob.user.id, list.id);
      await roomHolds(list.id, [bobs]);
      leaveListRoom(server().parts.ctx, bob.user.id, list.id);
      await roomHolds(list.id, []);
    } finally {
      await other.close();
    }
  });

  it('moves nothing for a ctx of no server (services called outside one)', () => {
    const ctx = { notifier: {} } as unknown as ReturnType<typeof server>['parts']['ctx']; // a notifier of no attached server
    expect(() => joinListRoom(ctx, 'u', 'l')).not.to.throw();
    expect(() => leaveListRoom(ctx, 'u', 'l')).not.to.throw();
    expect(() => closeListRoom(ctx, 'l')).not.to.throw();
  });

  it('user:block with leave takes the blocker out of the blocked owner’s lists (block.service.ts, after its commit)', async () => {
    const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    const setup = await device(alice);
    const { list } = await ok(setup, 'list:create', { name: 'Shared' });
    await ok(setup, 'list:share', { listId: list.id, email: bob.email, role: 'editor' });
    setup.close();
    const [alices, bobs] = await Promise.all([device(alice), device(bob)]); // in the room from their connection
    await roomHolds(list.id, [alices, bobs]);
    await ok(bobs, 'user:block', { userId: alice.user.id, leave: true });
    await roomHolds(list.id, [alices]);
  });

  it('a member removed while their socket connects is not left in the room (its joins are read again)', async () => {
    const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    const alices = await device(alice);
    const { list } = await ok(alices, 'list:create', { name: 'Shared' });
    await ok(alices, 'list:share', { listId: list.id, email: bob.email, role: 'editor' });
    const rooms = new Set<string>();
    const connecting: DomainSocket = {
      id: 'connecting',
      userId: bob.user.id,
      join: (room) => rooms.add(room),
      leave: (room) => rooms.delete(room),
    };
    // the removal commits (and moves bob's sockets) right after the connecting socket's first read
    const { sequelize } = server().parts.ctx;
    let reads = 0;
    const query = (async (...args: Parameters<typeof sequelize.query>) => {
      const rows = await sequelize.query(...args);
      if (reads++ === 0) await ok(alices, 'list:unshare', { listId: list.id, userId: bob.user.id });
      return rows;
    }) as typeof sequelize.query;
    const racing: typeof sequelize = Object.assign(Object.create(sequelize) as typeof sequelize, { query });
    await joinListRooms({ sequelize: racing }, connecting);
    expect([...rooms]).to.deep.equal([listRoom(await inboxOf(bob))]);
  });
});

describe('list rooms (list:<id>, for ephemeral traffic)', () => {
  const server = useServer();
  const open = devices(server);
  const device = (u: TestUser) => open(u.token);

  const roomHolds = (listId: string, sockets: ClientSocket[]) => roomHoldsOn(server(), listId, sockets);

  describe('the services keep the rooms current after their commits', () => {
    it('list:create and list:share put the sockets of the owner and of the new member in the room', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const [alices, bobs] = await Promise.all([device(alice), device(bob)]);
      const { list } = await ok(alices, 'list:create', { name: 'Shared' });
      await roomHolds(list.id, [alices]);
      await ok(alices, 'list:share', { listId: list.id, email: bob.email, role: 'viewer' });
      await roomHolds(list.id, [alices, bobs]);
    });

    it('list:unshare and lists:leave take the removed member out; list:delete empties the room', async () => {
      const [alice, bob, carol] = await Promise.all([
        registerUser(server()),
        registerUser(server()),
        registerUser(server()),
      ]);
      const [alices, bobs, carols] = await Promise.all([device(alice), device(bob), device(carol)]);
      const { list } = await ok(alices, 'list:create', { name: 'Shared' });
      for (const u of [bob, carol]) await ok(alices, 'list:share', { listId: list.id, email: u.email, role: 'editor' });
      await roomHolds(list.id, [alices, bobs, carols]);
      await ok(alices, 'list:unshare', { listId: list.id, userId: bob.user.id });
      await roomHolds(list.id, [alices, carols]);
      await ok(carols, 'lists:leave', { ownerId: alice.user.id });
      await roomHolds(list.id, [alices]);
      await ok(alices, 'list:delete', { id: list.id });
      await roomHolds(list.id, []);
    });
  });
});
