import { expect } from 'chai';
import { LIMITS } from '../../shared/limits';
import type { SyncResult, Task } from '../../shared/types';
import { bulkTasks, HEAVY_TEXT, testDb } from '../support/database';
import { Replica } from '../support/replica';
import {
  type ClientSocket,
  devices,
  inboxOf,
  ok,
  registerUser,
  request,
  tasksOf,
  type TestServer,
  useServer,
} from '../support/server';
import { uuid } from '../support/util';

/** Changes every live task of a list once (title and version), each change taking the list's next seq. */
async function bulkTouch(listId: string, title: string): Promise<number> {
  const [rows] = await testDb().sequelize.query(
    `WITH t AS (SELECT id, row_number() OVER (ORDER BY seq) AS i FROM tasks WHERE list_id = $1 AND deleted_at IS NULL),
          l AS (UPDATE lists SET seq = seq + (SELECT count(*) FROM t) WHERE id = $1 RETURNING seq - (SELECT count(*) FROM t) AS base)
     UPDATE tasks x SET title = $2, version = x.version + 1, seq = l.base + t.i, updated_at = now() FROM t, l WHERE x.id = t.id RETURNING x.id`,
    { bind: [listId, title] },
  );
  return rows.length;
}

const bytesOf = (result: SyncResult) => Buffer.byteLength(JSON.stringify(result));
const entriesOf = (result: SyncResult) => result.tasks.length + result.deleted.length;

/** Live tasks and seqs of every list of the user, read whole (REST, the lists do not change meanwhile). */
async function serverView(
  server: () => TestServer,
  token: string,
  listIds: string[],
): Promise<{ tasks: Task[]; cursors: Record<string, number> }> {
  const tasks: Task[] = [];
  const cursors: Record<string, number> = {};
  for (const id of listIds) {
    const view = await tasksOf(server(), token, id);
    tasks.push(...view.tasks);
    cursors[id] = view.seq;
  }
  return { tasks: tasks.sort((a, b) => (a.id < b.id ? -1 : 1)), cursors };
}

/** Calls sync from `cursors` until more is false; every page is checked against the bounds. */
async function syncAll(
  socket: ClientSocket,
  cursors?: Record<string, number>,
  between?: (page: SyncResult, i: number) => Promise<void>,
): Promise<SyncResult[]> {
  const pages: SyncResult[] = [];
  for (let payload: { cursors?: Record<string, number> } = cursors ? { cursors } : {}; ;) {
    const page = await ok(socket, 'sync', payload);
    pages.push(page);
    expect(entriesOf(page), `entries of page ${pages.length}`)
      .to.be.at.most(LIMITS.syncEntries)
      .and.above(page.more ? 0 : -1);
    expect(bytesOf(page), `bytes of page ${pages.length}`).to.be.at.most(LIMITS.answerBytes);
    if (!page.more) return pages;
    expect(pages.length, 'pages').to.be.below(200);
    if (between) await between(page, pages.length);
    payload = { cursors: page.cursors };
  }
}

