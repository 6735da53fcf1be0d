import { expect } from 'chai';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import type { ClientEventName } from '../../shared/events';
import type { Ack, AuthResult, ErrorCode, List, Task, TaskPage } from '../../shared/types';
import {
  call,
  type ClientSocket,
  type ConnectOptions,
  devices,
  inboxOf,
  next,
  ok,
  registerUser,
  request,
  TEST_SECRET,
  type TestUser,
  useServer,
} from '../support/server';
import { codeOf, disconnected, handshake, uuid } from '../support/util';
import { record } from '../support/wait';
/** socket.io-parser's PacketType.ACK, as a number: socket.io-client does not re-export the enum. */
const ACK = 3;
/** A payload as the case lists show it: its JSON, cut (`undefined` for none). */
const shown = (payload: unknown): string =>
  ((JSON.stringify(payload) as string | undefined) ?? 'undefined').slice(0, 120);
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
type Case = [ClientEventName, unknown];

describe('malformed events and handshakes', () => {
  let alice: TestUser;
  let bob: TestUser;
  let inbox: string;
  let socket: ClientSocket;
  const server = useServer();
  const open = devices(server);

  before(async () => {
    [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    inbox = await inboxOf(server(), alice.token);
  });
  beforeEach(async () => {
    socket = await open(alice.token);
  }); // a fresh socket: a full rate-limit bucket

  /** Sends every case and expects `code` for each; then the list's seq is unchanged and the socket still serves. */
  async function expectAll(cases: Case[], code: ErrorCode | 'ok', listId = inbox): Promise<void> {
    const seqBefore = await seqOf(listId, alice);
    const got = [];
    for (const [event, payload] of cases)
      got.push(`${event} ${shown(payload)} => ${codeOf(await call(socket, event, payload))}`);
    expect(got).to.deep.equal(cases.map(([event, payload]) => `${event} ${shown(payload)} => ${code}`));
    if (code !== 'ok') expect(await seqOf(listId, alice)).to.equal(seqBefore);
    await ok(socket, 'list:members', { listId: inbox });
  }

  async function seqOf(listId: string, u: TestUser): Promise<number> {
    return (await request<TaskPage>(server(), 'GET', `/api/lists/${listId}/tasks`, { token: u.token })).body.seq;
  }

  async function newTask(title = 'Task'): Promise<Task> {
    return (await ok(socket, 'task:create', { listId: inbox, title })).task;
  }

  it('answers wrong types and missing fields with validation_error and keeps serving', async () => {
    const { id } = await newTask();
    await expectAll(
      [
        ['list:create', {}],
        ['list:create', { name: 5 }],
        ['list:create', { name: null }],
        ['list:create', 'Groceries'],
        ['list:create', ['Groceries']],
        ['list:create', null],
        ['list:rename', { id: inbox }],
        ['list:rename', { id: inbox, name: ['x'] }],
        ['list:delete', {}],
        ['list:members', {}],
        ['list:members', 42],
        ['list:share', { listId: inbox, email: 'not-an-email', role: 'editor' }],
        ['list:share', { listId: inbox, email: bob.email }],
        ['list:share', { listId: inbox, email: bob.email, role: 'owner' }],
        ['list:unshare', { listId: inbox }],
        ['task:create', { listId: inbox }],
        ['task:create', { title: 'No list' }],
        ['task:create', { listId: inbox, title: 42 }],
        ['task:create', { listId: inbox, title: 'x', notes: 5 }],
        ['task:create', { listId: inbox, title: 'x', dueAt: 'tomorrow' }],
        ['task:create', { listId: inbox, title: 'x', position: 7 }],
        ['task:create', { listId: inbox, title: 'x', priority: 'high' }],
        ['task:update', { id }],
        ['task:update', { id, patch: {} }],
        ['task:update', { id, patch: 'done' }],
        ['task:update', { id, patch: { completed: 'maybe' } }],
        ['task:update', { id, patch: { title: null } }],
        ['task:update', { id, patch: { title: 'x' }, expectedVersion: 0 }],
        ['task:update', { id, patch: { title: 'x' }, expectedVersion: 'one' }],
        ['task:delete', {}],
        ['task:delete', { id, expectedVersion: 1.5 }],
        ['sync', { cursors: { [inbox]: -1 } }],
        ['sync', { cursors: [] }],
        ['auth:refresh', {}],
        ['auth:refresh', { token: 42 }],
      ],
      'validation_error',
    );
  });
});

describe('malformed events and handshakes', () => {
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
  }); // a fresh socket: a full rate-limit bucket

  /** Sends every case and expects `code` for each; then the list's seq is unchanged and the socket still serves. */
  async function expectAll(cases: Case[], code: ErrorCode | 'ok', listId = inbox): Promise<void> {
    const seqBefore = await seqOf(listId, alice);
    const got = [];
    for (const [event, payload] of cases)
      got.push(`${event} ${shown(payload)} => ${codeOf(await call(socket, event, payload))}`);
    expect(got).to.deep.equal(cases.map(([event, payload]) => `${event} ${shown(payload)} => ${code}`));
    if (code !== 'ok') expect(await seqOf(listId, alice)).to.equal(seqBefore);
    await ok(socket, 'list:members', { listId: inbox });
  }

  async function seqOf(listId: string, u: TestUser): Promise<number> {
    return (await request<TaskPage>(server(), 'GET', `/api/lists/${listId}/tasks`, { token: u.token })).body.seq;
  }

  async function newTask(title = 'Task'): Promise<Task> {
    return (await ok(socket, 'task:create', { listId: inbox, title })).task;
  }

  it('enforces the limits after trimming: title 1 to 500, notes up to 10,000, list name 1 to 200', async () => {
    const { id } = await newTask();
    await expectAll(
      [
        ['task:create', { listId: inbox, title: `  ${'t'.repeat(500)}  ` }],
        ['task:update', { id, patch: { title: ` ${'t'.repeat(500)} ` } }],
        ['task:create', { listId: inbox, title: 'x', notes: 'n'.repeat(10_000) }],
        ['task:update', { id, patch: { notes: 'n'.repeat(10_000) } }],
        ['task:update', { id, patch: { notes: '' } }],
        ['list:create', { name: ` ${'l'.repeat(200)} ` }],
        ['list:rename', { id: inbox, name: `${'l'.repeat(200)}  ` }],
      ],
      'ok',
    );
    await expectAll(
      [
        ['task:create', { listId: inbox, title: 't'.repeat(501) }],
        ['task:update', { id, patch: { title: 't'.repeat(501) } }],
        ['task:create', { listId: inbox, title: '   ' }],
        ['task:create', { listId: inbox, title: '' }],
        ['task:update', { id, patch: { title: ' \t\n ' } }],
        ['task:create', { listId: inbox, title: 'x', notes: 'n'.repeat(10_001) }],
        ['task:update', { id, patch: { notes: 'n'.repeat(10_001) } }],
        ['list:create', { name: 'l'.repeat(201) }],
        ['list:create', { name: '  ' }],
        ['list:rename', { id: inbox, name: 'l'.repeat(201) }],
        ['list:rename', { id: inbox, name: '' }],
      ],
      'validation_error',
    );
    expect(await ok(socket, 'list:rename', { id: inbox, name: ' Inbox ' })).to.have.nested.property(
      'list.name',
      'Inbox',
    );
  });

  it('accepts priorities 0 to 3 only', async () => {
    const { id } = await newTask();
    await expectAll(
      [0, 3].flatMap((priority): Case[] => [
        ['task:create', { listId: inbox, title: 'p', priority }],
        ['task:update', { id, patch: { priority } }],
      ]),
      'ok',
    );
    await expectAll(
      [-1, 4, 1.5, 1000].flatMap((priority): Case[] => [
        ['task:create', { listId: inbox, title: 'p', priority }],
        ['task:update', { id, patch: { priority } }],
      ]),
      'validation_error',
    );
  });

  it('refuses values the database cannot hold with validation_error, never internal nor altered', async () => {
    await expectAll(
      [
        ['task:create', { listId: inbox, title: 'x', dueAt: '-000001-06-01T00:00:00.000Z' }],
        ['task:create', { listId: inbox, title: 'x', dueAt: '+010000-01-01T00:00:00.000Z' }],
      ],
      'validation_error',
    );
    // a NUL character cannot be stored: refusing it is fine, changing the text silently is not
    for (const payload of [
      { listId: inbox, title: 'a\u0000b' },
      { listId: inbox, title: 'x', notes: 'n\u0000' },
    ]) {
      const ack = await call(socket, 'task:create', payload);
      if (ack.ok) expect(ack.data.task).to.include({ title: payload.title, notes: payload.notes ?? '' });
      else expect(ack.error.code).to.equal('validation_error');
    }
  });
});

