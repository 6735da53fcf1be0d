import { expect } from 'chai';
import type { Ack, Task, TaskPage } from '../../shared/types';
import {
  type ApiErrorBody,
  call,
  type ClientSocket,
  devices,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  type TestUser,
  useServer,
} from '../support/server';
import { codeOf } from '../support/util';

/** The conflict of a stale expectedVersion: its code and the current task, as the contract has it. */
const conflictOf = (ack: Ack<unknown>) => (ack.ok ? 'ok' : { code: ack.error.code, details: ack.error.details });

describe('dates and versions at their edges, over sockets and REST', () => {
  let alice: TestUser;
  let inbox: string;
  let socket: ClientSocket;
  let other: ClientSocket;
  const server = useServer();
  const open = devices(server);

  before(async () => {
    alice = await registerUser(server());
    inbox = await inboxOf(server(), alice.token);
  });
  beforeEach(async () => {
    [socket, other] = [await open(alice.token), await open(alice.token)];
  });

  const seqOf = async () =>
    (await request<TaskPage>(server(), 'GET', `/api/lists/${inbox}/tasks`, { token: alice.token })).body.seq;
  const newTask = async (): Promise<Task> => (await ok(socket, 'task:create', { listId: inbox, title: 'Task' })).task;

  /** The dueAt of a task as every reader sees it: the ack, another device's event, a task page and sync. */
  async function dueAtEverywhere(task: Task): Promise<string[]> {
    const page = await request<TaskPage>(server(), 'GET', `/api/lists/${inbox}/tasks?limit=500`, {
      token: alice.token,
    });
    const synced = await ok(other, 'sync', {});
    return [page.body.tasks.find((t) => t.id === task.id)!.dueAt!, synced.tasks.find((t) => t.id === task.id)!.dueAt!];
  }

  it('refuses dates not in the calendar, and times outside the years 0000 to 9999 in UTC: validation_error, nothing changed', async () => {
    const { id } = await newTask();
    const refused = [
      '2026-02-30',
      '2026-02-29', // 2026 is not a leap year
      '1900-02-29', // nor is 1900
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-12-00',
      '2026-12-01T25:00Z',
      '2026-12-01T23:60Z',
      '2026-12-01T23:59:60Z', // a leap second cannot be held
      '2026-12-01T24:00:01Z',
      '2026-12-01T09:00+24:00',
      '-000000-01-01', // ISO 8601 writes year 0 as 0000 or +000000 (Date.parse reads this as 2001)
      // real, but outside the years 0000 to 9999 in UTC
      '0000-01-01T00:30+01:00', // 31 December of year -1 in UTC
      '-000001-12-31',
      '9999-12-31T23:30-01:00',
      '9999-12-31T24:00Z',
      '+010000-01-01T00:00:00.000Z',
    ];
    const seq = await seqOf();
    const got: string[] = [];
    for (const dueAt of refused) {
      const created = await call(socket, 'task:create', { listId: inbox, title: 'x', dueAt });
      const updated = await call(socket, 'task:update', { id, patch: { dueAt } });
      const posted = await request<ApiErrorBody>(server(), 'POST', `/api/lists/${inbox}/tasks`, {
        token: alice.token,
        body: { title: 'x', dueAt },
      });
      const patched = await request<ApiErrorBody>(server(), 'PATCH', `/api/tasks/${id}`, {
        token: alice.token,
        body: { dueAt },
      });
      got.push(
        `${dueAt}: ${codeOf(created)} ${codeOf(updated)} ${posted.status} ${posted.body.error.code} ${patched.status} ${patched.body.error.code}`,
      );
      if (!created.ok) expect(created.error.details).to.deep.include({ path: 'dueAt', message: created.error.message });
    }
    expect(got).to.deep.equal(
      refused.map((d) => `${d}: validation_error validation_error 400 validation_error 400 validation_error`),
    );
    expect(await seqOf()).to.equal(seq);
  });

  it('accepts every real date and time of the years 0000 to 9999 and answers it in UTC, the same everywhere', async () => {
    const cases: Array<[string, string]> = [
      ['0000-01-01', '0000-01-01T00:00:00.000Z'],
      ['0000-01-01T00:00:00.000Z', '0000-01-01T00:00:00.000Z'],
      ['0000-02-29T12:00Z', '0000-02-29T12:00:00.000Z'], // year 0 is a leap year (1 BC)
      ['0000-01-01T00:30-01:00', '0000-01-01T01:30:00.000Z'],
      ['0000-12-31T23:59:59.999Z', '0000-12-31T23:59:59.999Z'],
      ['0001-01-01', '0001-01-01T00:00:00.000Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
      ['2000-02-29T23:59:59Z', '2000-02-29T23:59:59.000Z'],
      ['2026-12-01T09:00', '2026-12-01T09:00:00.000Z'], // no offset: UTC (see the next test)
      ['2026-12-01T09:00+01:00', '2026-12-01T08:00:00.000Z'],
      ['2026-12-01T24:00Z', '2026-12-02T00:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ];
    for (const [dueAt, stored] of cases) {
      const arrived = next(other, 'task:created', (p) => p.task.dueAt === stored);
      const { task } = await ok(socket, 'task:create', { listId: inbox, title: `due ${dueAt}`, dueAt });
      expect(task.dueAt, dueAt).to.equal(stored);
      expect((await arrived).task).to.deep.equal(task);
      expect(await dueAtEverywhere(task), dueAt).to.deep.equal([stored, stored]);

      const posted = await request<{ task: Task }>(server(), 'POST', `/api/lists/${inbox}/tasks`, {
        token: alice.token,
        body: { title: `due ${dueAt}`, dueAt: null },
      });
      const patched = await request<{ task: Task }>(server(), 'PATCH', `/api/tasks/${posted.body.task.id}`, {
        token: alice.token,
        body: { dueAt },
      });
      expect([posted.status, patched.status, patched.body.task.dueAt], dueAt).to.deep.equal([201, 200, stored]);
      const updated = await ok(socket, 'task:update', { id: task.id, patch: { dueAt } });
      expect(updated.task.dueAt, dueAt).to.equal(stored);
    }
  });
});

describe('dates and versions at their edges, over sockets and REST', () => {
  let alice: TestUser;
  let inbox: string;
  let socket: ClientSocket;
  const server = useServer();
  const open = devices(server);

  before(async () => {
    alice = await registerUser(server());
    inbox = await inboxOf(server(), alice.token);
  });
  beforeEach(async () => {
    socket = await open(alice.token);
  });

  const seqOf = async () =>
    (await request<TaskPage>(server(), 'GET', `/api/lists/${inbox}/tasks`, { token: alice.token })).body.seq;
  const newTask = async (): Promise<Task> => (await ok(socket, 'task:create', { listId: inbox, title: 'Task' })).task;

  it("reads a date-time without an offset as UTC, whatever the server's time zone", async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati'; // UTC+14: Date.parse would read 09:00 as 19:00 the day before
    try {
      const { task } = await ok(socket, 'task:create', { listId: inbox, title: 'local?', dueAt: '2026-12-01T09:00' });
      expect(task.dueAt).to.equal('2026-12-01T09:00:00.000Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('answers an expectedVersion of 2^31 or more with conflict and the current task, as any stale version', async () => {
    const task = await newTask();
    const seq = await seqOf();
    for (const expectedVersion of [2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 1e20]) {
      const conflict = { code: 'conflict', details: { task } };
      // an update at a version the task never had names every field of its patch
      const updateConflict = { code: 'conflict', details: { task, fields: ['title'] } };
      expect(
        conflictOf(await call(socket, 'task:update', { id: task.id, patch: { title: 'no' }, expectedVersion })),
        `task:update ${expectedVersion}`,
      ).to.deep.equal(updateConflict);
      expect(
        conflictOf(await call(socket, 'task:delete', { id: task.id, expectedVersion })),
        `task:delete ${expectedVersion}`,
      ).to.deep.equal(conflict);
      const patched = await request<ApiErrorBody>(server(), 'PATCH', `/api/tasks/${task.id}`, {
        token: alice.token,
        body: { title: 'no', expectedVersion },
      });
      const deleted = await request<ApiErrorBody>(server(), 'DELETE', `/api/tasks/${task.id}`, {
        token: alice.token,
        body: { expectedVersion },
      });
      for (const [res, expected] of [
        [patched, updateConflict],
        [deleted, conflict],
      ] as const) {
        expect(res.status, `REST ${expectedVersion}`).to.equal(409);
        expect(res.body.error).to.deep.include(expected);
      }
    }
    expect(await seqOf()).to.equal(seq); // nothing changed
    // the version it has is still the one that applies
    const { task: changed } = await ok(socket, 'task:update', {
      id: task.id,
      patch: { title: 'yes' },
      expectedVersion: 1,
    });
    expect(changed).to.include({ title: 'yes', version: 2 });
  });
});
