/**
 * The AsyncAPI 3 document of the Socket.IO namespace `/`, served at /asyncapi.json and rendered at
 * /docs/events. The server is the application described: it receives the client events (each with a
 * reply: the ack) and sends the server events. Payloads are the joi schemas of shared/ converted
 * (schemas.ts); asyncapi-events.ts adds who may send what, who receives what, and each event's error codes.
 */
import type { ClientEventName, ServerEventName } from '../../shared/events';
import { ackDataSchemas, apiErrorSchema, eventPayloadSchemas } from '../../shared/responses';
import { clientSchemas } from '../../shared/schemas';
import type { ErrorCode } from '../../shared/types';
import { packageVersion } from '../core/paths';
import {
  ANY_EVENT_ERRORS,
  CLIENT_EVENTS,
  codeList,
  HANDSHAKE_ERRORS,
  messageKey,
  SERVER_EVENTS,
} from './asyncapi-events';
import * as ex from './examples';
import { SchemaSet, type JsonSchema } from './schemas';

export { ANY_EVENT_ERRORS, HANDSHAKE_ERRORS, messageKey } from './asyncapi-events';

/** What the parts of the document are written into while it is built. */
interface Parts {
  set: SchemaSet;
  messages: Record<string, JsonSchema>;
  operations: Record<string, JsonSchema>;
  channelMessages: Record<string, JsonSchema>;
}

const channel = { $ref: '#/channels/namespace' };
const inChannel = (key: string) => ({ $ref: `#/channels/namespace/messages/${key}` });

function add(parts: Parts, key: string, message: JsonSchema): void {
  parts.messages[key] = message;
  parts.channelMessages[key] = { $ref: `#/components/messages/${key}` };
}

