/**
 * Presence (contract, "Collaboration"): presence:join and presence:leave, presence:state to every
 * socket that joined, one entry per user, the latest join's taskId, leaving on disconnect and on
 * removal, the throttle, and the union over nodes (PostgreSQL and Redis adapters), a dead node's
 * entries dropped after PRESENCE_NODE_TTL_MS.
 */
import { expect } from 'chai';
import type { PresenceState } from '../../shared/events';
import type { Presence } from '../../shared/types';
import { spawnServer } from '../../dev/kit/spawn-server';
import type { Config } from '../../server/core/config';
import {
  call,
  cluster,
  connect,
  devices,
  next,
  ok,
  registerUser,
  startServer,
  useServer,
  TEST_SECRET,
  type ClientSocket,
  type Reachable,
  type TestServer,
  type TestUser,
} from '../support/server';
import { testDb } from '../support/database';
import { record } from '../support/wait';

/** What a state says, in short: `userId:taskId` of each entry, in order. */
const who = (present: Presence[]) => present.map((p) => `${p.userId}:${p.taskId ?? '-'}`);

/** The next presence:state of `listId` on `socket` whose entries are `want` (as who() says them). */
const stateIs = (socket: ClientSocket, listId: string, want: string[], timeoutMs = 5000) =>
  next(
    socket,
    'presence:state',
    (p) => p.listId === listId && JSON.stringify(who(p.present)) === JSON.stringify(want),
    timeoutMs,
  );

/** Every presence:state of `listId` the socket receives from now on. */
function states(socket: ClientSocket, listId: string): PresenceState[] {
  const got: PresenceState[] = [];
  socket.on('presence:state', (p) => {
    if (p.listId === listId) got.push(p);
  });
  return got;
}

/** A list of `owner`'s, shared with `others` as editors; its id. */
async function sharedList(server: Reachable, owner: TestUser, others: TestUser[]): Promise<string> {
  const s = await connect(server, owner.token);
  try {
    const { list } = await ok(s, 'list:create', { name: 'Together' });
    for (const u of others) await ok(s, 'list:share', { listId: list.id, email: u.email, role: 'editor' });
    return list.id;
  } finally {
    s.close();
  }
}

describe('presence', function () {
  this.timeout(20_000);
  const server = useServer();
  const open = devices(server);

  it('join answers everyone present (the caller included); every joined socket gets presence:state, one entry per user', async () => {
    const [alice, bob] = await Promise.all([registerUser(server(), 'Alice'), registerUser(server(), 'Bob')]);
    const listId = await sharedList(server(), alice, [bob]);
    const { task } = await ok(await open(alice.token), 'task:create', { listId, title: 'Look at me' });
    const [alices, bobsPhone, bobsLaptop] = await Promise.all([open(alice.token), open(bob.token), open(bob.token)]);

    const own = stateIs(alices, listId, [`${alice.user.id}:-`]);
    const { present } = await ok(alices, 'presence:join', { listId });
    expect(present).to.have.length(1);
    expect(present[0]).to.include({ userId: alice.user.id, name: 'Alice', taskId: null });
    expect(Date.parse(present[0].since)).to.be.closeTo(Date.now(), 5000);
    await own; // the joining socket's own change reaches it too

    const both = [`${alice.user.id}:-`, `${bob.user.id}:${task.id}`];
    const aliceSees = stateIs(alices, listId, both);
    const answer = await ok(bobsPhone, 'presence:join', { listId, taskId: task.id });
    expect(who(answer.present)).to.deep.equal(both);
    expect((await aliceSees).present[1]).to.include({ name: 'Bob' });

    // a second device of Bob: still one entry; its join (the latest) sets his taskId
    const moved = [`${alice.user.id}:-`, `${bob.user.id}:-`];
    const seenByAll = [alices, bobsPhone].map((s) => stateIs(s, listId, moved));
    expect(who((await ok(bobsLaptop, 'presence:join', { listId, taskId: null })).present)).to.deep.equal(moved);
    await Promise.all(seenByAll);

    // the phone joins again: a later join on the same socket moves taskId
    const back = stateIs(bobsLaptop, listId, both);
    await ok(bobsPhone, 'presence:join', { listId, taskId: task.id });
    await back;

    // the phone leaves: Bob stays present through the laptop (whose join is now the latest)
    const laptopOnly = stateIs(alices, listId, moved);
    expect(await ok(bobsPhone, 'presence:leave', { listId })).to.deep.equal({});
    await laptopOnly;
    const gone = stateIs(alices, listId, [`${alice.user.id}:-`]);
    await ok(bobsLaptop, 'presence:leave', { listId });
    await gone;
    expect(await ok(bobsLaptop, 'presence:leave', { listId }), 'a leave of a list not joined').to.deep.equal({});
  });

  it('only sockets that joined get presence:state; a non-member, or a task not in the list, is not_found', async () => {
    const [alice, bob, eve] = await Promise.all([
      registerUser(server()),
      registerUser(server()),
      registerUser(server()),
    ]);
    const listId = await sharedList(server(), alice, [bob]);
    const other = await sharedList(server(), eve, []);
    const { task: evesTask } = await ok(await open(eve.token), 'task:create', { listId: other, title: 'Eve’s' });
    const [alices, bobs, eves] = await Promise.all([open(alice.token), open(bob.token), open(eve.token)]);
    const bobsEvents = record(bobs);

    const refused = await call(eves, 'presence:join', { listId });
    expect(refused).to.deep.include({ ok: false });
    if (!refused.ok) expect(refused.error.code).to.equal('not_found');
    const badTask = await call(alices, 'presence:join', { listId, taskId: evesTask.id });
    if (!badTask.ok) expect(badTask.error.code).to.equal('not_found');
    expect(badTask.ok).to.equal(false);
    const unknown = await call(alices, 'presence:join', { listId: '1b6f0b8e-2f4c-4d8e-9a37-0c1d2e3f4a5b' });
    expect(unknown.ok).to.equal(false);

    await ok(alices, 'presence:join', { listId });
    const second = stateIs(alices, listId, [`${alice.user.id}:-`, `${bob.user.id}:-`]);
    await ok(bobs, 'presence:join', { listId }); // bob's events before: none about presence
    await second;
    expect(bobsEvents.filter((e) => e.event === 'presence:state').length).to.be.at.most(1);
  });

  it('a socket that disconnects leaves at once (the others see it within 5 s)', async () => {
    const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    const listId = await sharedList(server(), alice, [bob]);
    const [alices, bobs] = await Promise.all([open(alice.token), open(bob.token)]);
    await ok(alices, 'presence:join', { listId });
    const both = stateIs(alices, listId, [`${alice.user.id}:-`, `${bob.user.id}:-`]);
    await ok(bobs, 'presence:join', { listId });
    await both;
    const alone = stateIs(alices, listId, [`${alice.user.id}:-`], 5000);
    bobs.close();
    await alone;
  });
});

