/** Socket.IO events of the wire contract: names, payloads and the typed maps for `Server` and `io()`. */
import type {
  Ack,
  ActivityPage,
  Block,
  Comment,
  CommentDeleted,
  CommentPage,
  List,
  Member,
  MemberRole,
  Presence,
  SyncResult,
  Task,
  TaskDeleted,
  TrashPage,
} from './types';

/** Client to server requests. */
export const ClientEvent = {
  ListCreate: 'list:create',
  ListRename: 'list:rename',
  ListDelete: 'list:delete',
  ListShare: 'list:share',
  ListUnshare: 'list:unshare',
  ListMembers: 'list:members',
  TaskCreate: 'task:create',
  TaskUpdate: 'task:update',
  TaskDelete: 'task:delete',
  Sync: 'sync',
  AuthRefresh: 'auth:refresh',
  UserBlock: 'user:block',
  UserUnblock: 'user:unblock',
  BlocksList: 'blocks:list',
  ListsLeave: 'lists:leave',
  PresenceJoin: 'presence:join',
  PresenceLeave: 'presence:leave',
  ActivityList: 'activity:list',
  TaskRestore: 'task:restore',
  TrashList: 'trash:list',
  CommentCreate: 'comment:create',
  CommentUpdate: 'comment:update',
  CommentDelete: 'comment:delete',
  CommentsList: 'comments:list',
} as const;

/** Server to client notifications. */
export const ServerEvent = {
  TaskCreated: 'task:created',
  TaskUpdated: 'task:updated',
  TaskDeleted: 'task:deleted',
  ListCreated: 'list:created',
  ListUpdated: 'list:updated',
  ListDeleted: 'list:deleted',
  MemberAdded: 'member:added',
  MemberRemoved: 'member:removed',
  MemberUpdated: 'member:updated',
  AuthExpired: 'auth:expired',
  SyncNeeded: 'sync:needed',
  PresenceState: 'presence:state',
  CommentCreated: 'comment:created',
  CommentUpdated: 'comment:updated',
  CommentDeleted: 'comment:deleted',
  Mention: 'mention',
} as const;

export interface ListCreateInput {
  id?: string;
  name: string;
  mutationId?: string;
}
export interface ListRenameInput {
  id: string;
  name: string;
  mutationId?: string;
}
export interface ListDeleteInput {
  id: string;
  mutationId?: string;
}
export interface ListShareInput {
  listId: string;
  email: string;
  role: MemberRole;
}
export interface ListUnshareInput {
  listId: string;
  userId: string;
}
export interface ListMembersInput {
  listId: string;
}

export interface TaskFields {
  title: string;
  notes?: string;
  dueAt?: string | null;
  priority?: number;
  position?: string;
  /** A member of the list, or null (none). */
  assigneeId?: string | null;
}
export interface TaskCreateInput extends TaskFields {
  listId: string;
  id?: string;
  mutationId?: string;
}
export interface TaskPatch extends Partial<TaskFields> {
  completed?: boolean;
  listId?: string;
}
export interface TaskUpdateInput {
  id: string;
  patch: TaskPatch;
  expectedVersion?: number;
  mutationId?: string;
}
export interface TaskDeleteInput {
  id: string;
  expectedVersion?: number;
  mutationId?: string;
}
export interface SyncInput {
  cursors?: Record<string, number>;
  /** The `listsTag` of the lists the client holds (beyond the contract): unchanged lists are not sent again. */
  listsTag?: string;
}
export interface AuthRefreshInput {
  token: string;
}
/** `leave`: also leave every list the person owns (as lists:leave), in the same transaction. */
export interface UserBlockInput {
  userId: string;
  leave?: boolean;
  mutationId?: string;
}
export interface UserUnblockInput {
  userId: string;
  mutationId?: string;
}
export type BlocksListInput = Record<string, never>;
/** Leave every list that `ownerId` owns and the caller is a member of. */
export interface ListsLeaveInput {
  ownerId: string;
  mutationId?: string;
}

/** Be present in a list (looking at `taskId`, if given); a later join on the same socket moves `taskId`. */
export interface PresenceJoinInput {
  listId: string;
  taskId?: string | null;
}
export interface PresenceLeaveInput {
  listId: string;
}
/** Who is present in a list now (`presence:state`, and the ack of `presence:join`). */
export interface PresenceState {
  listId: string;
  present: Presence[];
}
/** A list's activity, newest first: `before` is the `next` of the previous page. */
export interface ActivityListInput {
  listId: string;
  taskId?: string;
  before?: string;
  limit?: number;
}
/** Bring a deleted task back (within TRASH_RETENTION_DAYS); a live task is answered as it is. */
export interface TaskRestoreInput {
  id: string;
  mutationId?: string;
}
/** A list's trash, newest deletion first: `after` is the `next` of the previous page. */
export interface TrashListInput {
  listId: string;
  after?: string;
  limit?: number;
}

