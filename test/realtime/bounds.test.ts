/**
 * The contract's "Bounds": what one user can hold (tasks in a list, lists, members, sockets) and do
 * (events over all sockets and HTTP, shares), each at its edge: the last allowed, the first refused,
 * and freed again. Small bounds are configured so that each edge is reached in a few calls.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { WebSocket } from 'ws';
import type { List, TaskPage } from '../../shared/types';
import {
  type ApiErrorBody,
  call,
  type ClientSocket,
  cluster,
  devices,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  startServer,
  type TestServer,
  type TestUser,
  useServer,
} from '../support/server';
import { taskFault } from '../support/database';
import { codeOf, disconnected, handshake } from '../support/util';

/** Resolves once the server has seen this client socket go away. */
function serverSawClose(server: TestServer, socket: ClientSocket): Promise<void> {
  const remote = server.parts.io.sockets.sockets.get(socket.id!);
  if (!remote) throw new Error('no such socket on this server');
  const gone = new Promise<void>((resolve) => remote.once('disconnect', () => resolve()));
  socket.close();
  return gone;
}

/** A WebSocket speaking Engine.IO/Socket.IO by hand, connected with `token`; `ask` sends a packet and resolves with the next one. */
async function rawSocket(
  server: TestServer,
  token: string,
): Promise<{ ws: WebSocket; ask(packet: string): Promise<string> }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const nextMessage = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no packet within 5 s')), 5_000);
      const on = (data: Buffer) => {
        const text = data.toString();
        if (text === '2') {
          ws.send('3');
          return;
        } // Engine.IO ping
        clearTimeout(timer);
        ws.off('message', on);
        resolve(text);
      };
      ws.on('message', on);
    });
  const opened = nextMessage(); // "0{sid,...}": the Engine.IO handshake
  await opened;
  ws.send(`40${JSON.stringify({ token })}`);
  const connected = await nextMessage();
  if (!connected.startsWith('40')) throw new Error(`not connected: ${connected}`);
  return {
    ws,
    ask: (packet) => {
      const reply = nextMessage();
      ws.send(packet);
      return reply;
    },
  };
}

