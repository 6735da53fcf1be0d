/**
 * Joi schemas of everything the server answers: entities, HTTP bodies, socket acks and server events.
 * Each is typed strictly against its type in types.ts or events.ts (`Joi.object<T, true>`: every key of
 * the type, no other), so a type and its schema cannot drift apart. The API documents (OpenAPI at
 * /openapi.json, AsyncAPI at /asyncapi.json) are generated from them and from the request schemas in
 * schemas.ts; clients may validate answers with them. Entities carry an id (`.id('Task')`): the
 * documents refer to them by that name.
 */
import Joi from 'joi';
import type { AckData, ClientEventName, EventPayload, ServerEventName } from './events';
import { commentDeletedSchema, commentPageSchema, commentSchema } from './comment-responses';
import { LIMITS } from './limits';
import {
  ACTIVITY_KINDS,
  ERROR_STATUS,
  TASK_FIELDS,
  type Activity,
  type ActivityPage,
  type ApiError,
  type AuthResult,
  type Block,
  type Comment,
  type List,
  type Member,
  type Presence,
  type SyncResult,
  type Task,
  type TaskDeleted,
  type TaskPage,
  type TrashedTask,
  type TrashPage,
  type User,
} from './types';

const id = Joi.string().guid().lowercase();
const time = Joi.string().isoDate().description('ISO-8601 UTC time with milliseconds');
const seq = Joi.number().integer().min(0);
const role = Joi.string().valid('owner', 'editor', 'viewer');
/** An email as stored (shared/email.ts): lower case, NFC (the local part may hold any letters), the domain in ASCII. */
const storedEmail = Joi.string()
  .max(LIMITS.emailMax)
  .pattern(/^[^@\s]+@[a-z0-9.-]+$/)
  .description('Lower case, Unicode NFC; an internationalized domain in punycode (xn--)');

export const userSchema = Joi.object<User, true>({
  id: id.required(),
  email: storedEmail.required(),
  name: Joi.string().min(1).max(LIMITS.userNameMax).required(),
  createdAt: time.required(),
})
  .id('User')
  .description('An account. Never carries a password or its hash.');

export const listSchema = Joi.object<List, true>({
  id: id.required(),
  name: Joi.string().min(1).max(LIMITS.listNameMax).required(),
  ownerId: id.required(),
  role: role.required().description('The role of the user receiving the object'),
  seq: seq.required().description('The number of the list\u2019s latest change (0 for a new list)'),
  createdAt: time.required(),
  updatedAt: time.required(),
})
  .id('List')
  .description('A list as one member sees it: `role` is that member\u2019s own.');

export const memberSchema = Joi.object<Member, true>({
  listId: id.required(),
  userId: id.required(),
  email: storedEmail.required(),
  name: Joi.string().min(1).max(LIMITS.userNameMax).required(),
  role: role.required(),
})
  .id('Member')
  .description('A member of a list.');

const taskKeys = {
  id: id.required(),
  listId: id.required(),
  title: Joi.string().min(1).max(LIMITS.titleMax).required(),
  notes: Joi.string().allow('').max(LIMITS.notesMax).required(),
  completed: Joi.boolean().required(),
  completedAt: time.allow(null).required(),
  dueAt: time.allow(null).required(),
  priority: Joi.number().integer().min(0).max(LIMITS.priorityMax).required().description('0 (none) to 3 (high)'),
  position: Joi.string()
    .allow('')
    .max(LIMITS.positionMax)
    .required()
    .description('Sort key: tasks sort by (position, createdAt, id), positions compared byte-wise'),
  version: Joi.number().integer().min(1).required().description('1 on creation, +1 on every change'),
  seq: seq.required().description('The list change number of the task\u2019s latest change'),
  createdBy: id.required(),
  updatedBy: id.required(),
  createdAt: time.required(),
  updatedAt: time.required(),
  assigneeId: id
    .allow(null)
    .required()
    .description('A member of the list the task is assigned to, or null; cleared when they leave the list'),
};
export const taskSchema = Joi.object<Task, true>(taskKeys).id('Task').description('A task of a list.');

