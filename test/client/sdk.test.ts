import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { memoryStorage, type ClientError, type TaskView } from '../../sdk/index';
import { fileStorage } from '../../sdk/node';
import type { Task } from '../../shared/types';
import { bulkTasks, testDb } from '../support/database';
import {
  inboxOf,
  registerUser,
  request,
  startServer,
  type TestServer,
  type TestUser,
  useServer,
} from '../support/server';
import { clients, converges, serverPicture, synced, until } from '../support/sdk-clients';

const userOf = (socket: { data: unknown }) => (socket.data as { userId?: string }).userId;

/** The server-side sockets of a user (to watch what they receive or cut their connection). */
function serverSockets(server: TestServer, userId: string) {
  return [...server.parts.io.of('/').sockets.values()].filter((s) => userOf(s) === userId);
}

/** Counts the events named `event` that the server gets from `userId`'s sockets connected from now on. */
function countEvents(server: TestServer, userId: string, event: string): { n: number } {
  const count = { n: 0 };
  server.parts.io.on('connection', (socket) => {
    if (userOf(socket) !== userId) return;
    socket.onAny((name: string) => {
      if (name === event) count.n++;
    });
  });
  for (const socket of serverSockets(server, userId))
    socket.onAny((name: string) => {
      if (name === event) count.n++;
    });
  return count;
}

async function liveTasks(listId: string): Promise<Array<{ title: string }>> {
  return testDb().sequelize.query<{ title: string }>(
    'SELECT title FROM tasks WHERE list_id = $1 AND deleted_at IS NULL',
    { bind: [listId], type: QueryTypes.SELECT },
  );
}

