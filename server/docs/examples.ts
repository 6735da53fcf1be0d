/**
 * Example values for the API documents (the tests check each against its schema). Typed with the
 * shared types, so an example cannot miss a field the type has.
 */
import type { AckData, ClientEventName, EventPayload, ServerEventName } from '../../shared/events';
import type {
  Activity,
  ApiError,
  AuthResult,
  Block,
  Comment,
  ErrorCode,
  List,
  Member,
  Presence,
  Task,
  TaskDeleted,
  TrashedTask,
  User,
} from '../../shared/types';

const ADA = '6fc59d36-2475-42d3-b983-34cdc1bbfd9e';
const BOB = 'd63111e1-0294-4086-9326-4a498fd3a53e';
const LIST = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const INBOX = '5fc26d00-c776-432a-8743-c99dd8e2b039';
const BOBS_LIST = 'a3c9e1f2-6b7d-4e8a-9c0b-1d2e3f4a5b6c';
const TASK = '3d6f4a1b-2c8e-4b7a-9f10-6e5d4c3b2a19';
const TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ2ZXIiOjAsImV4cCI6MTc5NTUxODAwMCwiaWF0IjoxNzk1NTE0NDAwLCJzdWIiOiI2ZmM1OWQzNi0yNDc1LTQyZDMtYjk4My0zNGNkYzFiYmZkOWUifQ.X3ieRL9Sk8cleyspzIpkioFdiYfrP_S_Y2b0TMff-0E';

export const ids = { ada: ADA, bob: BOB, list: LIST, inbox: INBOX, task: TASK, token: TOKEN };

export const user: User = { id: ADA, email: 'ada@example.com', name: 'Ada', createdAt: '2026-11-24T10:00:00.340Z' };

export const list: List = {
  id: LIST,
  name: 'Trip to Lisbon',
  ownerId: ADA,
  role: 'owner',
  seq: 6,
  createdAt: '2026-11-24T10:01:40.771Z',
  updatedAt: '2026-11-24T10:20:04.869Z',
};
export const inbox: List = {
  ...list,
  id: INBOX,
  name: 'Inbox',
  seq: 12,
  createdAt: '2026-11-24T10:00:00.347Z',
  updatedAt: '2026-11-24T10:00:00.347Z',
};

export const member: Member = { listId: LIST, userId: BOB, email: 'bob@example.com', name: 'Bob', role: 'editor' };