describe('presence: leaving', function () {
  this.timeout(20_000);
  const server = useServer();
  const open = devices(server);

  it('a member removed (or leaving) stops being present, and their sockets get no more state; a list deleted, the same', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(server()),
      registerUser(server()),
      registerUser(server()),
    ]);
    const listId = await sharedList(server(), alice, [bob, carol]);
    const [alices, bobs, carols] = await Promise.all([open(alice.token), open(bob.token), open(carol.token)]);
    for (const s of [alices, bobs]) await ok(s, 'presence:join', { listId });
    const three = [`${alice.user.id}:-`, `${bob.user.id}:-`, `${carol.user.id}:-`];
    const allSee = [alices, bobs, carols].map((s) => stateIs(s, listId, three));
    await ok(carols, 'presence:join', { listId });
    await Promise.all(allSee);
    const bobsStates = states(bobs, listId);

    const withoutBob = stateIs(alices, listId, [`${alice.user.id}:-`, `${carol.user.id}:-`]);
    await ok(alices, 'list:unshare', { listId, userId: bob.user.id });
    await withoutBob;
    const withoutCarol = stateIs(alices, listId, [`${alice.user.id}:-`]);
    await ok(carols, 'list:unshare', { listId, userId: carol.user.id }); // she leaves
    await withoutCarol;
    expect(bobsStates, 'the removed member gets no state after the removal').to.deep.equal([]);
    const rejoin = await call(bobs, 'presence:join', { listId });
    expect(rejoin.ok).to.equal(false);

    const alicesStates = states(alices, listId);
    await ok(alices, 'list:delete', { id: listId });
    const other = await sharedList(server(), alice, []);
    const first = stateIs(alices, other, [`${alice.user.id}:-`]);
    await ok(alices, 'presence:join', { listId: other }); // her other list's first state comes after any of the deleted one's
    await first;
    expect(alicesStates).to.deep.equal([]);
  });

  it('sends at most about 5 states a second a list, and the last one is right', async () => {
    const [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    const listId = await sharedList(server(), alice, [bob]);
    const s = await open(alice.token);
    const tasks: string[] = [];
    for (let i = 0; i < 4; i++) tasks.push((await ok(s, 'task:create', { listId, title: `t${String(i)}` })).task.id);
    const [alices, bobs] = await Promise.all([open(alice.token), open(bob.token)]);
    const own = stateIs(alices, listId, [`${alice.user.id}:-`]); // listening first: it may come with the ack
    await ok(alices, 'presence:join', { listId });
    await own;
    const got = states(alices, listId);
    const at: number[] = [];
    alices.on('presence:state', () => at.push(Date.now()));
    const started = Date.now();
    for (let i = 0; i < 40; i++) await ok(bobs, 'presence:join', { listId, taskId: tasks[i % 4] });
    const last = [`${alice.user.id}:-`, `${bob.user.id}:${tasks[39 % 4]}`];
    // the last state may have come already (recorded in `got`), or is still due
    const arrived = got.length > 0 && JSON.stringify(who(got[got.length - 1].present)) === JSON.stringify(last);
    if (!arrived) await stateIs(alices, listId, last);
    const took = Date.now() - started;
    expect(got.length, `${String(got.length)} states in ${String(took)} ms`).to.be.at.most(Math.ceil(took / 200) + 2);
    expect(who(got[got.length - 1].present)).to.deep.equal(last);
    // no two states closer than the interval (some slack for the network and timers)
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(Math.min(...gaps), JSON.stringify(gaps)).to.be.at.least(150);
  });
});