describe('sync: paged answers', function () {
  this.timeout(20_000);
  const server = useServer({ socketEventsPerSecond: 100_000 });
  const open = devices(server);

  it('pages by count: 2,500 small tasks come in 3 pages of at most 1,000 entries that together are the list', async () => {
    const alice = await registerUser(server());
    const device = await open(alice.token);
    const inbox = await inboxOf(server(), alice.token);
    const big = (await ok(device, 'list:create', { name: 'Big' })).list.id;
    await bulkTasks(big, alice.user.id, 2500);

    const pages = await syncAll(device);
    expect(pages.map(entriesOf)).to.deep.equal([1000, 1000, 500]);
    expect(pages.map((p) => p.more)).to.deep.equal([true, true, false]);
    // a list cut short gets the seq of its last entry: everything at or below it was sent
    expect(pages.map((p) => p.cursors[big])).to.deep.equal([1000, 2000, 2500]);
    for (const page of pages) {
      expect(page.lists.map((l) => l.id)).to.deep.equal([inbox, big]); // lists are always complete
      expect(page.cursors[inbox]).to.equal(0);
      expect(Math.max(...page.tasks.map((t) => t.seq))).to.equal(page.cursors[big]);
    }
    const ids = pages.flatMap((p) => p.tasks.map((t) => t.id));
    expect(new Set(ids).size).to.equal(2500);
    const view = await serverView(server, alice.token, [inbox, big]);
    expect(pages.flatMap((p) => p.tasks).sort((a, b) => (a.id < b.id ? -1 : 1))).to.deep.equal(view.tasks);
    expect(pages[2].cursors).to.deep.equal(view.cursors);

    // the same from a cursor far behind: changes and deletions page too, in seq order
    const before = pages[2].cursors;
    expect(await bulkTouch(big, 'touched')).to.equal(2500);
    const gone = pages[0].tasks.slice(0, 300);
    for (const task of gone) await ok(device, 'task:delete', { id: task.id });
    const again = await syncAll(device, before);
    expect(again.map(entriesOf)).to.deep.equal([1000, 1000, 500]);
    const deleted = again.flatMap((p) => p.deleted);
    expect(deleted.map((d) => d.id)).to.have.members(gone.map((t) => t.id));
    expect(again.flatMap((p) => p.tasks).every((t) => t.title === 'touched')).to.equal(true);
    expect(again.flatMap((p) => p.tasks)).to.have.length(2200);
  });

  it('pages by bytes: tasks full of U+0001 come in pages of about 1 MiB, complete, and the server stays up', async () => {
    const alice = await registerUser(server());
    const device = await open(alice.token);
    const inbox = await inboxOf(server(), alice.token);
    const heavy = (await ok(device, 'list:create', { name: 'Heavy' })).list.id;
    await bulkTasks(heavy, alice.user.id, 60, HEAVY_TEXT);
    await bulkTasks(inbox, alice.user.id, 5, HEAVY_TEXT);
    await ok(device, 'task:create', { listId: inbox, title: 'small' });

    const started = Date.now();
    const pages = await syncAll(device);
    const elapsed = Date.now() - started;
    const sizes = pages.map(bytesOf);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total, 'well over 1 MiB in all').to.be.above(4 * LIMITS.answerBytes);
    expect(pages.length).to.be.at.least(4);
    for (const size of sizes.slice(0, -1))
      expect(size, 'a page is not cut much below the bound').to.be.above(LIMITS.answerBytes - 70_000);
    process.stdout.write(
      `      (${pages.length} pages, largest ${Math.max(...sizes)} bytes, ${total} in all, ${elapsed} ms)\n`,
    );

    const received = pages.flatMap((p) => p.tasks);
    expect(received).to.have.length(66);
    const view = await serverView(server, alice.token, [inbox, heavy]);
    expect(received.sort((a, b) => (a.id < b.id ? -1 : 1))).to.deep.equal(view.tasks);
    expect(pages[pages.length - 1].cursors).to.deep.equal(view.cursors);

    const health = await request(server(), 'GET', '/health');
    expect(health.status).to.equal(200);
    const after = await ok(device, 'sync', { cursors: pages[pages.length - 1].cursors });
    expect([after.tasks, after.deleted, after.more]).to.deep.equal([[], [], false]);
    expect(after.cursors).to.deep.equal(view.cursors);
  });
});