describe('malformed events and handshakes', () => {
  let alice: TestUser;
  let bob: TestUser;
  let inbox: string;
  let bobsList: string;
  let bobsTask: Task;
  let socket: ClientSocket;
  const server = useServer();
  const open = devices(server);

  before(async () => {
    [alice, bob] = await Promise.all([registerUser(server()), registerUser(server())]);
    inbox = await inboxOf(server(), alice.token);
    bobsList = await inboxOf(server(), bob.token);
    bobsTask = (
      await request<{ task: Task }>(server(), 'POST', `/api/lists/${bobsList}/tasks`, {
        token: bob.token,
        body: { title: "Bob's" },
      })
    ).body.task;
  });
  beforeEach(async () => {
    socket = await open(alice.token);
  }); // a fresh socket: a full rate-limit bucket

  /** Sends every case and expects `code` for each; then the list's seq is unchanged and the socket still serves. */
  async function expectAll(cases: Case[], code: ErrorCode | 'ok', listId = inbox): Promise<void> {
    const seqBefore = await seqOf(listId, alice);
    const got = [];
    for (const [event, payload] of cases)
      got.push(`${event} ${shown(payload)} => ${codeOf(await call(socket, event, payload))}`);
    expect(got).to.deep.equal(cases.map(([event, payload]) => `${event} ${shown(payload)} => ${code}`));
    if (code !== 'ok') expect(await seqOf(listId, alice)).to.equal(seqBefore);
    await ok(socket, 'list:members', { listId: inbox });
  }

  async function seqOf(listId: string, u: TestUser): Promise<number> {
    return (await request<TaskPage>(server(), 'GET', `/api/lists/${listId}/tasks`, { token: u.token })).body.seq;
  }

  async function newTask(title = 'Task'): Promise<Task> {
    return (await ok(socket, 'task:create', { listId: inbox, title })).task;
  }

  it("answers unknown ids and another user's ids with the same not_found, and changes nothing of theirs", async () => {
    const bobSeq = await seqOf(bobsList, bob);
    const forms = (listId: string, taskId: string): Case[] => [
      ['list:rename', { id: listId, name: 'Mine now' }],
      ['list:delete', { id: listId }],
      ['list:members', { listId }],
      ['list:share', { listId, email: alice.email, role: 'editor' }],
      ['list:unshare', { listId, userId: bob.user.id }],
      ['task:create', { listId, title: 'Sneaky' }],
      ['task:update', { id: taskId, patch: { title: 'Mine now' } }],
      ['task:update', { id: taskId, patch: { listId: inbox } }],
      ['task:delete', { id: taskId }],
    ];
    const answer = async ([event, payload]: Case) => call(socket, event, payload);
    const unknown = await Promise.all(forms(uuid(), uuid()).map(answer));
    const theirs = await Promise.all(forms(bobsList, bobsTask.id).map(answer));
    expect(unknown.map(codeOf)).to.deep.equal(Array(unknown.length).fill('not_found'));
    expect(theirs).to.deep.equal(unknown);
    // moving one's own task into someone else's list
    const { id } = await newTask();
    expect(await call(socket, 'task:update', { id, patch: { listId: bobsList } })).to.deep.equal(
      await call(socket, 'task:update', { id, patch: { listId: uuid() } }),
    );
    expect(await seqOf(bobsList, bob)).to.equal(bobSeq);
    const bobs = await request<TaskPage>(server(), 'GET', `/api/lists/${bobsList}/tasks`, { token: bob.token });
    expect(bobs.body.tasks).to.deep.equal([bobsTask]);
  });

  it('refuses ids that are not UUIDs with validation_error', async () => {
    const { id } = await newTask();
    const bad = ['not-a-uuid', '', '42', 'zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz', `${uuid()}x`, "' OR 1=1 --"];
    await expectAll(
      bad.flatMap((x): Case[] => [
        ['list:create', { id: x, name: 'L' }],
        ['list:rename', { id: x, name: 'L' }],
        ['list:delete', { id: x }],
        ['list:members', { listId: x }],
        ['list:share', { listId: x, email: bob.email, role: 'viewer' }],
        ['list:unshare', { listId: inbox, userId: x }],
        ['task:create', { listId: x, title: 't' }],
        ['task:create', { listId: inbox, id: x, title: 't' }],
        ['task:create', { listId: inbox, title: 't', mutationId: x }],
        ['task:update', { id: x, patch: { title: 't' } }],
        ['task:update', { id, patch: { listId: x } }],
        ['task:delete', { id: x }],
      ]),
      'validation_error',
    );
  });

  it('refuses a payload over 64 KiB with payload_too_large and keeps serving the socket', async () => {
    const { id } = await newTask();
    await expectAll(
      [
        ['task:create', { listId: inbox, title: 'big', notes: 'n'.repeat(65 * 1024) }],
        ['task:update', { id, patch: { notes: 'n'.repeat(70 * 1024) } }],
        ['list:create', { name: 'l'.repeat(70 * 1024) }],
      ],
      'payload_too_large',
    );
    // just under the size limit, the same fields are judged on their content
    await expectAll(
      [['task:create', { listId: inbox, title: 'big', notes: 'n'.repeat(60 * 1024) }]],
      'validation_error',
    );
  });
});