export const task: Task = {
  id: TASK,
  listId: LIST,
  title: 'Book flights',
  notes: 'Window seat',
  completed: false,
  completedAt: null,
  dueAt: '2026-12-20T18:00:00.000Z',
  priority: 3,
  position: 'a0',
  version: 1,
  seq: 4,
  createdBy: ADA,
  updatedBy: ADA,
  createdAt: '2026-11-24T10:05:00.412Z',
  updatedAt: '2026-11-24T10:05:00.412Z',
  assigneeId: BOB,
};
export const updatedTask: Task = {
  ...task,
  completed: true,
  completedAt: '2026-11-24T10:12:30.118Z',
  version: 2,
  seq: 5,
  updatedBy: BOB,
  updatedAt: '2026-11-24T10:12:30.118Z',
};
export const activity: Activity = {
  id: 'c0ffee00-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
  listId: LIST,
  seq: 5,
  at: '2026-11-24T10:12:30.118Z',
  actorId: BOB,
  kind: 'task.updated',
  taskId: TASK,
  commentId: null,
  userId: null,
  changes: { completed: [false, true] },
};
export const olderActivity: Activity = {
  ...activity,
  id: 'c0ffee01-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
  seq: 4,
  at: '2026-11-24T10:05:00.412Z',
  actorId: ADA,
  kind: 'task.created',
  changes: null,
};
/** The `next` of an activity page whose last entry has seq 4. */
export const activityNext = 'czQ';
const COMMENT = 'e4b1c2d3-5a6f-4e7d-8c9b-0a1b2c3d4e5f';
export const comment: Comment = {
  id: COMMENT,
  taskId: TASK,
  listId: LIST,
  authorId: ADA,
  body: 'Bob, can you take the aisle?',
  mentions: [BOB],
  seq: 6,
  createdAt: '2026-11-24T10:14:02.250Z',
  editedAt: null,
};
export const editedComment: Comment = {
  ...comment,
  body: 'Bob, can you take the aisle seat?',
  seq: 7,
  editedAt: '2026-11-24T10:15:40.031Z',
};
export const commentDeleted = { id: COMMENT, taskId: TASK, listId: LIST, seq: 8 };
export const restCommentCreate = { body: 'Bob, can you take the aisle?', mentions: [BOB] };
export const deleted: TaskDeleted = { id: TASK, listId: LIST, seq: 7 };
/** The task as deleted at seq 7 (the delete took version 3), in the trash. */
export const trashed: TrashedTask = {
  ...updatedTask,
  version: 3,
  seq: 7,
  updatedBy: ADA,
  updatedAt: '2026-11-24T10:25:41.207Z',
  deletedAt: '2026-11-24T10:25:41.207Z',
  deletedBy: ADA,
};
/** Restored at seq 9: its fields as deleted, version 4. */
export const restoredTask: Task = {
  ...updatedTask,
  version: 4,
  seq: 9,
  updatedBy: BOB,
  updatedAt: '2026-11-24T10:31:02.654Z',
};
/** The `next` of a trash page (opaque). */
export const trashNext = 'MTc5NTUxNTk0MTIwNzAwMC4zZDZmNGExYi0yYzhlLTRiN2EtOWYxMC02ZTVkNGMzYjJhMTk';
export const block: Block = {
  userId: BOB,
  email: 'bob@example.com',
  name: 'Bob',
  createdAt: '2026-11-24T10:30:00.000Z',
};

/** Ada looks at no task, Bob at the flights (two of his devices joined; one entry). */
export const present: Presence[] = [
  { userId: ADA, name: 'Ada', taskId: null, since: '2026-11-24T10:40:00.120Z' },
  { userId: BOB, name: 'Bob', taskId: TASK, since: '2026-11-24T10:41:12.512Z' },
];

export const auth: AuthResult = { user, token: TOKEN, expiresAt: '2026-11-24T11:00:00.000Z' };

/** A typical error of each code. */
export const errors: Record<ErrorCode, ApiError> = {
  validation_error: {
    code: 'validation_error',
    message: '"title" is not allowed to be empty',
    details: [{ path: 'title', message: '"title" is not allowed to be empty' }],
  },
  unauthorized: { code: 'unauthorized', message: 'The token is invalid or expired' },
  invalid_credentials: { code: 'invalid_credentials', message: 'Email or password is wrong' },
  forbidden: { code: 'forbidden', message: 'Your role (viewer) may not do this' },
  not_found: { code: 'not_found', message: 'List not found' },
  conflict: {
    code: 'conflict',
    message: 'The task has changed since that version',
    details: { task: updatedTask, fields: ['completed'] },
  },
  email_taken: { code: 'email_taken', message: 'This email is already registered' },
  limit_exceeded: { code: 'limit_exceeded', message: 'A list holds at most 10000 tasks' },
  payload_too_large: { code: 'payload_too_large', message: 'The payload is too large' },
  rate_limited: { code: 'rate_limited', message: 'Too many requests, slow down' },
  internal: { code: 'internal', message: 'Something went wrong on our side' },
  unavailable: { code: 'unavailable', message: 'The database is unavailable' },
};