describe('bounds', () => {
  describe('what a user holds', () => {
    const server = useServer({ maxTasksPerList: 3, maxListsPerUser: 3, maxMembersPerList: 3 });
    const device = devices(server);

    it('a list holds MAX_TASKS_PER_LIST live tasks: the next create or move into it is limit_exceeded, until one leaves', async () => {
      const alice = await registerUser(server());
      const socket = await device(alice.token);
      const inbox = await inboxOf(server(), alice.token);
      const { list: other } = await ok(socket, 'list:create', { name: 'Other' });
      const tasks = [];
      for (const title of ['one', 'two', 'three'])
        tasks.push((await ok(socket, 'task:create', { listId: inbox, title })).task);
      const outsider = (await ok(socket, 'task:create', { listId: other.id, title: 'outsider' })).task;

      const refused = await call(socket, 'task:create', { listId: inbox, title: 'four' });
      expect(refused.ok || refused.error).to.deep.include({ code: 'limit_exceeded' });
      expect(codeOf(await call(socket, 'task:update', { id: outsider.id, patch: { listId: inbox } }))).to.equal(
        'limit_exceeded',
      );
      const rest = await request<ApiErrorBody>(server(), 'POST', `/api/lists/${inbox}/tasks`, {
        token: alice.token,
        body: { title: 'four' },
      });
      expect([rest.status, rest.body.error.code]).to.deep.equal([409, 'limit_exceeded']);
      // nothing of the refused changes was kept: the seq moved on by the three creates only
      const page = await request<TaskPage>(server(), 'GET', `/api/lists/${inbox}/tasks`, { token: alice.token });
      expect(page.body.tasks.map((t) => t.title).sort()).to.deep.equal(['one', 'three', 'two']);
      expect(page.body.seq).to.equal(3);
      const count = await server().parts.sequelize.query<{ task_count: number }>(
        'SELECT task_count FROM lists WHERE id = $1',
        { bind: [inbox], type: QueryTypes.SELECT, plain: true },
      );
      expect(count?.task_count).to.equal(3);

      // a task moving out or deleted frees its place
      await ok(socket, 'task:update', { id: tasks[0].id, patch: { listId: other.id } });
      await ok(socket, 'task:update', { id: outsider.id, patch: { listId: inbox } });
      expect(codeOf(await call(socket, 'task:create', { listId: inbox, title: 'four' }))).to.equal('limit_exceeded');
      await ok(socket, 'task:delete', { id: tasks[1].id });
      expect(codeOf(await call(socket, 'task:create', { listId: inbox, title: 'four' }))).to.equal('ok');
    });

    it('does not tell a stranger that a list is full: not_found comes first', async () => {
      const [alice, mallory] = await Promise.all([registerUser(server()), registerUser(server())]);
      const inbox = await inboxOf(server(), alice.token);
      const socket = await device(alice.token);
      for (const title of ['a', 'b', 'c']) await ok(socket, 'task:create', { listId: inbox, title });
      expect(codeOf(await call(await device(mallory.token), 'task:create', { listId: inbox, title: 'x' }))).to.equal(
        'not_found',
      );
    });

    it('a user belongs to MAX_LISTS_PER_USER lists, own and shared: list:create and a share to them are limit_exceeded', async () => {
      const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
      const alices = await device(alice.token);
      const bobs = await device(bob.token);
      // Inbox + 2 = 3 lists each
      const mine = [
        (await ok(alices, 'list:create', { name: 'A1' })).list,
        (await ok(alices, 'list:create', { name: 'A2' })).list,
      ];
      await ok(bobs, 'list:create', { name: 'B1' });
      const bobsB2 = (await ok(bobs, 'list:create', { name: 'B2' })).list;
      const refused = await call(alices, 'list:create', { name: 'A3' });
      expect(refused.ok || refused.error).to.deep.include({ code: 'limit_exceeded' });
      const rest = await request<ApiErrorBody>(server(), 'POST', '/api/lists', {
        token: alice.token,
        body: { name: 'A3' },
      });
      expect([rest.status, rest.body.error.code]).to.deep.equal([409, 'limit_exceeded']);
      // a share to a user at the bound is refused, and Bob's sidebar stays as it was
      expect(
        codeOf(await call(alices, 'list:share', { listId: mine[0].id, email: bob.email, role: 'viewer' })),
      ).to.equal('limit_exceeded');
      expect(
        (await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: bob.token })).body.lists,
      ).to.have.length(3);
      expect((await ok(alices, 'list:members', { listId: mine[0].id })).members).to.have.length(1);
      // freed: Bob deletes a list, then the share goes through; Alice deletes one, then she may create again
      await ok(bobs, 'list:delete', { id: bobsB2.id });
      expect(
        codeOf(await call(alices, 'list:share', { listId: mine[0].id, email: bob.email, role: 'viewer' })),
      ).to.equal('ok');
      await ok(alices, 'list:delete', { id: mine[1].id });
      expect(codeOf(await call(alices, 'list:create', { name: 'A3' }))).to.equal('ok');
    });

    it('a list has MAX_MEMBERS_PER_LIST members, the owner included: the next share is limit_exceeded, until one leaves', async () => {
      const users: TestUser[] = await Promise.all([1, 2, 3, 4].map(() => registerUser(server())));
      const [owner, ...others] = users;
      const socket = await device(owner.token);
      const { list } = await ok(socket, 'list:create', { name: 'Small team' });
      await ok(socket, 'list:share', { listId: list.id, email: others[0].email, role: 'editor' });
      await ok(socket, 'list:share', { listId: list.id, email: others[1].email, role: 'viewer' });
      const refused = await call(socket, 'list:share', { listId: list.id, email: others[2].email, role: 'viewer' });
      expect(refused.ok || refused.error).to.deep.include({ code: 'limit_exceeded' });
      // changing a member's role is not a new member
      expect(
        codeOf(await call(socket, 'list:share', { listId: list.id, email: others[1].email, role: 'editor' })),
      ).to.equal('ok');
      const leaver = await device(others[0].token);
      await ok(leaver, 'list:unshare', { listId: list.id, userId: others[0].user.id });
      expect(
        codeOf(await call(socket, 'list:share', { listId: list.id, email: others[2].email, role: 'viewer' })),
      ).to.equal('ok');
    });
  });
});

