import { expect } from 'chai';
import type { Task } from '../../shared/types';
import { call, connect, next, ok, record, registerUser, request, startServer, type ClientSocket, type TestServer, type TestUser } from '../support/server';
import { range, share, tasksOf } from '../support/sync-helpers';

type Seen = ReturnType<typeof record>;

/** The seqs of the list's task events a socket received, in the order received. */
const seqsSeen = (seen: Seen, listId: string): number[] => seen
  .filter((e) => e.event.startsWith('task:') && (e.payload.task?.listId ?? e.payload.listId) === listId)
  .map((e) => e.payload.task?.seq ?? e.payload.seq);

const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('concurrent writers on one list', () => {
  let server: TestServer;
  let sockets: ClientSocket[] = [];
  const open = async (s: TestServer, token: string) => { const c = await connect(s, token); sockets.push(c); return c; };

  before(async () => { server = await startServer(); });
  after(async () => { await server.close(); });
  afterEach(() => { sockets.forEach((s) => s.close()); sockets = []; });

  /** Alice owns a fresh list shared with `editors` more users as editors. */
  async function team(editors: number): Promise<{ owner: TestUser; users: TestUser[]; listId: string }> {
    const owner = await registerUser(server, 'Owner');
    const users = [owner];
    const listId = (await ok(await open(server, owner.token), 'list:create', { name: 'Busy' })).list.id;
    const ownerSocket = sockets[sockets.length - 1];
    for (let i = 0; i < editors; i++) {
      const user = await registerUser(server, `Editor ${i}`);
      await share(ownerSocket, listId, user.email, 'editor');
      users.push(user);
    }
    ownerSocket.close();
    return { owner, users, listId };
  }

  /**
   * Every ack'd seq is distinct and together they are base+1..base+n; an observer that made no change
   * saw exactly those seqs in order; a writer saw everyone else's, rising, and none of its own.
   */
  function expectGapless(acks: number[][], observers: Seen[], writersSaw: Seen[], listId: string, base: number): void {
    const n = acks.flat().length;
    // events of the set-up (seq <= base) may still arrive after its acks: only the concurrent phase counts
    const after = (seen: Seen) => seqsSeen(seen, listId).filter((q) => q > base);
    expect(ascending(acks.flat())).to.deep.equal(range(base + 1, base + n));
    for (const seen of observers) expect(after(seen)).to.deep.equal(range(base + 1, base + n));
    writersSaw.forEach((seen, i) => {
      const others = ascending(acks.filter((_, j) => j !== i).flat());
      expect(after(seen), `writer ${i}`).to.deep.equal(others);
    });
  }

  /** Waits until the observer has seen seq `last` of the list (it may have come already). */
  function seenUpTo(observer: ClientSocket, seen: Seen, listId: string, last: number, timeoutMs = 10_000): Promise<void> {
    const done = () => seqsSeen(seen, listId).includes(last);
    return new Promise((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => { observer.offAny(on); reject(new Error(`seq ${last} not seen within ${timeoutMs} ms`)); }, timeoutMs);
      const on = () => { if (done()) { clearTimeout(timer); observer.offAny(on); resolve(); } }; // runs after record()'s listener
      observer.onAny(on);
    });
  }

  it('4 sockets x 25 creates: seqs 1..100 without gaps or repeats, observed in order', async () => {
    const { owner, users, listId } = await team(3);
    const writers = await Promise.all(users.map((u) => open(server, u.token)));
    const observer = await open(server, owner.token);
    const [observed, writersSaw] = [record(observer), writers.map(record)];

    const acks = await Promise.all(writers.map(async (w, i) => {
      const done = await Promise.all(range(1, 25).map((k) => ok(w, 'task:create', { listId, title: `w${i} #${k}` })));
      return done.map((d) => d.task.seq);
    }));
    await seenUpTo(observer, observed, listId, 100);
    for (const [i, w] of writers.entries()) await seenUpTo(w, writersSaw[i], listId, Math.max(...acks.filter((_, j) => j !== i).flat()));

    expectGapless(acks, [observed], writersSaw, listId, 3);
    const { tasks, seq } = await tasksOf(server, owner.token, listId);
    expect(seq).to.equal(103);
    expect(tasks).to.have.length(100);
    expect(ascending(tasks.map((t) => t.seq))).to.deep.equal(range(4, 103));
  });

  it('4 sockets x 25 mixed creates and updates of the same tasks: one seq and one version per change', async () => {
    const { owner, users, listId } = await team(3);
    const writers = await Promise.all(users.map((u) => open(server, u.token)));
    const observer = await open(server, owner.token);
    const shared: Task[] = [];
    for (let k = 0; k < 3; k++) shared.push((await ok(writers[0], 'task:create', { listId, title: `shared ${k}` })).task);
    const base = shared[2].seq;
    const [observed, writersSaw] = [record(observer), writers.map(record)];

    const acks = await Promise.all(writers.map(async (w, i) => {
      const done = await Promise.all(range(1, 25).map((k) => (k % 2 === 0
        ? ok(w, 'task:create', { listId, title: `w${i} #${k}` })
        : ok(w, 'task:update', { id: shared[(i + k) % 3].id, patch: { notes: `w${i} #${k}`, completed: k % 4 === 1 } }))));
      return done.map((d) => d.task.seq);
    }));
    await seenUpTo(observer, observed, listId, base + 100);
    for (const [i, w] of writers.entries()) await seenUpTo(w, writersSaw[i], listId, Math.max(...acks.filter((_, j) => j !== i).flat()));

    expectGapless(acks, [observed], writersSaw, listId, base);
    const { tasks, seq } = await tasksOf(server, owner.token, listId);
    expect(seq).to.equal(base + 100);
    const updates = observed.filter((e) => e.event === 'task:updated' && e.payload.task.seq > base).map((e) => e.payload.task as Task);
    expect(updates).to.have.length(52);
    for (const task of shared) {
      const mine = updates.filter((u) => u.id === task.id);
      expect(mine.map((u) => u.version), task.title).to.deep.equal(range(2, mine.length + 1)); // +1 per change, in seq order
      expect(tasks.find((t) => t.id === task.id)).to.deep.equal(mine[mine.length - 1]);
    }
  });

  it('refused writes (stale expectedVersion) among concurrent ones take no seq and break no order', async () => {
    const { owner, users, listId } = await team(3);
    const writers = await Promise.all(users.map((u) => open(server, u.token)));
    const observer = await open(server, owner.token);
    const { task } = await ok(writers[0], 'task:create', { listId, title: 'contended' });
    const [observed, writersSaw] = [record(observer), writers.map(record)];

    const acks = await Promise.all(writers.map(async (w, i) => {
      const answers = await Promise.all(range(1, 25).map((k) => (k % 2 === 0
        ? call(w, 'task:create', { listId, title: `w${i} #${k}` })
        : call(w, 'task:update', { id: task.id, patch: { notes: `w${i} #${k}` }, expectedVersion: 1 }))));
      for (const a of answers) expect(a.ok || a.error.code).to.be.oneOf([true, 'conflict']);
      return answers.flatMap((a) => (a.ok ? [a.data.task.seq] : []));
    }));
    const n = acks.flat().length;
    expect(n).to.be.within(48, 49); // every create, and at most the first of the updates
    await seenUpTo(observer, observed, listId, task.seq + n);
    for (const [i, w] of writers.entries()) await seenUpTo(w, writersSaw[i], listId, Math.max(...acks.filter((_, j) => j !== i).flat()));
    expectGapless(acks, [observed], writersSaw, listId, task.seq);
    expect((await tasksOf(server, owner.token, listId)).seq).to.equal(task.seq + n);
  });

  describe('two server nodes on one database', () => {
    // a second node in this process: its own HTTP server, Socket.IO server, adapter and notifier on the
    // same database (the Sequelize models are process-wide, so both nodes use the test database's pool)
    let nodeB: TestServer;

    before(async () => { nodeB = await startServer(); });
    after(async () => { await nodeB.close(); });

    /** Waits until the socket has seen every seq in `seqs` of the list. */
    const seenAll = (socket: ClientSocket, seen: Seen, listId: string, seqs: number[]) =>
      Promise.all(seqs.map((q) => seenUpTo(socket, seen, listId, q)));
    const isSubsequence = (sub: number[], of: number[]) => { let i = 0; for (const x of of) if (x === sub[i]) i++; return i === sub.length; };

    it('2 + 2 sockets x 25 creates: one gapless seq series, every change reaches every socket on both nodes', async () => {
      const { owner, users, listId } = await team(3);
      const nodes = [server, server, nodeB, nodeB];
      const writers = await Promise.all(users.map((u, i) => open(nodes[i], u.token)));
      const [observerA, observerB] = [await open(server, owner.token), await open(nodeB, owner.token)];
      const [seenA, seenB, writersSaw] = [record(observerA), record(observerB), writers.map(record)];

      const acks = await Promise.all(writers.map(async (w, i) => {
        const done = await Promise.all(range(1, 25).map((k) => ok(w, 'task:create', { listId, title: `node ${i < 2 ? 'A' : 'B'} w${i} #${k}` })));
        return done.map((d) => d.task.seq);
      }));
      // the database: one series 4..103 (the three shares took 1..3), whichever node took each number
      expect(ascending(acks.flat())).to.deep.equal(range(4, 103));
      for (const node of [server, nodeB]) {
        const { tasks, seq } = await tasksOf(node, owner.token, listId);
        expect(seq).to.equal(103);
        expect(ascending(tasks.map((t) => t.seq))).to.deep.equal(range(4, 103));
      }
      // every socket gets every change once, from whichever node made it; its own only in its ack
      await seenAll(observerA, seenA, listId, range(4, 103));
      await seenAll(observerB, seenB, listId, range(4, 103));
      for (const [i, seen] of writersSaw.entries()) {
        const others = ascending(acks.filter((_, j) => j !== i).flat());
        await seenAll(writers[i], seen, listId, others);
        expect(ascending(seqsSeen(seen, listId)), `writer ${i}`).to.deep.equal(others);
      }
      for (const seen of [seenA, seenB]) {
        expect(ascending(seqsSeen(seen, listId))).to.deep.equal(range(4, 103));
        // each node sends its own changes in seq order; across nodes a client orders by seq
        expect(isSubsequence(ascending([...acks[0], ...acks[1]]), seqsSeen(seen, listId))).to.equal(true);
        expect(isSubsequence(ascending([...acks[2], ...acks[3]]), seqsSeen(seen, listId))).to.equal(true);
      }
    });

    it('a member added on node A starts receiving on node B at once; logout-all on A disconnects B', async () => {
      const alice = await registerUser(server, 'Alice');
      const bob = await registerUser(server, 'Bob');
      const aliceOnA = await open(server, alice.token);
      const bobOnB = await open(nodeB, bob.token);
      const { list } = await ok(aliceOnA, 'list:create', { name: 'Cross-node' });
      const created = next(bobOnB, 'list:created');
      await ok(aliceOnA, 'list:share', { listId: list.id, email: bob.email, role: 'editor' });
      expect((await created).list).to.include({ id: list.id, role: 'editor' });
      const task = next(bobOnB, 'task:created');
      const { task: made } = await ok(aliceOnA, 'task:create', { listId: list.id, title: 'From A' });
      expect((await task).task).to.deep.equal(made);

      const gone = new Promise<string>((resolve) => bobOnB.once('disconnect', resolve));
      const res = await request(server, 'POST', '/api/auth/logout-all', { token: bob.token });
      expect(res.status).to.equal(204);
      expect(await gone).to.equal('io server disconnect');
    });
  });
});