describe('malformed events and handshakes', () => {
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
  }); // a fresh socket: a full rate-limit bucket

  it('drops an event sent without an ack function, and keeps serving', async () => {
    const { list } = await ok(socket, 'list:create', { name: 'No acks' });
    const other = await open(alice.token);
    const seen = record(other);
    (socket as unknown as { emit(event: string, payload: unknown): void }).emit('task:create', {
      listId: list.id,
      title: 'Dropped',
    });
    (socket as unknown as { emit(event: string, payload: unknown): void }).emit('list:rename', {
      id: list.id,
      name: 'Dropped',
    });
    const onOther = next(other, 'task:created');
    const { task } = await ok(socket, 'task:create', { listId: list.id, title: 'Kept' });
    expect((await onOther).task).to.deep.equal(task);
    expect(task.seq).to.equal(1);
    expect(seen.map((e) => e.event)).to.deep.equal(['task:created']);
    const tasks = await request<TaskPage>(server(), 'GET', `/api/lists/${list.id}/tasks`, { token: alice.token });
    expect(tasks.body).to.deep.include({ seq: 1 });
    expect(tasks.body.tasks.map((t) => t.title)).to.deep.equal(['Kept']);
  });

  it('answers an unknown event sent with an ack with not_found, and keeps serving', async () => {
    const loose = socket as unknown as {
      timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<Ack<unknown>> };
    };
    const ack = await loose.timeout(5000).emitWithAck('task:crate', { title: 'typo' });
    expect(ack.ok || ack.error.code).to.equal('not_found');
    expect(ack.ok || ack.error.message).to.include('task:crate');
    await ok(socket, 'list:create', { name: 'Still serving' });
  });

  it('answers an event sent with an ack function but no payload', async () => {
    const bare = (event: ClientEventName): Promise<Ack<unknown>> =>
      (socket.timeout(5000) as unknown as { emitWithAck(event: string): Promise<Ack<unknown>> }).emitWithAck(event);
    expect(codeOf(await bare('list:members'))).to.equal('validation_error');
    expect(codeOf(await bare('task:create'))).to.equal('validation_error');
    const sync = await bare('sync'); // every field of sync is optional
    expect(codeOf(sync)).to.equal('ok');
    if (sync.ok) expect(sync.data).to.have.nested.property(`cursors.${inbox}`);
  });

  it('answers an event sent with two payloads before its ack with validation_error, and applies nothing', async () => {
    const twice = (event: ClientEventName, a: unknown, b: unknown): Promise<Ack<unknown>> =>
      (
        socket.timeout(5000) as unknown as { emitWithAck(event: string, a: unknown, b: unknown): Promise<Ack<unknown>> }
      ).emitWithAck(event, a, b);
    expect(codeOf(await twice('list:create', { name: 'Twice' }, { name: 'Twice' }))).to.equal('validation_error');
    expect(codeOf(await twice('sync', {}, {}))).to.equal('validation_error');
    const lists = await request<{ lists: List[] }>(server(), 'GET', '/api/lists', { token: alice.token });
    expect(lists.body.lists.map((l) => l.name)).not.to.include('Twice');
  });
});

