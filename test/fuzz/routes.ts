/**
 * The HTTP fuzz's requests (test/fuzz/http.test.ts): for every route, its paths (ids bent, odd
 * percent-encoding, odd queries), its Authorization headers (the valid one in odd spellings, others'
 * and forged tokens, garbage, none) and its bodies; and `send`, which sends one as written.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { TEST_SECRET, type HttpResult, type TestServer, type TestUser } from '../support/server';
import { boundaryString, charOf, hostile, shaped, spec, validName } from './arbitraries';
import type { Fuzz } from './fixture';
import { eventPayloads, type HttpBody } from './payloads';

/** Authorization headers: the valid one in odd spellings, others' and forged tokens, garbage, none. */
export const authHeader = (
  tokens: string[],
  token: string,
  others = tokens.filter((t) => t.length <= 4096 && t !== token),
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
export async function send(
  server: TestServer,
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

export const segment = (ids: string[]): fc.Arbitrary<string> =>
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
export const query = fc
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
export const forgedFor = (u: TestUser): string[] => {
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

export interface Route {
  method: string;
  path: fc.Arbitrary<string>;
  auth: fc.Arbitrary<string | undefined>;
  body?: fc.Arbitrary<unknown>;
  ok: number[];
}

/** The auth routes. */
function authRoutes(fx: Fuzz): Record<string, Route> {
  const { alice, throwaway, pools } = fx;
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
      auth: authHeader(pools.tokens, alice.token),
      ok: [200],
    },
    'POST /api/auth/refresh': {
      method: 'POST',
      path: fc.constant('/api/auth/refresh'),
      auth: authHeader(pools.tokens, alice.token),
      body: hostile,
      ok: [200],
    },
    'POST /api/auth/logout-all': {
      method: 'POST',
      path: fc.constant('/api/auth/logout-all'),
      auth: authHeader(pools.tokens, throwaway.token, forgedFor(throwaway)),
      body: hostile,
      ok: [204],
    },
  };
}

/** The routes of lists, tasks and blocks. */
function dataRoutes(fx: Fuzz): Record<string, Route> {
  const { alice, pools } = fx;
  const p = eventPayloads(pools);
  return {
    'GET /api/lists': {
      method: 'GET',
      path: fc.constant('/api/lists'),
      auth: authHeader(pools.tokens, alice.token),
      ok: [200],
    },
    'POST /api/lists': {
      method: 'POST',
      path: fc.constant('/api/lists'),
      auth: authHeader(pools.tokens, alice.token),
      body: p['list:create'],
      ok: [201],
    },
    'GET /api/lists/:listId/tasks': {
      method: 'GET',
      path: fc.tuple(segment(pools.lists), query).map(([id, q]) => `/api/lists/${id}/tasks${q}`),
      auth: authHeader(pools.tokens, alice.token),
      ok: [200],
    },
    'POST /api/lists/:listId/tasks': {
      method: 'POST',
      path: segment(pools.lists).map((id) => `/api/lists/${id}/tasks`),
      auth: authHeader(pools.tokens, alice.token),
      body: p['task:create'],
      ok: [201],
    },
    'PATCH /api/tasks/:id': {
      method: 'PATCH',
      path: segment(pools.tasks).map((id) => `/api/tasks/${id}`),
      auth: authHeader(pools.tokens, alice.token),
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
      auth: authHeader(pools.tokens, alice.token),
      body: p['task:delete'],
      ok: [204],
    },
    'GET /api/blocks': {
      method: 'GET',
      path: fc.constant('/api/blocks'),
      auth: authHeader(pools.tokens, alice.token),
      ok: [200],
    },
    'POST /api/blocks': {
      method: 'POST',
      path: fc.constant('/api/blocks'),
      auth: authHeader(pools.tokens, alice.token),
      body: p['user:block'],
      ok: [201],
    },
    'DELETE /api/blocks/:userId': {
      method: 'DELETE',
      path: segment(pools.userIds).map((id) => `/api/blocks/${id}`),
      auth: authHeader(pools.tokens, alice.token),
      body: p['user:unblock'],
      ok: [204],
    },
    'POST /api/lists/leave': {
      method: 'POST',
      path: fc.constant('/api/lists/leave'),
      auth: authHeader(pools.tokens, alice.token),
      body: p['lists:leave'],
      ok: [200],
    },
  };
}

/** Every route fuzzed, by name. */
export const routes = (fx: Fuzz): Record<string, Route> => ({
  ...authRoutes(fx),
  ...dataRoutes(fx),
  ...collabRoutes(fx),
});

/** A payload without one of its keys (the route's path names it). */
const without = (key: string) => (u: unknown) => {
  if (!u || typeof u !== 'object' || Array.isArray(u)) return u;
  const { [key]: _inPath, ...rest } = u as Record<string, unknown>;
  return rest;
};

/** The routes of collaboration: activity, trash and restore, comments. */
function collabRoutes(fx: Fuzz): Record<string, Route> {
  const { alice, pools } = fx;
  const p = eventPayloads(pools);
  const auth = authHeader(pools.tokens, alice.token);
  const listPath = (tail: string) =>
    fc.tuple(segment(pools.lists), query).map(([id, q]) => `/api/lists/${id}/${tail}${q}`);
  return {
    'GET /api/lists/:listId/activity': { method: 'GET', path: listPath('activity'), auth, ok: [200] },
    'GET /api/lists/:listId/trash': { method: 'GET', path: listPath('trash'), auth, ok: [200] },
    'POST /api/tasks/:id/restore': {
      method: 'POST',
      path: segment([...pools.doomedTasks, ...pools.tasks]).map((id) => `/api/tasks/${id}/restore`),
      auth,
      body: p['task:restore'].map(without('id')),
      ok: [200],
    },
    'GET /api/tasks/:id/comments': {
      method: 'GET',
      path: fc.tuple(segment(pools.tasks), query).map(([id, q]) => `/api/tasks/${id}/comments${q}`),
      auth,
      ok: [200],
    },
    'POST /api/tasks/:id/comments': {
      method: 'POST',
      path: segment(pools.tasks).map((id) => `/api/tasks/${id}/comments`),
      auth,
      body: p['comment:create'].map(without('taskId')),
      ok: [201],
    },
  };
}

export const HTTP_ROUTES = [
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
  'GET /api/lists/:listId/activity',
  'GET /api/lists/:listId/trash',
  'POST /api/tasks/:id/restore',
  'GET /api/tasks/:id/comments',
  'POST /api/tasks/:id/comments',
  'POST /api/auth/logout-all',
];