describe('sync: paged answers', function () {
  this.timeout(20_000);
  const server = useServer({ socketEventsPerSecond: 100_000 });
  const open = devices(server);

  it('lists not reached keep the cursor sent, or have none; a list at its cursor is complete', async () => {
    const alice = await registerUser(server());
    const device = await open(alice.token);
    const inbox = await inboxOf(server(), alice.token);
    const first = (await ok(device, 'list:create', { name: 'First' })).list.id;
    const second = (await ok(device, 'list:create', { name: 'Second' })).list.id;
    const third = (await ok(device, 'list:create', { name: 'Third' })).list.id;
    const fourth = (await ok(device, 'list:create', { name: 'Fourth' })).list.id;
    await ok(device, 'task:create', { listId: inbox, title: 'in the inbox' });
    await bulkTasks(first, alice.user.id, 1200);
    await bulkTasks(second, alice.user.id, 10);
    await bulkTasks(third, alice.user.id, 10);
    await bulkTasks(fourth, alice.user.id, 10);
    const unknown = uuid();

    // Inbox at its cursor; First: none sent; Second: behind; Third: none; Fourth: ahead of the list (counts as none)
    const sent = { [inbox]: 1, [second]: 4, [fourth]: 999, [unknown]: 7 };
    const page1 = await ok(device, 'sync', { cursors: sent });
    expect(page1.more).to.equal(true);
    expect(page1.removedListIds).to.deep.equal([unknown]);
    expect(page1.lists.map((l) => l.id)).to.deep.equal([inbox, first, second, third, fourth]);
    expect(page1.deleted).to.deep.equal([]);
    expect(page1.tasks).to.have.length(1000);
    expect(page1.tasks.every((t) => t.listId === first)).to.equal(true);
    expect(page1.cursors).to.deep.equal({ [inbox]: 1, [first]: 1000, [second]: 4, [fourth]: 999 });

    const page2 = await ok(device, 'sync', { cursors: page1.cursors });
    expect(page2.more).to.equal(false);
    expect(page2.removedListIds).to.deep.equal([]);
    const byList = (listId: string) =>
      page2.tasks
        .filter((t) => t.listId === listId)
        .map((t) => t.seq)
        .sort((a, b) => a - b);
    expect(byList(first)).to.deep.equal(Array.from({ length: 200 }, (_, i) => 1001 + i));
    expect(byList(second)).to.deep.equal([5, 6, 7, 8, 9, 10]);
    expect(byList(third)).to.have.length(10);
    expect(byList(fourth)).to.have.length(10);
    expect(byList(inbox)).to.deep.equal([]);
    expect(page2.cursors).to.deep.equal({ [inbox]: 1, [first]: 1200, [second]: 10, [third]: 10, [fourth]: 10 });
  });

  it('a list cut by bytes gets the seq of its last entry sent; deletions count as entries', async () => {
    const alice = await registerUser(server());
    const device = await open(alice.token);
    const inbox = await inboxOf(server(), alice.token);
    const heavy = (await ok(device, 'list:create', { name: 'Heavy' })).list.id;
    const after = (await ok(device, 'list:create', { name: 'After' })).list.id;
    await ok(device, 'task:create', { listId: heavy, title: 'to delete' });
    const start = (await ok(device, 'sync', {})).cursors;
    await bulkTasks(heavy, alice.user.id, 30, HEAVY_TEXT);
    await bulkTasks(after, alice.user.id, 3);
    const doomed = (await ok(device, 'sync', {})).tasks.find((t) => t.title === 'to delete')!;
    await ok(device, 'task:delete', { id: doomed.id }); // seq 32 of Heavy

    const pages = await syncAll(device, start);
    expect(pages.length).to.be.at.least(2);
    const [page1] = pages;
    const lastSeq = Math.max(...page1.tasks.map((t) => t.seq));
    expect(page1.tasks.length).to.be.within(10, 20);
    expect(page1.cursors).to.deep.equal({ [inbox]: 0, [heavy]: lastSeq, [after]: 0 }); // After: the cursor sent
    const deleted = pages.flatMap((p) => p.deleted);
    expect(deleted).to.deep.equal([{ id: doomed.id, listId: heavy, seq: 32 }]);
    const withDeparture = pages.find((p) => p.deleted.length > 0)!;
    expect(withDeparture.cursors[heavy], "the departure is Heavy's last entry").to.equal(32);
    const keys = pages.flatMap((p) => p.tasks.map((t) => `${t.listId}:${t.seq}`));
    expect(new Set(keys).size, 'no entry twice').to.equal(keys.length).and.equal(33);
  });
});