export const trashedTaskSchema = Joi.object<TrashedTask, true>({
  ...taskKeys,
  deletedAt: time.required().description('When it was deleted: restorable until TRASH_RETENTION_DAYS after'),
  deletedBy: id.required().description('Who deleted it'),
})
  .id('TrashedTask')
  .description('A deleted task in its list\u2019s trash (`trash:list`), as it was when deleted.');

export const trashPageSchema = Joi.object<TrashPage, true>({
  tasks: Joi.array().items(trashedTaskSchema).required().description('Newest deletion first'),
  next: Joi.string()
    .allow(null)
    .required()
    .description('Pass as `after` for the following (older) page; null on the last page'),
}).id('TrashPage');

export const taskDeletedSchema = Joi.object<TaskDeleted, true>({
  id: id.required(),
  listId: id.required(),
  seq: seq.required(),
})
  .id('TaskDeleted')
  .description('A task that left a list (deleted, or moved away) at change `seq` of that list.');

export const blockSchema = Joi.object<Block, true>({
  userId: id.required(),
  email: Joi.string().email({ tlds: false }).required(),
  name: Joi.string().min(1).max(LIMITS.userNameMax).required(),
  createdAt: time.required().description('When the block was made'),
})
  .id('Block')
  .description(
    'A person the user blocked: their later `list:share` to the user is answered as if the email had no account.',
  );

export const presenceSchema = Joi.object<Presence, true>({
  userId: id.required(),
  name: Joi.string().min(1).max(LIMITS.userNameMax).required(),
  taskId: id
    .allow(null)
    .required()
    .description('The task of the user\u2019s latest `presence:join` in the list, or null'),
  since: time.required().description('The earliest join of the user\u2019s devices present now'),
})
  .id('Presence')
  .description('One user present in a list: one entry per user, however many of their devices joined.');
const presentSchema = Joi.array()
  .items(presenceSchema)
  .description('Everyone present, over every server node: one entry per user (members only), earliest `since` first');
const changePair = Joi.array().length(2).description('[old, new]');
export const activitySchema = Joi.object<Activity, true>({
  id: id.required(),
  listId: id.required(),
  seq: seq.required().description('The list\u2019s change number this entry is of: one entry per seq'),
  at: time.required(),
  actorId: id.required().description('Who made the change'),
  kind: Joi.string()
    .valid(...ACTIVITY_KINDS)
    .required(),
  taskId: id.allow(null).required().description('The task concerned (for a comment: its task), else null'),
  commentId: id.allow(null).required(),
  userId: id.allow(null).required().description('The member concerned (member.*), else null'),
  changes: Joi.object()
    .pattern(Joi.string(), changePair)
    .allow(null)
    .required()
    .description(
      'task.updated: `{field: [old, new]}` for each client-settable field that changed; member.updated: `{role: [old, new]}`; else null',
    ),
})
  .id('Activity')
  .description('One change of a list, as its activity log keeps it.');

export const activityPageSchema = Joi.object<ActivityPage, true>({
  entries: Joi.array().items(activitySchema).required().description('Newest first'),
  next: Joi.string()
    .allow(null)
    .required()
    .description('Pass as `before` for the following (older) page; null on the last page'),
}).id('ActivityPage');

const validationProblem = Joi.object<{ path: string; message: string }, true>({
  path: Joi.string().allow('').required(),
  message: Joi.string().required(),
});

/** ApiError with its `details` as the server sends them. */
type ApiErrorAnswer = Omit<ApiError, 'details'> & {
  details?: { path: string; message: string }[] | { task: Task; fields?: string[] };
};

export const apiErrorSchema = Joi.object<ApiErrorAnswer, true>({
  code: Joi.string()
    .valid(...(Object.keys(ERROR_STATUS) as (keyof typeof ERROR_STATUS)[]))
    .required(),
  message: Joi.string().required(),
  details: Joi.alternatives()
    .try(
      Joi.array().items(validationProblem).description('validation_error: one entry per problem'),
      Joi.object({
        task: taskSchema.required(),
        fields: Joi.array()
          .items(Joi.string().valid(...TASK_FIELDS))
          .description('task:update: the fields of the patch that changed after `expectedVersion`'),
      }).description('conflict on a stale expectedVersion: the task as it is now'),
    )
    .description('validation_error: the problems; conflict on a stale expectedVersion: the current task'),
})
  .id('ApiError')
  .description('Why a request or event failed. `code` is one of the contract\u2019s codes.');