export interface CommentCreateInput {
  taskId: string;
  id?: string;
  body: string;
  /** Members of the task's list (user ids) the comment names; duplicates are dropped. */
  mentions?: string[];
  mutationId?: string;
}
/** `mentions`, when given, replaces the comment's; when absent, they are kept. */
export interface CommentUpdateInput {
  id: string;
  body: string;
  mentions?: string[];
  mutationId?: string;
}
export interface CommentDeleteInput {
  id: string;
  mutationId?: string;
}
/** A task's comments, oldest first: `after` is the `next` of the previous page. */
export interface CommentsListInput {
  taskId: string;
  after?: string;
  limit?: number;
}

type Request<I, O> = (payload: I, ack: (res: Ack<O>) => void) => void;

export interface ClientToServerEvents {
  'list:create': Request<ListCreateInput, { list: List }>;
  'list:rename': Request<ListRenameInput, { list: List }>;
  'list:delete': Request<ListDeleteInput, { id: string }>;
  /** `seq` (beyond the contract): the list's change number of this share, as in member:added. */
  'list:share': Request<ListShareInput, { member: Member; seq: number }>;
  /** `seq` (beyond the contract): the list's change number of this removal, as in member:removed. */
  'list:unshare': Request<ListUnshareInput, { listId: string; userId: string; seq: number }>;
  'list:members': Request<ListMembersInput, { members: Member[] }>;
  'task:create': Request<TaskCreateInput, { task: Task }>;
  /** `from` (beyond the contract), on a move only: the task:deleted the old list's members got. */
  'task:update': Request<TaskUpdateInput, { task: Task; from?: TaskDeleted }>;
  'task:delete': Request<TaskDeleteInput, TaskDeleted>;
  sync: Request<SyncInput, SyncResult>;
  'auth:refresh': Request<AuthRefreshInput, { expiresAt: string }>;
  /** `listIds`: the lists left (empty unless `leave`). */
  'user:block': Request<UserBlockInput, { block: Block; listIds: string[] }>;
  'user:unblock': Request<UserUnblockInput, { userId: string }>;
  'blocks:list': Request<BlocksListInput, { blocks: Block[] }>;
  'lists:leave': Request<ListsLeaveInput, { listIds: string[] }>;
  'presence:join': Request<PresenceJoinInput, { present: Presence[] }>;
  'presence:leave': Request<PresenceLeaveInput, Record<string, never>>;
  'activity:list': Request<ActivityListInput, ActivityPage>;
  'task:restore': Request<TaskRestoreInput, { task: Task }>;
  'trash:list': Request<TrashListInput, TrashPage>;
  'comment:create': Request<CommentCreateInput, { comment: Comment }>;
  'comment:update': Request<CommentUpdateInput, { comment: Comment }>;
  'comment:delete': Request<CommentDeleteInput, CommentDeleted>;
  'comments:list': Request<CommentsListInput, CommentPage>;
}

export interface ServerToClientEvents {
  'task:created': (payload: { task: Task }) => void;
  'task:updated': (payload: { task: Task }) => void;
  'task:deleted': (payload: TaskDeleted) => void;
  'list:created': (payload: { list: List }) => void;
  'list:updated': (payload: { list: List }) => void;
  'list:deleted': (payload: { id: string }) => void;
  'member:added': (payload: { member: Member; seq: number }) => void;
  'member:removed': (payload: { listId: string; userId: string; seq: number }) => void;
  /** A member's role changed. */
  'member:updated': (payload: { member: Member; seq: number }) => void;
  'auth:expired': (payload: Record<string, never>) => void;
  /** Some changes may not have reached this socket: call `sync` with the cursors held. */
  'sync:needed': (payload: Record<string, never>) => void;
  /** Who is present in a list the socket joined (presence:join): not a change, no seq. */
  'presence:state': (payload: PresenceState) => void;
  'comment:created': (payload: { comment: Comment }) => void;
  'comment:updated': (payload: { comment: Comment }) => void;
  'comment:deleted': (payload: CommentDeleted) => void;
  /** The user is named in a comment (once per comment): not a change, no seq. */
  mention: (payload: { comment: Comment }) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
/** The `data` of a successful ack for a client event. */
export type AckData<E extends ClientEventName> =
  Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;
/** The payload of a server notification. */
export type EventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/** A server event and its payload, one tagged union over every server event. */
export type ServerEventMessage = { [E in ServerEventName]: { event: E; payload: EventPayload<E> } }[ServerEventName];

/**
 * The list and the seq a server event is a change of (each list's changes take seqs one by one), or
 * undefined for one that is not (`list:created`, `list:deleted`, `auth:expired`, `sync:needed`).
 */
export function listSeqOf(ev: ServerEventMessage): { listId: string; seq: number } | undefined {
  switch (ev.event) {
    case 'task:created':
    case 'task:updated':
      return { listId: ev.payload.task.listId, seq: ev.payload.task.seq };
    case 'comment:created':
    case 'comment:updated':
      return { listId: ev.payload.comment.listId, seq: ev.payload.comment.seq };
    case 'task:deleted':
    case 'comment:deleted':
      return { listId: ev.payload.listId, seq: ev.payload.seq };
    case 'list:updated':
      return { listId: ev.payload.list.id, seq: ev.payload.list.seq };
    case 'member:added':
    case 'member:updated':
      return { listId: ev.payload.member.listId, seq: ev.payload.seq };
    case 'member:removed':
      return { listId: ev.payload.listId, seq: ev.payload.seq };
    default:
      return undefined;
  }
}