describe('malformed events and handshakes', () => {
  let alice: TestUser;
  let socket: ClientSocket;
  const server = useServer();
  const open = devices(server);

  before(async () => {
    alice = await registerUser(server());
  });
  beforeEach(async () => {
    socket = await open(alice.token);
  }); // a fresh socket: a full rate-limit bucket

  it('limits each socket to about 50 events a second with bursts to 100, acking every event exactly once', async () => {
    const other = await open(alice.token);
    const { list } = await ok(other, 'list:create', { name: 'Burst' }); // the burst socket has sent nothing yet
    const ackIds: number[] = [];
    socket.io.on('packet', (packet) => {
      if ((packet.type as number) === ACK) ackIds.push(packet.id!);
    });
    const started = Date.now();
    const acks = await Promise.all(
      Array.from({ length: 150 }, (_, i) => call(socket, 'task:create', { listId: list.id, title: `#${i}` }, 15_000)),
    );
    const seconds = (Date.now() - started) / 1000;
    const codes = acks.map(codeOf);
    expect(new Set(codes)).to.deep.equal(new Set(['ok', 'rate_limited']));
    expect(codes.slice(0, 100)).to.deep.equal(Array(100).fill('ok')); // the burst
    const accepted = codes.filter((c) => c === 'ok').length;
    expect(accepted).to.be.at.most(100 + Math.ceil(seconds * 50) + 1);

    await call(socket, 'list:members', { listId: list.id }); // any late duplicate ack would have arrived before this one
    expect(ackIds).to.have.length(151);
    expect(new Set(ackIds).size).to.equal(151);
    // refused events were not applied, and the limit is per socket: another device of the user is served at once
    const tasks = await request<TaskPage>(server(), 'GET', `/api/lists/${list.id}/tasks`, { token: alice.token });
    expect(tasks.body.tasks).to.have.length(accepted);
    expect(codeOf(await call(other, 'list:members', { listId: list.id }))).to.equal('ok');
  });
});

