/**
 * The documents' part for collaboration: the activity log (`activity:list`, GET
 * /api/lists/:listId/activity), role changes (`member:updated`), assignees and field-level merge (the
 * words the task events and routes share). Types only are imported from asyncapi.ts and openapi.ts,
 * which take these entries in.
 */
import { BOUNDS, LIMITS } from '../../shared/limits';
import { httpBodySchemas } from '../../shared/responses';
import { activityQuerySchema } from '../../shared/schemas';
import type { ClientEventDoc, Errors, RouteDoc } from './doc-types';
import * as ex from './examples';

/** Assignees, for task:create, task:update and their routes. */
export const ASSIGNEE =
  '`assigneeId`: a member of the task\u2019s list, or null for none (owner or editor; anyone else is ' +
  '`validation_error`). When the assignee leaves the list or is removed, the task is unassigned (a `task:updated` ' +
  'of its own). A task moved into a list its assignee is not a member of is unassigned by the move.';

/** Field-level merge, for task:update and PATCH /api/tasks/{id}. */
export const MERGE =
  'With an `expectedVersion` that is no longer current, the patch still applies when none of its fields changed ' +
  'after that version (the answer is the merged task, with a new version, as if no `expectedVersion` had been ' +
  'sent); when some did, nothing changes and the answer is `conflict` with `details: {task, fields}` (the current ' +
  'task, and the patch\u2019s fields that changed meanwhile). A version the task never had (above its current ' +
  'one) is a conflict naming every field of the patch. A field set to the value it has is no change of it. ' +
  'Without `expectedVersion`, the fields in `patch` overwrite (last writer wins per field).';

export const STALE_UPDATE =
  'A stale `expectedVersion` whose patch sets a field that changed after it (`details: {task, fields}`)';

const ACTIVITY =
  'Newest first: one entry per change of the list (each seq), written in the same transaction as the change. ' +
  '`kind` is one of task.created, task.updated (`changes: {field: [old, new]}` for each of title, notes, ' +
  'completed, dueAt, priority, position, listId, assigneeId that changed; a move is a task.updated in both lists, ' +
  'with `listId`), task.deleted, list.renamed, member.added, member.updated (`changes: {role: [old, new]}`), ' +
  'member.removed (`userId`: the member concerned), and the kinds of comments and restores. ' +
  `At most \`limit\` entries (default and most ${LIMITS.activityPage}); \`next\` is passed as \`before\` for ` +
  'the following (older) page, null on the last. `taskId` keeps the entries of one task. Entries are kept for ' +
  `ACTIVITY_RETENTION_DAYS (default ${BOUNDS.activityRetentionDays}) days, and go with their list. Any member may read; not a change (no seq).`;

const ACTIVITY_ERRORS: Errors = {
  not_found: 'No such list, or the caller is not a member',
  validation_error: '`limit` not 1 to 100, `before` not a cursor this server made, or a bad payload',
};

/** The socket events (CLIENT_EVENTS of asyncapi.ts). */
export const COLLAB_EVENTS: Record<'activity:list', ClientEventDoc> = {
  'activity:list': {
    summary: 'A list\u2019s activity',
    who: 'any member',
    description: `Ack \`{entries, next}\`. ${ACTIVITY}`,
    errors: ACTIVITY_ERRORS,
  },
};

/** The HTTP routes (ROUTES of openapi.ts), given the error set of every authenticated read. */
export function collabRoutes({ bearer }: { bearer: Errors }): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/lists/{listId}/activity',
      operationId: 'getActivity',
      tag: 'lists',
      summary: 'A page of a list\u2019s activity',
      description: `The socket event \`activity:list\`. ${ACTIVITY}`,
      bearer: true,
      query: activityQuerySchema,
      ok: [
        {
          status: 200,
          description: 'One page, newest first',
          schema: httpBodySchemas.activity,
          example: ex.ackExamples['activity:list'],
        },
      ],
      errors: {
        ...bearer,
        ...ACTIVITY_ERRORS,
        not_found: 'The list id is not a UUID, the list does not exist, or the caller is not a member',
      },
    },
  ];
}
