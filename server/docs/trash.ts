/**
 * The documents' part for the trash: `task:restore` and `trash:list`, as socket events (asyncapi.ts)
 * and as HTTP routes (openapi.ts: POST /api/tasks/{id}/restore, GET /api/lists/{listId}/trash). Types
 * only are imported from those two files, which take these entries in.
 */
import { BOUNDS, LIMITS } from '../../shared/limits';
import { httpBodySchemas } from '../../shared/responses';
import { restTaskRestoreSchema, trashQuerySchema } from '../../shared/schemas';
import type { ClientEventDoc, Errors, RouteDoc } from './doc-types';
import * as ex from './examples';

const RETENTION = `TRASH_RETENTION_DAYS (default ${BOUNDS.trashRetentionDays})`;

const RESTORE =
  `A task deleted at most ${RETENTION} days ago comes back in its list with the fields it had when deleted, ` +
  'the list\u2019s next seq and a version one above the one it had when deleted; `updatedBy` is the restorer. ' +
  'Broadcast `task:created {task}` to the list\u2019s members (in `sync` it is a live task again: its tombstone ' +
  'is no longer reported); activity kind `task.restored` (`changes` null). Its assignee, if no longer a member ' +
  'of the list, is cleared (an assignee is always a member). A task that is live (never deleted, or restored ' +
  'already) is answered as it is: nothing changes, no seq, no broadcast. Counts as a live task more: a full ' +
  'list refuses it. A retry with the same `mutationId` answers the first answer.';

const TRASH =
  `Deleted tasks still restorable (deleted at most ${RETENTION} days ago), newest deletion first, each as it ` +
  'was when deleted with `deletedAt` and `deletedBy`. A task moved to another list is not in the trash. ' +
  `At most \`limit\` tasks (default and most ${LIMITS.trashPage}) and about 1 MiB of JSON (at least one task ` +
  'when any remain); `next` is passed as `after` for the following (older) page, null on the last. Any member ' +
  `may read; not a change (no seq). Past retention, a deleted task is deleted for good (its departure stays in ` +
  '`sync`).';

const RESTORE_ERRORS: Errors = {
  not_found:
    'No such task, deleted longer ago than TRASH_RETENTION_DAYS, its list is gone, or the caller is not a member',
  forbidden: 'The caller is a viewer of the task\u2019s list',
  limit_exceeded: 'The list holds MAX_TASKS_PER_LIST live tasks',
  conflict: 'A `mutationId` used for another event',
};

const TRASH_ERRORS: Errors = {
  not_found: 'No such list, or the caller is not a member',
  validation_error: '`limit` not 1 to 100, `after` not a cursor this server made, or a bad payload',
};

/** The socket events (CLIENT_EVENTS of asyncapi.ts). */
export const TRASH_EVENTS: Record<'task:restore' | 'trash:list', ClientEventDoc> = {
  'task:restore': {
    summary: 'Restore a deleted task',
    who: 'owner, editor',
    description: `Ack \`{task}\`. ${RESTORE}`,
    errors: RESTORE_ERRORS,
  },
  'trash:list': {
    summary: 'A list\u2019s trash',
    who: 'any member',
    description: `Ack \`{tasks, next}\`. ${TRASH}`,
    errors: TRASH_ERRORS,
  },
};

/** The HTTP routes (ROUTES of openapi.ts), given the error sets of every authenticated read and change. */
export function trashRoutes({ bearer, change }: { bearer: Errors; change: Errors }): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/lists/{listId}/trash',
      operationId: 'getTrash',
      tag: 'lists',
      summary: 'A page of a list\u2019s trash',
      description: `The socket event \`trash:list\`. ${TRASH}`,
      bearer: true,
      query: trashQuerySchema,
      ok: [
        {
          status: 200,
          description: 'One page, newest deletion first',
          schema: httpBodySchemas.trash,
          example: ex.ackExamples['trash:list'],
        },
      ],
      errors: {
        ...bearer,
        ...TRASH_ERRORS,
        not_found: 'The list id is not a UUID, the list does not exist, or the caller is not a member',
      },
    },
    {
      method: 'post',
      path: '/api/tasks/{id}/restore',
      operationId: 'restoreTask',
      tag: 'tasks',
      summary: 'Restore a deleted task',
      description: `The socket event \`task:restore\`. Owner or editor. Optional body \`{mutationId?}\`. ${RESTORE}`,
      bearer: true,
      body: {
        schema: restTaskRestoreSchema,
        example: { mutationId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d' },
        required: false,
      },
      ok: [
        {
          status: 200,
          description: 'The task, live (restored now, or as it was when live already)',
          schema: httpBodySchemas.task,
          example: ex.ackExamples['task:restore'],
        },
      ],
      errors: {
        ...change,
        ...RESTORE_ERRORS,
        validation_error: 'A bad `mutationId`, or a malformed request',
        not_found: `The id is not a UUID, or: ${RESTORE_ERRORS.not_found ?? ''}`,
      },
    },
  ];
}
