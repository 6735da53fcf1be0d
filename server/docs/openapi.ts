/**
 * The OpenAPI 3.1 document of every HTTP route, served at /openapi.json (Swagger UI at /docs). Bodies,
 * answers and query parameters are the joi schemas of shared/ converted (schemas.ts); this file adds
 * what a schema cannot say: the routes, who may call them, and which error codes each can answer.
 */
import { BOUNDS, LIMITS } from '../../shared/limits';
import {
  authResultSchema,
  errorBodySchema,
  healthSchema,
  httpBodySchemas,
  notReadySchema,
  readySchema,
  taskPageSchema,
  tokenSchema,
} from '../../shared/responses';
import {
  listCreateSchema,
  loginSchema,
  registerSchema,
  restTaskCreateSchema,
  restTaskDeleteSchema,
  restTaskPatchSchema,
  taskPageQuerySchema,
} from '../../shared/schemas';
import { ERROR_STATUS, type ErrorCode } from '../../shared/types';
import { packageVersion } from '../core/paths';
import * as ex from './examples';
import { ASSIGNEE, collabRoutes, MERGE, STALE_UPDATE } from './collab';
import { commentRoutes } from './comments';
import { peopleRoutes, USER_ID_PARAM } from './people';
import type { Answer, Errors, RouteDoc } from './doc-types';
import { SchemaSet, type JsonSchema } from './schemas';

/** Every request may be malformed or too large, and every route may fail on the server's side. */
const ANY: Errors = {
  validation_error:
    'A malformed request: JSON that does not parse, bad percent-encoding in the path, objects nested over 16 levels',
  payload_too_large: `A body over ${LIMITS.payloadBytes / 1024} KiB`,
  internal: 'A fault of the server (never carries a stack trace or SQL)',
};
const DB: Errors = { ...ANY, unavailable: 'The database cannot be reached' };
const BEARER: Errors = {
  ...DB,
  unauthorized:
    'A missing, malformed (a subject that is not a user id included), expired or revoked (log out, log out everywhere) token',
};
const CHANGE: Errors = {
  ...BEARER,
  rate_limited: 'The user\u2019s event budget (socket events and REST changes together) is spent for now',
};
const UUID_PARAM = { type: 'string', format: 'uuid' };
/** Register's and login's 503: the database, or password hashing full (server/auth/passwords.ts). */
const HASHING_BUSY =
  'The database cannot be reached, or too many passwords are being checked at once (PASSWORD_HASH_CONCURRENCY running, PASSWORD_HASH_QUEUE waiting): answered at once, with `Retry-After: 1`';

/** The device cookie a sign-in sets (server/auth/devices.ts). */
const DEVICE_COOKIE_HEADER = {
  'Set-Cookie': {
    description:
      '`todo_device=<value>; Max-Age=31536000; Path=/api/auth; HttpOnly; SameSite=Strict` (and `Secure` over ' +
      'HTTPS): the device cookie. A login that presents it, for the same account, is a known device: its failed ' +
      'logins are counted for that device alone, and the account\u2019s lockout (which a stranger can trigger) ' +
      'does not hold it. A browser keeps and sends it by itself; another client sends it back as a ' +
      '`Cookie: todo_device=<value>` header with its logins.',
    schema: { type: 'string' },
  },
};
const DEVICE_COOKIE_PARAM = {
  name: 'todo_device',
  in: 'cookie',
  required: false,
  description:
    'The device cookie of an earlier register or login of this account (see the `Set-Cookie` of the 200). ' +
    'Not needed to log in; without a valid one, the attempt is counted for the address and the account.',
  schema: { type: 'string' },
};
const LISTS_ETAG: JsonSchema = {
  description: 'The tag of the caller\u2019s lists, quoted: `"` + the `listsTag` of `sync` + `"`',
  schema: { type: 'string', pattern: '^"[0-9a-f]{64}"$' },
};

const listId = { name: 'listId', in: 'path', required: true, schema: UUID_PARAM, example: ex.ids.list };
const taskId = { name: 'id', in: 'path', required: true, schema: UUID_PARAM, example: ex.ids.task };