/** The body of every failed HTTP request. */
export const errorBodySchema = Joi.object<{ error: ApiErrorAnswer }, true>({ error: apiErrorSchema.required() })
  .id('ErrorBody')
  .description('The body of every failed HTTP request.');

const expiresAt = time.description('When the token expires (whole seconds)');

export const authResultSchema = Joi.object<AuthResult, true>({
  user: userSchema.required(),
  token: Joi.string().required().description('An access token (JWT): send it as `Authorization: Bearer <token>`'),
  expiresAt: expiresAt.required(),
}).id('AuthResult');

export const tokenSchema = Joi.object<{ token: string; expiresAt: string }, true>({
  token: Joi.string().required(),
  expiresAt: expiresAt.required(),
}).id('Token');

export const taskPageSchema = Joi.object<TaskPage, true>({
  tasks: Joi.array().items(taskSchema).required().description('Live tasks, sorted by (position, createdAt, id)'),
  seq: seq.required().description('The list\u2019s seq when the page was read'),
  next: Joi.string()
    .allow(null)
    .required()
    .description('Pass as `after` for the following page; null on the last page'),
}).id('TaskPage');

const cursors = Joi.object<Record<string, number>>()
  .pattern(Joi.string().guid(), seq)
  .description('The seq reached of each list, by list id');

export const syncResultSchema = Joi.object<SyncResult, true>({
  lists: Joi.array()
    .items(listSchema)
    .required()
    .description('Every list the user can see now; empty when `listsUnchanged` (the `listsTag` sent is current)'),
  tasks: Joi.array().items(taskSchema).required(),
  deleted: Joi.array().items(taskDeletedSchema).required(),
  comments: Joi.array()
    .items(commentSchema)
    .required()
    .description(
      'Comments (of live tasks) changed since the cursor, current state; they count toward the page\u2019s entries',
    ),
  deletedComments: Joi.array()
    .items(commentDeletedSchema)
    .required()
    .description('Comments deleted since the cursor; they count toward the page\u2019s entries'),
  removedListIds: Joi.array().items(id).required(),
  cursors: cursors.required(),
  more: Joi.boolean().required().description('True when the answer stopped at its bound: call `sync` again'),
  listsTag: Joi.string()
    .required()
    .description(
      'The tag of the user\u2019s lists now: it changes whenever anything in them does (a name, a role, a seq, updatedAt, a list gained or lost). Send it back as `listsTag` while holding exactly these lists',
    ),
  listsUnchanged: Joi.boolean()
    .required()
    .description(
      'True when the `listsTag` sent is current: `lists` is then empty and the lists of that tag are the user\u2019s lists (false, with `lists` whole, otherwise)',
    ),
}).id('SyncResult');

export const healthSchema = Joi.object<{ status: 'ok'; app: string; version: string }, true>({
  status: Joi.string().valid('ok').required(),
  app: Joi.string().valid('TODO API').required(),
  version: Joi.string().required().description('The package version'),
});
export const readySchema = Joi.object<{ status: 'ready'; db: 'ok' }, true>({
  status: Joi.string().valid('ready').required(),
  db: Joi.string().valid('ok').required(),
});
export const notReadySchema = Joi.object<{ status: 'unavailable'; db: 'down' }, true>({
  status: Joi.string().valid('unavailable').required(),
  db: Joi.string().valid('down').required(),
});

const withTask = Joi.object<{ task: Task }, true>({ task: taskSchema.required() });
const withList = Joi.object<{ list: List }, true>({ list: listSchema.required() });
const withComment = Joi.object<{ comment: Comment }, true>({ comment: commentSchema.required() });
const empty = Joi.object<Record<string, never>, true>({});
const listIdsLeft = Joi.array()
  .items(id)
  .description('The lists left, each as `list:unshare` of oneself (`member:removed` to its members)');

