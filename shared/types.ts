/** Entities and envelopes of the wire contract (docs/api.md describes it). Browser clients import this file. */

export type Role = 'owner' | 'editor' | 'viewer';
export type MemberRole = Exclude<Role, 'owner'>;

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export interface List {
  id: string;
  name: string;
  ownerId: string;
  /** The receiver's own role in this list. */
  role: Role;
  /** The number of the list's latest change. */
  seq: number;
  createdAt: string;
  updatedAt: string;
}

export interface Member {
  listId: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
}

export interface Task {
  id: string;
  listId: string;
  title: string;
  notes: string;
  completed: boolean;
  completedAt: string | null;
  dueAt: string | null;
  /** 0 (none) to 3 (high). */
  priority: number;
  /** Sort key: tasks sort by (position, createdAt, id). */
  position: string;
  version: number;
  seq: number;
  createdBy: string;
  updatedBy: string;
  createdAt: string;
  updatedAt: string;
  /** A member of the task's list (cleared when they leave it), or null. */
  assigneeId: string | null;
}

/** The fields of a task a client sets (`task:update`'s patch): what field-level merge and activity speak of. */
export const TASK_FIELDS = [
  'title',
  'notes',
  'completed',
  'dueAt',
  'priority',
  'position',
  'listId',
  'assigneeId',
] as const;
export type TaskField = (typeof TASK_FIELDS)[number];

export const ACTIVITY_KINDS = [
  'task.created',
  'task.updated',
  'task.deleted',
  'task.restored',
  'comment.created',
  'comment.updated',
  'comment.deleted',
  'list.renamed',
  'member.added',
  'member.updated',
  'member.removed',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** `{field: [old, new]}`: for task.updated each client-settable field that changed, for member.updated `role`. */
export type ActivityChanges = Record<string, [unknown, unknown]>;

/** One change of a list, as its activity log keeps it (one entry per seq). */
export interface Activity {
  id: string;
  listId: string;
  /** The list's change number this entry is of. */
  seq: number;
  at: string;
  /** Who made the change. */
  actorId: string;
  kind: ActivityKind;
  /** The task concerned (for comments: the comment's task), else null. */
  taskId: string | null;
  commentId: string | null;
  /** The member concerned (member.*), else null. */
  userId: string | null;
  changes: ActivityChanges | null;
}

/** One page of a list's activity, newest first. */
export interface ActivityPage {
  entries: Activity[];
  /** Pass as `before` for the following (older) page; null on the last one. */
  next: string | null;
}

/** A deleted task in its list's trash: restorable (task:restore) until TRASH_RETENTION_DAYS after `deletedAt`. */
export interface TrashedTask extends Task {
  deletedAt: string;
  /** Who deleted it. */
  deletedBy: string;
}

/** One page of a list's trash, newest deletion first. */
export interface TrashPage {
  tasks: TrashedTask[];
  /** Pass as `after` for the following (older) page; null on the last one. */
  next: string | null;
}

export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  email_taken: 409,
  limit_exceeded: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ApiError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Every socket event is acknowledged exactly once with one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export interface AuthResult {
  user: User;
  token: string;
  expiresAt: string;
}

/** A comment on a task; it takes its list's seq like a task (`seq`: its latest change). */
export interface Comment {
  id: string;
  taskId: string;
  listId: string;
  authorId: string;
  /** 1 to LIMITS.commentMax characters, trimmed. */
  body: string;
  /** Members of the list the comment names (no duplicates, at most LIMITS.mentionsMax). */
  mentions: string[];
  seq: number;
  createdAt: string;
  /** Null until the first `comment:update`. */
  editedAt: string | null;
}

/** A comment deleted at change `seq` of its list. */
export interface CommentDeleted {
  id: string;
  taskId: string;
  listId: string;
  seq: number;
}

/** One page of a task's comments, oldest first. */
export interface CommentPage {
  comments: Comment[];
  /** Pass as `after` for the following page; null on the last one. */
  next: string | null;
}

export interface TaskDeleted {
  id: string;
  listId: string;
  seq: number;
}

export interface SyncResult {
  lists: List[];
  tasks: Task[];
  deleted: TaskDeleted[];
  /** Comments changed since the cursor (current state), of live tasks. */
  comments: Comment[];
  /** Comments deleted since the cursor. */
  deletedComments: CommentDeleted[];
  removedListIds: string[];
  cursors: Record<string, number>;
  /** The answer had to stop at its bound: call `sync` again with `cursors` until this is false. */
  more: boolean;
  /**
   * Beyond the contract: the tag of the user's lists now (changes whenever anything in them does). Send
   * it back as `listsTag` while holding exactly these lists, and an unchanged set is not sent again.
   */
  listsTag: string;
  /** True when the `listsTag` sent is still current: `lists` is then empty, and the lists held are the lists. */
  listsUnchanged: boolean;
}

/** One page of a list's live tasks (GET /api/lists/:listId/tasks). */
export interface TaskPage {
  tasks: Task[];
  seq: number;
  /** Pass as `after` for the following page; null on the last one. */
  next: string | null;
}

/** A person the user blocked: their later `list:share` to the user is answered as if the email had no account. */
export interface Block {
  userId: string;
  email: string;
  name: string;
  /** When the block was made. */
  createdAt: string;
}

/** One user present in a list (one entry per user, however many of their devices joined). */
export interface Presence {
  userId: string;
  name: string;
  /** The task of the user's latest `presence:join` in the list, or null. */
  taskId: string | null;
  /** Since when the user is present: the earliest join of their devices present now. */
  since: string;
}
