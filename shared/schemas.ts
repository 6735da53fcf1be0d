/**
 * Joi schemas for every request of the wire contract. The server validates with them
 * (`abortEarly: false, stripUnknown: true`); clients may use them to check input before sending.
 */
import Joi from 'joi';
import type {
  ActivityListInput,
  AuthRefreshInput,
  BlocksListInput,
  ClientEventName,
  CommentCreateInput,
  CommentDeleteInput,
  CommentsListInput,
  CommentUpdateInput,
  ListCreateInput,
  ListDeleteInput,
  ListMembersInput,
  ListRenameInput,
  ListShareInput,
  ListUnshareInput,
  ListsLeaveInput,
  PresenceJoinInput,
  PresenceLeaveInput,
  SyncInput,
  TaskCreateInput,
  TaskDeleteInput,
  TaskPatch,
  TaskRestoreInput,
  TaskUpdateInput,
  TrashListInput,
  UserBlockInput,
  UserUnblockInput,
} from './events';
import { normalizeEmail } from './email';
import { LIMITS } from './limits';
import { parseTime, TIME_PROBLEMS } from './time';

/** A payload as validation leaves it: `dueAt`, an ISO string on the wire, becomes a Date. */
export type Valid<T> = {
  [K in keyof T]: K extends 'dueAt' ? Date | null : T[K] extends object | undefined ? Valid<T[K]> : T[K];
};

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}
export interface LoginInput {
  email: string;
  password: string;
}
export interface TaskPageQuery {
  limit: number;
  after?: string;
}
export type RestTaskPatch = Valid<TaskPatch> & { expectedVersion?: number; mutationId?: string };

const id = Joi.string().guid({ version: ['uuidv1', 'uuidv4', 'uuidv5', 'uuidv6', 'uuidv7', 'uuidv8'] });
const mutationId = id;
const bytesBetween = (min: number, max: number) => (value: string, helpers: Joi.CustomHelpers) => {
  const n = new TextEncoder().encode(value).length;
  return n < min || n > max ? helpers.message({ custom: `{{#label}} must be ${min} to ${max} bytes` }) : value;
};

/** Trimmed, then one form (shared/email.ts): lower case, NFC, no invisible characters, an IDN domain in punycode. */
export const email = Joi.string()
  .trim()
  .email({ tlds: false })
  .custom((value: string, helpers) => {
    const form = normalizeEmail(value);
    if ('email' in form) return form.email;
    return form.problem === 'invisible'
      ? helpers.message({ custom: '{{#label}} must not contain invisible or bidirectional control characters' })
      : helpers.message({ custom: '{{#label}} must be a valid email' });
  })
  .max(LIMITS.emailMax);
export const password = Joi.string().custom(bytesBetween(LIMITS.passwordMinBytes, LIMITS.passwordMaxBytes));
/**
 * A string as it is stored: a lone UTF-16 surrogate (which UTF-8 cannot hold) becomes U+FFFD, as the
 * database would store it, so an answer built from the input says what is read back.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const text = () => Joi.string().custom((value: string) => value.replace(LONE_SURROGATE, '\uFFFD'));
const userName = text().trim().min(1).max(LIMITS.userNameMax);
const listName = text().trim().min(1).max(LIMITS.listNameMax);
const title = text().trim().min(1).max(LIMITS.titleMax);
const notes = text().allow('').max(LIMITS.notesMax);
/**
 * A real ISO-8601 date or date-time in the years 0000 to 9999 (UTC), read by shared/time.ts: joi's own
 * reading (Date.parse) rolls 2026-02-30 over to March 2 and reads a time without offset as local time.
 */
