/**
 * The documents' part for comments and mentions: `comment:create|update|delete`, `comments:list`, their
 * server events and `mention`, and the routes GET and POST /api/tasks/{id}/comments. Types only are
 * imported from asyncapi.ts and openapi.ts, which take these entries in.
 */
import { BOUNDS, LIMITS } from '../../shared/limits';
import { httpBodySchemas } from '../../shared/responses';
import { commentsQuerySchema, restCommentCreateSchema } from '../../shared/schemas';
import type { ClientEventDoc, Errors, RouteDoc } from './doc-types';
import * as ex from './examples';

const MUTATION_REUSED = 'a `mutationId` used for another event';

/** The rules every comment change shares. */
export const COMMENT_RULES =
  `\`body\`: 1 to ${LIMITS.commentMax} characters after trimming, stored trimmed. \`mentions\`: user ids, each a ` +
  `member of the task\u2019s list (else \`validation_error\`), duplicates dropped, at most ${LIMITS.mentionsMax}. ` +
  'A comment takes its list\u2019s next seq like a task (its activity entry: `comment.created`, `comment.updated` ' +
  'or `comment.deleted`, with `taskId` and `commentId`). A comment on a task in the trash, or gone, is ' +
  '`not_found` (for every comment event and route); its comments come back with a restored task (read them with ' +
  '`comments:list`). A task deleted for good, or its list, takes its comments.';

const MENTION =
  'Each user named in `mentions` gets `mention {comment}` on all their sockets, once per comment: on the create, ' +
  'and on an edit that names someone never named in it before.';

const CREATE =
  `Ack \`{comment}\`. Broadcast \`comment:created\`. ${MENTION} ${COMMENT_RULES} A task holds at most ` +
  `MAX_COMMENTS_PER_TASK (default ${BOUNDS.commentsPerTask}) live comments. A repeat with the same \`mutationId\`, ` +
  'or with the `id` of a comment the caller wrote, answers the comment as it is now.';

const LIST =
  `Oldest first (by createdAt, then id), at most \`limit\` (default and most ${LIMITS.commentPage}); \`next\` is ` +
  'passed as `after` for the following page, null on the last. Deleted comments are not listed. Any member may ' +
  'read; not a change (no seq).';

const CREATE_ERRORS: Errors = {
  validation_error:
    'An empty or too long body, a mention of someone who is not a member, over 20 mentions, or a bad payload',
  not_found: 'The task does not exist, is in the trash, or the caller is not a member of its list',
  limit_exceeded: 'The task holds MAX_COMMENTS_PER_TASK live comments',
  conflict: `\`id\` is a comment of another user, or ${MUTATION_REUSED}`,
};
const LIST_ERRORS: Errors = {
  not_found: 'The task does not exist, is in the trash, or the caller is not a member of its list',
  validation_error: '`limit` not 1 to 100, `after` not a cursor this server made, or a bad payload',
};

type CommentEvent = 'comment:create' | 'comment:update' | 'comment:delete' | 'comments:list';

/** The socket events (CLIENT_EVENTS of asyncapi.ts). */
export const COMMENT_EVENTS: Record<CommentEvent, ClientEventDoc> = {
  'comment:create': {
    summary: 'Comment on a task',
    who: 'any member (viewers too)',
    description: CREATE,
    errors: CREATE_ERRORS,
  },
  'comment:update': {
    summary: 'Edit a comment',
    who: 'its author',
    description:
      'Ack `{comment}` with the new body, `editedAt` and seq. `mentions`, when given, replaces the comment\u2019s; ' +
      `when absent, they are kept. Broadcast \`comment:updated\`. ${MENTION} ${COMMENT_RULES}`,
    errors: {
      validation_error: 'An empty or too long body, a mention of someone who is not a member, or a bad payload',
      not_found: 'The comment does not exist (or was deleted), its task is in the trash, or the caller is not a member',
      forbidden: 'The caller is not its author',
      conflict: MUTATION_REUSED,
    },
  },
  'comment:delete': {
    summary: 'Delete a comment',
    who: 'its author, the list\u2019s owner',
    description: `Ack \`{id, taskId, listId, seq}\`. Broadcast \`comment:deleted\` with the same payload. ${COMMENT_RULES}`,
    errors: {
      not_found: 'The comment does not exist (or was deleted), its task is in the trash, or the caller is not a member',
      forbidden: 'The caller is neither its author nor the list\u2019s owner',
      conflict: MUTATION_REUSED,
    },
  },
  'comments:list': {
    summary: 'A task\u2019s comments',
    who: 'any member',
    description: `Ack \`{comments, next}\`. ${LIST}`,
    errors: LIST_ERRORS,
  },
};

/** The server events (SERVER_EVENTS of asyncapi.ts), given who gets a list's changes. */
export const commentServerEvents = (allButCause: string) => ({
  'comment:created': { summary: 'A comment was written', to: allButCause },
  'comment:updated': { summary: 'A comment was edited', to: allButCause },
  'comment:deleted': { summary: 'A comment was deleted', to: allButCause },
  mention: {
    summary: 'The user is named in a comment (not a change: no seq)',
    to: `every socket of each user named, once per comment (the create, or the edit that first names them), after the comment\u2019s own event. ${COMMENT_RULES}`,
  },
});

/** The HTTP routes (ROUTES of openapi.ts), given the error sets of every authenticated read and change. */
export function commentRoutes({ bearer, change }: { bearer: Errors; change: Errors }): RouteDoc[] {
  return [
    {
      method: 'get',
      path: '/api/tasks/{id}/comments',
      operationId: 'getComments',
      tag: 'tasks',
      summary: 'A page of a task\u2019s comments',
      description: `The socket event \`comments:list\`. ${LIST}`,
      bearer: true,
      query: commentsQuerySchema,
      ok: [
        {
          status: 200,
          description: 'One page, oldest first',
          schema: httpBodySchemas.comments,
          example: ex.ackExamples['comments:list'],
        },
      ],
      errors: {
        ...bearer,
        rate_limited: 'The user\u2019s event budget is spent for now (a page costs one event)',
        ...LIST_ERRORS,
        not_found: `The id is not a UUID; ${LIST_ERRORS.not_found ?? ''}`,
      },
    },
    {
      method: 'post',
      path: '/api/tasks/{id}/comments',
      operationId: 'createComment',
      tag: 'tasks',
      summary: 'Comment on a task',
      description: `The socket event \`comment:create\`: any member (viewers too). ${CREATE}`,
      bearer: true,
      body: { schema: restCommentCreateSchema, example: ex.restCommentCreate, required: true },
      ok: [{ status: 201, description: 'Created', schema: httpBodySchemas.comment, example: { comment: ex.comment } }],
      errors: {
        ...change,
        ...CREATE_ERRORS,
        not_found: `The id is not a UUID; ${CREATE_ERRORS.not_found ?? ''}`,
      },
    },
  ];
}
