/**
 * The fuzz's payloads: for every socket event a shaped payload over the pools of ids (eventPayloads),
 * raw JSON texts no client library writes, and HTTP bodies under odd content types and encodings.
 */
import fc from 'fast-check';
import type { ClientEventName } from '../../shared/events';
import {
  boundaryString,
  deepText,
  field,
  hostile,
  hostileNumber,
  idFrom,
  isoDate,
  oddDate,
  rarely,
  shaped,
  spec,
  validName,
  validPosition,
  type Pools,
  type Spec,
} from './arbitraries';
import { stringify } from './checks';

export function eventPayloads(p: Pools): Record<ClientEventName, fc.Arbitrary<unknown>> {
  const ids = (pool: string[]): Spec => ({ valid: fc.constantFrom(...pool), bad: idFrom(pool) });
  const lists = ids(p.lists);
  const mutationId = spec(fc.oneof(fc.uuid(), fc.constantFrom(...p.mutationIds)));
  const task = {
    title: spec(validName, boundaryString),
    notes: spec(fc.string({ maxLength: 40 }), boundaryString),
    dueAt: spec(fc.oneof(fc.constant(null), isoDate('2000-01-01', '2100-01-01')), oddDate),
    priority: spec(fc.integer({ min: 0, max: 3 }), hostileNumber),
    position: spec(validPosition, boundaryString),
    assigneeId: spec(fc.oneof(fc.constant(null), fc.constantFrom(...p.userIds)), idFrom(p.userIds)),
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
    ...collabPayloads(p, { ids, lists, mutationId }),
  };
}

/** The payloads of the collaboration events (presence, activity, trash, comments). */
function collabPayloads(
  p: Pools,
  { ids, lists, mutationId }: { ids: (pool: string[]) => Spec; lists: Spec; mutationId: Spec },
) {
  // comments are created with ids of this pool, so that edits and deletes find some
  const comments = ids(COMMENT_IDS);
  const comment = {
    body: spec(validName, boundaryString),
    mentions: spec(
      fc.array(fc.constantFrom(...p.userIds), { maxLength: 4 }),
      fc.oneof(fc.array(idFrom(p.userIds), { maxLength: 25 }), hostile),
    ),
    mutationId,
  };
  return {
    'presence:join': shaped(
      { listId: lists, taskId: spec(fc.oneof(fc.constant(null), fc.constantFrom(...p.tasks)), idFrom(p.tasks)) },
      ['listId'],
    ),
    'presence:leave': shaped({ listId: lists }, ['listId']),
    'activity:list': shaped(
      {
        listId: lists,
        taskId: ids(p.tasks),
        limit: spec(fc.integer({ min: 1, max: 100 }), hostileNumber),
        before: spec(fc.constantFrom('czE', 'czI', 'czM'), boundaryString),
      },
      ['listId'],
    ),
    'task:restore': shaped({ id: ids([...p.doomedTasks, ...p.tasks]), mutationId }, ['id']),
    'trash:list': shaped(
      {
        listId: lists,
        limit: spec(fc.integer({ min: 1, max: 100 }), hostileNumber),
        // a cursor this server makes (base64url of "<micros>.<id>"), and ones it never makes
        after: spec(
          fc
            .tuple(fc.bigInt({ min: 0n, max: 99_999_999_999_999_999n }), fc.constantFrom(...p.tasks))
            .map(([micros, id]) => Buffer.from(`${micros}.${id}`).toString('base64url')),
          boundaryString,
        ),
      },
      ['listId'],
    ),
    'comment:create': shaped({ taskId: ids(p.tasks), id: comments, ...comment }, ['taskId', 'body']),
    'comment:update': shaped({ id: comments, ...comment }, ['id', 'body']),
    'comment:delete': shaped({ id: comments, mutationId }, ['id']),
    'comments:list': shaped(
      {
        taskId: ids(p.tasks),
        limit: spec(fc.integer({ min: 1, max: 100 }), hostileNumber),
        after: spec(
          fc.constant('MjAyNi0xMS0yNFQxMDowMDowMC4wMDBafGU0YjFjMmQzLTVhNmYtNGU3ZC04YzliLTBhMWIyYzNkNGU1Zg'),
          boundaryString,
        ),
      },
      ['taskId'],
    ),
  };
}

/** The ids comments are created with (comment:create's `id`), and edited and deleted by. */
const COMMENT_IDS = [
  'c0000000-0000-4000-8000-000000000001',
  'c0000000-0000-4000-8000-000000000002',
  'c0000000-0000-4000-8000-000000000003',
  'c0000000-0000-4000-8000-000000000004',
];

/** JSON texts a well-behaved client library never writes: deep nesting, duplicate and `__proto__` keys, numbers out of range. */
export const rawJsonText = (p: Pools): fc.Arbitrary<string> =>
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

export const CONTENT_TYPES = [
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
export const RAW_BODIES = [
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

export interface HttpBody {
  text?: string;
  type?: string;
  encoding?: string;
}
/** A JSON body of the shaped payload, or anything, raw text, deep nesting, over 64 KiB, under odd content types and encodings. */
export function httpBody(payload: fc.Arbitrary<unknown>): fc.Arbitrary<HttpBody> {
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