/** An example payload and ack data of every client event. */
export const payloadExamples: Record<ClientEventName, unknown> = {
  'list:create': { id: LIST, name: 'Trip', mutationId: '1f0e4c2a-8b9d-4e3f-a2c1-5d6e7f8a9b0c' },
  'list:rename': { id: LIST, name: 'Trip to Lisbon' },
  'list:delete': { id: LIST, mutationId: '5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170' },
  'list:share': { listId: LIST, email: 'bob@example.com', role: 'editor' },
  'list:unshare': { listId: LIST, userId: BOB },
  'list:members': { listId: LIST },
  'task:create': {
    listId: LIST,
    id: TASK,
    title: 'Book flights',
    notes: 'Window seat',
    dueAt: '2026-12-20T18:00:00.000Z',
    priority: 3,
    position: 'a0',
    mutationId: 'b7e2c1d0-4f3a-4e5b-9c8d-7a6b5c4d3e2f',
  },
  'task:update': { id: TASK, patch: { completed: true }, expectedVersion: 1 },
  'task:delete': { id: TASK, expectedVersion: 2 },
  sync: {
    cursors: { [INBOX]: 10, [LIST]: 5 },
    listsTag: '0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6',
  },
  'auth:refresh': { token: TOKEN },
  'user:block': { userId: BOB, leave: true, mutationId: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' },
  'user:unblock': { userId: BOB },
  'blocks:list': {},
  'lists:leave': { ownerId: BOB, mutationId: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' },
  'presence:join': { listId: LIST, taskId: TASK },
  'presence:leave': { listId: LIST },
  'activity:list': { listId: LIST, limit: 2 },
  'task:restore': { id: TASK, mutationId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d' },
  'trash:list': { listId: LIST, limit: 1 },
  'comment:create': {
    taskId: TASK,
    id: COMMENT,
    body: 'Bob, can you take the aisle?',
    mentions: [BOB],
    mutationId: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
  },
  'comment:update': { id: COMMENT, body: 'Bob, can you take the aisle seat?' },
  'comment:delete': { id: COMMENT },
  'comments:list': { taskId: TASK, limit: 50 },
};

export const ackExamples: { [E in ClientEventName]: AckData<E> } = {
  'list:create': { list: { ...list, name: 'Trip', seq: 0, updatedAt: list.createdAt } },
  'list:rename': { list },
  'list:delete': { id: LIST },
  'list:share': { member, seq: 2 },
  'list:unshare': { listId: LIST, userId: BOB, seq: 8 },
  'list:members': { members: [{ ...member, userId: ADA, email: user.email, name: 'Ada', role: 'owner' }, member] },
  'task:create': { task },
  'task:update': { task: updatedTask },
  'task:delete': deleted,
  sync: {
    lists: [inbox, list],
    tasks: [updatedTask],
    deleted: [{ ...deleted, id: '0b5c7a52-3a4e-4f4b-9c61-2f8d4e0a9b18' }],
    comments: [comment],
    deletedComments: [{ ...commentDeleted, id: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b', seq: 7 }],
    removedListIds: [],
    cursors: { [INBOX]: 12, [LIST]: 7 },
    more: false,
    listsTag: '9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8',
    listsUnchanged: false,
  },
  'auth:refresh': { expiresAt: '2026-11-24T11:50:00.000Z' },
  'user:block': { block, listIds: [BOBS_LIST] },
  'user:unblock': { userId: BOB },
  'blocks:list': { blocks: [block] },
  'lists:leave': { listIds: [BOBS_LIST] },
  'presence:join': { present },
  'presence:leave': {},
  'activity:list': { entries: [activity, olderActivity], next: activityNext },
  'task:restore': { task: restoredTask },
  'trash:list': { tasks: [trashed], next: trashNext },
  'comment:create': { comment },
  'comment:update': { comment: editedComment },
  'comment:delete': commentDeleted,
  'comments:list': { comments: [comment], next: null },
};

export const eventExamples: { [E in ServerEventName]: EventPayload<E> } = {
  'task:created': { task },
  'task:updated': { task: updatedTask },
  'task:deleted': deleted,
  'list:created': { list: { ...list, role: 'editor', seq: 1 } },
  'list:updated': { list },
  'list:deleted': { id: LIST },
  'member:added': { member, seq: 2 },
  'member:removed': { listId: LIST, userId: BOB, seq: 8 },
  'member:updated': { member: { ...member, role: 'viewer' }, seq: 9 },
  'auth:expired': {},
  'sync:needed': {},
  'presence:state': { listId: LIST, present },
  'comment:created': { comment },
  'comment:updated': { comment: editedComment },
  'comment:deleted': commentDeleted,
  mention: { comment },
};
