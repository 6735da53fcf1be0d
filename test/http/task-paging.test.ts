import { expect } from 'chai';
import { LIMITS } from '../../shared/limits';
import type { Task, TaskPage } from '../../shared/types';
import { bulkTasks, HEAVY_TEXT, testDb } from '../support/database';
import { share } from '../support/scenario';
import { type ApiErrorBody, devices, inboxOf, ok, registerUser, request, useServer } from '../support/server';
import { contractOrder, uuid } from '../support/util';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('REST: GET /api/lists/:listId/tasks pages', function () {
  this.timeout(20_000);
  const server = useServer({ socketEventsPerSecond: 100_000 });

  /** A page of the list's tasks (the body is `T` when the answer is expected to be something else). */
  const get = <T = TaskPage>(token: string, listId: string, query = '') =>
    request<T>(server(), 'GET', `/api/lists/${listId}/tasks${query}`, { token });

  /** Every page from the first, with `limit` when given; each page is checked against the bounds. */
  async function allPages(token: string, listId: string, limit?: number): Promise<TaskPage[]> {
    const pages: TaskPage[] = [];
    let after: string | null = null;
    do {
      const params = new URLSearchParams();
      if (limit !== undefined) params.set('limit', String(limit));
      if (after !== null) params.set('after', after);
      const res = await get(token, listId, params.size ? `?${params.toString()}` : '');
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(200);
      expect(res.body).to.have.all.keys('tasks', 'seq', 'next');
      expect(res.body.tasks.length)
        .to.be.at.least(1)
        .and.at.most(limit ?? LIMITS.taskPage);
      expect(Buffer.byteLength(JSON.stringify(res.body)), 'bytes of a page').to.be.at.most(LIMITS.answerBytes);
      pages.push(res.body);
      after = res.body.next;
      expect(pages.length).to.be.below(100);
    } while (after !== null);
    return pages;
  }

  async function bigList(n: number, text?: { title?: string; notes?: string; position?: string }) {
    const alice = await registerUser(server());
    const listId = await inboxOf(server(), alice.token);
    await bulkTasks(listId, alice.user.id, n, text);
    return { alice, listId };
  }

  it('answers 500 tasks by default and at most, then the rest; next is null on the last page', async () => {
    const { alice, listId } = await bigList(1234);
    const pages = await allPages(alice.token, listId);
    expect(pages.map((p) => p.tasks.length)).to.deep.equal([500, 500, 234]);
    expect(pages.map((p) => p.next === null)).to.deep.equal([false, false, true]);
    expect(pages.map((p) => p.seq)).to.deep.equal([1234, 1234, 1234]);
    const tasks = pages.flatMap((p) => p.tasks);
    expect(new Set(tasks.map((t) => t.id)).size).to.equal(1234);
    expect(tasks).to.deep.equal(contractOrder(tasks));

    const most = await get(alice.token, listId, `?limit=${LIMITS.taskPage}`);
    expect(most.status).to.equal(200);
    expect(most.body.tasks).to.deep.equal(pages[0].tasks);
    expect(most.body.next).to.equal(pages[0].next);

    const small = await allPages(alice.token, listId, 100);
    expect(small.map((p) => p.tasks.length)).to.deep.equal([...Array<number>(12).fill(100), 34]);
    expect(small.flatMap((p) => p.tasks)).to.deep.equal(tasks);

    const bob = await registerUser(server());
    const bobs = await inboxOf(server(), bob.token);
    expect((await get(bob.token, bobs)).body).to.deep.equal({ tasks: [], seq: 0, next: null });
    // a list that ends exactly on a page boundary: the last full page already says null
    await bulkTasks(bobs, bob.user.id, 1000);
    const exact = await allPages(bob.token, bobs);
    expect(exact.map((p) => [p.tasks.length, p.next === null])).to.deep.equal([
      [500, false],
      [500, true],
    ]);
  });

  it('refuses a bad limit or a malformed or tampered after with 400 validation_error', async () => {
    const { alice, listId } = await bigList(3);
    const id = uuid();
    const good = (await get(alice.token, listId, '?limit=1')).body.next!;
    const decoded = JSON.parse(Buffer.from(good, 'base64url').toString()) as [string, string, string];
    const bad = [
      '?limit=0',
      '?limit=-1',
      '?limit=501',
      '?limit=1.5',
      '?limit=abc',
      '?limit=',
      '?limit=1&limit=2',
      '?limit=1e400',
      '?after=',
      '?after=***',
      `?after=${good}%3D%3D%3D`,
      `?after=${good.slice(0, -3)}`,
      `?after=${b64('not json')}`,
      `?after=${b64([1, 2, 3])}`,
      `?after=${b64({ position: 'a' })}`,
      `?after=${b64(['a', 'b'])}`,
      `?after=${b64(null)}`,
      `?after=${b64(['a', '2026-11-30T10:00:00.000Z', id])}`, // milliseconds only
      `?after=${b64(['a', '2026-13-30T10:00:00.000000Z', id])}`,
      `?after=${b64(['a', '2026-02-30T10:00:00.000000Z', id])}`,
      `?after=${b64(['a', '2026-11-30T25:00:00.000000Z', id])}`,
      `?after=${b64(['a', decoded[1], 'not-a-uuid'])}`,
      `?after=${b64(['x'.repeat(LIMITS.positionMax + 1), decoded[1], id])}`,
      `?after=${b64(['a\u0000', decoded[1], id])}`,
      `?after=${'A'.repeat(5000)}`,
      `?after=${good}&after=${good}`,
    ];
    for (const query of bad) {
      const res = await get<Partial<ApiErrorBody>>(alice.token, listId, query);
      expect([res.status, res.body.error?.code], query).to.deep.equal([400, 'validation_error']);
    }
    // any well-formed key is a place in the sort order, whether or not a task is there
    const elsewhere = await get(alice.token, listId, `?after=${b64(['000001', '1970-01-01T00:00:00.000000Z', id])}`);
    expect(elsewhere.status).to.equal(200);
    expect(elsewhere.body.tasks.map((t) => t.position)).to.deep.equal(['000001', '000002', '000003']);
    const past = await get(alice.token, listId, `?after=${b64(['\u00ff', decoded[1], id])}`);
    expect(past.body).to.deep.equal({ tasks: [], seq: 3, next: null });
    // unknown parameters are ignored
    expect((await get(alice.token, listId, '?limit=2&foo=bar')).body.tasks).to.have.length(2);
  });
});