const adapters: Array<Config['socketAdapter']> = [
  'postgres',
  ...(process.env.TEST_REDIS_URL ? ['redis' as const] : []),
];

for (const adapter of adapters) {
  describe(`presence over two nodes with SOCKET_ADAPTER=${adapter}`, function () {
    this.timeout(30_000);
    let nodes: TestServer[] = [];
    const open = devices();
    before(async () => {
      const key = `todo-test-${String(process.pid)}-presence`;
      nodes = await Promise.all([1, 2].map(() => startServer({ socketAdapter: adapter, redisKey: key })));
      await cluster(...nodes);
    });
    after(async () => {
      await Promise.all(nodes.map((n) => n.close()));
    });

    it('every node’s sockets see the union, one entry per user over nodes, and a leave on either node', async () => {
      const [alice, bob] = await Promise.all([registerUser(nodes[0]), registerUser(nodes[0])]);
      const listId = await sharedList(nodes[0], alice, [bob]);
      const alices = await open(alice.token, nodes[0]);
      const [bobOnA, bobOnB] = [await open(bob.token, nodes[0]), await open(bob.token, nodes[1])];
      await ok(alices, 'presence:join', { listId });
      const both = [`${alice.user.id}:-`, `${bob.user.id}:-`];
      // each node's sockets get the other node's entries: Alice (A) sees Bob (B), and Bob sees Alice
      const seen = [stateIs(alices, listId, both), stateIs(bobOnB, listId, both)];
      await ok(bobOnB, 'presence:join', { listId });
      await Promise.all(seen);
      // Bob on the other node too: still one entry for him
      await ok(bobOnA, 'presence:join', { listId });
      const stillBoth = await ok(alices, 'presence:join', { listId });
      expect(who(stillBoth.present)).to.deep.equal(both);

      // his device on B disconnects: he stays present (A); on A leaves too: he is gone everywhere
      bobOnB.close();
      const alone = stateIs(alices, listId, [`${alice.user.id}:-`]); // listening first: it may come with the ack
      await ok(bobOnA, 'presence:leave', { listId });
      await alone;
    });

    it('a member removed on one node leaves on the other', async () => {
      const [alice, bob] = await Promise.all([registerUser(nodes[0]), registerUser(nodes[0])]);
      const listId = await sharedList(nodes[0], alice, [bob]);
      const alices = await open(alice.token, nodes[0]);
      const bobs = await open(bob.token, nodes[1]);
      await ok(alices, 'presence:join', { listId });
      const want = [`${alice.user.id}:-`, `${bob.user.id}:-`];
      const both = [stateIs(alices, listId, want), stateIs(bobs, listId, want)];
      await ok(bobs, 'presence:join', { listId });
      await Promise.all(both); // bob's own state too: any later one would be after his removal
      const bobsStates = states(bobs, listId);
      const alone = stateIs(alices, listId, [`${alice.user.id}:-`]);
      await ok(alices, 'list:unshare', { listId, userId: bob.user.id });
      await alone;
      expect(bobsStates).to.deep.equal([]);
    });
  });
}

describe('presence: a node that dies', function () {
  this.timeout(90_000);

  it('takes its entries with it within PRESENCE_NODE_TTL_MS', async () => {
    const ttl = 1500;
    const node = await startServer({ presenceNodeTtlMs: ttl });
    const dying = await spawnServer({
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: testDb().url,
        JWT_SECRET: TEST_SECRET,
        BCRYPT_ROUNDS: '4',
        LOG_LEVEL: 'fatal',
        AUTH_RATE_LIMIT: '1000',
        PRESENCE_NODE_TTL_MS: String(ttl),
      },
    });
    const sockets: ClientSocket[] = [];
    try {
      const [alice, bob] = await Promise.all([registerUser(node), registerUser(node)]);
      const listId = await sharedList(node, alice, [bob]);
      const alices = await connect(node, alice.token);
      const bobs = await connect(dying, bob.token);
      sockets.push(alices, bobs);
      await ok(alices, 'presence:join', { listId });
      const both = stateIs(alices, listId, [`${alice.user.id}:-`, `${bob.user.id}:-`], 15_000);
      await ok(bobs, 'presence:join', { listId });
      await both;
      const killed = Date.now();
      const alone = stateIs(alices, listId, [`${alice.user.id}:-`], 15_000);
      process.kill(dying.pid, 'SIGKILL');
      await alone;
      expect(Date.now() - killed).to.be.at.most(ttl * 2 + 1000);
    } finally {
      sockets.forEach((s) => s.close());
      await dying.stop();
      await node.close();
    }
  });
});