describe('bounds', () => {
  describe('open sockets', () => {
    let nodeA: TestServer;
    let nodeB: TestServer;
    const device = devices(() => nodeA);
    before(async () => {
      nodeA = await startServer({ maxSocketsPerUser: 3 });
      nodeB = await startServer({ maxSocketsPerUser: 3 });
      await cluster(nodeA, nodeB); // a node counts the sockets of the nodes it knows of
    });
    after(async () => {
      await Promise.all([nodeA.close(), nodeB.close()]);
    });

    it('a user has MAX_SOCKETS_PER_USER sockets over all nodes: the next handshake fails with too_many_connections, until one closes', async () => {
      const [alice, bob] = await Promise.all([registerUser(nodeA), registerUser(nodeA)]);
      await device(alice.token);
      await device(alice.token);
      const onB = await device(alice.token, nodeB);
      expect(await handshake(nodeA, alice.token)).to.equal('too_many_connections');
      expect(await handshake(nodeB, alice.token)).to.equal('too_many_connections');
      expect(await handshake(nodeB, bob.token)).to.equal('connected'); // one user's sockets do not count against another
      await serverSawClose(nodeB, onB);
      await device(alice.token);
      expect(await handshake(nodeB, alice.token)).to.equal('too_many_connections');
    });

    it('counts handshakes that arrive at once: of 6 concurrent connects with room for 3, exactly 3 succeed', async () => {
      const alice = await registerUser(nodeA);
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => device(alice.token)));
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(3);
      for (const r of results)
        if (r.status === 'rejected') expect((r.reason as Error).message).to.equal('too_many_connections');
    });
  });

  describe('what a user does', () => {
    let server: TestServer;
    const device = devices(() => server);
    before(async () => {
      // one user's budget: 5 a second, bursts to 10, over every socket and HTTP; each socket alone could do more
      server = await startServer({ userEventsPerSecond: 5, socketEventsPerSecond: 1000, shareRateLimit: 3 });
    });
    after(async () => {
      await server.close();
    });

    it("USER_EVENTS_PER_SECOND is one budget for all of a user's sockets, unknown events and REST changes together", async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const inbox = await inboxOf(server, alice.token);
      const sockets = await Promise.all([1, 2, 3].map(() => device(alice.token)));
      const outcomes = await Promise.all([
        ...Array.from({ length: 12 }, (_, i) =>
          call(sockets[i % 3], 'task:create', { listId: inbox, title: `t${i}` }).then(codeOf),
        ),
        ...Array.from({ length: 6 }, (_, i) => call(sockets[i % 3], 'no:such-event' as never, {}).then(codeOf)),
        ...Array.from({ length: 6 }, (_, i) =>
          request<ApiErrorBody>(server, 'POST', `/api/lists/${inbox}/tasks`, {
            token: alice.token,
            body: { title: `r${i}` },
          }).then((r) => (r.status === 201 ? 'ok' : r.body.error.code)),
        ),
      ]);
      const served = outcomes.filter((c) => c !== 'rate_limited').length;
      // the burst less the three handshakes (each one of the user's events), and what refilled meanwhile
      expect(served, outcomes.join(' ')).to.be.within(7, 10);
      expect(outcomes.filter((c) => c === 'rate_limited').length).to.be.at.least(11);
      // the lists read over HTTP is not a change: still served (a task page is an expensive read, counted:
      // test/realtime/expensive-reads.test.ts); and another user has a budget of their own
      expect((await request(server, 'GET', '/api/lists', { token: alice.token })).status).to.equal(200);
      expect(codeOf(await call(await device(bob.token), 'list:create', { name: 'Bob is served' }))).to.equal('ok');
    });

    it("a handshake is one of the user's events: past the budget it fails with connect_error rate_limited", async () => {
      const alice = await registerUser(server);
      const outcomes = await Promise.all(Array.from({ length: 14 }, () => handshake(server, alice.token)));
      const connected = outcomes.filter((o) => o === 'connected').length;
      expect(connected, outcomes.join(' ')).to.be.within(10, 13); // the burst, and what refilled meanwhile
      expect(outcomes.filter((o) => o !== 'connected')).to.deep.equal(Array(14 - connected).fill('rate_limited'));
      // another user has a budget of their own
      const bobs = await device((await registerUser(server)).token);
      expect(codeOf(await call(bobs, 'list:create', { name: 'Bob is served' }))).to.equal('ok');
    });

    it('SHARE_RATE_LIMIT counts every list:share, found or not, so guessing emails stays slow', async () => {
      const [carol, dave] = await Promise.all([registerUser(server), registerUser(server)]);
      const socket = await device(carol.token);
      const { list } = await ok(socket, 'list:create', { name: 'Shared' });
      const guesses = ['nobody-1@example.com', 'nobody-2@example.com', dave.email, 'nobody-3@example.com'];
      const codes = [];
      for (const email of guesses)
        codes.push(codeOf(await call(socket, 'list:share', { listId: list.id, email, role: 'viewer' })));
      expect(codes).to.deep.equal(['not_found', 'not_found', 'ok', 'rate_limited']);
    });
  });
});

