/** The OpenAPI routes of lists and tasks: /api/lists, /api/lists/:listId/tasks, /api/tasks/:id (openapi.ts assembles the document). */
import { BOUNDS, LIMITS } from '../../shared/limits';
import { httpBodySchemas, taskPageSchema } from '../../shared/responses';
import {
  listCreateSchema,
  restTaskCreateSchema,
  restTaskDeleteSchema,
  restTaskPatchSchema,
  taskPageQuerySchema,
} from '../../shared/schemas';
import { ASSIGNEE, MERGE, STALE_UPDATE } from './collab';
import * as ex from './examples';
import type { RouteDoc } from './doc-types';
import { BEARER, CHANGE, LISTS_ETAG } from './openapi-common';

export const LIST_TASK_ROUTES: RouteDoc[] = [
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
];