describe('REST: GET /api/lists/:listId/tasks pages', function () {
  this.timeout(20_000);
  const server = useServer({ socketEventsPerSecond: 100_000 });
  const open = devices(server);

  /** A page of the list's tasks (the body is `T` when the answer is expected to be something else). */
  const get = <T = TaskPage>(token: string, listId: string, query = '') =>
    request<T>(server(), 'GET', `/api/lists/${listId}/tasks${query}`, { token });

  /** Every page from the first, with `limit` when given; each page is checked against the bounds. */
  async function allPages(token: string, listId: string, limit?: number): Promise<TaskPage[]> {
    const pages: TaskPage[] = [];
    let after: string | null = null;
    do {
      const params = new URLSearchParams();
      if (limit !== undefined) params.set('limit', String(limit));
      if (after !== null) params.set('after', after);
      const res = await get(token, listId, params.size ? `?${params.toString()}` : '');
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(200);
      expect(res.body).to.have.all.keys('tasks', 'seq', 'next');
      expect(res.body.tasks.length)
        .to.be.at.least(1)
        .and.at.most(limit ?? LIMITS.taskPage);
      expect(Buffer.byteLength(JSON.stringify(res.body)), 'bytes of a page').to.be.at.most(LIMITS.answerBytes);
      pages.push(res.body);
      after = res.body.next;
      expect(pages.length).to.be.below(100);
    } while (after !== null);
    return pages;
  }

  async function bigList(n: number, text?: { title?: string; notes?: string; position?: string }) {
    const alice = await registerUser(server());
    const listId = await inboxOf(server(), alice.token);
    await bulkTasks(listId, alice.user.id, n, text);
    return { alice, listId };
  }

  it('pages by bytes: tasks full of U+0001 come in pages of about 1 MiB', async () => {
    const { alice, listId } = await bigList(50, HEAVY_TEXT);
    const started = Date.now();
    const pages = await allPages(alice.token, listId);
    const elapsed = Date.now() - started;
    const sizes = pages.map((p) => Buffer.byteLength(JSON.stringify(p)));
    process.stdout.write(`      (${pages.length} pages, largest ${Math.max(...sizes)} bytes, ${elapsed} ms)\n`);
    expect(pages.length).to.be.at.least(4);
    for (const size of sizes.slice(0, -1)) expect(size).to.be.above(LIMITS.answerBytes - 70_000);
    const tasks = pages.flatMap((p) => p.tasks);
    expect(tasks).to.have.length(50);
    expect(new Set(tasks.map((t) => t.id)).size).to.equal(50);
    expect(tasks).to.deep.equal(contractOrder(tasks)); // equal positions and times: by id
    expect((await request(server(), 'GET', '/health')).status).to.equal(200);
  });

  it('sorts by (position, createdAt, id) with byte-wise positions, and keyset pages skip and repeat nothing', async () => {
    const alice = await registerUser(server());
    const listId = await inboxOf(server(), alice.token);
    const device = await open(alice.token);
    for (const position of ['b', 'a', 'B', 'ä', 'a', 'b', 'a'])
      await ok(device, 'task:create', { listId, title: position, position });
    await bulkTasks(listId, alice.user.id, 5, { position: 'a' }); // the same position and createdAt: by id
    await bulkTasks(listId, alice.user.id, 5, { position: 'a' });
    const whole = (await get(alice.token, listId)).body.tasks;
    expect(whole).to.have.length(17);
    expect(whole).to.deep.equal(contractOrder(whole));
    expect(whole.map((t) => t.position)).to.deep.equal(['B', ...Array<string>(13).fill('a'), 'b', 'b', 'ä']);
    for (const limit of [1, 2, 3, 16]) {
      expect(
        (await allPages(alice.token, listId, limit)).flatMap((p) => p.tasks),
        `limit ${limit}`,
      ).to.deep.equal(whole);
    }

    // times finer than the milliseconds shown (none written by the server, but the database holds microseconds)
    await testDb().sequelize.query(
      `UPDATE tasks SET created_at = '2026-01-01T00:00:00.000100Z'::timestamptz + (seq % 3) * interval '1 microsecond'
        WHERE list_id = $1 AND title LIKE 'bulk%'`,
      { bind: [listId] },
    );
    const fine = (await get(alice.token, listId)).body.tasks;
    expect((await allPages(alice.token, listId, 1)).flatMap((p) => p.tasks)).to.deep.equal(fine);
    expect((await allPages(alice.token, listId, 4)).flatMap((p) => p.tasks)).to.deep.equal(fine);

    // the list may change between pages: the next page goes on after the last task sent, even if it is gone;
    // a task added before that place is not in the following pages, one added after it is
    const first = (await get(alice.token, listId, '?limit=5')).body;
    expect(first.tasks).to.deep.equal(fine.slice(0, 5));
    await ok(device, 'task:delete', { id: first.tasks[4].id });
    await ok(device, 'task:create', { listId, title: 'early', position: 'A' });
    const late = (await ok(device, 'task:create', { listId, title: 'late', position: 'aa' })).task;
    const second = (await get(alice.token, listId, `?after=${String(first.next)}`)).body;
    expect(second.tasks.map((t) => t.title)).to.deep.equal(
      [...fine.slice(5, 14), late, ...fine.slice(14)].map((t) => t.title),
    );
    expect(second.tasks.map((t) => t.id)).to.deep.equal(
      [...fine.slice(5, 14), late, ...fine.slice(14)].map((t) => t.id),
    );
    expect([second.seq, second.next]).to.deep.equal([first.seq + 3, null]);
  });
});