/** The routes, in the order the document lists them. */
const ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/auth/register',
    operationId: 'register',
    tag: 'auth',
    summary: 'Create an account',
    description:
      'Creates the user and their first list, `Inbox`, and answers a token and a device cookie. The email is ' +
      'trimmed and stored in one form: lower case, Unicode NFC, an internationalized domain in punycode ' +
      '(`bücher.example` is `xn--bcher-kva.example`); invisible and bidirectional control characters ' +
      '(U+200B, U+202E, ...) are refused. The password is 8 to 72 bytes. In Swagger UI, a successful ' +
      'register or login authorizes the page with the token it answers (kept in localStorage until a log out).',
    body: {
      schema: registerSchema,
      example: { email: 'ada@example.com', password: 'correct horse', name: 'Ada' },
      required: true,
      patch: (s) => describeProp(s, 'password', '8 to 72 bytes (UTF-8)'),
    },
    ok: [
      {
        status: 201,
        description: 'The new user, a token and its expiry',
        schema: authResultSchema,
        example: ex.auth,
        headers: DEVICE_COOKIE_HEADER,
      },
    ],
    errors: {
      ...DB,
      validation_error:
        'A bad email (invisible or bidirectional control characters included), a password not 8 to 72 bytes, an empty name, or a malformed request',
      email_taken: 'An account with this email exists',
      rate_limited: 'Too many register and login attempts from this address (AUTH_RATE_LIMIT a minute)',
      unavailable: HASHING_BUSY,
    },
  },
  {
    method: 'post',
    path: '/api/auth/login',
    operationId: 'login',
    tag: 'auth',
    summary: 'Log in',
    description:
      'Answers a token and a new device cookie. An unknown email, a wrong password and a password over 72 bytes ' +
      'get the same 401. The email is normalized as for register. Failed logins are limited per account: ' +
      'LOGIN_FAILURE_LIMIT per address and ten times as many over all addresses in 15 minutes; a device that ' +
      'presents the device cookie of an earlier sign-in of this account is counted on its own instead ' +
      '(LOGIN_FAILURE_LIMIT in 15 minutes) and is not held by the account\u2019s lockout.',
    body: {
      schema: loginSchema,
      example: { email: 'ada@example.com', password: 'correct horse' },
      required: true,
    },
    parameters: [DEVICE_COOKIE_PARAM],
    ok: [
      {
        status: 200,
        description: 'The user, a token and its expiry',
        schema: authResultSchema,
        example: ex.auth,
        headers: DEVICE_COOKIE_HEADER,
      },
    ],
    errors: {
      ...DB,
      validation_error: 'A missing or empty field, an email that is not an address, or a malformed request',
      invalid_credentials: 'Unknown email or wrong password (the same body for both)',
      rate_limited:
        'Too many attempts from this address, or too many failed logins for this account (even the right password is refused until the window passes; not for a known device), or from this known device',
      unavailable: HASHING_BUSY,
    },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    operationId: 'me',
    tag: 'auth',
    summary: 'The caller',
    description: 'The user the token belongs to. Counts one unit of the user\u2019s event budget.',
    bearer: true,
    ok: [{ status: 200, description: 'The user', schema: httpBodySchemas.me, example: { user: ex.user } }],
    errors: CHANGE,
  },
  {
    method: 'post',
    path: '/api/auth/refresh',
    operationId: 'refresh',
    tag: 'auth',
    summary: 'A new token for a valid one',
    description:
      'Trades a token that has not expired for a new one. The old token stays valid until its own expiry ' +
      '(or its log out). A socket takes the new token with `auth:refresh`. Counts one unit of the user\u2019s ' +
      'event budget.',
    bearer: true,
    ok: [
      {
        status: 200,
        description: 'The new token',
        schema: tokenSchema,
        example: { token: ex.ids.token, expiresAt: '2026-11-24T11:50:00.000Z' },
      },
    ],
    errors: CHANGE,
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    operationId: 'logout',
    tag: 'auth',
    summary: 'Log out this device',
    description:
      'Ends this session on the server: the token sent is refused from now on (401), and every open socket ' +
      'running on it (connected with it, or moved to it by `auth:refresh`), on every server node, is ' +
      'disconnected. The user\u2019s other tokens, and so their other devices, are not affected. Swagger UI ' +
      'forgets the token it kept.',
    bearer: true,
    ok: [{ status: 204, description: 'Done; no body' }],
    errors: BEARER,
  },
  {
    method: 'post',
    path: '/api/auth/logout-all',
    operationId: 'logoutAll',
    tag: 'auth',
    summary: 'Log out everywhere',
    description:
      'Every token issued to the user so far is refused from now on, and every open socket of the user, ' +
      'on every server node, is disconnected.',
    bearer: true,
    ok: [{ status: 204, description: 'Done; no body' }],
    errors: BEARER,
  },
  {
    method: 'get',
    path: '/api/lists',
    operationId: 'getLists',
    tag: 'lists',
    summary: 'The caller\u2019s lists',
    description:
      'Every list the user is a member of, oldest first, each with the user\u2019s own role. The answer carries ' +
      'the tag of these lists as a strong `ETag` (the `listsTag` of the socket event `sync`): it changes whenever ' +
      'anything of them does (a name, a role, a seq, updatedAt, a list gained or lost). A client that sends it ' +
      'back in `If-None-Match` while holding those lists gets 304 with no body if nothing changed.',
    bearer: true,
    parameters: [
      {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description: 'The `ETag` of an earlier answer (or several, comma-separated; `W/` and `*` as in RFC 9110)',
        schema: { type: 'string' },
        example: `"${ex.ackExamples.sync.listsTag}"`,
      },
    ],
    ok: [
      {
        status: 200,
        description: 'The lists',
        schema: httpBodySchemas.lists,
        example: { lists: [ex.inbox, ex.list] },
        headers: { ETag: LISTS_ETAG },
      },
      {
        status: 304,
        description: 'Not modified: `If-None-Match` names the lists\u2019 current tag; no body',
        headers: { ETag: LISTS_ETAG },
      },
    ],
    errors: BEARER,
  },
  {
    method: 'post',
    path: '/api/lists',
    operationId: 'createList',
    tag: 'lists',
    summary: 'Create a list',
    description:
      'The same as the socket event `list:create`. A repeat with the same `mutationId`, or with the `id` of ' +
      'a list the caller created, answers the list as it is now. Broadcast: `list:created` to all the ' +
      'creator\u2019s sockets.',
    bearer: true,
    body: { schema: listCreateSchema, example: { name: 'Trip' }, required: true },
    ok: [
      {
        status: 201,
        description: 'The list (role owner, seq 0)',
        schema: httpBodySchemas.list,
        example: { list: ex.ackExamples['list:create'].list },
      },
    ],
    errors: {
      ...CHANGE,
      validation_error: 'A missing or empty name, a name over 200 characters, or a malformed request',
      conflict: '`id` is a list of another user, or the `mutationId` was used for another event',
      limit_exceeded: 'The user is in MAX_LISTS_PER_USER lists already',
    },
  },
  {
    method: 'get',
    path: '/api/lists/{listId}/tasks',
    operationId: 'getTasks',
    tag: 'tasks',
    summary: 'A page of a list\u2019s tasks',
    description:
      'Live tasks sorted by (position, createdAt, id), the list\u2019s seq and `next`, read from one snapshot. ' +
      `A page holds at most \`limit\` tasks and about ${LIMITS.answerBytes / 1024 / 1024} MiB of JSON. Pass ` +
      '`next` as `after` for the following page; it is null on the last. Any member may read. An expensive ' +
      'read: it costs the user one event of their budget per 64 KiB of its JSON begun plus one per 2 ms the ' +
      'server spent reading it (a full page: 30 or more), and ' +
      `at most USER_READS_AT_ONCE (${BOUNDS.userReadsAtOnce}) of the user\u2019s pages and syncs are read at once, the others wait.`,
    bearer: true,
    query: taskPageQuerySchema,
    ok: [
      {
        status: 200,
        description: 'One page',
        schema: taskPageSchema,
        example: {
          tasks: [ex.task],
          seq: 6,
          next: 'WyJhMCIsIjIwMjYtMTEtMjRUMTA6MDU6MDAuNDEyMDAwWiIsIjNkNmY0YTFiLTJjOGUtNGI3YS05ZjEwLTZlNWQ0YzNiMmExOSJd',
        },
      },
    ],
    errors: {
      ...BEARER,
      validation_error:
        '`limit` not an integer 1 to 500 or given twice, `after` not a cursor this server made, or a malformed request',
      not_found: 'The list id is not a UUID, the list does not exist, or the caller is not a member',
      rate_limited:
        'The user\u2019s event budget is spent (a page costs one event per 64 KiB of its JSON and per 2 ms of ' +
        'reading, at least one), or ' +
        'USER_READS_AT_ONCE of the user\u2019s reads were running and none ended within 5 s',
    },
  },
  {
    method: 'post',
    path: '/api/lists/{listId}/tasks',
    operationId: 'createTask',
    tag: 'tasks',
    summary: 'Create a task',
    description:
      'Owner or editor. The fields of the socket event `task:create`; the path names the list. Broadcast: ' +
      `\`task:created\`. ${ASSIGNEE}`,
    bearer: true,
    body: {
      schema: restTaskCreateSchema,
      example: { title: 'Book flights', notes: 'Window seat', dueAt: '2026-12-20T18:00:00.000Z', priority: 3 },
      required: true,
    },
    ok: [
      { status: 201, description: 'The task (version 1)', schema: httpBodySchemas.task, example: { task: ex.task } },
    ],
    errors: {
      ...CHANGE,
      validation_error: 'A field out of its bounds, an `assigneeId` who is not a member, or a malformed request',
      forbidden: 'The caller is a viewer of the list',
      not_found: 'The list id is not a UUID, the list does not exist, or the caller is not a member',
      conflict:
        '`id` is a task of another user, or the caller\u2019s task deleted since, or the `mutationId` was used for another event',
      limit_exceeded: 'The list holds MAX_TASKS_PER_LIST live tasks',
    },
  },
  {
    method: 'patch',
    path: '/api/tasks/{id}',
    operationId: 'updateTask',
    tag: 'tasks',
    summary: 'Change or move a task',
    description:
      'Owner or editor (of both lists when moving: `listId`). A move answers `{task, from}`. Broadcast: ' +
      `\`task:updated\`, or for a move \`task:deleted\` (old list) and \`task:created\` (new list). ${MERGE} ${ASSIGNEE}`,
    bearer: true,
    body: {
      schema: restTaskPatchSchema,
      example: { completed: true, expectedVersion: 1 },
      required: true,
      patch: (s) => {
        s.minProperties = 1;
      },
    },
    ok: [
      {
        status: 200,
        description: 'The task as it is now; for a move, also `from`',
        schema: httpBodySchemas.taskUpdate,
        example: { task: ex.updatedTask },
      },
    ],
    errors: {
      ...CHANGE,
      validation_error:
        'A field out of its bounds, an `assigneeId` who is not a member, a patch that changes nothing, or a malformed request',
      forbidden: 'The caller is a viewer of the task\u2019s list or of the target list',
      not_found: 'The id is not a UUID, the task or the target list does not exist or is not visible',
      conflict: `${STALE_UPDATE}, a task moved by someone else meanwhile, or a \`mutationId\` used for another event`,
      limit_exceeded: 'A move into a list that holds MAX_TASKS_PER_LIST live tasks',
    },
  },
  {
    method: 'delete',
    path: '/api/tasks/{id}',
    operationId: 'deleteTask',
    tag: 'tasks',
    summary: 'Delete a task',
    description: 'Owner or editor. Optional body `{expectedVersion?, mutationId?}`. Broadcast: `task:deleted`.',
    bearer: true,
    body: { schema: restTaskDeleteSchema, example: { expectedVersion: 2 }, required: false },
    ok: [{ status: 204, description: 'Deleted; no body' }],
    errors: {
      ...CHANGE,
      validation_error: 'A bad `expectedVersion` or `mutationId`, or a malformed request',
      forbidden: 'The caller is a viewer of the list',
      not_found: 'The id is not a UUID, the task does not exist (or was deleted), or is not visible',
      conflict:
        'A stale `expectedVersion` (`details.task`), a task moved by someone else meanwhile, or a `mutationId` used for another event',
    },
  },
  ...peopleRoutes({ bearer: BEARER, change: CHANGE }),
  ...collabRoutes({ bearer: BEARER }),
  ...commentRoutes({ bearer: BEARER, change: CHANGE }),
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'operations',
    summary: 'Liveness',
    description: 'Never touches the database.',
    ok: [
      {
        status: 200,
        description: 'The server runs',
        schema: healthSchema,
        example: { status: 'ok', app: 'TODO API', version: packageVersion },
      },
    ],
    errors: ANY,
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'ready',
    tag: 'operations',
    summary: 'Readiness',
    description: 'Runs `SELECT 1`; without an answer within 1.5 s, 503.',
    ok: [
      { status: 200, description: 'The database answers', schema: readySchema, example: { status: 'ready', db: 'ok' } },
      {
        status: 503,
        description: 'The database does not answer',
        schema: notReadySchema,
        example: { status: 'unavailable', db: 'down' },
      },
    ],
    errors: ANY,
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    description:
      'Process metrics, `http_requests_total`, `http_request_duration_seconds`, `db_pool_connections_in_use`, ' +
      '`socketio_connected_sockets`, `socketio_events_total`, `socketio_event_duration_seconds`, ' +
      '`socketio_not_reading_closed_total`.',
    ok: [
      {
        status: 200,
        description: 'Prometheus text format',
        media: { type: 'text/plain', schema: { type: 'string' } },
      },
    ],
    errors: ANY,
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'docs',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of the HTTP routes; Swagger UI at [/docs](/docs).',
    ok: [{ status: 200, description: 'OpenAPI 3.1', media: { type: 'application/json', schema: { type: 'object' } } }],
    errors: ANY,
  },
  {
    method: 'get',
    path: '/asyncapi.json',
    operationId: 'asyncapi',
    tag: 'docs',
    summary: 'The Socket.IO events',
    description: 'The AsyncAPI 3 document of the Socket.IO namespace `/`; as a page at [/docs/events](/docs/events).',
    ok: [{ status: 200, description: 'AsyncAPI 3', media: { type: 'application/json', schema: { type: 'object' } } }],
    errors: ANY,
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    tag: 'docs',
    summary: 'Swagger UI',
    description: 'Swagger UI of this document (its files are served from /docs/assets/).',
    ok: [{ status: 200, description: 'An HTML page', media: { type: 'text/html', schema: { type: 'string' } } }],
    errors: ANY,
  },
  {
    method: 'get',
    path: '/docs/events',
    operationId: 'eventsPage',
    tag: 'docs',
    summary: 'The Socket.IO events as a page',
    description: 'The AsyncAPI document rendered as HTML.',
    ok: [{ status: 200, description: 'An HTML page', media: { type: 'text/html', schema: { type: 'string' } } }],
    errors: ANY,
  },
];