describe('client SDK (sdk/) against a real server', function () {
  this.timeout(120_000);
  const kit = clients();

  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url, opts: Parameters<typeof kit.open>[1] = {}) => {
    const client = await kit.open(url, opts);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('logs in, syncs, and shows a change of another device live', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const phone = await loggedIn(alice);
    const laptop = await loggedIn(alice);
    expect(phone.user?.id).to.equal(alice.user.id);
    expect(phone.status).to.equal('online');
    expect(phone.lists().map((l) => l.name)).to.deep.equal(['Inbox']);

    const seen: TaskView[][] = [];
    laptop.subscribe(inbox, (tasks) => seen.push(tasks));
    const created = phone.createTask(inbox, { title: '  Buy milk ' });
    // optimistic: at once, pending, trimmed
    expect(phone.tasks(inbox).map((t) => [t.title, t.pending])).to.deep.equal([['Buy milk', true]]);
    expect(phone.pendingCount()).to.equal(1);
    const task = await created;
    expect(task.title).to.equal('Buy milk');
    expect(phone.task(task.id)).to.include({ pending: false, version: 1 });
    await until(laptop, () => laptop.task(task.id)?.title === 'Buy milk', 'the laptop sees the task');
    expect(seen[0]).to.deep.equal([]);

    await phone.updateTask(task.id, { completed: true });
    await until(laptop, () => laptop.task(task.id)?.completed === true, 'the laptop sees it completed');
    await phone.deleteTask(task.id);
    await until(laptop, () => laptop.task(task.id) === undefined, 'the laptop sees it deleted');
    await converges(laptop, await serverPicture(server(), alice), 'laptop');
    await converges(phone, await serverPicture(server(), alice), 'phone');
  });

  it('moves tasks between neighbours, re-keying those created without a position', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const a = await loggedIn(alice);
    for (const title of ['one', 'two', 'three', 'four']) await a.createTask(inbox, { title }); // all at position ''
    const ids = () => a.tasks(inbox).map((t) => t.title);
    expect(ids()).to.deep.equal(['one', 'two', 'three', 'four']);
    const byTitle = (title: string) => a.tasks(inbox).find((t) => t.title === title)!.id;

    const moved = a.moveTask(byTitle('four'), null, byTitle('one')); // to the top
    expect(ids(), 'at once').to.deep.equal(['four', 'one', 'two', 'three']);
    await moved;
    void a.moveTask(byTitle('one'), byTitle('two'), byTitle('three')); // between two and three
    expect(ids()).to.deep.equal(['four', 'two', 'one', 'three']);
    void a.moveTask(byTitle('four'), byTitle('three'), null); // to the end
    void a.moveTask(byTitle('two'), byTitle('three'), byTitle('one')); // neighbours given either way round
    expect(ids()).to.deep.equal(['one', 'two', 'three', 'four']);
    await synced(a);
    const server1 = await serverPicture(server(), alice);
    expect(server1.tasks[inbox].map((t) => t.title)).to.deep.equal(['one', 'two', 'three', 'four']);
    for (const t of server1.tasks[inbox]) expect(t.position.length).to.be.within(1, 4);
    await converges(a, server1, 'alice');
  });

  it('rolls back and reports a refused change (a viewer may not write)', async () => {
    const [alice, bob] = [await registerUser(server(), 'Alice'), await registerUser(server(), 'Bob')];
    const a = await loggedIn(alice);
    const b = await loggedIn(bob);
    const list = await a.createList('Shared');
    await a.share(list.id, bob.email, 'viewer');
    await until(b, () => b.list(list.id)?.role === 'viewer', 'bob sees the shared list');
    expect((await a.members(list.id)).map((m) => m.role).sort()).to.deep.equal(['owner', 'viewer']);

    const errors: ClientError[] = [];
    b.on('error', (e) => errors.push(e));
    const attempt = b.createTask(list.id, { title: 'not allowed' });
    expect(
      b.tasks(list.id).map((t) => t.title),
      'shown at once',
    ).to.deep.equal(['not allowed']);
    const err = await attempt.then(
      () => expect.fail('the create went through'),
      (e: unknown) => e as ClientError,
    );
    expect(err.code).to.equal('forbidden');
    expect(errors.map((e) => [e.code, e.event])).to.deep.equal([['forbidden', 'task:create']]);
    expect(b.tasks(list.id), 'rolled back').to.deep.equal([]);
    const rename = b.renameList(list.id, 'Mine now');
    expect(b.list(list.id)?.name).to.equal('Mine now');
    expect(await rename.catch((e: unknown) => e as ClientError)).to.include({ code: 'forbidden' });
    expect(b.list(list.id)?.name).to.equal('Shared');
    expect(b.pendingCount()).to.equal(0);
    // an ignored promise of a refused change makes no unhandled rejection (mocha would fail the run)
    void b.deleteTask('00000000-0000-4000-8000-000000000000');
    await until(b, () => errors.length === 3, 'the third refusal is reported');
    expect(errors[2].code).to.equal('not_found');

    // unsharing takes the list away live
    await a.unshare(list.id, bob.user.id);
    await until(b, () => b.list(list.id) === undefined, 'the list leaves bob');
    const gone = await b.members(list.id).catch((e: unknown) => e as ClientError);
    expect(gone).to.include({ code: 'not_found' });
  });
});

