/** The SDK's public types (see docs/client-guide.md, "Using the SDK"). */
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { TaskPatch } from '../shared/events';
import type {
  ActivityPage,
  ApiError,
  Block,
  Comment,
  List,
  Member,
  Presence,
  Task,
  TrashPage,
  User,
} from '../shared/types';
import type { ClientStorage } from './storage';

export type ConnectionStatus = 'online' | 'connecting' | 'offline';

export interface ClientOptions {
  /** Server origin, e.g. 'http://localhost:3000' (in a web app served by the server: location.origin). */
  url: string;
  /** Holds session, replica and queue; default memoryStorage(). */
  storage?: ClientStorage;
  /** Passed to io() (e.g. transports). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** Refresh the token this long before it expires (default 10% of its life, at most 1 h). */
  refreshMarginMs?: number;
}

/** A list as the replica shows it; `pending`: created locally, not yet acknowledged. */
export interface ListView extends List {
  pending: boolean;
}

/** A comment as the app sees it: `pending` while a queued change of it is not answered yet. */
export interface CommentView extends Comment {
  pending: boolean;
}

/** A task as the replica shows it (server state with the queued changes on top); `pending`: has unacknowledged local changes. */
export interface TaskView extends Task {
  pending: boolean;
}

/**
 * `code`: the contract's error code (conflict, forbidden, not_found, limit_exceeded, rate_limited,
 * validation_error, unauthorized, unavailable, ...), or 'offline' for an online-only call made while
 * offline (or a request that could not reach the server), or 'cancelled' for a queued change dropped
 * by logout(). `task`: on a conflict, the task as it is now. `event`: the refused event.
 */
export interface ClientError {
  code: string;
  message: string;
  details?: unknown;
  task?: Task;
  event?: string;
}

export interface ClientEvents {
  /** The replica changed (`lists`: the list set, names or roles changed). */
  change: (e: { listIds: string[]; lists: boolean }) => void;
  status: (s: ConnectionStatus) => void;
  /** Logged in / out. */
  session: (user: User | null) => void;
  /** The app should ask for a login; the queue and replica are kept. */
  auth: (e: { reason: 'expired' | 'unauthorized' }) => void;
  /** A queued mutation was refused and rolled back. */
  error: (e: ClientError) => void;
  /**
   * A member of a list was added, changed role or removed (a live `member:*` event, or this client's own
   * share or unshare): the cue to read `members(listId)` again (the replica holds only this user's role).
   */
  member: (e: { listId: string; userId: string }) => void;
  /** A presence join was refused (`not_found`: not a member, or not a live task of the list; `limit_exceeded`). */
  presenceRefused: (e: { listId: string; error: ApiError }) => void;
  /** The user was named in a comment (once per comment; live only, not replayed by sync). */
  mention: (e: { comment: Comment }) => void;
}

export interface TaskFieldsInput {
  title: string;
  notes?: string;
  dueAt?: string | null;
  priority?: number;
  position?: string;
  /** A member of the list, or null (none). */
  assigneeId?: string | null;
  id?: string;
}

export interface TodoClient {
  readonly user: User | null;
  readonly status: ConnectionStatus;
  register(email: string, password: string, name: string): Promise<User>;
  /** The same user as the stored session: queue and replica kept (and the queue drained). */
  login(email: string, password: string): Promise<User>;
  /**
   * Ends the session on the server (POST /api/auth/logout: this token is refused from then on, its
   * sockets closed; other devices stay signed in) and forgets session, replica and queue locally at once.
   * Offline, or with no answer within 5 s, the local part is done all the same.
   */
  logout(): Promise<void>;

  /** Sorted by name (case-insensitive), then createdAt. */
  lists(): ListView[];
  list(id: string): ListView | undefined;
  /** The contract's order: (position, createdAt, id). */
  tasks(listId: string): TaskView[];
  task(id: string): TaskView | undefined;
  /** `cb` is called now and on every change of that list; returns the unsubscribe function. */
  subscribe(listId: string, cb: (tasks: TaskView[]) => void): () => void;
  on<E extends keyof ClientEvents>(event: E, cb: ClientEvents[E]): () => void;
  /** Queued, unacknowledged mutations. */
  pendingCount(): number;
  /** Resolves when connected, the queue is empty and no sync is running. */
  synced(): Promise<void>;

  createList(name: string, id?: string): Promise<List>;
  renameList(id: string, name: string): Promise<List>;
  deleteList(id: string): Promise<void>;
  createTask(listId: string, fields: TaskFieldsInput): Promise<Task>;
  /** With expectedVersion, a conflict rolls back to the current task (error.task). */
  updateTask(id: string, patch: TaskPatch, opts?: { expectedVersion?: number }): Promise<Task>;
  deleteTask(id: string, opts?: { expectedVersion?: number }): Promise<void>;
  /** Moves the task between two neighbour tasks of its list (ids; null: the list's start or end). */
  moveTask(id: string, before: string | null, after: string | null): Promise<Task>;
  /**
   * Restores a deleted task (task:restore, within TRASH_RETENTION_DAYS): queued like the changes above,
   * shown back at once when this client knows it (deleted here, or read with trash()).
   */
  restoreTask(id: string): Promise<Task>;

  /** Comments: queued like tasks (shown at once, sent when connected). */
  addComment(taskId: string, body: string, opts?: { mentions?: string[]; id?: string }): Promise<Comment>;
  /** `mentions`, when given, replaces the comment's. */
  editComment(id: string, body: string, opts?: { mentions?: string[] }): Promise<Comment>;
  deleteComment(id: string): Promise<void>;
  /** The comments of a task held, oldest first (with the queue's changes). */
  comments(taskId: string): CommentView[];

  /** Online-only: reject with code 'offline' when offline. */
  members(listId: string): Promise<Member[]>;
  share(listId: string, email: string, role: 'editor' | 'viewer'): Promise<Member>;
  unshare(listId: string, userId: string): Promise<void>;
  leave(listId: string): Promise<void>;
  /** Leaves every list `ownerId` owns (lists:leave); resolves with the lists left, already gone from the replica. */
  leaveAllFrom(ownerId: string): Promise<string[]>;
  /**
   * Blocks a person (user:block): their later shares to this user are answered as if the email had no
   * account. `leave`: also leaves every list they own (`listIds`, gone from the replica).
   */
  block(userId: string, opts?: { leave?: boolean }): Promise<{ block: Block; listIds: string[] }>;
  unblock(userId: string): Promise<void>;
  /** The people this user blocks, oldest first. */
  blocks(): Promise<Block[]>;
  /** A page of a list's trash (trash:list), newest deletion first; pass `next` as `after` for the following. */
  trash(listId: string, opts?: { after?: string; limit?: number }): Promise<TrashPage>;
  /**
   * A list's activity (`activity:list`), newest first, at most `limit` (default and most 100) entries; with
   * `taskId` only that task's; `before`: the page's `next`, for the older entries (null on the last page).
   */
  activity(listId: string, opts?: { taskId?: string; before?: string; limit?: number }): Promise<ActivityPage>;
  /**
   * Be present in a list (looking at `taskId`): `cb` gets everyone present, at the join and whenever it
   * changes; joined again after each reconnect. Call the handle to leave; `handle.move(taskId)` moves.
   */
  presence(listId: string, cb: (present: Presence[]) => void, taskId?: string | null): PresenceHandle;

  /** Disconnects and stops timers (storage is kept). */
  close(): void;
}

/** What `client.presence()` gives: call it to unsubscribe; `move(taskId)` says which task the user looks at now. */
export type PresenceHandle = (() => void) & { move(taskId: string | null): void };