describe('malformed events and handshakes', () => {
  let alice: TestUser;
  const server = useServer();
  const open = devices(server);

  before(async () => {
    alice = await registerUser(server());
  });
  beforeEach(async () => {}); // a fresh socket: a full rate-limit bucket

  describe('handshake', () => {
    const claims = () => ({
      sub: alice.user.id,
      ver: (jwt.decode(alice.token) as { ver: number }).ver,
      exp: inAnHour(),
    });

    it('accepts a valid token in auth or in an Authorization: Bearer header (the forged tokens below are well made)', async () => {
      expect(await handshake(server(), { auth: { token: jwt.sign(claims(), TEST_SECRET) } })).to.equal('connected');
      expect(await handshake(server(), { extraHeaders: { authorization: `Bearer ${alice.token}` } })).to.equal(
        'connected',
      );
    });

    const refused: Array<[string, () => ConnectOptions]> = [
      ['no token', () => ({})],
      ['an empty token', () => ({ auth: { token: '' } })],
      ['a token that is not a string', () => ({ auth: { token: 42 } })],
      ['a malformed token', () => ({ auth: { token: 'not.a.jwt' } })],
      ['a malformed Bearer header', () => ({ extraHeaders: { authorization: 'Bearer' } })],
      ['a wrong Bearer header', () => ({ extraHeaders: { authorization: 'Bearer garbage' } })],
      [
        'a token signed with another secret',
        () => ({ auth: { token: jwt.sign(claims(), 'another-secret-that-is-long-enough-0123456789') } }),
      ],
      ['a token with alg none', () => ({ auth: { token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.` } })],
      [
        'an expired token',
        () => ({ auth: { token: jwt.sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 10 }, TEST_SECRET) } }),
      ],
      [
        'a token without an expiry',
        () => ({
          auth: { token: jwt.sign({ sub: alice.user.id, ver: claims().ver } satisfies JwtPayload, TEST_SECRET) },
        }),
      ],
      [
        'a token of an older token version',
        () => ({ auth: { token: jwt.sign({ ...claims(), ver: claims().ver - 1 }, TEST_SECRET) } }),
      ],
      [
        'a token of a user that does not exist',
        () => ({ auth: { token: jwt.sign({ ...claims(), sub: uuid() } satisfies JwtPayload, TEST_SECRET) } }),
      ],
    ];
    for (const [what, opts] of refused) {
      it(`refuses ${what} with connect_error "unauthorized"`, async () => {
        expect(await handshake(server(), opts())).to.equal('unauthorized');
      });
    }

    it("refuses every token issued before logout-all, and disconnects the user's open sockets", async () => {
      const carol = await registerUser(server());
      const open1 = await open(carol.token);
      const gone = disconnected(open1);
      expect((await request(server(), 'POST', '/api/auth/logout-all', { token: carol.token })).status).to.equal(204);
      await gone;
      expect(await handshake(server(), { auth: { token: carol.token } })).to.equal('unauthorized');
      const fresh = await request<AuthResult>(server(), 'POST', '/api/auth/login', {
        body: { email: carol.email, password: carol.password },
      });
      expect(await handshake(server(), { auth: { token: fresh.body.token } })).to.equal('connected');
    });
  });
});
