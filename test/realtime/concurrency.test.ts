import { expect } from 'chai';
import type { Task } from '../../shared/types';
import { scenario } from '../support/scenario';
import {
  call,
  type ClientSocket,
  devices,
  next,
  ok,
  registerUser,
  request,
  startServer,
  tasksOf,
  type Open,
  type TestServer,
  useServer,
} from '../support/server';
import { disconnected, range } from '../support/util';
import { record, seen, type SeenEvent } from '../support/wait';

type Seen = SeenEvent[];

/** The list and seq of a task event (task:created, task:updated, task:deleted); undefined for any other. */
const taskChange = (e: SeenEvent): { listId: string; seq: number } | undefined => {
  switch (e.event) {
    case 'task:created':
    case 'task:updated':
      return e.payload.task;
    case 'task:deleted':
      return e.payload;
    default:
      return undefined;
  }
};
/** The seq of a task event of the list; undefined for any other event. */
const seqOf = (e: SeenEvent, listId: string): number | undefined => {
  const change = taskChange(e);
  return change?.listId === listId ? change.seq : undefined;
};
/** The seqs of the list's task events a socket received, in the order received. */
const seqsSeen = (events: Seen, listId: string): number[] =>
  events.flatMap((e) => {
    const seq = seqOf(e, listId);
    return seq === undefined ? [] : [seq];
  });

const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * Every ack'd seq is distinct and together they are base+1..base+n; an observer that made no change
 * saw exactly those seqs in order; a writer saw everyone else's, rising, and none of its own.
 */
function expectGapless(acks: number[][], observers: Seen[], writersSaw: Seen[], listId: string, base: number): void {
  const n = acks.flat().length;
  // events of the set-up (seq <= base) may still arrive after its acks: only the concurrent phase counts
  const after = (events: Seen) => seqsSeen(events, listId).filter((q) => q > base);
  expect(ascending(acks.flat())).to.deep.equal(range(base + 1, base + n));
  for (const events of observers) expect(after(events)).to.deep.equal(range(base + 1, base + n));
  writersSaw.forEach((events, i) => {
    const others = ascending(acks.filter((_, j) => j !== i).flat());
    expect(after(events), `writer ${i}`).to.deep.equal(others);
  });
}

/** The owner's fresh list shared with three editors (the shares took seqs 1..3); nobody has a device yet. */
async function team(server: () => TestServer, open: Open) {
  const { owner, editor1, editor2, editor3, listId } = await scenario(server(), open, {
    owner: 'owner',
    members: { editor1: 'editor', editor2: 'editor', editor3: 'editor' },
    list: 'Busy',
    devices: { owner: [], editor1: [], editor2: [], editor3: [] },
  });
  return { owner, users: [owner, editor1, editor2, editor3], listId };
}