/** The handshake: Socket.IO's CONNECT packet, answered with CONNECT (a session id) or CONNECT_ERROR. */
function addHandshake(parts: Parts): void {
  add(parts, 'connect', {
    name: 'connect',
    title: 'Handshake',
    summary: 'The CONNECT packet: `io(url, { auth: { token } })`, or an `Authorization: Bearer` header',
    payload: {
      type: 'object',
      properties: { token: { type: 'string', description: 'The access token, unless sent as a header' } },
    },
    examples: [{ name: 'token', payload: { token: ex.ids.token } }],
  });
  add(parts, 'connect.ok', {
    name: 'connect',
    title: 'Connected',
    summary: 'The socket joined its room `user:<userId>`: every change committed from now on reaches it',
    payload: { type: 'object', properties: { sid: { type: 'string' } }, required: ['sid'] },
  });
  add(parts, 'connect_error', {
    name: 'connect_error',
    title: 'Handshake refused',
    summary: 'The client gets `connect_error` with `err.message` one of these; it does not retry by itself',
    payload: {
      type: 'object',
      required: ['message'],
      properties: { message: { type: 'string', enum: Object.keys(HANDSHAKE_ERRORS) } },
    },
    examples: [{ name: 'unauthorized', payload: { message: 'unauthorized' } }],
  });
  parts.operations.connect = {
    action: 'receive',
    channel,
    title: 'Handshake',
    summary: 'Connect with a token',
    description: `A failed handshake is a \`connect_error\` whose message is:\n\n${Object.entries(HANDSHAKE_ERRORS)
      .map(([m, why]) => `- \`${m}\`: ${why}`)
      .join('\n')}`,
    security: [{ $ref: '#/components/securitySchemes/token' }],
    messages: [inChannel('connect')],
    reply: { channel, messages: [inChannel('connect.ok'), inChannel('connect_error')] },
    'x-socketio': { packet: 'CONNECT' },
  };
}

/** A client event: its message, its two acks (ok, error) and the operation that receives it. */
function addClientEvent(parts: Parts, event: ClientEventName): void {
  const { set, operations } = parts;
  const doc = CLIENT_EVENTS[event];
  const key = messageKey(event);
  const payload = set.request(clientSchemas[event], (s) => {
    if (event === 'task:update') (s.properties as Record<string, JsonSchema>).patch.minProperties = 1;
  });
  const errors = { ...ANY_EVENT_ERRORS, ...doc.errors };
  add(parts, key, {
    name: event,
    title: event,
    summary: doc.summary,
    payload,
    examples: [{ name: event, payload: ex.payloadExamples[event] }],
  });
  add(parts, `${key}.ok`, {
    name: event,
    title: `${event} ack: ok`,
    summary: `The ack of ${event} when it succeeded`,
    payload: {
      type: 'object',
      required: ['ok', 'data'],
      additionalProperties: false,
      properties: { ok: { const: true }, data: set.answer(ackDataSchemas[event]) },
    },
    examples: [{ name: 'ok', payload: { ok: true, data: ex.ackExamples[event] } }],
  });
  add(parts, `${key}.error`, {
    name: event,
    title: `${event} ack: error`,
    summary: `The ack of ${event} when it failed; nothing was changed`,
    payload: {
      type: 'object',
      required: ['ok', 'error'],
      additionalProperties: false,
      properties: { ok: { const: false }, error: set.error(Object.keys(errors) as ErrorCode[]) },
    },
    examples: (Object.keys(doc.errors) as ErrorCode[]).map((code) => ({
      name: code,
      payload: { ok: false, error: ex.errors[code] },
    })),
  });
  operations[key] = {
    action: 'receive',
    channel,
    title: event,
    summary: doc.summary,
    description: `**Who may:** ${doc.who}.\n\n${doc.description}\n\n**Errors:**\n\n${codeList(errors)}`,
    messages: [inChannel(key)],
    reply: { channel, messages: [inChannel(`${key}.ok`), inChannel(`${key}.error`)] },
    'x-socketio': { event, ack: true },
  };
}

/** A server event: its message and the operation that sends it. */
function addServerEvent(parts: Parts, event: ServerEventName): void {
  const { set, operations } = parts;
  const doc = SERVER_EVENTS[event];
  const key = messageKey(event);
  add(parts, key, {
    name: event,
    title: event,
    summary: doc.summary,
    payload: set.answer(eventPayloadSchemas[event]),
    examples: [{ name: event, payload: ex.eventExamples[event] }],
  });
  operations[key] = {
    action: 'send',
    channel,
    title: event,
    summary: doc.summary,
    description: `**Sent to:** ${doc.to}.`,
    messages: [inChannel(key)],
    'x-socketio': { event },
  };
}

/** The ack of an event the server does not know. */
function addUnknownAck(parts: Parts): void {
  const { set } = parts;
  add(parts, 'unknown.error', {
    name: 'unknown',
    title: 'Ack of an unknown event',
    summary: 'An event the server does not know, sent with an ack, is answered `not_found` (without an ack: dropped)',
    payload: {
      type: 'object',
      required: ['ok', 'error'],
      additionalProperties: false,
      properties: {
        ok: { const: false },
        error: set.error(['not_found', ...(Object.keys(ANY_EVENT_ERRORS) as ErrorCode[])]),
      },
    },
    examples: [
      { name: 'typo', payload: { ok: false, error: { code: 'not_found', message: 'Unknown event "task:crate"' } } },
    ],
  });
}

/** The document (build it once: see docs.routes.ts). */
export function buildAsyncApi(): JsonSchema {
  const parts: Parts = { set: new SchemaSet(), messages: {}, operations: {}, channelMessages: {} };
  parts.set.answer(apiErrorSchema); // the error of every failed ack, narrowed by each event's codes
  addHandshake(parts);
  for (const event of Object.keys(CLIENT_EVENTS) as ClientEventName[]) addClientEvent(parts, event);
  for (const event of Object.keys(SERVER_EVENTS) as ServerEventName[]) addServerEvent(parts, event);
  addUnknownAck(parts);
  const { set, messages, operations, channelMessages } = parts;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Todo server: Socket.IO events',
      version: packageVersion,
      description:
        'The Socket.IO half of the wire contract (namespace `/`). The HTTP routes are at [/docs](/docs) ' +
        '([OpenAPI](/openapi.json)); guarantees, ordering, paging and idempotency are in docs/api.md.\n\n' +
        'Every client event is `socket.emit(event, payload, ack)` and is acknowledged exactly once with ' +
        '`{ok: true, data}` or `{ok: false, error}`; an event sent without an ack function is dropped. ' +
        'Every list-scoped server event carries `listId` (or `list.id`) and `seq`; within one list seq rises ' +
        'by exactly one per change, so a jump means a missed change: call `sync`.',
    },
    defaultContentType: 'application/json',
    servers: {
      server: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io/',
        title: 'This server',
        description:
          'Socket.IO (Engine.IO 4) on the HTTP port; WebSocket, or HTTP long-polling. A connection whose ' +
          'handshake (CONNECT) is not accepted within 5 s is closed, whatever its transport. At most ' +
          'MAX_ANONYMOUS_CONNECTIONS_PER_ADDRESS (100) connections of one client address, and ' +
          'MAX_ANONYMOUS_CONNECTIONS (5,000) of one server process, may be waiting for that at once: past ' +
          'either, the Engine.IO handshake request is answered HTTP 429 with `Retry-After: 5` and the body ' +
          '`{"code":4,"message":"too_many_connections"}`, before any session is made (socket.io-client: ' +
          '`connect_error` of type `TransportError`, retried with its back-off).',
        security: [{ $ref: '#/components/securitySchemes/token' }],
      },
    },
    channels: {
      namespace: {
        address: '/',
        title: 'Namespace /',
        description:
          'One namespace. On connect the socket joins the room `user:<userId>`; a change is sent to the rooms ' +
          'of the members of its list, on every server node (PostgreSQL or Redis adapter), except the socket ' +
          'whose event caused it (that socket has the ack instead). Changes made over HTTP have no such ' +
          'socket, so all the user\u2019s sockets get them.',
        messages: channelMessages,
      },
    },
    operations,
    components: {
      schemas: set.components,
      messages,
      securitySchemes: {
        token: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The access token from `POST /api/auth/login` (or register, refresh): `auth.token` of the handshake, or an `Authorization: Bearer` header',
        },
      },
    },
  };
}
