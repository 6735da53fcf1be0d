/**
 * The slots of expensive reads (server/core/reads.ts): at most `atOnce` of one user run at once, the
 * others wait their turn in order, for a bounded time and in a bounded number, then are refused.
 */
import { expect } from 'chai';
import { AppError } from '../server/core/errors';
import { READ_QUEUE, READ_UNIT_MS, ReadSlots } from '../server/core/reads';

/** A read that runs until `finish()` is called. */
function read(started: string[], name: string): { run: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

/** A user budget that is spent (below zero) while `spent.value` is true; `charged`: the units charged, by user. */
function budget() {
  const spent = { value: false };
  const charged = new Map<string, number>();
  return {
    spent,
    charged,
    checkEvents: () => (spent.value ? Promise.reject(new AppError('rate_limited')) : Promise.resolve()),
    chargeEvent: (userId: string, units: number) => {
      charged.set(userId, (charged.get(userId) ?? 0) + units);
      return Promise.resolve();
    },
  };
}

/** Lets every promise callback pending run (no time passes). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/** The error code a promise was rejected with, or 'ok'. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (err: unknown) => (err instanceof AppError ? err.code : String(err)),
  );

describe('ReadSlots: expensive reads of one user', () => {
  it('runs at most `atOnce` of a user at once; the slot an ending read frees goes to the first waiting; another user has slots of their own', async () => {
    const slots = new ReadSlots(2, budget());
    const started: string[] = [];
    const reads = ['a', 'b', 'c', 'd'].map((name) => read(started, name));
    const results = reads.map((r) => slots.run('alice', r.run));
    const bob = read(started, 'bob');
    const bobResult = slots.run('bob', bob.run);
    await settled();
    expect(started).to.deep.equal(['a', 'b', 'bob']);
    expect(slots.state('alice')).to.deep.equal({ running: 2, waiting: 2 });

    reads[1].finish();
    expect(await results[1]).to.equal('b');
    await settled();
    expect(started).to.deep.equal(['a', 'b', 'bob', 'c']);
    reads[0].finish();
    expect(await results[0]).to.equal('a');
    await settled();
    expect(started).to.deep.equal(['a', 'b', 'bob', 'c', 'd']);
    expect(slots.state('alice')).to.deep.equal({ running: 2, waiting: 0 });

    reads[2].finish();
    reads[3].finish();
    bob.finish();
    expect(await Promise.all([...results, bobResult])).to.deep.equal(['a', 'b', 'c', 'd', 'bob']);
    expect(slots.state('alice')).to.deep.equal({ running: 0, waiting: 0 }); // nothing kept of an idle user
  });

  it('refuses a read that waited its bound without a slot, and one beyond READ_QUEUE waiting at once; a failed read frees its slot', async () => {
    const slots = new ReadSlots(1, budget(), 50); // a wait of at most 50 ms
    const started: string[] = [];
    const first = read(started, 'first');
    const running = slots.run('alice', first.run);
    const waiting = Array.from({ length: READ_QUEUE + 1 }, (_, i) =>
      outcome(slots.run('alice', read(started, `w${i}`).run)),
    );
    // the one over the queue is refused at once; the others, after their wait, since the slot never frees
    expect(await waiting[READ_QUEUE]).to.equal('rate_limited');
    expect(await Promise.all(waiting.slice(0, READ_QUEUE))).to.deep.equal(
      waiting.slice(0, READ_QUEUE).map(() => 'rate_limited'),
    );
    expect(started).to.deep.equal(['first']);
    expect(slots.state('alice')).to.deep.equal({ running: 1, waiting: 0 });

    first.finish();
    await running;
    expect(await outcome(slots.run('alice', () => Promise.reject(new AppError('not_found'))))).to.equal('not_found');
    expect(slots.state('alice')).to.deep.equal({ running: 0, waiting: 0 });
  });

  it('refuses a read whose user spent their budget (below zero, by answers made) while it waited, and frees its slot', async () => {
    const rates = budget();
    const slots = new ReadSlots(1, rates);
    const started: string[] = [];
    const first = read(started, 'first');
    const running = slots.run('alice', first.run);
    const waiting = outcome(slots.run('alice', read(started, 'second').run));
    await settled();
    rates.spent.value = true; // the first read's answer was charged
    first.finish();
    expect(await running).to.equal('first');
    expect(await waiting).to.equal('rate_limited');
    expect(started).to.deep.equal(['first']);
    expect(slots.state('alice')).to.deep.equal({ running: 0, waiting: 0 });
  });

  it('charges a read one event per READ_UNIT_MS it ran, after it, whether it answered or failed', async () => {
    const rates = budget();
    const slots = new ReadSlots(2, rates);
    const slow =
      (ms: number, fail = false) =>
      () =>
        new Promise<string>((resolve, reject) =>
          setTimeout(() => (fail ? reject(new AppError('unavailable')) : resolve('done')), ms),
        );
    expect(await slots.run('alice', slow(10 * READ_UNIT_MS + 5))).to.equal('done');
    expect(rates.charged.get('alice')).to.be.at.least(10);
    expect(await outcome(slots.run('bob', slow(10 * READ_UNIT_MS + 5, true)))).to.equal('unavailable');
    expect(rates.charged.get('bob')).to.be.at.least(10);
  });
});
