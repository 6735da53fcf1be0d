/**
 * Property-based fuzzing of the wire contract (shared CONTRACT.md) with fast-check: random and hostile
 * payloads to every socket event and every route of a real server, real clients and a real database.
 * Every answer must be a contract answer (exactly one ack, never `internal`, never a 500 nor a stack or
 * SQL), nothing the contract refuses may be stored, no one may reach a list they were not given, and the
 * server must keep serving in bounded memory. A failure prints fast-check's seed and shrunk
 * counter-example; FUZZ_SEED and FUZZ_RUNS (runs per socket event) override the defaults.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { QueryTypes } from 'sequelize';
import { ClientEvent, type ClientEventName } from '../shared/events';
import { LIMITS } from '../shared/limits';
import { ERROR_STATUS, type ErrorCode, type List, type Task, type TaskPage } from '../shared/types';
import { testDb } from './support/database';
import {
  connect,
  devices,
  inboxOf,
  ok,
  registerUser,
  request,
  startServer,
  TEST_SECRET,
  type ClientSocket,
  type HttpResult,
  type TestServer,
  type TestUser,
} from './support/server';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const HTTP_RUNS = Math.ceil(RUNS * 0.75);
const ACK_MS = 2000;
/** socket.io-parser's PacketType.ACK and BINARY_ACK, as numbers: socket.io-client does not re-export the enum. */
const [ACK, BINARY_ACK] = [3, 6];
/** Socket payloads stay under the server's read buffer (64 KiB + 8 KiB): larger may close the socket, as the contract allows. */
const MAX_SOCKET_JSON = 71_000;
const CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
/** What a stack trace, an SQL statement or a driver error looks like in an answer. */
const LEAK =
  /\n\s+at |node_modules|sequelize|\bselect\b[\s\S]{0,200}\bfrom\b|\binsert into\b|\bsyntax error\b|violates|\brelation "|pg_catalog/i;
const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

/** JSON.stringify, typed as it behaves: undefined for undefined, a function or a symbol. */
const stringify = (v: unknown): string | undefined => JSON.stringify(v);

const short = (v: unknown, n = 300): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = String(v);
  }
  text ??= 'undefined';
  return text.length > n ? `${text.slice(0, n)}…(${text.length} chars)` : text;
};
const jsonBytes = (v: unknown): number => {
  try {
    return Buffer.byteLength(stringify(v) ?? '');
  } catch {
    return Infinity;
  }
};

/** An object holding these keys as its own (so `__proto__` is a key, not the prototype). */
function own(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}
const deepText = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

// ---------------------------------------------------------------- the contract's limits as checks

/** Why a stored or answered task breaks the contract's limits, if it does. */
function taskProblems(t: { title: unknown; notes: unknown; priority: unknown; position: unknown }): string[] {
  const bad: string[] = [];
  const title = String(t.title);
  if (title !== title.trim() || title.length < 1 || title.length > LIMITS.titleMax)
    bad.push(`title ${short(title, 80)}`);
  if (String(t.notes).length > LIMITS.notesMax) bad.push(`notes of ${String(t.notes).length}`);
  if (!Number.isInteger(Number(t.priority)) || Number(t.priority) < 0 || Number(t.priority) > LIMITS.priorityMax)
    bad.push(`priority ${String(t.priority)}`);
  if (String(t.position).length > LIMITS.positionMax) bad.push(`position of ${String(t.position).length}`);
  if ([t.title, t.notes, t.position].some((s) => String(s).includes('\u0000'))) bad.push('a NUL character');
  return bad;
}

function listProblems(l: { name: unknown }): string[] {
  const name = String(l.name);
  const bad =
    name !== name.trim() || name.length < 1 || name.length > LIMITS.listNameMax ? [`name ${short(name, 80)}`] : [];
  return name.includes('\u0000') ? [...bad, 'a NUL character'] : bad;
}

/** Every task and list found in an answer respects the limits. */
function expectEntitiesWithinLimits(data: unknown, what: string): void {
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    const o = v as Record<string, unknown>;
    if ('title' in o && 'listId' in o)
      expect(taskProblems(o as never), `${what}: answered task ${short(o)}`).to.deep.equal([]);
    if ('ownerId' in o && 'name' in o)
      expect(listProblems(o as never), `${what}: answered list ${short(o)}`).to.deep.equal([]);
    Object.values(o).forEach(walk);
  };
  walk(data);
}

/** `{ok:true, data}` or `{ok:false, error:{code, message, details?}}` with a contract code other than internal. */
function expectContractAck(ack: unknown, what: string): void {
  const answer = `${what} => ${short(ack, 500)}`;
  expect(ack, answer).to.be.an('object');
  const a = ack as Record<string, unknown>;
  if (a.ok === true) {
    expect(Object.keys(a).sort(), answer).to.deep.equal(['data', 'ok']);
    expect(a.data, answer).to.not.equal(undefined);
    expectEntitiesWithinLimits(a.data, what);
  } else {
    expect(a.ok, answer).to.equal(false);
    expect(Object.keys(a).sort(), answer).to.deep.equal(['error', 'ok']);
    const e = a.error as Record<string, unknown>;
    expect(e, answer).to.be.an('object');
    expect(
      Object.keys(e).filter((k) => !['code', 'message', 'details'].includes(k)),
      answer,
    ).to.deep.equal([]);
    expect(CODES, answer).to.include(e.code);
    expect(e.code, answer).to.not.equal('internal');
    expect(e.message, answer).to.be.a('string');
  }
  expect(LEAK.test(JSON.stringify(ack)), `${answer}: leaks a stack or SQL`).to.equal(false);
}

/** A contract status and body: success statuses as given, else `{error:{code,message}}` whose code matches the status. */
function expectContractHttp(res: HttpResult, what: string, successes: number[] = [200, 201, 204]): void {
  const text = typeof res.body === 'string' ? res.body : (stringify(res.body) ?? '');
  const answer = `${what} => ${res.status} ${short(res.body, 500)}`;
  expect(LEAK.test(text), `${answer}: leaks a stack or SQL`).to.equal(false);
  expect(res.status, answer).to.not.equal(500);
  if (res.status < 400) {
    expect(successes, answer).to.include(res.status);
    expectEntitiesWithinLimits(res.body, what);
    return;
  }
  expect(res.body, answer).to.be.an('object');
  const body = res.body as Record<string, unknown>;
  expect(Object.keys(body), answer).to.deep.equal(['error']);
  const e = body.error as Record<string, unknown>;
  expect(e, answer).to.be.an('object');
  expect(CODES, answer).to.include(e.code);
  expect(ERROR_STATUS[e.code as ErrorCode], `${answer}: code and status disagree`).to.equal(res.status);
  expect(e.code, answer).to.not.equal('internal');
  expect(e.message, answer).to.be.a('string');
}