/** Every error status in the contract's order, with the name OpenAPI shows. */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Unavailable',
};

function describeProp(schema: JsonSchema, prop: string, description: string): void {
  const props = schema.properties as Record<string, JsonSchema>;
  props[prop] = { ...props[prop], description };
}

const REQUEST_ID = {
  description: 'The request id: the one sent in `x-request-id` (cut to 100 characters), or a new UUID',
  schema: { type: 'string' },
};

const RETRY_AFTER = {
  description:
    'Whole seconds to wait before trying again: the time left of the lockout or of the rate window when ' +
    'the server knows it, else 1',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};

function answerOf(set: SchemaSet, a: Answer): JsonSchema {
  const out: JsonSchema = {
    description: a.description,
    headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' }, ...a.headers },
  };
  if (a.schema) {
    const schema = set.answer(a.schema);
    out.content = { 'application/json': { schema, ...(a.example === undefined ? {} : { example: a.example }) } };
  } else if (a.media) out.content = { [a.media.type]: { schema: a.media.schema } };
  return out;
}

function errorAnswers(set: SchemaSet, errors: Errors): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(errors) as ErrorCode[]) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, JsonSchema> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: [
        `${STATUS_TEXT[status] ?? 'Error'}:`,
        ...codes.map((code) => `\`${code}\`: ${errors[code] ?? ''}.`),
      ].join(' '),
      headers: {
        'x-request-id': { $ref: '#/components/headers/RequestId' },
        ...(status === 429 ? { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } : {}),
      },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['error'],
            additionalProperties: false,
            properties: { error: set.error(codes) },
          },
          examples: Object.fromEntries(codes.map((code) => [code, { value: { error: ex.errors[code] } }])),
        },
      },
    };
  }
  return out;
}