describe('bounds', () => {
  describe('token versions', () => {
    let nodeA: TestServer;
    let nodeB: TestServer;
    const device = devices(() => nodeA);
    before(async () => {
      nodeA = await startServer();
      // a node that does not hear of logout-all (no relay between the two) and checks the token on every event
      nodeB = await startServer({ socketAdapter: 'none', sessionRecheckMs: 0 });
    });
    after(async () => {
      await Promise.all([nodeA.close(), nodeB.close()]);
    });

    it('a socket whose user logged out everywhere is answered unauthorized and dropped at its next event, even on a node that missed the news', async () => {
      const alice = await registerUser(nodeA);
      const socket = await device(alice.token, nodeB);
      await ok(socket, 'list:create', { name: 'Before' });
      expect((await request(nodeA, 'POST', '/api/auth/logout-all', { token: alice.token })).status).to.equal(204);
      expect(socket.connected).to.equal(true); // node B was not told
      const dropped = disconnected(socket);
      const ack = await call(socket, 'list:create', { name: 'After' });
      expect(ack.ok || ack.error.code).to.equal('unauthorized');
      expect(await dropped).to.equal('io server disconnect');
      const lists = await nodeA.parts.sequelize.query('SELECT 1 FROM lists WHERE owner_id = $1 AND name = $2', {
        bind: [alice.user.id, 'After'],
      });
      expect(lists[0]).to.have.length(0);
    });

    it('logout-all reaches the cached token version of every node at once: the other node refuses the next event without asking the database', async () => {
      const nodeC = await startServer({ sessionRecheckMs: 3_600_000 }); // cached for an hour: only the news can refuse it
      try {
        const alice = await registerUser(nodeA);
        const socket = await device(alice.token, nodeC);
        const dropped = disconnected(socket);
        expect((await request(nodeA, 'POST', '/api/auth/logout-all', { token: alice.token })).status).to.equal(204);
        expect(await dropped).to.equal('io server disconnect');
        // the version itself reached node C: its cache refuses the old one
        expect(await nodeC.parts.ctx.tokenVersions.valid(alice.user.id, 0)).to.equal(false);
        expect(await nodeC.parts.ctx.tokenVersions.valid(alice.user.id, 1)).to.equal(true);
      } finally {
        await nodeC.close();
      }
    });
  });

  describe('never down', () => {
    let server: TestServer;
    let removeFault: () => Promise<void>;
    const device = devices(() => server);
    before(async () => {
      server = await startServer();
      // a fault of the server's own: the database refuses one marked title
      removeFault = await taskFault('bounds-test-fault', "RAISE EXCEPTION 'injected fault'");
    });
    after(async () => {
      await removeFault();
      await server.close();
    });

    it('an exception while serving one event answers internal to that caller and every other socket is served', async () => {
      const [alice, bob] = await Promise.all([registerUser(server), registerUser(server)]);
      const inbox = await inboxOf(server, alice.token);
      const [caller, other, bobs] = [await device(alice.token), await device(alice.token), await device(bob.token)];
      const ack = await call(caller, 'task:create', { listId: inbox, title: 'bounds-test-fault' });
      expect(ack.ok || ack.error).to.deep.equal({ code: 'internal', message: 'Something went wrong on our side' });
      const seen = next(other, 'task:created');
      await ok(caller, 'task:create', { listId: inbox, title: 'fine' });
      expect((await seen).task.title).to.equal('fine');
      await ok(bobs, 'list:create', { name: 'Bob is served' });
    });

    it('a deeply nested payload is validation_error; one far over 64 KiB closes only that socket', async () => {
      const alice = await registerUser(server);
      // socket.io-client cannot even encode 20,000 levels: a hostile client writes the packet itself
      const raw = await rawSocket(server, alice.token);
      const nested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      const reply = await raw.ask(`421["sync",{"cursors":${nested}}]`);
      expect(reply).to.match(/^431\[\{"ok":false,"error":\{"code":"validation_error"/);
      expect(await raw.ask('422["sync",{}]')).to.match(/^432\[\{"ok":true/);
      raw.ws.close();
      const socket = await device(alice.token);
      const other = await device(alice.token);
      const closed = disconnected(socket);
      socket.emit('list:create', { name: 'x'.repeat(1024 * 1024) }, () => undefined);
      expect(await closed).to.equal('transport close');
      await ok(other, 'list:create', { name: 'Still served' });
      expect((await request(server, 'GET', '/health')).status).to.equal(200);
    });

    it('closes a connection that never completes its Socket.IO handshake within 5 s', async function () {
      this.timeout(10_000);
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      const started = Date.now();
      const closedAfter = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('still open after 8 s')), 8_000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
      });
      expect(closedAfter).to.be.within(4_000, 7_000);
    });
  });
});