describe('client SDK (sdk/) against a real server', function () {
  this.timeout(120_000);
  const kit = clients();

  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url, opts: Parameters<typeof kit.open>[1] = {}) => {
    const client = await kit.open(url, opts);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('surfaces a conflict with the current task and rolls back to it', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const p = await loggedIn(alice);
    const q = await loggedIn(alice);
    const task = await p.createTask(inbox, { title: 'v1' });
    await until(q, () => q.task(task.id) !== undefined, 'q sees the task');
    await q.updateTask(task.id, { title: 'from q' }, { expectedVersion: 1 });
    const err = (await p
      .updateTask(task.id, { title: 'from p' }, { expectedVersion: 1 })
      .catch((e: unknown) => e as ClientError)) as ClientError;
    expect(err.code).to.equal('conflict');
    expect(err.task).to.include({ id: task.id, title: 'from q', version: 2 });
    expect(p.task(task.id)).to.include({ title: 'from q', version: 2, pending: false });
    // a rebased edit with the version shown goes through
    const ok = await p.updateTask(task.id, { title: 'from p' }, { expectedVersion: p.task(task.id)!.version });
    expect(ok.version).to.equal(3);
    // offline edits chain their expected versions: the second expects the first's result
    const first = p.updateTask(task.id, { notes: 'a' }, { expectedVersion: p.task(task.id)!.version });
    const second = p.updateTask(task.id, { notes: 'b' }, { expectedVersion: p.task(task.id)!.version });
    expect(p.task(task.id)).to.include({ notes: 'b', version: 5, pending: true });
    expect((await first).version).to.equal(4);
    expect((await second).version).to.equal(5);
    await converges(q, await serverPicture(server(), alice), 'q');
  });

  it("drains an offline client's queue exactly once, also when acks are lost", async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const link = await kit.link(server());
    const a = await loggedIn(alice, link.url);
    const other = await loggedIn(alice);
    link.down();
    await until(a, () => a.status !== 'online', 'a goes offline');

    const titles = Array.from({ length: 12 }, (_, i) => `offline ${i}`);
    const created = titles.map((title) => a.createTask(inbox, { title }));
    const list = a.createList('Made offline');
    const listId = a.lists().find((l) => l.name === 'Made offline')!.id;
    const inList = ['in list 1', 'in list 2'].map((title) => a.createTask(listId, { title }));
    const ids = a.tasks(inbox).map((t) => t.id);
    void a.updateTask(ids[0], { title: 'offline 0 renamed', completed: true });
    void a.updateTask(ids[1], { priority: 3 });
    void a.deleteTask(ids[2]);
    void a.moveTask(ids[3], null, ids[0]);
    void a.renameList(listId, 'Made offline, renamed');
    expect(a.pendingCount(), 'the move re-keys neighbours created without a position').to.be.above(20);
    expect(a.tasks(inbox)).to.have.length(11);
    expect(a.tasks(listId).every((t) => t.pending)).to.equal(true);

    // the acks of the first three task:create that reach the server are lost: the connection drops right after
    let toCut = 3;
    const cut = (socket: {
      data: { userId: string };
      onAny(l: (e: string) => void): void;
      conn: { close(): void };
    }) => {
      if (userOf(socket) !== alice.user.id) return;
      socket.onAny((event: string) => {
        if (event === 'task:create' && toCut > 0) {
          toCut--;
          socket.conn.close();
        }
      });
    };
    server().parts.io.on('connection', cut);
    try {
      link.up();
      await synced(a, 60_000);
      await Promise.all([...created, ...inList, list]);
    } finally {
      server().parts.io.off('connection', cut);
    }
    expect(toCut, 'three acks were lost').to.equal(0);
    expect(a.pendingCount()).to.equal(0);

    const rows = await liveTasks(inbox);
    const expected = ['offline 0 renamed', 'offline 1', ...titles.slice(3)];
    expect(rows.map((r) => r.title).sort()).to.deep.equal(expected.sort());
    expect((await liveTasks(listId)).map((r) => r.title).sort()).to.deep.equal(['in list 1', 'in list 2']);
    const picture = await serverPicture(server(), alice);
    expect(picture.tasks[inbox][0].title, 'moved to the top').to.equal('offline 3');
    await converges(a, picture, 'a');
    await converges(other, picture, 'the other device');
  });
});