const dueAt = Joi.date()
  .iso()
  .custom((_value: Date, helpers: Joi.CustomHelpers) => {
    const original: unknown = helpers.original;
    const parsed = parseTime(original instanceof Date ? original.toISOString() : String(original));
    if ('time' in parsed) return parsed.time;
    return helpers.message({ custom: `{{#label}} ${TIME_PROBLEMS[parsed.problem]}` });
  })
  .allow(null)
  .description(
    'A date (`2026-12-01`, midnight UTC) or date-time (`2026-12-01T09:00+01:00`; without an offset, UTC) that exists in the calendar, in the years 0000 to 9999 (UTC); answered in UTC (`2026-12-01T08:00:00.000Z`)',
  );
const priority = Joi.number().integer().min(0).max(LIMITS.priorityMax);
const position = text().min(LIMITS.positionMin).max(LIMITS.positionMax);
// a whole number from 1; one that no task's version can reach (past 2^31 - 1) is stale: a conflict
const version = Joi.number().integer().min(1).unsafe();
const seq = Joi.number().integer().min(0);

export const registerSchema = Joi.object<RegisterInput, true>({
  email: email.required(),
  password: password.required(),
  name: userName.required(),
});
export const loginSchema = Joi.object<LoginInput, true>({ email: email.required(), password: Joi.string().required() });

export const listCreateSchema = Joi.object<ListCreateInput, true>({ id, name: listName.required(), mutationId });
export const listRenameSchema = Joi.object<ListRenameInput, true>({
  id: id.required(),
  name: listName.required(),
  mutationId,
});
export const listDeleteSchema = Joi.object<ListDeleteInput, true>({ id: id.required(), mutationId });
export const listShareSchema = Joi.object<ListShareInput, true>({
  listId: id.required(),
  email: email.required(),
  role: Joi.string().valid('editor', 'viewer').required(),
});
export const listUnshareSchema = Joi.object<ListUnshareInput, true>({ listId: id.required(), userId: id.required() });
export const listMembersSchema = Joi.object<ListMembersInput, true>({ listId: id.required() });