describe('sync: paged answers', function () {
  this.timeout(20_000);
  const server = useServer({ socketEventsPerSecond: 100_000 });
  const open = devices(server);

  it('answers applied in order, with changes between pages, leave the client where one fresh sync would', async () => {
    const alice = await registerUser(server());
    const [device, writer] = [await open(alice.token), await open(alice.token)];
    const inbox = await inboxOf(server(), alice.token);
    const a = (await ok(writer, 'list:create', { name: 'A' })).list.id;
    const b = (await ok(writer, 'list:create', { name: 'B' })).list.id;
    const c = (await ok(writer, 'list:create', { name: 'C' })).list.id;
    await bulkTasks(a, alice.user.id, 1200);
    await bulkTasks(b, alice.user.id, 700);
    await bulkTasks(c, alice.user.id, 400);
    const replica = new Replica(alice.user.id);
    for (const page of await syncAll(device)) replica.applySync(page);
    const held = { ...replica.cursors };

    // while the device is away: every task of A changes, and some are deleted, moved and created
    await bulkTouch(a, 'changed while away');
    const pick = (listId: string, n: number, skip = 0) =>
      [...replica.tasks.values()].filter((t) => t.listId === listId).slice(skip, skip + n);
    for (const t of pick(a, 20)) await ok(writer, 'task:delete', { id: t.id });
    for (const t of pick(a, 20, 20)) await ok(writer, 'task:update', { id: t.id, patch: { listId: b } });
    for (const t of pick(b, 10)) await ok(writer, 'task:update', { id: t.id, patch: { listId: a } });
    for (const t of pick(b, 10, 10)) await ok(writer, 'task:update', { id: t.id, patch: { notes: 'away' } });
    for (let i = 0; i < 10; i++) await ok(writer, 'task:create', { listId: c, title: `new ${i}` });

    await bulkTouch(b, 'changed while away');
    await bulkTouch(c, 'changed while away');

    // and between pages: changes to tasks already sent and not yet sent, moves both ways, deletions, creations
    let round = 0;
    const between = async (page: SyncResult) => {
      round += 1;
      const sentIds = new Set(page.tasks.map((t) => t.id));
      const live = (await serverView(server, alice.token, [a, b, c])).tasks;
      const sent = live.filter((t) => sentIds.has(t.id));
      const unsent = live.filter((t) => !sentIds.has(t.id));
      const other = (t: Task) => (t.listId === a ? b : a);
      await ok(writer, 'task:update', { id: sent[0].id, patch: { title: `sent, then changed ${round}` } });
      await ok(writer, 'task:update', { id: unsent[0].id, patch: { title: `changed before sent ${round}` } });
      await ok(writer, 'task:delete', { id: sent[1].id });
      await ok(writer, 'task:delete', { id: unsent[1].id });
      await ok(writer, 'task:update', { id: sent[2].id, patch: { listId: other(sent[2]) } });
      await ok(writer, 'task:update', { id: unsent[2].id, patch: { listId: other(unsent[2]) } });
      await ok(writer, 'task:update', { id: unsent[3].id, patch: { listId: c } });
      await ok(writer, 'task:update', {
        id: sent[3].id,
        patch: { listId: other(sent[3]), title: 'moved back and forth' },
      });
      await ok(writer, 'task:update', { id: sent[3].id, patch: { listId: sent[3].listId } });
      await ok(writer, 'task:create', { listId: a, title: `created between pages ${round}` });
      await ok(writer, 'task:create', { listId: c, title: `created between pages ${round}` });
      await ok(writer, 'list:rename', { id: b, name: `B ${round}` });
    };
    const pages = await syncAll(device, held, between);
    expect(pages.length).to.be.at.least(3);
    expect(round).to.equal(pages.length - 1);
    for (const page of pages) replica.applySync(page);

    const fresh = new Replica(alice.user.id);
    for (const page of await syncAll(await open(alice.token))) fresh.applySync(page);
    expect(replica.snapshot()).to.deep.equal(fresh.snapshot());
    const view = await serverView(server, alice.token, [inbox, a, b, c]);
    expect(replica.snapshot().tasks).to.deep.equal(view.tasks);
    expect(replica.cursors).to.deep.equal(view.cursors);
    expect(replica.lists.get(b)!.name).to.equal(`B ${round}`);
  });
});