describe('concurrent writers on one list', () => {
  const server = useServer();
  const open = devices(server);

  /** Waits until the observer has seen seq `last` of the list (it may have come already, into `events`). */
  const seenUpTo = (observer: ClientSocket, events: Seen, listId: string, last: number) =>
    seen(observer, (e) => seqOf(e, listId) === last, {
      among: events,
      timeoutMs: 10_000,
    });

  it('4 sockets x 25 creates: seqs 1..100 without gaps or repeats, observed in order', async () => {
    const { owner, users, listId } = await team(server, open);
    const writers = await Promise.all(users.map((u) => open(u.token)));
    const observer = await open(owner.token);
    const [observed, writersSaw] = [record(observer), writers.map(record)];

    const acks = await Promise.all(
      writers.map(async (w, i) => {
        const done = await Promise.all(range(1, 25).map((k) => ok(w, 'task:create', { listId, title: `w${i} #${k}` })));
        return done.map((d) => d.task.seq);
      }),
    );
    const base = 3; // the set-up's changes: three members added
    await seenUpTo(observer, observed, listId, base + 100);
    for (const [i, w] of writers.entries())
      await seenUpTo(w, writersSaw[i], listId, Math.max(...acks.filter((_, j) => j !== i).flat()));

    expectGapless(acks, [observed], writersSaw, listId, base);
    const { tasks, seq } = await tasksOf(server(), owner.token, listId);
    expect(seq).to.equal(base + 100);
    expect(tasks).to.have.length(100);
    expect(ascending(tasks.map((t) => t.seq))).to.deep.equal(range(base + 1, base + 100));
  });

  it('4 sockets x 25 mixed creates and updates of the same tasks: one seq and one version per change', async () => {
    const { owner, users, listId } = await team(server, open);
    const writers = await Promise.all(users.map((u) => open(u.token)));
    const observer = await open(owner.token);
    const shared: Task[] = [];
    for (let k = 0; k < 3; k++)
      shared.push((await ok(writers[0], 'task:create', { listId, title: `shared ${k}` })).task);
    const base = shared[2].seq;
    const [observed, writersSaw] = [record(observer), writers.map(record)];

    const acks = await Promise.all(
      writers.map(async (w, i) => {
        const done = await Promise.all(
          range(1, 25).map((k) =>
            k % 2 === 0
              ? ok(w, 'task:create', { listId, title: `w${i} #${k}` })
              : ok(w, 'task:update', {
                  id: shared[(i + k) % 3].id,
                  patch: { notes: `w${i} #${k}`, completed: k % 4 === 1 },
                }),
          ),
        );
        return done.map((d) => d.task.seq);
      }),
    );
    await seenUpTo(observer, observed, listId, base + 100);
    for (const [i, w] of writers.entries())
      await seenUpTo(w, writersSaw[i], listId, Math.max(...acks.filter((_, j) => j !== i).flat()));

    expectGapless(acks, [observed], writersSaw, listId, base);
    const { tasks, seq } = await tasksOf(server(), owner.token, listId);
    expect(seq).to.equal(base + 100);
    const updates = observed
      .flatMap((e) => (e.event === 'task:updated' ? [e.payload.task] : []))
      .filter((task) => task.seq > base);
    expect(updates).to.have.length(52);
    for (const task of shared) {
      const mine = updates.filter((u) => u.id === task.id);
      expect(
        mine.map((u) => u.version),
        task.title,
      ).to.deep.equal(range(2, mine.length + 1)); // +1 per change, in seq order
      expect(tasks.find((t) => t.id === task.id)).to.deep.equal(mine[mine.length - 1]);
    }
  });
});

describe('concurrent writers on one list', () => {
  const server = useServer();
  const open = devices(server);

  /** Waits until the observer has seen seq `last` of the list (it may have come already, into `events`). */
  const seenUpTo = (observer: ClientSocket, events: Seen, listId: string, last: number) =>
    seen(observer, (e) => seqOf(e, listId) === last, {
      among: events,
      timeoutMs: 10_000,
    });

  it('refused writes (stale expectedVersion) among concurrent ones take no seq and break no order', async () => {
    const { owner, users, listId } = await team(server, open);
    const writers = await Promise.all(users.map((u) => open(u.token)));
    const observer = await open(owner.token);
    const { task } = await ok(writers[0], 'task:create', { listId, title: 'contended' });
    const [observed, writersSaw] = [record(observer), writers.map(record)];

    const acks = await Promise.all(
      writers.map(async (w, i) => {
        const answers = await Promise.all(
          range(1, 25).map((k) =>
            k % 2 === 0
              ? call(w, 'task:create', { listId, title: `w${i} #${k}` })
              : call(w, 'task:update', { id: task.id, patch: { notes: `w${i} #${k}` }, expectedVersion: 1 }),
          ),
        );
        for (const a of answers) expect(a.ok || a.error.code).to.be.oneOf([true, 'conflict']);
        return answers.flatMap((a) => (a.ok ? [a.data.task.seq] : []));
      }),
    );
    const n = acks.flat().length;
    expect(n).to.be.within(48, 49); // every create, and at most the first of the updates
    await seenUpTo(observer, observed, listId, task.seq + n);
    for (const [i, w] of writers.entries())
      await seenUpTo(w, writersSaw[i], listId, Math.max(...acks.filter((_, j) => j !== i).flat()));
    expectGapless(acks, [observed], writersSaw, listId, task.seq);
    expect((await tasksOf(server(), owner.token, listId)).seq).to.equal(task.seq + n);
  });
});