describe('client SDK (sdk/) against a real server', function () {
  this.timeout(120_000);
  const kit = clients();

  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url, opts: Parameters<typeof kit.open>[1] = {}) => {
    const client = await kit.open(url, opts);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('a reload from the same storage keeps the session, the replica and the queue', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const dir = kit.folder();
    const link = await kit.link(server());
    const first = await loggedIn(alice, link.url, { storage: fileStorage(dir) });
    const kept = await first.createTask(inbox, { title: 'acknowledged' });
    link.down();
    await until(first, () => first.status !== 'online', 'offline');
    void first.createTask(inbox, { title: 'queued 1' });
    void first.createTask(inbox, { title: 'queued 2' });
    void first.updateTask(kept.id, { title: 'acknowledged, then edited' });
    first.close();

    const reloaded = await kit.open(link.url, { storage: fileStorage(dir) });
    expect(reloaded.user?.id, 'the session').to.equal(alice.user.id);
    expect(reloaded.pendingCount(), 'the queue').to.equal(3);
    expect(reloaded.tasks(inbox).map((t) => [t.title, t.pending])).to.deep.equal([
      ['acknowledged, then edited', true],
      ['queued 1', true],
      ['queued 2', true],
    ]);
    link.up();
    await synced(reloaded);
    expect((await liveTasks(inbox)).map((r) => r.title).sort()).to.deep.equal([
      'acknowledged, then edited',
      'queued 1',
      'queued 2',
    ]);
    await converges(reloaded, await serverPicture(server(), alice), 'the reloaded client');
    await reloaded.logout();
    const afterLogout = await kit.open(link.url, { storage: fileStorage(dir) });
    expect(afterLogout.user).to.equal(null);
    expect(afterLogout.lists()).to.deep.equal([]);
  });

  it('a server event for a task with queued changes does not show the old value meanwhile', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const link = await kit.link(server());
    const a = await loggedIn(alice, link.url);
    const b = await loggedIn(alice);
    const task = await a.createTask(inbox, { title: 'old' });
    await until(b, () => b.task(task.id) !== undefined, 'b sees it');
    link.down();
    await until(a, () => a.status !== 'online', 'offline');
    void a.updateTask(task.id, { title: 'mine' });
    await b.updateTask(task.id, { notes: 'theirs' });
    const views: Array<TaskView | undefined> = [];
    a.subscribe(inbox, (tasks) => views.push(tasks.find((t) => t.id === task.id)));
    link.up();
    await synced(a);
    expect(views.length).to.be.above(1);
    for (const v of views) expect(v?.title).to.equal('mine');
    expect(a.task(task.id)).to.include({ title: 'mine', notes: 'theirs', version: 3, pending: false });
  });

  it('syncs on a seq gap: a change the socket was never sent is fetched at the next event', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const a = await loggedIn(alice);
    const syncs = countEvents(server(), alice.user.id, 'sync');
    await bulkTasks(inbox, alice.user.id, 1, { title: 'written behind the server' }); // takes a seq, tells no socket
    expect(a.tasks(inbox)).to.deep.equal([]);
    const res = await request<{ task: Task }>(server(), 'POST', `/api/lists/${inbox}/tasks`, {
      token: alice.token,
      body: { title: 'over REST' },
    });
    expect(res.status).to.equal(201);
    await until(a, () => a.tasks(inbox).length === 2, 'both tasks');
    expect(syncs.n, 'one sync for the gap').to.equal(1);
    await converges(a, await serverPicture(server(), alice), 'a');
  });

  it('syncs on sync:needed: a change no event told of is fetched', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    const a = await loggedIn(alice);
    await bulkTasks(inbox, alice.user.id, 2, { title: 'missed' });
    server().parts.io.to(`user:${alice.user.id}`).emit('sync:needed', {}); // as a node does after losing its relay
    await until(a, () => a.tasks(inbox).length === 2, 'the missed tasks');
    await converges(a, await serverPicture(server(), alice), 'a');
  });
});