const assigneeId = id.allow(null).description('A member of the task\u2019s list (their user id), or null for none');
const taskFields = { title, notes, dueAt, priority, position, assigneeId };
export const taskCreateSchema = Joi.object<Valid<TaskCreateInput>, true>({
  ...taskFields,
  title: title.required(),
  listId: id.required(),
  id,
  mutationId,
});
export const taskPatchSchema = Joi.object<Valid<TaskPatch>, true>({
  ...taskFields,
  completed: Joi.boolean(),
  listId: id,
}).min(1);
export const taskUpdateSchema = Joi.object<Valid<TaskUpdateInput>, true>({
  id: id.required(),
  patch: taskPatchSchema.required(),
  expectedVersion: version,
  mutationId,
});
export const taskDeleteSchema = Joi.object<TaskDeleteInput, true>({
  id: id.required(),
  expectedVersion: version,
  mutationId,
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Cursors by list id; keys are checked (not silently dropped) and lower-cased like the server's ids. */
const cursors = Joi.object<Record<string, number>>()
  .pattern(Joi.string(), seq.required())
  .custom((value: Record<string, number>, helpers) => {
    const bad = Object.keys(value).find((key) => !UUID.test(key));
    if (bad !== undefined) return helpers.message({ custom: `cursors key "${bad.slice(0, 40)}" is not a list id` });
    return Object.fromEntries(Object.entries(value).map(([key, n]) => [key.toLowerCase(), n]));
  });
export const syncSchema = Joi.object<SyncInput, true>({
  cursors,
  listsTag: Joi.string()
    .max(128)
    .description(
      'The `listsTag` of an earlier answer, sent while holding exactly the lists of that answer: if the lists have not changed since, they are not sent again (`lists` empty, `listsUnchanged` true)',
    ),
});
export const authRefreshSchema = Joi.object<AuthRefreshInput, true>({ token: Joi.string().max(4096).required() });
export const userBlockSchema = Joi.object<UserBlockInput, true>({
  userId: id.required(),
  leave: Joi.boolean(),
  mutationId,
});
export const userUnblockSchema = Joi.object<UserUnblockInput, true>({ userId: id.required(), mutationId });
export const blocksListSchema = Joi.object<BlocksListInput, true>({});
export const listsLeaveSchema = Joi.object<ListsLeaveInput, true>({ ownerId: id.required(), mutationId });
export const presenceJoinSchema = Joi.object<PresenceJoinInput, true>({
  listId: id.required(),
  taskId: id.allow(null).description('The task the user is looking at (a live task of the list), or null for none'),
});
export const presenceLeaveSchema = Joi.object<PresenceLeaveInput, true>({ listId: id.required() });

/** An activity page's `before`: the opaque `next` of the previous page. */
const activityBefore = Joi.string()
  .max(64)
  .pattern(/^[A-Za-z0-9_-]+$/)
  .description('The `next` of the previous page (opaque)');
const activityLimit = Joi.number()
  .integer()
  .min(1)
  .max(LIMITS.activityPage)
  .default(LIMITS.activityPage)
  .description(`1 to ${LIMITS.activityPage} (the default)`);
export const activityListSchema = Joi.object<ActivityListInput & { limit: number }, true>({
  listId: id.required(),
  taskId: id.description('Only the entries of this task'),
  before: activityBefore,
  limit: activityLimit,
});
/** GET /api/lists/:listId/activity?taskId&before&limit (the list is in the path). */
export const activityQuerySchema = Joi.object<Omit<ActivityListInput, 'listId'> & { limit: number }, true>({
  taskId: id.description('Only the entries of this task'),
  before: activityBefore,
  limit: activityLimit,
});

export const taskRestoreSchema = Joi.object<TaskRestoreInput, true>({ id: id.required(), mutationId });
/** A trash page's `after`: the opaque `next` of the previous page. */
const trashAfter = Joi.string()
  .max(128)
  .pattern(/^[A-Za-z0-9_-]+$/)
  .description('The `next` of the previous page (opaque)');
const trashLimit = Joi.number()
  .integer()
  .min(1)
  .max(LIMITS.trashPage)
  .default(LIMITS.trashPage)
  .description(`1 to ${LIMITS.trashPage} (the default)`);
export const trashListSchema = Joi.object<TrashListInput & { limit: number }, true>({
  listId: id.required(),
  after: trashAfter,
  limit: trashLimit,
});
/** GET /api/lists/:listId/trash?after&limit (the list is in the path). */
export const trashQuerySchema = Joi.object<Omit<TrashListInput, 'listId'> & { limit: number }, true>({
  after: trashAfter,
  limit: trashLimit,
});
/** POST /api/tasks/:id/restore: the task is in the path; an optional body. */
export const restTaskRestoreSchema = Joi.object<Omit<TaskRestoreInput, 'id'>, true>({ mutationId });
/** A comment's body: trimmed, 1 to LIMITS.commentMax characters. */
const commentBody = text().trim().min(1).max(LIMITS.commentMax);
/** Mentions: user ids, duplicates dropped (ids compared lower-cased), then at most LIMITS.mentionsMax. */
const mentions = Joi.array()
  .items(id.lowercase())
  .custom((value: string[], helpers) => {
    const unique = [...new Set(value)];
    return unique.length > LIMITS.mentionsMax
      ? helpers.message({ custom: `{{#label}} must name at most ${LIMITS.mentionsMax} users` })
      : unique;
  })
  .description(
    `Members of the task\u2019s list (user ids) the comment names; duplicates are dropped; at most ${LIMITS.mentionsMax}`,
  );
const commentFields = { body: commentBody.required(), mentions, mutationId };
export const commentCreateSchema = Joi.object<CommentCreateInput, true>({
  taskId: id.required(),
  id,
  ...commentFields,
});
export const commentUpdateSchema = Joi.object<CommentUpdateInput, true>({ id: id.required(), ...commentFields });
export const commentDeleteSchema = Joi.object<CommentDeleteInput, true>({ id: id.required(), mutationId });
const commentAfter = Joi.string()
  .max(128)
  .pattern(/^[A-Za-z0-9_-]+$/)
  .description('The `next` of the previous page (opaque)');
const commentLimit = Joi.number()
  .integer()
  .min(1)
  .max(LIMITS.commentPage)
  .default(LIMITS.commentPage)
  .description(`1 to ${LIMITS.commentPage} (the default)`);
export const commentsListSchema = Joi.object<CommentsListInput & { limit: number }, true>({
  taskId: id.required(),
  after: commentAfter,
  limit: commentLimit,
});
/** GET /api/tasks/:id/comments?after&limit (the task is in the path). */
export const commentsQuerySchema = Joi.object<Omit<CommentsListInput, 'taskId'> & { limit: number }, true>({
  after: commentAfter,
  limit: commentLimit,
});
/** POST /api/tasks/:id/comments (the task is in the path). */
export const restCommentCreateSchema = Joi.object<Omit<CommentCreateInput, 'taskId'>, true>({ id, ...commentFields });

/** The schema of every client event: the server validates each payload with it before it serves the event. */
export const clientSchemas = {
  'list:create': listCreateSchema,
  'list:rename': listRenameSchema,
  'list:delete': listDeleteSchema,
  'list:share': listShareSchema,
  'list:unshare': listUnshareSchema,
  'list:members': listMembersSchema,
  'task:create': taskCreateSchema,
  'task:update': taskUpdateSchema,
  'task:delete': taskDeleteSchema,
  sync: syncSchema,
  'auth:refresh': authRefreshSchema,
  'user:block': userBlockSchema,
  'user:unblock': userUnblockSchema,
  'blocks:list': blocksListSchema,
  'lists:leave': listsLeaveSchema,
  'presence:join': presenceJoinSchema,
  'presence:leave': presenceLeaveSchema,
  'activity:list': activityListSchema,
  'task:restore': taskRestoreSchema,
  'trash:list': trashListSchema,
  'comment:create': commentCreateSchema,
  'comment:update': commentUpdateSchema,
  'comment:delete': commentDeleteSchema,
  'comments:list': commentsListSchema,
} satisfies { [E in ClientEventName]: Joi.ObjectSchema };

/** The value a client event's payload becomes once validated (what the server's function for the event is given). */
export type EventInput<E extends ClientEventName> =
  (typeof clientSchemas)[E] extends Joi.ObjectSchema<infer T> ? T : never;

/** REST bodies that differ from the socket payloads: ids come from the path. */
export const restTaskCreateSchema = Joi.object<Valid<Omit<TaskCreateInput, 'listId'>>, true>({
  ...taskFields,
  title: title.required(),
  id,
  mutationId,
});
export const restTaskPatchSchema = Joi.object<RestTaskPatch, true>({
  ...taskFields,
  completed: Joi.boolean(),
  listId: id,
  expectedVersion: version,
  mutationId,
}).min(1);
export const restTaskDeleteSchema = Joi.object<Omit<TaskDeleteInput, 'id'>, true>({
  expectedVersion: version,
  mutationId,
});

/**
 * GET /api/lists/:listId/tasks?limit&after: `limit` 1 to LIMITS.taskPage (the default), `after` the
 * opaque `next` of the previous page (base64url; the server checks what it holds).
 */
export const taskPageQuerySchema = Joi.object<TaskPageQuery, true>({
  limit: Joi.number().integer().min(1).max(LIMITS.taskPage).default(LIMITS.taskPage),
  after: Joi.string()
    .max(4096)
    .pattern(/^[A-Za-z0-9_-]+$/),
});

/** DELETE /api/blocks/:userId: the person is in the path; an optional body. */
export const restUnblockSchema = Joi.object<Omit<UserUnblockInput, 'userId'>, true>({ mutationId });