// ---------------------------------------------------------------- arbitraries

const ODD_STRINGS = [
  '',
  ' ',
  '   ',
  '\t\n\r',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '\u200b',
  '\u0000',
  'a\u0000b',
  ' \u0000 ',
  '\u0001\u0002\u001f\u007f',
  '\ud800',
  'a\udc00b',
  '\udfff\ud800',
  '\ud83d',
  'é',
  'e\u0301',
  '😀',
  '\u202eevil',
  'null',
  'undefined',
  'true',
  '0',
  '-0',
  '1e400',
  'NaN',
  "' OR 1=1 --",
  '"; DROP TABLE tasks; --',
  '\\',
  '\\u0000',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '%',
  '\r\nX-Injected: 1',
];
const LENGTH_LIMITS = [
  LIMITS.userNameMax,
  LIMITS.listNameMax,
  LIMITS.titleMax,
  LIMITS.positionMax,
  LIMITS.notesMax,
  LIMITS.emailMax,
  LIMITS.passwordMaxBytes,
];
const charOf = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));

/** Empty, whitespace, each limit -1/0/+1 (padded or not, in one- to four-byte characters), controls, lone surrogates, up to ~70 KB. */
const boundaryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...LENGTH_LIMITS),
        fc.constantFrom(-1, 0, 1),
        fc.constantFrom('x', 'é', '€', '😀', ' ', '\u0001'),
        fc.boolean(),
      )
      .map(([n, d, ch, pad]) => {
        const s = ch.repeat(Math.max(0, n + d));
        return pad ? `  ${s}\t` : s;
      }),
  },
  { weight: 1, arbitrary: fc.constantFrom(60_000, 65_536, 65_537, 70_000).map((n) => 'x'.repeat(n)) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: charOf(0, 0x1f), minLength: 1, maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: charOf(0xd800, 0xdfff), minLength: 1, maxLength: 4 }).map((s) => `t${s}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\u0001', '\ud800'))
      .map(([s, c]) => ` ${s}${c}`),
  },
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    2,
    3,
    4,
    -1,
    0.5,
    1.5,
    3.0000001,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 53 - 1,
    2 ** 53 + 2,
    -(2 ** 63),
    1e21,
    1e308,
    -1e308,
    Number.MIN_VALUE,
    Number.EPSILON,
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.integer(),
  fc.double(),
);

const POLLUTING_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isAdmin',
  'role',
  'ownerId',
  'userId',
  'seq',
  'version',
  'createdBy',
  'deletedAt',
  'passwordHash',
  '$where',
  'id',
  'listId',
];
const polluted: fc.Arbitrary<Record<string, unknown>> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...POLLUTING_KEYS),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constant({ polluted: true }),
        fc.constant({ prototype: { polluted: true } }),
        fc.constant('owner'),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map(own);

const deepValue: fc.Arbitrary<unknown> = fc
  .integer({ min: 50, max: 2000 })
  .map((d) => JSON.parse(deepText(d)) as unknown);

/** Anything a hostile client could put in a field. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: boundaryString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 3, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: polluted },
  { weight: 1, arbitrary: deepValue },
);

/** A field of a payload: its valid values and its hostile ones. */
interface Spec {
  valid: fc.Arbitrary<unknown>;
  bad: fc.Arbitrary<unknown>;
}
const spec = (valid: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown> = hostile): Spec => ({
  valid,
  bad: fc.oneof(bad, hostile),
});

/** Mostly the valid value, sometimes a hostile one. */
const field = (valid: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown> = hostile): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: bad });
const fieldOf = (s: Spec): fc.Arbitrary<unknown> => field(s.valid, s.bad);

/** `arb` about once in `n`, else null (fc.option's `freq` is the other way round: the chance of null). */
const rarely = <T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

/** The record's keys plus polluting ones (`__proto__`, `constructor`, `ownerId`...) now and then; the record's own keys win. */
const withPollution = (record: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(record, rarely(polluted, 3))
    .map(([r, extra]) => (extra ? own([...Object.entries(extra), ...Object.entries(r)]) : r));

/**
 * A payload shaped like the real one: all valid (optional keys present or not), valid but one field
 * hostile (or missing), every field valid or hostile at random, or anything at all.
 */
function shaped(model: Record<string, Spec>, required: string[]): fc.Arbitrary<unknown> {
  const keys = Object.keys(model);
  const valid = fc.record(Object.fromEntries(keys.map((k) => [k, model[k].valid])), {
    requiredKeys: required,
  }) as fc.Arbitrary<Record<string, unknown>>;
  const oneBad = fc
    .tuple(valid, fc.constantFrom(...keys))
    .chain(([r, key]) => model[key].bad.map((v) => own([...Object.entries(r).filter(([k]) => k !== key), [key, v]])));
  const mixed = fc.record(Object.fromEntries(keys.map((k) => [k, fieldOf(model[k])])), {
    requiredKeys: [],
  }) as fc.Arbitrary<Record<string, unknown>>;
  return fc.oneof(
    { weight: 4, arbitrary: withPollution(valid) },
    { weight: 4, arbitrary: oneBad },
    { weight: 2, arbitrary: withPollution(mixed) },
    { weight: 1, arbitrary: hostile },
  );
}

const validName = fc.string({ minLength: 1, maxLength: 20 });
const validPosition = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 });
const isoDate = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }).map((d) => d.toISOString());
const oddDate: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00.000Z',
    '-000001-06-01T00:00:00.000Z',
    '-004713-11-24T00:00:00.000Z',
    '-004714-11-23T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    '+275760-09-13T00:00:00.001Z',
    '2026-02-30T00:00:00Z',
    '2026-11-24',
    '2026-11-24T10:00:00+14:00',
    '2026-11-24T10:00:00.123456789Z',
    'tomorrow',
    '',
    'Infinity',
    '1e400',
    0,
    -1,
    8.64e15,
    8.64e15 + 1,
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  hostile,
);

interface Pools {
  /** Lists alice may use (hers, and lists of others she was given or not). */
  lists: string[];
  /** Lists alice may lose to list:delete and list:unshare without spoiling the other properties. */
  doomedLists: string[];
  tasks: string[];
  doomedTasks: string[];
  emails: string[];
  userIds: string[];
  tokens: string[];
  mutationIds: string[];
}

/** A pool id as is, in upper case, padded, braced, cut or extended; or a random UUID; or anything. */
const idFrom = (pool: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...pool) },
    { weight: 1, arbitrary: fc.constantFrom(...pool).map((s) => s.toUpperCase()) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...pool),
          fc.constantFrom(
            (s: string) => ` ${s} `,
            (s: string) => `{${s}}`,
            (s: string) => s.replace(/-/g, ''),
            (s: string) => `${s}x`,
            (s: string) => s.slice(0, -1),
            (s: string) => `${s}\u0000`,
            (s: string) => `'${s}' OR 1=1`,
          ),
        )
        .map(([s, f]) => f(s)),
    },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 1,
      arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
    },
    { weight: 2, arbitrary: hostile },
  );

function eventPayloads(p: Pools): Record<ClientEventName, fc.Arbitrary<unknown>> {
  const ids = (pool: string[]): Spec => ({ valid: fc.constantFrom(...pool), bad: idFrom(pool) });
  const lists = ids(p.lists);
  const mutationId = spec(fc.oneof(fc.uuid(), fc.constantFrom(...p.mutationIds)));
  const task = {
    title: spec(validName, boundaryString),
    notes: spec(fc.string({ maxLength: 40 }), boundaryString),
    dueAt: spec(fc.oneof(fc.constant(null), isoDate('2000-01-01', '2100-01-01')), oddDate),
    priority: spec(fc.integer({ min: 0, max: 3 }), hostileNumber),
    position: spec(validPosition, boundaryString),
  };
  const patch = { ...task, completed: spec(fc.boolean()), listId: lists };
  const patchRecord = fc.record(Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, v.valid])), {
    requiredKeys: [],
  });
  const cursors = fc.dictionary(fc.constantFrom(...p.lists), fc.nat(50), { maxKeys: 6 });
  const hostileCursors = fc.dictionary(
    fc.oneof(fc.constantFrom(...p.lists), idFrom(p.lists).map(String)),
    field(fc.nat(50), hostileNumber),
    { maxKeys: 6 },
  );
  return {
    'list:create': shaped(
      { id: spec(fc.uuid(), idFrom([...p.lists, ...p.tasks])), name: spec(validName, boundaryString), mutationId },
      ['name'],
    ),
    'list:rename': shaped({ id: lists, name: spec(validName, boundaryString), mutationId }, ['id', 'name']),
    'list:delete': shaped({ id: ids([...p.doomedLists, ...p.lists.slice(-3)]), mutationId }, ['id']),
    'list:share': shaped(
      {
        listId: lists,
        email: spec(fc.constantFrom(...p.emails), boundaryString),
        role: spec(
          fc.constantFrom('editor', 'viewer'),
          fc.constantFrom('owner', 'Editor', 'admin', '', ' viewer', null),
        ),
      },
      ['listId', 'email', 'role'],
    ),
    'list:unshare': shaped({ listId: ids([...p.doomedLists, ...p.lists]), userId: ids(p.userIds) }, [
      'listId',
      'userId',
    ]),
    'list:members': shaped({ listId: lists }, ['listId']),
    'task:create': shaped({ listId: lists, id: spec(fc.uuid(), idFrom(p.tasks)), ...task, mutationId }, [
      'listId',
      'title',
    ]),
    'task:update': shaped(
      {
        id: ids(p.tasks),
        patch: spec(patchRecord, shaped(patch, [])),
        expectedVersion: spec(fc.integer({ min: 1, max: 5 }), hostileNumber),
        mutationId,
      },
      ['id', 'patch'],
    ),
    'task:delete': shaped(
      {
        id: ids([...p.doomedTasks, ...p.tasks.slice(-2)]),
        expectedVersion: spec(fc.integer({ min: 1, max: 3 }), hostileNumber),
        mutationId,
      },
      ['id'],
    ),
    sync: shaped({ cursors: spec(cursors, hostileCursors) }, []),
    'auth:refresh': shaped({ token: spec(fc.constantFrom(...p.tokens), boundaryString) }, ['token']),
    'user:block': shaped({ userId: ids(p.userIds), leave: spec(fc.boolean()), mutationId }, ['userId']),
    'user:unblock': shaped({ userId: ids(p.userIds), mutationId }, ['userId']),
    'blocks:list': fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: hostile }),
    'lists:leave': shaped({ ownerId: ids(p.userIds), mutationId }, ['ownerId']),
  };
}

/** JSON texts a well-behaved client library never writes: deep nesting, duplicate and `__proto__` keys, numbers out of range. */
const rawJsonText = (p: Pools): fc.Arbitrary<string> =>
  fc.oneof(
    fc.integer({ min: 100, max: 20_000 }).map((d) => deepText(d)),
    fc
      .tuple(fc.constantFrom(...p.lists), fc.integer({ min: 100, max: 20_000 }))
      .map(([id, d]) => `{"listId":"${id}","id":"${id}","title":"deep","name":"deep","x":${deepText(d)}}`),
    fc
      .tuple(fc.constantFrom(...p.lists), fc.integer({ min: 100, max: 20_000 }))
      .map(([id, d]) => `{"listId":"${id}","title":${deepText(d, '"t"')}}`),
    fc
      .constantFrom(...p.lists)
      .map((id) => `{"listId":"${id}","id":"${id}","name":"a","name":"  ","title":"a","title":""}`),
    fc
      .constantFrom(...p.lists)
      .map(
        (id) => `{"__proto__":{"polluted":true,"role":"owner"},"listId":"${id}","id":"${id}","name":"p","title":"p"}`,
      ),
    fc
      .constantFrom(...p.lists)
      .map((id) => `{"constructor":{"prototype":{"polluted":true}},"listId":"${id}","title":"p","priority":1e999}`),
    fc.constantFrom(
      '{"cursors":{"__proto__":1}}',
      '{"cursors":{"constructor":0}}',
      '{"priority":-0}',
      '{"title":"\\ud800"}',
      '1e999',
      '-0',
      '""',
    ),
  );

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=bogus',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/*',
  '*/*',
  'application/json, text/plain',
  'application/merge-patch+json',
];
const RAW_BODIES = [
  '{',
  '}',
  '{"a":',
  'nul',
  'null',
  'true',
  '"str"',
  '[]',
  '{}',
  '1e999',
  '-',
  '\u0000',
  '\ufeff{}',
  '{"title":"a","title":"b"}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  'a=1&b=2',
  '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
];

interface HttpBody {
  text?: string;
  type?: string;
  encoding?: string;
}
/** A JSON body of the shaped payload, or anything, raw text, deep nesting, over 64 KiB, under odd content types and encodings. */
function httpBody(payload: fc.Arbitrary<unknown>): fc.Arbitrary<HttpBody> {
  const type = fc.constantFrom(...CONTENT_TYPES);
  return fc
    .tuple(
      fc.oneof(
        {
          weight: 14,
          arbitrary: payload.map((v): HttpBody => ({ text: JSON.stringify(v), type: 'application/json' })),
        },
        {
          weight: 2,
          arbitrary: fc.tuple(hostile, type).map(([v, t]): HttpBody => ({ text: stringify(v) ?? '', type: t })),
        },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.oneof(fc.constantFrom(...RAW_BODIES), fc.string({ unit: 'binary', maxLength: 30 })), type)
            .map(([text, t]) => ({ text, type: t })),
        },
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: 100, max: 30_000 })
            .map((d) => ({ text: `{"name":"n","title":"t","x":${deepText(d)}}`, type: 'application/json' })),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(64 * 1024, 100_000).map((n) => ({
            text: JSON.stringify({ name: 'n', title: 't', notes: 'x'.repeat(n) }),
            type: 'application/json',
          })),
        },
        { weight: 1, arbitrary: fc.constant({}) },
      ),
      rarely(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'), 10),
    )
    .map(([body, encoding]) => (encoding ? { ...body, encoding } : body));
}

// ---------------------------------------------------------------- the fuzz

describe('fuzz: hostile payloads to every event and route', function () {
  this.timeout(60_000);
  let server: TestServer;
  let alice: TestUser; // the fuzzing user
  let victims: TestUser[]; // bob, carol (alice is her viewer), dave (alice is his editor): they never act during the fuzz
  let throwaway: TestUser; // logout-all is fuzzed on this one
  let wanderer: TestUser; // random paths are fuzzed with this one's token
  let pools: Pools;
  let readbackList: string;
  let victimInboxes: string[];
  let heapBefore: number;
  let snapshot: Awaited<ReturnType<typeof victimState>>;
  const sharedAtSetUp = new Set<string>(); // `${listId}/${userId}` of the non-owner memberships made before the fuzz
  const device = devices(() => server);
  const fuzzParams = (extra: Partial<fc.Parameters<unknown>> = {}) =>
    ({ seed: SEED, numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(40_000)], ...extra }) as fc.Parameters<unknown>;

  const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
  const sql = <T extends object>(text: string, bind: unknown[] = []) =>
    testDb().sequelize.query<T>(text, { type: QueryTypes.SELECT, bind });

  /** What the victims hold and alice must not have touched. */
  async function victimState() {
    const ids = victims.map((v) => v.user.id);
    const untouchable = ids.slice(0, 2); // bob and carol: alice at most views; dave's list alice may edit
    return {
      lists: await sql(`SELECT id, name, owner_id, seq FROM lists WHERE owner_id = ANY($1) ORDER BY id`, [ids]),
      members: await sql<{ list_id: string; user_id: string; role: string }>(
        `SELECT m.list_id, m.user_id, m.role FROM list_members m JOIN lists l ON l.id = m.list_id WHERE l.owner_id = ANY($1) ORDER BY 1, 2`,
        [ids],
      ),
      tasks: await sql(
        `SELECT t.* FROM tasks t JOIN lists l ON l.id = t.list_id WHERE l.owner_id = ANY($1) ORDER BY t.id`,
        [untouchable],
      ),
    };
  }

  before(async function () {
    this.timeout(60_000);
    server = await startServer({ socketEventsPerSecond: 100_000, authRateLimit: 100_000 });
    const [a, bob, carol, dave, t, w] = await Promise.all(Array.from({ length: 6 }, () => registerUser(server)));
    [alice, victims, throwaway, wanderer] = [a, [bob, carol, dave], t, w];
    const post = <T>(u: TestUser, path: string, body: object): Promise<T> =>
      request<T>(server, 'POST', path, { token: u.token, body }).then((r) => r.body);

    const aliceLists = [await inboxOf(server, alice.token)];
    for (const name of ['Fuzz A', 'Fuzz B'])
      aliceLists.push((await post<{ list: List }>(alice, '/api/lists', { name })).list.id);
    const doomedLists: string[] = [];
    for (const name of ['Doomed 1', 'Doomed 2', 'Doomed 3'])
      doomedLists.push((await post<{ list: List }>(alice, '/api/lists', { name })).list.id);
    readbackList = (await post<{ list: List }>(alice, '/api/lists', { name: 'Readback' })).list.id;
    const tasks: string[] = [];
    const doomedTasks: string[] = [];
    for (const [i, listId] of [...aliceLists, ...aliceLists].entries())
      tasks.push((await post<{ task: Task }>(alice, `/api/lists/${listId}/tasks`, { title: `Task ${i}` })).task.id);
    for (const [i, listId] of [...aliceLists, doomedLists[0]].entries())
      doomedTasks.push(
        (await post<{ task: Task }>(alice, `/api/lists/${listId}/tasks`, { title: `Doomed ${i}` })).task.id,
      );

    const victimLists: string[] = [];
    for (const [i, v] of victims.entries()) {
      const inbox = await inboxOf(server, v.token);
      victimLists.push(inbox);
      tasks.push(
        (await post<{ task: Task }>(v, `/api/lists/${inbox}/tasks`, { title: `${v.user.name}'s`, notes: 'private' }))
          .task.id,
      );
      if (i === 0) continue; // bob shares nothing
      const socket = await connect(server, v.token);
      try {
        await ok(socket, 'list:share', { listId: inbox, email: alice.email, role: i === 1 ? 'viewer' : 'editor' });
      } finally {
        socket.close();
      }
      sharedAtSetUp.add(`${inbox}/${alice.user.id}`);
    }
    victimInboxes = victimLists;
    const ver = (jwt.decode(alice.token) as { ver: number }).ver;
    const now = Math.floor(Date.now() / 1000);
    pools = {
      lists: [...aliceLists, ...victimLists],
      doomedLists: [...doomedLists, victimLists[0]],
      tasks,
      doomedTasks,
      emails: [
        alice.email,
        ...victims.map((v) => v.email),
        victims[0].email.toUpperCase(),
        ` ${victims[1].email} `,
        'nobody@example.com',
      ],
      userIds: [alice.user.id, ...victims.map((v) => v.user.id), crypto.randomUUID()],
      tokens: [
        alice.token,
        victims[0].token,
        `${alice.token}x`,
        alice.token.slice(0, -2),
        jwt.sign({ ver, exp: now + 7200 }, TEST_SECRET, { subject: alice.user.id }), // a newer valid token of alice
        jwt.sign({ ver, exp: now - 10 }, TEST_SECRET, { subject: alice.user.id }),
        jwt.sign({ ver: ver - 1, exp: now + 7200 }, TEST_SECRET, { subject: alice.user.id }),
        jwt.sign({ ver, exp: now + 7200 }, 'another-secret-that-is-long-enough-0123456789', { subject: alice.user.id }),
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: alice.user.id, ver, exp: now + 7200 })).toString('base64url')}.`,
        'not.a.jwt',
        'a'.repeat(4097),
      ],
      mutationIds: [crypto.randomUUID(), crypto.randomUUID()],
    };
    snapshot = await victimState();
    gc();
    heapBefore = process.memoryUsage().heapUsed;
  });
  after(async () => {
    await (server as TestServer | undefined)?.close(); // unset if before() failed
    if (process.env.FUZZ_STATS)
      for (const [prop, outcomes] of stats)
        process.stdout.write(`    ${prop}: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
  });

  /** Outcomes per property (FUZZ_STATS=1 prints them): how much of the fuzz got past validation. */
  const stats = new Map<string, Map<string, number>>();
  const tally = (prop: string, outcome: unknown): void => {
    const counts = stats.get(prop) ?? new Map<string, number>();
    stats.set(prop, counts);
    counts.set(String(outcome), (counts.get(String(outcome)) ?? 0) + 1);
  };
  const outcomeOf = (ack: unknown): string =>
    (ack as { ok?: boolean }).ok ? 'ok' : String((ack as { error?: { code?: string } }).error?.code);

  /** alice's socket for one property: reconnected if the server closed it, every ack counted per ack id. */
  function fuzzSocket() {
    const tracked: Array<{ socket: ClientSocket; emitted: number; acks: Map<number, number> }> = [];
    const closed: string[] = [];
    let current: (typeof tracked)[number] | undefined;
    let last = '';
    let rawId = 1_000_000_000;
    async function ensure() {
      if (current?.socket.connected) return current;
      const socket = await device(alice.token);
      const entry = { socket, emitted: 0, acks: new Map<number, number>() };
      socket.io.on('packet', (packet) => {
        if (((packet.type as number) === ACK || (packet.type as number) === BINARY_ACK) && packet.nsp === '/')
          entry.acks.set(packet.id!, (entry.acks.get(packet.id!) ?? 0) + 1);
      });
      socket.on('disconnect', (reason) => {
        if (reason !== 'io client disconnect') closed.push(`${reason} after ${last}`);
      });
      tracked.push(entry);
      return (current = entry);
    }
    return {
      /** emit(event, ...args) with an ack; resolves with the ack or fails when none comes within ACK_MS. */
      async emit(event: string, ...args: unknown[]): Promise<unknown> {
        const entry = await ensure();
        last = `${event} ${short(args, 200)}`;
        entry.emitted++;
        try {
          return await (
            entry.socket.timeout(ACK_MS) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }
          ).emitWithAck(event, ...args);
        } catch (err) {
          throw new Error(`no ack within ${ACK_MS} ms for ${last} (${(err as Error).message})`, { cause: err });
        }
      },
      /** Sends `["event", <text>]` as written, with an ack id of its own (socket.io-client would re-encode the payload). */
      async raw(event: string, text: string): Promise<unknown> {
        const entry = await ensure();
        last = `${event} raw ${short(text, 200)}`;
        entry.emitted++;
        const id = rawId++;
        const sock = entry.socket as unknown as {
          acks: Record<number, (a: unknown) => void>;
          io: { engine: { write(m: string): void } };
        };
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- socket.io-client's own ack table, a plain object
            delete sock.acks[id];
            reject(new Error(`no ack within ${ACK_MS} ms for ${last}`));
          }, ACK_MS);
          sock.acks[id] = (answer) => {
            clearTimeout(timer);
            resolve(answer);
          };
          sock.io.engine.write(`2${id}[${JSON.stringify(event)},${text}]`);
        });
      },
      /** After a fence event: every event got exactly one ack, and the server closed no socket. */
      async verify(): Promise<void> {
        if (current?.socket.connected) await this.emit('list:members', { listId: crypto.randomUUID() });
        for (const entry of tracked) {
          const repeated = [...entry.acks].filter(([, n]) => n !== 1);
          expect(repeated, 'ack ids answered more than once').to.deep.equal([]);
          if (entry.socket.connected)
            expect(entry.acks.size, 'acks received for the events sent').to.equal(entry.emitted);
        }
        expect(closed, 'sockets closed by the server').to.deep.equal([]);
      },
    };
  }

  const SOCKET_ORDER: ClientEventName[] = [
    ClientEvent.ListCreate,
    ClientEvent.ListRename,
    ClientEvent.ListMembers,
    ClientEvent.ListShare,
    ClientEvent.TaskCreate,
    ClientEvent.TaskUpdate,
    ClientEvent.Sync,
    ClientEvent.AuthRefresh,
    ClientEvent.TaskDelete,
    ClientEvent.ListUnshare,
    ClientEvent.ListDelete,
    ClientEvent.UserBlock,
    ClientEvent.UserUnblock,
    ClientEvent.BlocksList,
    ClientEvent.ListsLeave,
  ];
  for (const event of SOCKET_ORDER) {
    it(`${event}: any payload gets exactly one contract ack, never internal, and accepted data is within the limits`, async () => {
      const fuzz = fuzzSocket();
      const payload = eventPayloads(pools)[event].filter((p) => jsonBytes(p) <= MAX_SOCKET_JSON);
      await fc.assert(
        fc.asyncProperty(payload, async (p) => {
          const ack = await fuzz.emit(event, p);
          tally(event, outcomeOf(ack));
          expectContractAck(ack, `${event} ${short(p)}`);
        }),
        fuzzParams(),
      );
      await fuzz.verify();
    });
  }

  it('an unknown event name with any payload is answered not_found exactly once', async () => {
    const known = new Set<string>([...Object.values(ClientEvent), ...RESERVED_EVENTS]);
    const name = fc
      .oneof(
        fc.constantFrom(
          'task:crate',
          'TASK:CREATE',
          'task:create ',
          ' sync',
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'valueOf',
          'task:created',
          'list:deleted',
          'auth:expired',
          'sync:needed',
          'error',
          'ping',
          '*',
          '',
          'x'.repeat(10_000),
          'é\u0000\ud800',
        ),
        fc.string({ unit: 'binary', maxLength: 60 }),
      )
      .filter((n) => !known.has(n));
    const fuzz = fuzzSocket();
    await fc.assert(
      fc.asyncProperty(
        name,
        hostile.filter((p) => jsonBytes(p) <= 40_000),
        async (event, p) => {
          const ack = await fuzz.emit(event, p);
          expectContractAck(ack, `${short(event, 80)} ${short(p)}`);
          expect((ack as { error?: { code: string } }).error?.code, short(ack)).to.equal('not_found');
        },
      ),
      fuzzParams(),
    );
    await fuzz.verify();
  });

  it('an event with no payload or several arguments before its ack is still answered exactly once', async () => {
    const fuzz = fuzzSocket();
    const payloads = eventPayloads(pools);
    const args = fc.constantFrom(...SOCKET_ORDER).chain((event) =>
      fc.tuple(
        fc.constant(event),
        fc
          .oneof(fc.constant([]), fc.array(payloads[event], { minLength: 2, maxLength: 3 }))
          .filter((a) => jsonBytes(a) <= MAX_SOCKET_JSON),
      ),
    );
    await fc.assert(
      fc.asyncProperty(args, async ([event, list]) => {
        expectContractAck(await fuzz.emit(event, ...list), `${event} with ${list.length} arguments ${short(list)}`);
      }),
      fuzzParams({ numRuns: Math.ceil(RUNS / 3) }),
    );
    await fuzz.verify();
  });

  it('raw JSON no client library writes (deep nesting, duplicate and __proto__ keys, 1e999) gets one contract ack', async () => {
    const fuzz = fuzzSocket();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SOCKET_ORDER), rawJsonText(pools), async (event, text) => {
        const ack = await fuzz.raw(event, text);
        tally('raw', outcomeOf(ack));
        expectContractAck(ack, `${event} raw ${short(text, 200)}`);
      }),
      fuzzParams({ numRuns: Math.ceil(RUNS / 2) }),
    );
    await fuzz.verify();
  });

  it('what an accepted task:create or list:create acknowledges is exactly what is read back', async () => {
    const fuzz = fuzzSocket();
    const taskCase = fc
      .record(
        {
          title: field(validName, boundaryString),
          notes: field(fc.string({ maxLength: 40 }), boundaryString),
          dueAt: field(isoDate('2000-01-01', '2100-01-01'), oddDate),
          priority: field(fc.integer({ min: 0, max: 3 })),
          position: field(validPosition, boundaryString),
        },
        { requiredKeys: ['title'] },
      )
      .map((fields) => ({ event: 'task:create' as const, payload: { ...fields, listId: readbackList } }));
    const listCase = field(validName, boundaryString).map((name) => ({
      event: 'list:create' as const,
      payload: { name },
    }));
    const cases = fc
      .oneof({ weight: 3, arbitrary: taskCase }, { weight: 1, arbitrary: listCase })
      .filter((c) => jsonBytes(c) <= MAX_SOCKET_JSON);
    await fc.assert(
      fc.asyncProperty(cases, async ({ event, payload }) => {
        const ack = (await fuzz.emit(event, payload)) as { ok: boolean; data: { task?: Task; list?: List } };
        tally('readback', outcomeOf(ack));
        expectContractAck(ack, `${event} ${short(payload)}`);
        if (!ack.ok) return;
        if (ack.data.task) {
          const page = await request<TaskPage>(server, 'GET', `/api/lists/${readbackList}/tasks?limit=500`, {
            token: alice.token,
          });
          const stored = page.body.tasks.find((t) => t.id === ack.data.task!.id);
          expect(stored, `sent ${short(payload)}, acknowledged ${short(ack.data.task)}`).to.deep.equal(ack.data.task);
        } else {
          const lists = (await request<{ lists: List[] }>(server, 'GET', '/api/lists', { token: alice.token })).body
            .lists;
          expect(
            lists.find((l) => l.id === ack.data.list!.id),
            `sent ${short(payload)}`,
          ).to.deep.equal(ack.data.list);
        }
      }),
      fuzzParams({ numRuns: Math.ceil(RUNS / 2) }),
    );
    await fuzz.verify();
  });

  // ---------------------------------------------------------------- HTTP

  /** Authorization headers: the valid one in odd spellings, others' and forged tokens, garbage, none. */
  const authHeader = (
    token: string,
    others = pools.tokens.filter((t) => t.length <= 4096 && t !== token),
  ): fc.Arbitrary<string | undefined> =>
    fc.oneof(
      { weight: 12, arbitrary: fc.constant(`Bearer ${token}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          `bearer ${token}`,
          `Bearer   ${token}`,
          `Bearer ${token} extra`,
          `Bearer ${token}x`,
          `Token ${token}`,
          token,
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom(...others).map((t) => `Bearer ${t}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          undefined,
          '',
          'Bearer',
          'Bearer ',
          'Basic dXNlcjpwYXNz',
          `Bearer ${'a'.repeat(8000)}`,
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: charOf(0x20, 0x7e), maxLength: 60 }) },
    );

  /** Sends a fuzzed request; `path` is used as written (fetch only normalises it as a browser would). */
  async function send(
    method: string,
    path: string,
    auth: string | undefined,
    body: HttpBody = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers.authorization = auth;
    if (body.type !== undefined) headers['content-type'] = body.type;
    if (body.encoding !== undefined) headers['content-encoding'] = body.encoding;
    const res = await fetch(server.url + path, {
      method,
      headers,
      body: method === 'GET' || body.text === undefined ? undefined : body.text,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  const segment = (ids: string[]): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...ids) },
      { weight: 1, arbitrary: fc.constantFrom(...ids).map((s) => s.toUpperCase()) },
      { weight: 1, arbitrary: fc.uuid() },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '%',
          '%2',
          '%zz',
          '%00',
          '%2F',
          '%2e%2e',
          '..',
          '%E0%A4%A',
          '%C0%AF',
          '%FF',
          '%ED%A0%80',
          '%u0041',
          '~',
          '%20',
          ':id',
          'not-a-uuid',
          `${crypto.randomUUID()}%00`,
          '%7B%7D',
          'x'.repeat(3000),
          "'%20OR%201=1",
        ),
      },
    );
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom('limit', 'after', 'limit[]', 'limit[a]', 'after[]', '__proto__[x]', 'constructor', 'LIMIT'),
        fc.oneof(
          fc.constantFrom(
            '',
            '0',
            '1',
            '2',
            '3',
            '500',
            '501',
            '-1',
            '1.5',
            '1e3',
            'abc',
            '%',
            '%zz',
            '%00',
            'NaN',
            '9'.repeat(30),
            '%205',
            '0x10',
            'null',
            'eyJpZCI6IngifQ',
            '%E0%A4%A',
            'x'.repeat(2000),
          ),
          fc.string({ maxLength: 20 }).map(encodeURIComponent),
          fc.nat(600).map(String),
        ),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

  /** Tokens of `u` that the server must refuse (logout-all must never see another user's valid token). */
  const forgedFor = (u: TestUser): string[] => {
    const ver = (jwt.decode(u.token) as { ver: number }).ver;
    const now = Math.floor(Date.now() / 1000);
    return [
      `${u.token}x`,
      u.token.slice(0, -2),
      jwt.sign({ ver, exp: now - 10 }, TEST_SECRET, { subject: u.user.id }),
      jwt.sign({ ver, exp: now + 60 }, 'another-secret-that-is-long-enough-0123456789', { subject: u.user.id }),
      'not.a.jwt',
    ];
  };

  interface Route {
    method: string;
    path: fc.Arbitrary<string>;
    auth: fc.Arbitrary<string | undefined>;
    body?: fc.Arbitrary<unknown>;
    ok: number[];
  }
  const routes = (): Record<string, Route> => {
    const p = eventPayloads(pools);
    const noAuth = fc.constantFrom(undefined, `Bearer ${alice.token}`, 'Bearer garbage');
    const credentials = {
      email: spec(fc.oneof(fc.constantFrom(...pools.emails), fc.emailAddress()), boundaryString),
      password: spec(
        fc.constantFrom('correct horse battery', 'x'.repeat(72), 'é'.repeat(36), 'é'.repeat(37), '1234567'),
        boundaryString,
      ),
    };
    return {
      'POST /api/auth/register': {
        method: 'POST',
        path: fc.constant('/api/auth/register'),
        auth: noAuth,
        body: shaped({ ...credentials, name: spec(validName, boundaryString) }, ['email', 'password', 'name']),
        ok: [201],
      },
      'POST /api/auth/login': {
        method: 'POST',
        path: fc.constant('/api/auth/login'),
        auth: noAuth,
        body: shaped(credentials, ['email', 'password']),
        ok: [200],
      },
      'GET /api/auth/me': {
        method: 'GET',
        path: fc.constant('/api/auth/me'),
        auth: authHeader(alice.token),
        ok: [200],
      },
      'POST /api/auth/refresh': {
        method: 'POST',
        path: fc.constant('/api/auth/refresh'),
        auth: authHeader(alice.token),
        body: hostile,
        ok: [200],
      },
      'POST /api/auth/logout-all': {
        method: 'POST',
        path: fc.constant('/api/auth/logout-all'),
        auth: authHeader(throwaway.token, forgedFor(throwaway)),
        body: hostile,
        ok: [204],
      },
      'GET /api/lists': { method: 'GET', path: fc.constant('/api/lists'), auth: authHeader(alice.token), ok: [200] },
      'POST /api/lists': {
        method: 'POST',
        path: fc.constant('/api/lists'),
        auth: authHeader(alice.token),
        body: p['list:create'],
        ok: [201],
      },
      'GET /api/lists/:listId/tasks': {
        method: 'GET',
        path: fc.tuple(segment(pools.lists), query).map(([id, q]) => `/api/lists/${id}/tasks${q}`),
        auth: authHeader(alice.token),
        ok: [200],
      },
      'POST /api/lists/:listId/tasks': {
        method: 'POST',
        path: segment(pools.lists).map((id) => `/api/lists/${id}/tasks`),
        auth: authHeader(alice.token),
        body: p['task:create'],
        ok: [201],
      },
      'PATCH /api/tasks/:id': {
        method: 'PATCH',
        path: segment(pools.tasks).map((id) => `/api/tasks/${id}`),
        auth: authHeader(alice.token),
        body: p['task:update'].map((u) => {
          if (!u || typeof u !== 'object' || !('patch' in u) || !u.patch || typeof u.patch !== 'object') return u;
          const { patch, expectedVersion, mutationId } = u as {
            patch: object;
            expectedVersion?: unknown;
            mutationId?: unknown;
          };
          return { ...patch, expectedVersion, mutationId };
        }),
        ok: [200],
      },
      'DELETE /api/tasks/:id': {
        method: 'DELETE',
        path: segment([...pools.doomedTasks, ...pools.tasks.slice(-3)]).map((id) => `/api/tasks/${id}`),
        auth: authHeader(alice.token),
        body: p['task:delete'],
        ok: [204],
      },
      'GET /api/blocks': { method: 'GET', path: fc.constant('/api/blocks'), auth: authHeader(alice.token), ok: [200] },
      'POST /api/blocks': {
        method: 'POST',
        path: fc.constant('/api/blocks'),
        auth: authHeader(alice.token),
        body: p['user:block'],
        ok: [201],
      },
      'DELETE /api/blocks/:userId': {
        method: 'DELETE',
        path: segment(pools.userIds).map((id) => `/api/blocks/${id}`),
        auth: authHeader(alice.token),
        body: p['user:unblock'],
        ok: [204],
      },
      'POST /api/lists/leave': {
        method: 'POST',
        path: fc.constant('/api/lists/leave'),
        auth: authHeader(alice.token),
        body: p['lists:leave'],
        ok: [200],
      },
    };
  };

  const HTTP_ROUTES = [
    'POST /api/auth/register',
    'POST /api/auth/login',
    'GET /api/auth/me',
    'POST /api/auth/refresh',
    'GET /api/lists',
    'POST /api/lists',
    'GET /api/lists/:listId/tasks',
    'POST /api/lists/:listId/tasks',
    'PATCH /api/tasks/:id',
    'DELETE /api/tasks/:id',
    'GET /api/blocks',
    'POST /api/blocks',
    'DELETE /api/blocks/:userId',
    'POST /api/lists/leave',
    'POST /api/auth/logout-all',
  ];
  for (const name of HTTP_ROUTES) {
    it(`${name}: any request gets a contract status and {error} body, never a 500, a stack or SQL`, async () => {
      const route = routes()[name];
      const req = fc.record({
        path: route.path,
        auth: route.auth,
        body: route.body ? httpBody(route.body) : fc.constant<HttpBody>({}),
      });
      await fc.assert(
        fc.asyncProperty(req, async ({ path, auth, body }) => {
          const what = `${route.method} ${short(path, 200)} auth=${short(auth, 60)} type=${String(body.type)} encoding=${String(body.encoding)} body=${short(body.text)}`;
          const res = await send(route.method, path, auth, body);
          tally(name, res.status);
          expectContractHttp(res, what, route.ok);
          if (res.status === 201 && name.endsWith('register'))
            expect(JSON.stringify(res.body), what).to.not.match(/password|hash/i);
          if (res.status === 200 && name === 'GET /api/lists/:listId/tasks') {
            const limit = /[?&]limit=(\d+)(&|$)/.exec(path)?.[1];
            const page = res.body as Record<keyof TaskPage, unknown>; // checked here, field by field
            expect(page.tasks, what).to.be.an('array');
            expect((page.tasks as unknown[]).length, what).to.be.at.most(
              Math.min(LIMITS.taskPage, limit && !/[?&]limit=.*[?&]limit=/.test(path) ? Number(limit) : Infinity),
            );
            expect(page.seq, what).to.be.a('number');
            expect(
              page.next === null || typeof page.next === 'string',
              `${what}: next must be a cursor or null`,
            ).to.equal(true);
          }
        }),
        fuzzParams({ numRuns: HTTP_RUNS }),
      );
    });
  }

  it('random paths and methods with odd percent-encoding get a contract status, never a 500', async () => {
    const path = fc
      .tuple(
        fc.array(
          fc.oneof(
            {
              weight: 3,
              arbitrary: fc.constantFrom(
                'api',
                'lists',
                'tasks',
                'auth',
                'me',
                'refresh',
                'login',
                'register',
                'health',
                'ready',
                '',
              ),
            },
            { weight: 3, arbitrary: segment([...pools.lists, ...pools.tasks]) },
            {
              weight: 1,
              arbitrary: fc.string({ unit: charOf(0x21, 0x7e), maxLength: 12 }).map((s) => s.replace(/[#?/\\]/g, '')),
            },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        query,
      )
      .map(([segments, q]) => `/${segments.join('/')}${q}`);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
    // the wanderer's token: a path that happens to be /api/auth/logout-all costs nobody else anything
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        fc.option(fc.constant(`Bearer ${wanderer.token}`)),
        httpBody(hostile),
        async (m, p, auth, body) => {
          const res = await send(m, p, auth ?? undefined, body);
          tally('random paths', res.status);
          expectContractHttp(
            res,
            `${m} ${short(p, 200)} type=${String(body.type)} encoding=${String(body.encoding)} body=${short(body.text)}`,
          );
        },
      ),
      fuzzParams({ numRuns: HTTP_RUNS * 2 }),
    );
  });

  // ---------------------------------------------------------------- after the fuzz

  it('stores nothing the contract refuses: every task, list and user in the database is within the limits', async () => {
    const tasks = await sql<{ id: string; title: string; notes: string; priority: number; position: string }>(
      'SELECT id, title, notes, priority, position FROM tasks',
    );
    const lists = await sql<{ id: string; name: string }>('SELECT id, name FROM lists');
    const users = await sql<{ id: string; email: string; name: string }>('SELECT id, email, name FROM users');
    expect(tasks.length).to.be.greaterThan(10);
    expect(tasks.flatMap((t) => taskProblems(t).map((p) => `task ${t.id}: ${p}`))).to.deep.equal([]);
    expect(lists.flatMap((l) => listProblems(l).map((p) => `list ${l.id}: ${p}`))).to.deep.equal([]);
    expect(
      users
        .filter(
          (u) =>
            u.name !== u.name.trim() ||
            u.name.length < 1 ||
            u.name.length > LIMITS.userNameMax ||
            u.name.includes('\u0000') ||
            u.email !== u.email.trim().toLowerCase() ||
            u.email.length > LIMITS.emailMax,
        )
        .map((u) => short(u)),
    ).to.deep.equal([]);
  });

  it("lets no one into a list its owner did not share, and leaves other users' lists, members and tasks untouched", async () => {
    const now = await victimState();
    const lists = now.lists as Array<{ id: string; name: string; seq: number }>;
    // bob's and carol's lists: no change but alice leaving carol's (one seq); dave's list: alice (his editor) may rename it
    const aliceLeft = (listId: string) => !now.members.some((m) => m.list_id === listId && m.user_id === alice.user.id);
    const expected = (snapshot.lists as Array<{ id: string; name: string; owner_id: string; seq: number }>)
      .filter((l) => l.owner_id !== victims[2].user.id)
      .map((l) => ({ ...l, seq: l.seq + (sharedAtSetUp.has(`${l.id}/${alice.user.id}`) && aliceLeft(l.id) ? 1 : 0) }));
    expect(lists.filter((l) => expected.some((e) => e.id === l.id))).to.deep.equal(expected);
    expect(lists.map((l) => l.id)).to.deep.equal(snapshot.lists.map((l) => (l as { id: string }).id));
    expect(now.tasks).to.deep.equal(snapshot.tasks);
    // their members: only the ones there before (alice may have left)
    const before = new Set(snapshot.members.map((m) => `${m.list_id}/${m.user_id}/${m.role}`));
    expect(now.members.map((m) => `${m.list_id}/${m.user_id}/${m.role}`).filter((m) => !before.has(m))).to.deep.equal(
      [],
    );
    // everywhere the fuzz's users reach (other test files share the database): one owner row per list, the
    // list's owner; a non-owner member only where alice (the one acting) owns the list or at set-up
    const everyone = [alice, ...victims, throwaway, wanderer].map((u) => u.user.id);
    const rows = await sql<{ list_id: string; user_id: string; role: string; owner_id: string }>(
      `SELECT m.list_id, m.user_id, m.role, l.owner_id FROM list_members m JOIN lists l ON l.id = m.list_id
        WHERE l.owner_id = ANY($1) OR m.user_id = ANY($1)`,
      [everyone],
    );
    expect(rows.filter((r) => (r.role === 'owner') !== (r.user_id === r.owner_id)).map((r) => short(r))).to.deep.equal(
      [],
    );
    expect(
      rows
        .filter(
          (r) => r.role !== 'owner' && r.owner_id !== alice.user.id && !sharedAtSetUp.has(`${r.list_id}/${r.user_id}`),
        )
        .map((r) => short(r)),
    ).to.deep.equal([]);
    const ownerless = await sql(
      `SELECT l.id FROM lists l WHERE l.owner_id = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = l.id AND m.user_id = l.owner_id)`,
      [everyone],
    );
    expect(ownerless).to.deep.equal([]);
    // and what bob sees over HTTP: his own list, and lists alice chose to share with him
    const bobs = await request<{ lists: List[] }>(server, 'GET', '/api/lists', { token: victims[0].token });
    expect(bobs.status).to.equal(200);
    expect(bobs.body.lists.filter((l) => l.ownerId !== alice.user.id).map((l) => l.id)).to.deep.equal([
      victimInboxes[0],
    ]);
  });

  it('keeps serving afterwards: /health answers, a new task can be created, memory stays bounded, Object.prototype is clean', async () => {
    const health = await request(server, 'GET', '/health');
    expect(health.status).to.equal(200);
    expect(health.body).to.include({ status: 'ok' });
    const socket = await device(alice.token);
    const { list } = await ok(socket, 'list:create', { name: 'After the fuzz' });
    const { task } = await ok(socket, 'task:create', {
      listId: list.id,
      title: '  Still here  ',
      notes: 'n',
      priority: 2,
      position: 'm',
    });
    expect(task).to.include({ title: 'Still here', listId: list.id, version: 1, seq: 1 });
    const polluted = {} as Record<string, unknown>;
    expect([polluted.polluted, polluted.role, polluted.isAdmin]).to.deep.equal([undefined, undefined, undefined]);
    expect(Object.keys(Object.prototype)).to.deep.equal([]);
    gc();
    const grown = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(
      grown,
      `heap grew by ${grown.toFixed(1)} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc)'}`,
    ).to.be.below(150);
  });
});
