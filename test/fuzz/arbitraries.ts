/**
 * The fuzz's fast-check arbitraries for one field or one payload shape: boundary and hostile strings
 * and numbers, polluting keys, deep nesting, odd dates, ids taken from a pool and bent; `shaped()`
 * makes a payload from a model of its fields (valid, one field bad, mixed, or anything).
 */
import fc from 'fast-check';
import { LIMITS } from '../../shared/limits';

/** An object holding these keys as its own (so `__proto__` is a key, not the prototype). */
export function own(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}
export const deepText = (depth: number, inner = '1'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

export const ODD_STRINGS = [
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
export const LENGTH_LIMITS = [
  LIMITS.userNameMax,
  LIMITS.listNameMax,
  LIMITS.titleMax,
  LIMITS.positionMax,
  LIMITS.notesMax,
  LIMITS.emailMax,
  LIMITS.passwordMaxBytes,
];
export const charOf = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));

/** Empty, whitespace, each limit -1/0/+1 (padded or not, in one- to four-byte characters), controls, lone surrogates, up to ~70 KB. */
export const boundaryString: fc.Arbitrary<string> = fc.oneof(
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

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
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

export const POLLUTING_KEYS = [
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
export const polluted: fc.Arbitrary<Record<string, unknown>> = fc
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

export const deepValue: fc.Arbitrary<unknown> = fc
  .integer({ min: 50, max: 2000 })
  .map((d) => JSON.parse(deepText(d)) as unknown);

/** Anything a hostile client could put in a field. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
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
export interface Spec {
  valid: fc.Arbitrary<unknown>;
  bad: fc.Arbitrary<unknown>;
}
export const spec = (valid: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown> = hostile): Spec => ({
  valid,
  bad: fc.oneof(bad, hostile),
});

/** Mostly the valid value, sometimes a hostile one. */
export const field = (valid: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown> = hostile): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: bad });
export const fieldOf = (s: Spec): fc.Arbitrary<unknown> => field(s.valid, s.bad);

/** `arb` about once in `n`, else null (fc.option's `freq` is the other way round: the chance of null). */
export const rarely = <T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

/** The record's keys plus polluting ones (`__proto__`, `constructor`, `ownerId`...) now and then; the record's own keys win. */
export const withPollution = (record: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(record, rarely(polluted, 3))
    .map(([r, extra]) => (extra ? own([...Object.entries(extra), ...Object.entries(r)]) : r));

/**
 * A payload shaped like the real one: all valid (optional keys present or not), valid but one field
 * hostile (or missing), every field valid or hostile at random, or anything at all.
 */
export function shaped(model: Record<string, Spec>, required: string[]): fc.Arbitrary<unknown> {
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

export const validName = fc.string({ minLength: 1, maxLength: 20 });
export const validPosition = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 });
export const isoDate = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }).map((d) => d.toISOString());
export const oddDate: fc.Arbitrary<unknown> = fc.oneof(
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

export interface Pools {
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
export const idFrom = (pool: string[]): fc.Arbitrary<unknown> =>
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