describe('client SDK (sdk/) against a real server', function () {
  this.timeout(120_000);
  const kit = clients();

  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url, opts: Parameters<typeof kit.open>[1] = {}) => {
    const client = await kit.open(url, opts);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('catches up on lists shared, unshared, deleted and renamed while it was offline', async () => {
    const [alice, bob] = [await registerUser(server(), 'Alice'), await registerUser(server(), 'Bob')];
    const a = await loggedIn(alice);
    const link = await kit.link(server());
    const b = await loggedIn(bob, link.url);
    const [kept, unshared, deleted, later] = [
      await a.createList('Kept'),
      await a.createList('Unshared'),
      await a.createList('Deleted'),
      await a.createList('Shared later'),
    ];
    for (const list of [kept, unshared, deleted]) await a.share(list.id, bob.email, 'editor');
    await until(b, () => b.lists().length === 4, 'bob sees three shared lists and his Inbox');
    await b.createTask(kept.id, { title: 'by bob' });
    link.down();
    await until(b, () => b.status !== 'online', 'bob offline');
    void b.createTask(deleted.id, { title: 'into a list deleted meanwhile' });
    const errors: ClientError[] = [];
    b.on('error', (e) => errors.push(e));
    await a.unshare(unshared.id, bob.user.id);
    await a.deleteList(deleted.id);
    await a.renameList(kept.id, 'Kept, renamed');
    await a.share(later.id, bob.email, 'viewer');
    await a.createTask(later.id, { title: 'in the list shared later' });
    link.up();
    await synced(b);
    expect(errors.map((e) => e.code)).to.deep.equal(['not_found']);
    expect(b.lists().map((l) => [l.name, l.role])).to.deep.equal([
      ['Inbox', 'owner'],
      ['Kept, renamed', 'editor'],
      ['Shared later', 'viewer'],
    ]);
    await converges(b, await serverPicture(server(), bob), 'bob');
  });

  it('pages through sync on a large list, whole and from a cursor', async () => {
    const alice = await registerUser(server(), 'Alice');
    const inbox = await inboxOf(server(), alice.token);
    await bulkTasks(inbox, alice.user.id, 2500);
    const syncs = countEvents(server(), alice.user.id, 'sync');
    const a = await loggedIn(alice);
    expect(a.tasks(inbox)).to.have.length(2500);
    expect(syncs.n, 'sync pages of at most 1,000 entries').to.be.at.least(3);
    await converges(a, await serverPicture(server(), alice), 'a');

    const before = syncs.n;
    await bulkTasks(inbox, alice.user.id, 1500); // unseen: the next event shows a gap of 1,500
    const res = await request(server(), 'POST', `/api/lists/${inbox}/tasks`, {
      token: alice.token,
      body: { title: 'the last one' },
    });
    expect(res.status).to.equal(201);
    await until(a, () => a.tasks(inbox).length === 4001, 'all 4001 tasks', 60_000);
    expect(syncs.n - before, 'two pages from the cursor').to.be.at.least(2);
    await synced(a);
    await converges(a, await serverPicture(server(), alice), 'a');
  });

  it('logout() ends the session on the server (that token refused, its socket closed; other devices stay), offline here only', async () => {
    const alice = await registerUser(server(), 'Alice');
    const storage = memoryStorage();
    const phone = await loggedIn(alice, server().url, { storage });
    const laptop = await loggedIn(alice);
    const { token } = JSON.parse((await storage.get('todo.session'))!) as { token: string };
    const phoneSockets = serverSockets(server(), alice.user.id).length;
    await phone.logout();
    expect(phone.user).to.equal(null);
    expect((await request(server(), 'GET', '/api/auth/me', { token })).status, 'the token after logout()').to.equal(
      401,
    );
    expect(await storage.get('todo.session')).to.equal(undefined);
    const inbox = await inboxOf(server(), alice.token);
    await laptop.createTask(inbox, { title: 'still signed in' });
    expect(laptop.status).to.equal('online');
    expect(serverSockets(server(), alice.user.id).length).to.equal(phoneSockets - 1);

    // offline, the session is forgotten here all the same (the token then lives until it expires)
    const tabletStorage = memoryStorage();
    const link = await kit.link(server());
    const tablet = await loggedIn(alice, link.url, { storage: tabletStorage });
    const tablets = JSON.parse((await tabletStorage.get('todo.session'))!) as { token: string };
    link.down();
    await until(tablet, () => tablet.status !== 'online', 'offline');
    await tablet.logout();
    expect(tablet.user).to.equal(null);
    expect(await tabletStorage.get('todo.session')).to.equal(undefined);
    expect((await request(server(), 'GET', '/api/auth/me', { token: tablets.token })).status).to.equal(200);
  });
});

