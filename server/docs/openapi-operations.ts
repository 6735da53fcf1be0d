/** The OpenAPI routes of operations and of these documents: /health, /ready, /metrics, /openapi.json, /asyncapi.json, /docs (openapi.ts assembles the document). */
import { healthSchema, notReadySchema, readySchema } from '../../shared/responses';
import { packageVersion } from '../core/paths';
import type { RouteDoc } from './doc-types';
import { ANY } from './openapi-common';

export const OPERATION_ROUTES: RouteDoc[] = [
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