describe('concurrent writers on one list', () => {
  const server = useServer();
  const open = devices(server);

  /** Waits until the observer has seen seq `last` of the list (it may have come already, into `events`). */
  const seenUpTo = (observer: ClientSocket, events: Seen, listId: string, last: number) =>
    seen(observer, (e) => seqOf(e, listId) === last, {
      among: events,
      timeoutMs: 10_000,
    });

  describe('two server nodes on one database', () => {
    // a second node in this process: its own HTTP server, Socket.IO server, adapter and notifier on the
    // same database (the Sequelize models are process-wide, so both nodes use the test database's pool)
    let nodeB: TestServer;

    before(async () => {
      nodeB = await startServer();
    });
    after(async () => {
      await nodeB.close();
    });

    /** Waits until the socket has seen every seq in `seqs` of the list. */
    const seenAll = (socket: ClientSocket, events: Seen, listId: string, seqs: number[]) =>
      Promise.all(seqs.map((q) => seenUpTo(socket, events, listId, q)));
    const isSubsequence = (sub: number[], of: number[]) => {
      let i = 0;
      for (const x of of) if (x === sub[i]) i++;
      return i === sub.length;
    };

    it('2 + 2 sockets x 25 creates: one gapless seq series, every change reaches every socket on both nodes', async () => {
      const { owner, users, listId } = await team(server, open);
      const nodes = [server(), server(), nodeB, nodeB];
      const writers = await Promise.all(users.map((u, i) => open(u.token, nodes[i])));
      const [observerA, observerB] = [await open(owner.token), await open(owner.token, nodeB)];
      const [seenA, seenB, writersSaw] = [record(observerA), record(observerB), writers.map(record)];

      const acks = await Promise.all(
        writers.map(async (w, i) => {
          const done = await Promise.all(
            range(1, 25).map((k) => ok(w, 'task:create', { listId, title: `node ${i < 2 ? 'A' : 'B'} w${i} #${k}` })),
          );
          return done.map((d) => d.task.seq);
        }),
      );
      // the database: one series 4..103 (the three shares took 1..3), whichever node took each number
      expect(ascending(acks.flat())).to.deep.equal(range(4, 103));
      for (const node of [server(), nodeB]) {
        const { tasks, seq } = await tasksOf(node, owner.token, listId);
        expect(seq).to.equal(103);
        expect(ascending(tasks.map((t) => t.seq))).to.deep.equal(range(4, 103));
      }
      // every socket gets every change once, from whichever node made it; its own only in its ack
      await seenAll(observerA, seenA, listId, range(4, 103));
      await seenAll(observerB, seenB, listId, range(4, 103));
      for (const [i, events] of writersSaw.entries()) {
        const others = ascending(acks.filter((_, j) => j !== i).flat());
        await seenAll(writers[i], events, listId, others);
        expect(ascending(seqsSeen(events, listId)), `writer ${i}`).to.deep.equal(others);
      }
      for (const events of [seenA, seenB]) {
        expect(ascending(seqsSeen(events, listId))).to.deep.equal(range(4, 103));
        // each node sends its own changes in seq order; across nodes a client orders by seq
        expect(isSubsequence(ascending([...acks[0], ...acks[1]]), seqsSeen(events, listId))).to.equal(true);
        expect(isSubsequence(ascending([...acks[2], ...acks[3]]), seqsSeen(events, listId))).to.equal(true);
      }
    });

    it('a member added on node A starts receiving on node B at once; logout-all on A disconnects B', async () => {
      const alice = await registerUser(server(), 'Alice');
      const bob = await registerUser(server(), 'Bob');
      const aliceOnA = await open(alice.token);
      const bobOnB = await open(bob.token, nodeB);
      const { list } = await ok(aliceOnA, 'list:create', { name: 'Cross-node' });
      const created = next(bobOnB, 'list:created');
      await ok(aliceOnA, 'list:share', { listId: list.id, email: bob.email, role: 'editor' });
      expect((await created).list).to.include({ id: list.id, role: 'editor' });
      const task = next(bobOnB, 'task:created');
      const { task: made } = await ok(aliceOnA, 'task:create', { listId: list.id, title: 'From A' });
      expect((await task).task).to.deep.equal(made);

      const gone = disconnected(bobOnB);
      const res = await request(server(), 'POST', '/api/auth/logout-all', { token: bob.token });
      expect(res.status).to.equal(204);
      expect(await gone).to.equal('io server disconnect');
    });
  });
});