describe('client SDK (sdk/) against a real server', function () {
  this.timeout(120_000);
  const kit = clients();

  const server = useServer();

  const loggedIn = async (user: TestUser, url = server().url, opts: Parameters<typeof kit.open>[1] = {}) => {
    const client = await kit.open(url, opts);
    await client.login(user.email, user.password);
    await synced(client);
    return client;
  };

  it('keeps the device cookie in its storage outside a browser: a lockout a stranger caused does not hold it', async () => {
    const alice = await registerUser(server(), 'Alice');
    const storage = memoryStorage();
    const client = await loggedIn(alice, server().url, { storage });
    await client.logout();
    expect(await storage.get('todo.device'), 'kept through logout()').to.be.a('string');
    let locked = false;
    for (let i = 0; i < 11 && !locked; i++) {
      const res = await request(server(), 'POST', '/api/auth/login', {
        body: { email: alice.email, password: 'wrong password' },
      });
      locked = res.status === 429;
    }
    expect(locked, 'the account is locked for untrusted attempts from here').to.equal(true);
    await client.login(alice.email, alice.password);
    expect(client.user?.id).to.equal(alice.user.id);
  });

  it("after a logout everywhere asks for a login; another user's login starts from nothing", async () => {
    const [alice, bob] = [await registerUser(server(), 'Alice'), await registerUser(server(), 'Bob')];
    const a = await loggedIn(alice);
    const auth: string[] = [];
    a.on('auth', (e) => auth.push(e.reason));
    const res = await request(server(), 'POST', '/api/auth/logout-all', { token: alice.token });
    expect(res.status).to.equal(204);
    await until(a, () => auth.length > 0, 'the auth event');
    expect(auth).to.deep.equal(['unauthorized']);
    expect(a.status).to.equal('offline');
    expect(a.lists()).to.have.length(1);
    await a.login(bob.email, bob.password);
    expect(a.user?.id).to.equal(bob.user.id);
    await synced(a);
    expect(a.lists().map((l) => [l.name, l.ownerId])).to.deep.equal([['Inbox', bob.user.id]]);
  });
});

describe('client SDK: a queue longer than the rate limit', function () {
  this.timeout(120_000);
  const kit = clients();

  it('is sent at the pace the server allows: rate_limited answers are retried, each change applied once', async () => {
    const server = await startServer({ socketEventsPerSecond: 5 }); // bursts of 10
    try {
      const alice = await registerUser(server, 'Alice');
      const inbox = await inboxOf(server, alice.token);
      const link = await kit.link(server);
      const a = await kit.open(link.url);
      await a.login(alice.email, alice.password);
      await synced(a);
      link.down();
      await until(a, () => a.status !== 'online', 'offline');
      const titles = Array.from({ length: 30 }, (_, i) => `paced ${i}`);
      const all = titles.map((title) => a.createTask(inbox, { title }));
      const errors: ClientError[] = [];
      a.on('error', (e) => errors.push(e));
      link.up();
      await Promise.all(all);
      await synced(a);
      expect(errors).to.deep.equal([]);
      expect((await liveTasks(inbox)).map((r) => r.title).sort()).to.deep.equal([...titles].sort());
      await converges(a, await serverPicture(server, alice), 'a');
    } finally {
      await server.close();
    }
  });
});