/** The `data` of each client event's successful ack. */
export const ackDataSchemas: { [E in ClientEventName]: Joi.ObjectSchema<AckData<E>> } = {
  'list:create': withList,
  'list:rename': withList,
  'list:delete': Joi.object<AckData<'list:delete'>, true>({ id: id.required() }),
  'list:share': Joi.object<AckData<'list:share'>, true>({
    member: memberSchema.required(),
    seq: seq.required().description('The list\u2019s change number of this share, as in member:added'),
  }),
  'list:unshare': Joi.object<AckData<'list:unshare'>, true>({
    listId: id.required(),
    userId: id.required(),
    seq: seq.required().description('The list\u2019s change number of this removal, as in member:removed'),
  }),
  'list:members': Joi.object<AckData<'list:members'>, true>({
    members: Joi.array().items(memberSchema).required().description('Owner first, then in order of joining'),
  }),
  'task:create': withTask,
  'task:update': Joi.object<AckData<'task:update'>, true>({
    task: taskSchema.required(),
    from: taskDeletedSchema.description('On a move only: the task:deleted the old list\u2019s members got'),
  }),
  'task:delete': taskDeletedSchema,
  sync: syncResultSchema,
  'auth:refresh': Joi.object<AckData<'auth:refresh'>, true>({
    expiresAt: time.required().description('The socket\u2019s expiry now'),
  }),
  'user:block': Joi.object<AckData<'user:block'>, true>({
    block: blockSchema.required(),
    listIds: listIdsLeft.required().description('The lists left (with `leave`; else empty)'),
  }),
  'user:unblock': Joi.object<AckData<'user:unblock'>, true>({ userId: id.required() }),
  'blocks:list': Joi.object<AckData<'blocks:list'>, true>({
    blocks: Joi.array().items(blockSchema).required().description('Oldest first; at most MAX_BLOCKS_PER_USER'),
  }),
  'lists:leave': Joi.object<AckData<'lists:leave'>, true>({ listIds: listIdsLeft.required() }),
  'presence:join': Joi.object<AckData<'presence:join'>, true>({ present: presentSchema.required() }),
  'presence:leave': empty,
  'activity:list': activityPageSchema,
  'task:restore': withTask,
  'trash:list': trashPageSchema,
  'comment:create': withComment,
  'comment:update': withComment,
  'comment:delete': commentDeletedSchema,
  'comments:list': commentPageSchema,
};

/** The payload of each server event. */
export const eventPayloadSchemas: { [E in ServerEventName]: Joi.ObjectSchema<EventPayload<E>> } = {
  'task:created': withTask,
  'task:updated': withTask,
  'task:deleted': taskDeletedSchema,
  'list:created': withList,
  'list:updated': withList,
  'list:deleted': Joi.object<EventPayload<'list:deleted'>, true>({ id: id.required() }),
  'member:added': Joi.object<EventPayload<'member:added'>, true>({
    member: memberSchema.required(),
    seq: seq.required(),
  }),
  'member:removed': Joi.object<EventPayload<'member:removed'>, true>({
    listId: id.required(),
    userId: id.required(),
    seq: seq.required(),
  }),
  'member:updated': Joi.object<EventPayload<'member:updated'>, true>({
    member: memberSchema.required(),
    seq: seq.required(),
  }),
  'auth:expired': empty,
  'sync:needed': empty,
  'presence:state': Joi.object<EventPayload<'presence:state'>, true>({
    listId: id.required(),
    present: presentSchema.required(),
  }),
  'comment:created': withComment,
  'comment:updated': withComment,
  'comment:deleted': commentDeletedSchema,
  mention: withComment,
};

/** HTTP bodies that are not an entity of their own. */
export const httpBodySchemas = {
  me: Joi.object<{ user: User }, true>({ user: userSchema.required() }),
  lists: Joi.object<{ lists: List[] }, true>({ lists: Joi.array().items(listSchema).required() }),
  list: withList,
  task: withTask,
  taskUpdate: ackDataSchemas['task:update'],
  blocks: ackDataSchemas['blocks:list'],
  block: ackDataSchemas['user:block'],
  listsLeft: ackDataSchemas['lists:leave'],
  activity: activityPageSchema,
  trash: trashPageSchema,
  comment: withComment,
  comments: commentPageSchema,
};