describe('REST: GET /api/lists/:listId/tasks pages', function () {
  this.timeout(20_000);
  const server = useServer({ socketEventsPerSecond: 100_000 });
  const open = devices(server);

  /** A page of the list's tasks (the body is `T` when the answer is expected to be something else). */
  const get = <T = TaskPage>(token: string, listId: string, query = '') =>
    request<T>(server(), 'GET', `/api/lists/${listId}/tasks${query}`, { token });

  it('is for members only: 404 for others, with or without paging; viewers may read', async () => {
    const [alice, bob, carol] = [
      await registerUser(server()),
      await registerUser(server()),
      await registerUser(server()),
    ];
    const listId = await inboxOf(server(), alice.token);
    await bulkTasks(listId, alice.user.id, 3);
    await share(await open(alice.token), listId, bob.email, 'viewer', await open(bob.token));
    const page = await get(bob.token, listId, '?limit=2');
    expect(page.status).to.equal(200);
    expect(page.body.tasks).to.have.length(2);
    for (const query of ['', '?limit=2', `?after=${String(page.body.next)}`]) {
      const res = await get<Partial<ApiErrorBody>>(carol.token, listId, query);
      expect([res.status, res.body.error?.code]).to.deep.equal([404, 'not_found']);
      const unknown = await get(alice.token, uuid(), query);
      expect(unknown.status).to.equal(404);
    }
    expect((await request(server(), 'GET', `/api/lists/${listId}/tasks?limit=2`)).status).to.equal(401);
    const tasks: Task[] = page.body.tasks;
    expect(tasks.every((t) => t.listId === listId)).to.equal(true);
  });
});
