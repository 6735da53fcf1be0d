/**
 * The OpenAPI 3.1 document of every HTTP route, served at /openapi.json (Swagger UI at /docs). Bodies,
 * answers and query parameters are the joi schemas of shared/ converted (schemas.ts); this file adds
 * what a schema cannot say: the routes, who may call them, and which error codes each can answer.
 */
import { errorBodySchema } from '../../shared/responses';
import { ERROR_STATUS, type ErrorCode } from '../../shared/types';
import { packageVersion } from '../core/paths';
import * as ex from './examples';
import { collabRoutes } from './collab';
import { trashRoutes } from './trash';
import { commentRoutes } from './comments';
import { peopleRoutes, USER_ID_PARAM } from './people';
import type { Answer, Errors, RouteDoc } from './doc-types';
import { SchemaSet, type JsonSchema } from './schemas';
import { BEARER, CHANGE, listId, taskId } from './openapi-common';
import { AUTH_ROUTES } from './openapi-auth';
import { LIST_TASK_ROUTES } from './openapi-lists';
import { OPERATION_ROUTES } from './openapi-operations';

/** The routes, in the order the document lists them. */
const ROUTES: RouteDoc[] = [
  ...AUTH_ROUTES,
  ...LIST_TASK_ROUTES,
  ...peopleRoutes({ bearer: BEARER, change: CHANGE }),
  ...collabRoutes({ bearer: BEARER }),
  ...trashRoutes({ bearer: BEARER, change: CHANGE }),
  ...commentRoutes({ bearer: BEARER, change: CHANGE }),
  ...OPERATION_ROUTES,
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