function operationOf(set: SchemaSet, route: RouteDoc): JsonSchema {
  const parameters: JsonSchema[] = [];
  if (route.path.includes('{listId}')) parameters.push(listId);
  if (route.path.includes('{id}')) parameters.push(taskId);
  if (route.path.includes('{userId}')) parameters.push(USER_ID_PARAM);
  parameters.push(...(route.parameters ?? []));
  if (route.query) {
    const query = set.request(route.query);
    const props = query.properties as Record<string, JsonSchema>;
    const required = (query.required as string[] | undefined) ?? [];
    for (const [name, schema] of Object.entries(props))
      parameters.push({ name, in: 'query', required: required.includes(name), schema });
  }
  const responses: Record<string, JsonSchema> = {};
  for (const a of route.ok) responses[String(a.status)] = answerOf(set, a);
  Object.assign(responses, errorAnswers(set, route.errors));
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    security: route.bearer ? [{ bearer: [] }] : [],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            content: {
              'application/json': {
                schema: set.request(route.body.schema, route.body.patch),
                example: route.body.example,
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The document (build it once: see docs.routes.ts). */
export function buildOpenApi(): JsonSchema {
  const set = new SchemaSet();
  set.answer(errorBodySchema); // the error body is a component even where a route narrows its codes
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operationOf(set, route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Todo server: HTTP API',
      version: packageVersion,
      description:
        'The HTTP half of the wire contract. The Socket.IO events are at [/docs/events](/docs/events) ' +
        '([AsyncAPI](/asyncapi.json)); guarantees, ordering, paging and idempotency are in docs/api.md.\n\n' +
        'To try the routes: `POST /api/auth/register` or `POST /api/auth/login` (this page then uses the ' +
        'token it answers; **Authorize** takes one by hand), then the lists and tasks routes. Changes made ' +
        'here reach connected sockets like any other.\n\n' +
        'Every failure answers `{error: {code, message, details?}}`; each route lists its codes by status.\n\n' +
        'Every `/api` answer and every error carries `Cache-Control: no-store`. A JSON answer of 8 KiB or more ' +
        'is compressed (`Content-Encoding: br` or `gzip`, brotli when `Accept-Encoding` weighs both alike; ' +
        '`Vary: Accept-Encoding`), as are these documents; a smaller one is sent as it is.',
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'auth', description: 'Accounts and tokens' },
      { name: 'lists', description: 'Lists (the socket events do more: rename, delete, share)' },
      { name: 'tasks', description: 'Tasks, for clients without a socket' },
      { name: 'operations', description: 'Health, readiness, metrics' },
      { name: 'docs', description: 'These documents' },
      { name: 'blocks', description: 'People whose shares the user refuses' },
    ],
    paths,
    components: {
      schemas: set.components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `token` of register, login or refresh, as `Authorization: Bearer <token>`',
        },
      },
      headers: { RequestId: REQUEST_ID, RetryAfter: RETRY_AFTER },
    },
  };
}