describe('client SDK: tokens', function () {
  this.timeout(120_000);
  const kit = clients();

  it('refreshes the token before it expires, on the open socket', async () => {
    const server = await startServer({ jwtExpiresIn: 4 });
    try {
      const alice = await registerUser(server, 'Alice');
      const inbox = await inboxOf(server, alice.token);
      const a = await kit.open(server.url, { refreshMarginMs: 1500 });
      const statuses: string[] = [];
      const auth: string[] = [];
      a.on('status', (s) => statuses.push(s));
      a.on('auth', (e) => auth.push(e.reason));
      await a.login(alice.email, alice.password);
      await synced(a);
      const [socket] = serverSockets(server, alice.user.id);
      // three refreshes: the first token's life is over long before the third
      await new Promise<void>((resolve, reject) => {
        let n = 0;
        const timer = setTimeout(() => reject(new Error('fewer than 3 auth:refresh within 30 s')), 30_000);
        socket.onAny((event: string) => {
          if (event === 'auth:refresh' && ++n === 3) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await a.createTask(inbox, { title: 'still connected' });
      expect(socket.connected, 'the same socket').to.equal(true);
      expect(statuses).to.deep.equal(['connecting', 'online']);
      expect(auth).to.deep.equal([]);
    } finally {
      await server.close();
    }
  });

  it('a client made from storage whose token expired meanwhile asks for a login, then drains its queue', async () => {
    const server = await startServer({ jwtExpiresIn: 2 });
    const dir = kit.folder();
    try {
      const alice = await registerUser(server, 'Alice');
      const inbox = await inboxOf(server, alice.token);
      const first = await kit.open(server.url, { storage: fileStorage(dir), refreshMarginMs: -60_000 });
      const expired: string[] = [];
      first.on('auth', (e) => expired.push(e.reason));
      await first.login(alice.email, alice.password);
      await first.createTask(inbox, { title: 'made before' });
      await until(first, () => expired.length > 0, 'the token expires');
      void first.createTask(inbox, { title: 'queued after expiry' });
      first.close();

      const again = await kit.open(server.url, { storage: fileStorage(dir) });
      const auth: string[] = [];
      again.on('auth', (e) => auth.push(e.reason)); // right after createClient resolves
      expect(again.user?.id).to.equal(alice.user.id);
      expect(again.status).to.equal('offline');
      expect(again.pendingCount()).to.equal(1);
      await until(again, () => auth.length > 0, 'the auth event');
      expect(auth).to.deep.equal(['expired']);
      await again.login(alice.email, alice.password);
      await synced(again);
      expect((await liveTasks(inbox)).map((r) => r.title).sort()).to.deep.equal(['made before', 'queued after expiry']);
    } finally {
      await server.close();
    }
  });

  it('on expiry asks for a login, keeps the queue and the replica, and drains after a login of the same user', async () => {
    const server = await startServer({ jwtExpiresIn: 3 });
    try {
      const alice = await registerUser(server, 'Alice');
      const inbox = await inboxOf(server, alice.token);
      const a = await kit.open(server.url, { refreshMarginMs: -60_000 }); // refreshes too late, on purpose
      const auth: string[] = [];
      a.on('auth', (e) => auth.push(e.reason));
      await a.login(alice.email, alice.password);
      await synced(a);
      await a.createTask(inbox, { title: 'before expiry' });
      await until(a, () => auth.length > 0, 'the auth event');
      expect(auth).to.deep.equal(['expired']);
      expect(a.status).to.equal('offline');
      void a.createTask(inbox, { title: 'while logged out 1' });
      void a.createTask(inbox, { title: 'while logged out 2' });
      expect(a.pendingCount()).to.equal(2);
      expect(a.tasks(inbox)).to.have.length(3);

      await a.login(alice.email, alice.password);
      expect(a.tasks(inbox), 'the replica is kept').to.have.length(3);
      await synced(a);
      expect((await liveTasks(inbox)).map((r) => r.title).sort()).to.deep.equal([
        'before expiry',
        'while logged out 1',
        'while logged out 2',
      ]);
    } finally {
      await server.close();
    }
  });
});
